#!/usr/bin/env node
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  listPolicies,
  listWorkloads,
  loadScenarioFile,
  parsePolicySpec,
  type REPORT_FORMATS,
  renderMarkdown,
  renderTerminal,
  runComparison,
  runScenario,
  type Scenario,
  validateScenario,
  writeReports,
} from '@reclaim-lab/harness';
import type { RunResult } from '@reclaim-lab/reclaim';
import { Command, Option } from 'commander';
import pc from 'picocolors';
import { printRunTable } from './run-table.js';

type ReportFormat = (typeof REPORT_FORMATS)[number];

const program = new Command('reclaim-lab')
  .description('Simulate Linux memory reclaim: one reclaim path, pluggable policies, agreed workloads.')
  .showHelpAfterError()
  .configureOutput({ outputError: (str, write) => write(pc.red(str)) });

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function pairs(list: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`${flag} ${item}: expected key=value`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

class UsageError extends Error {}

/** Parameter values from the command line: numbers and booleans are typed, the rest stay strings. */
function typedParams(raw: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === 'true' || v === 'false') out[k] = v === 'true';
    else if (v.trim() !== '' && Number.isFinite(Number(v))) out[k] = Number(v);
    else out[k] = v;
  }
  return out;
}

interface MachineFlags {
  memory?: string;
  swap?: string;
  swapDevice?: string;
  disk?: string;
  swappiness?: string;
  nodes?: string;
  mode?: string;
  seed?: string;
  param: string[];
  scenario?: string;
}

function machineOptions(cmd: Command): Command {
  return cmd
    .option('--memory <size>', 'machine memory, e.g. 256MiB, 2GiB')
    .option('--swap <size>', 'swap size (default: equal to memory)')
    .option('--swap-device <name>', 'swap device: zram | ramdisk | nvme | ssd | hdd')
    .option('--disk <name>', 'device holding files: zram | ramdisk | nvme | ssd | hdd')
    .option('--swappiness <n>', 'vm.swappiness, 0..200')
    .option('--nodes <n>', 'NUMA nodes to split memory over')
    .addOption(new Option('--mode <mode>', 'kernel (faithful) or ideal (policy alone)').choices(['kernel', 'ideal']))
    .option('--seed <n>', 'seed (default 1)')
    .option('--param <key=value>', 'workload parameter (repeatable)', collect, [])
    .option('--scenario <file>', 'scenario file (YAML or JSON); flags override its fields');
}

function number(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag}: expected a number, got "${text}"`);
  return n;
}

/** Merge a scenario file with flags, then validate the whole. */
function buildScenario(flags: MachineFlags, workload: string | undefined, policy: string | undefined): Scenario {
  const base: Record<string, unknown> = flags.scenario ? { ...loadScenarioFile(flags.scenario) } : {};
  const machine: Record<string, unknown> = { ...((base.machine as Record<string, unknown>) ?? {}) };
  if (flags.memory !== undefined) machine.memory = flags.memory;
  if (flags.swap !== undefined) machine.swap = flags.swap;
  if (flags.swapDevice !== undefined) machine.swapDevice = flags.swapDevice;
  if (flags.disk !== undefined) machine.disk = flags.disk;
  if (flags.swappiness !== undefined) machine.swappiness = number('--swappiness', flags.swappiness);
  if (flags.nodes !== undefined) machine.nodes = number('--nodes', flags.nodes);
  const fields: Record<string, unknown> = { ...base, machine };
  if (workload !== undefined) fields.workload = workload;
  if (fields.workload === undefined) throw new UsageError('a workload is needed: --workload ID (see `reclaim-lab list`) or --scenario FILE');
  if (policy !== undefined) fields.policy = policy;
  if (flags.mode !== undefined) fields.mode = flags.mode;
  if (flags.seed !== undefined) fields.seed = number('--seed', flags.seed);
  if (flags.param.length) fields.params = { ...((base.params as Record<string, unknown>) ?? {}), ...typedParams(pairs(flags.param, '--param')) };
  return validateScenario(fields, flags.scenario ?? 'options');
}

machineOptions(
  program
    .command('run')
    .description('run one workload under one policy and print its vmstat counters')
    .option('--workload <id>', 'built-in workload (see `list`)')
    .option('--policy <spec>', 'policy, e.g. lru, mglru, mglru:bloom=off', undefined)
    .option('--set <key=value>', 'policy option (repeatable), e.g. --set bloom=off', collect, [])
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--check-invariants', 'check reclaim invariants after every pass (slow)'),
).action((opts: MachineFlags & { workload?: string; policy?: string; set: string[]; format: string; checkInvariants?: boolean }) => {
  const scenario = buildScenario(opts, opts.workload, opts.policy);
  let policy: string | undefined;
  if (opts.set.length) {
    const spec = typeof scenario.policy === 'string' ? scenario.policy : opts.policy;
    if (spec === undefined) throw new UsageError('--set needs a single --policy');
    const extra = pairs(opts.set, '--set');
    parsePolicySpec(spec, extra);
    policy = `${spec}${spec.includes(':') ? ',' : ':'}${Object.entries(extra).map(([k, v]) => `${k}=${v}`).join(',')}`;
  } else if (typeof scenario.policy === 'string') parsePolicySpec(scenario.policy);
  const result = runScenario(scenario, { policy, checkInvariants: opts.checkInvariants });
  if (opts.format === 'json') process.stdout.write(`${JSON.stringify(result)}\n`);
  else printRunTable(result, scenario, process.stdout.isTTY === true);
});

interface CompareFlags extends MachineFlags {
  policies: string;
  workload?: string;
  workloads?: string;
  seeds: string;
  report?: string;
  format: string;
}

function doCompare(opts: CompareFlags): void {
  const policies = opts.policies.split(/,(?![^:]*=)/).flatMap((p) => splitPolicies(p));
  const workloads = (opts.workloads ?? opts.workload ?? '').split(',').filter(Boolean);
  if (workloads.length === 0) throw new UsageError('compare needs --workload ID[,ID...]');
  const scenario = buildScenario(opts, workloads[0], policies[0]);
  const seeds = number('--seeds', opts.seeds) ?? 3;
  const tty = process.stderr.isTTY === true;
  const started = process.hrtime.bigint();
  const { comparison } = runComparison({
    policies,
    workloads,
    seeds,
    base: scenario,
    onCell: (done, total, label) => {
      const secs = Number(process.hrtime.bigint() - started) / 1e9;
      const eta = (secs / done) * (total - done);
      const line = `[${done}/${total}] ${label}  ${(done / secs).toFixed(1)} runs/s  ETA ${eta.toFixed(0)}s`;
      if (tty) process.stderr.write(`\r\x1b[K${line}`);
      else process.stderr.write(`${line}\n`);
    },
  });
  if (tty) process.stderr.write('\n');
  if (opts.format === 'json') process.stdout.write(`${JSON.stringify(comparison)}\n`);
  else if (opts.format === 'markdown') process.stdout.write(renderMarkdown(comparison));
  else process.stdout.write(`${renderTerminal(comparison, { color: process.stdout.isTTY === true })}\n`);
  if (opts.report) {
    const dir = resolve(opts.report);
    mkdirSync(dir, { recursive: true });
    const formats: ReportFormat[] = ['json', 'markdown', 'html', 'text'];
    writeReports(comparison, dir, formats).then((written) => {
      process.stderr.write(`reports written: ${Object.values(written).join(', ')}\n`);
    });
  }
}

/**
 * Split "lru,mglru,mglru:bloom=off,gens=2" into policies: a comma starts a
 * new policy unless what follows is a key=value of the current one.
 */
function splitPolicies(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(',')) {
    if (out.length && /^[A-Za-z][\w-]*=/.test(part) && out[out.length - 1].includes(':')) out[out.length - 1] += `,${part}`;
    else out.push(part);
  }
  return out.filter(Boolean);
}

machineOptions(
  program
    .command('compare')
    .description('run several policies on the same workloads and seeds, side by side with confidence intervals')
    .requiredOption('--policies <list>', 'comma-separated policy specs; the first is the baseline')
    .option('--workload <ids>', 'workload id(s), comma-separated')
    .option('--workloads <ids>', 'alias of --workload')
    .option('--seeds <n>', 'seeds per cell', '3')
    .option('--report <dir>', 'also write JSON, Markdown, HTML and text reports there')
    .addOption(new Option('--format <format>', 'stdout format').choices(['table', 'markdown', 'json']).default('table')),
).action((opts: CompareFlags) => doCompare(opts));

program
  .command('demo')
  .description('the README demo: compare the built-in policies on three workloads and write an HTML report')
  .option('--report <dir>', 'report directory', 'out/demo')
  .option('--seeds <n>', 'seeds per cell', '3')
  .action((opts: { report: string; seeds: string }) => {
    const policies = listPolicies().map((p) => p.name);
    process.stderr.write(`demo: ${policies.join(' vs ')} on scan-resistance, loop-over-memory, zipf-anon (128MiB, ${opts.seeds} seeds)\n`);
    doCompare({
      policies: policies.join(','),
      workloads: 'scan-resistance,loop-over-memory,zipf-anon',
      seeds: opts.seeds,
      memory: '128MiB',
      report: opts.report,
      format: 'table',
      param: [],
    });
  });

program
  .command('list')
  .description('list the built-in workloads and the registered policies')
  .addOption(new Option('--format <format>').choices(['table', 'json']).default('table'))
  .action((opts: { format: string }) => {
    const workloads = listWorkloads();
    const policies = listPolicies().map((p) => ({
      name: p.name,
      description: p.description,
      options: p.defaults,
      presets: Object.keys(p.presets ?? {}),
    }));
    if (opts.format === 'json') {
      process.stdout.write(`${JSON.stringify({ workloads, policies }, null, 2)}\n`);
      return;
    }
    const out: string[] = ['Workloads:'];
    const w = Math.max(...workloads.map((x) => x.id.length));
    for (const x of workloads) {
      out.push(`  ${x.id.padEnd(w)}  ${x.description}`);
      if (x.params.length) out.push(`  ${''.padEnd(w)}  params: ${x.params.map((p) => `${p.name}=${String(p.default)}`).join(', ')}`);
    }
    out.push('', 'Policies:');
    const pw = Math.max(...policies.map((x) => x.name.length));
    for (const p of policies) {
      out.push(`  ${p.name.padEnd(pw)}  ${p.description}`);
      const o = Object.entries(p.options).map(([k, v]) => `${k}=${String(v)}`);
      if (o.length) out.push(`  ${''.padEnd(pw)}  options: ${o.join(', ')}`);
      if (p.presets.length) out.push(`  ${''.padEnd(pw)}  presets: ${p.presets.join(', ')}`);
    }
    process.stdout.write(`${out.join('\n')}\n`);
  });

export async function main(argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`reclaim-lab: error: ${msg}\n`);
    if (process.env.RECLAIM_LAB_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    return 2;
  }
}

export type { RunResult };

main(process.argv).then((code) => {
  process.exitCode = code;
});
