import { basename } from 'node:path';
import {
  buildRunJson,
  containmentOf,
  loadPolicySpecs,
  parsePolicySpec,
  parseTraceFormat,
  renderRunCsv,
  runContained,
  runScenario,
  type Scenario,
  scenarioPolicySpecs,
} from '@reclaim-lab/harness';
import { type Command, Option } from 'commander';
import {
  applyContainment,
  buildScenario,
  type ContainFlags,
  collect,
  colorEnabled,
  containOptions,
  type MachineFlags,
  machineOptions,
  pairs,
  UsageError,
  VERSION,
} from '../cli-common.js';
import { printRunTable } from '../run-table.js';
import { createSweepProgress } from './sweep.js';

export function registerRun(program: Command): void {
  machineOptions(
    containOptions(program.command('run'))
      .description('run one workload under one policy and print its vmstat counters')
      .option('--workload <id>', 'built-in workload (see `list`)')
      .option(
        '--trace <file>',
        'replay a trace file as the workload (instead of --workload); zstd or gzip compressed too',
      )
      .option(
        '--trace-format <name>',
        'trace format: csv | libcachesim-csv | oracleGeneral | lackey | native (default: detect)',
      )
      .option(
        '--trace-params <params>',
        'libcachesim-csv reader params in libCacheSim\'s syntax, e.g. "time-col=2,obj-id-col=5,obj-size-col=4"',
      )
      .addOption(
        new Option('--trace-kind <kind>', 'replay requests as fd reads/writes or as anon loads/stores')
          .choices(['file-fd', 'anon'])
          .default('file-fd'),
      )
      .option('--policy <spec>', 'policy, e.g. lru, mglru, mglru:bloom=off (default: lru)', undefined)
      .option('--set <key=value>', 'policy option (repeatable), e.g. --set bloom=off', collect, [])
      .addOption(
        new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'),
      )
      .option('--check-invariants', 'check reclaim invariants after every pass (slow)'),
  ).action(
    async (
      opts: MachineFlags &
        ContainFlags & {
          workload?: string;
          trace?: string;
          traceFormat?: string;
          traceParams?: string;
          traceKind: string;
          policy?: string;
          set: string[];
          format: string;
          checkInvariants?: boolean;
        },
    ) => {
      if (opts.trace !== undefined && opts.workload !== undefined)
        throw new UsageError('give --workload or --trace, not both');
      if (opts.trace === undefined && opts.traceFormat !== undefined)
        throw new UsageError('--trace-format needs --trace');
      if (opts.traceFormat !== undefined) {
        try {
          parseTraceFormat(opts.traceFormat);
        } catch (e) {
          throw new UsageError(`--trace-format: ${(e as Error).message}`);
        }
      }
      if (opts.trace === undefined && opts.traceParams !== undefined)
        throw new UsageError('--trace-params needs --trace');
      const workload =
        opts.trace === undefined
          ? opts.workload
          : {
              trace: opts.trace,
              kind: opts.traceKind,
              ...(opts.traceFormat === undefined ? {} : { format: opts.traceFormat }),
              ...(opts.traceParams === undefined ? {} : { params: opts.traceParams }),
            };
      const scenario = buildScenario(opts, workload, opts.policy);
      applyContainment(opts);
      await loadPolicySpecs(scenarioPolicySpecs(scenario));
      let policy: string | undefined;
      if (opts.set.length) {
        const spec = typeof scenario.policy === 'string' ? scenario.policy : opts.policy;
        if (spec === undefined) throw new UsageError('--set needs a single --policy');
        const extra = pairs(opts.set, '--set');
        parsePolicySpec(spec, extra);
        policy = `${spec}${spec.includes(':') ? ',' : ':'}${Object.entries(extra)
          .map(([k, v]) => `${k}=${v}`)
          .join(',')}`;
      } else if (typeof scenario.policy === 'string') parsePolicySpec(scenario.policy);
      const contained = containmentOf(scenario, policy);
      const runOptions = { policy, checkInvariants: opts.checkInvariants };
      let result: ReturnType<typeof runScenario>;
      // A contained run reports no replay progress: its trace is read in the sandbox.
      if (contained !== undefined) result = await runContained(scenario, { ...runOptions, ...contained });
      else {
        const progress = opts.trace === undefined ? undefined : traceProgress(basename(opts.trace));
        try {
          result = runScenario(scenario, {
            ...runOptions,
            ...(progress ? { onTraceProgress: progress.update } : {}),
          });
        } finally {
          progress?.stop();
        }
      }
      if (opts.format === 'json')
        process.stdout.write(
          `${JSON.stringify(buildRunJson(result, { tool: { name: 'reclaim-lab', version: VERSION }, scenario, policy }))}\n`,
        );
      else if (opts.format === 'csv')
        process.stdout.write(renderRunCsv(result, workloadName(scenario), policy));
      else printRunTable(result, scenario, colorEnabled(process.stdout));
    },
  );
}

/**
 * A trace replay's progress on stderr when it is a terminal (requests done,
 * rate, ETA), its last line left there; nothing in pipes and logs, where stdout's
 * result is all a script wants.
 */
function traceProgress(
  name: string,
): { update(done: number, total: number): void; stop(): void } | undefined {
  if (!process.stderr.isTTY) return undefined;
  const bar = createSweepProgress(`replay ${name}`, 'requests');
  const t0 = Date.now();
  return {
    update(done, total) {
      const elapsedMs = Date.now() - t0;
      const rate = elapsedMs > 0 && done > 0 ? done / (elapsedMs / 1000) : undefined;
      bar.update({
        total,
        done,
        ran: done,
        skipped: 0,
        failed: 0,
        elapsedMs,
        cellsPerSec: rate,
        etaMs: rate === undefined ? undefined : ((total - done) / rate) * 1000,
      });
    },
    stop: () => bar.stop(),
  };
}

/** The workload's name in a CSV row: a preset's id, a trace's file name, an inline spec's name. */
function workloadName(s: Scenario): string {
  const w = s.workload as string | { id?: string; trace?: string; name?: string };
  if (typeof w === 'string') return w;
  if (typeof w.trace === 'string') return basename(w.trace);
  return String(w.id ?? w.name ?? 'custom');
}
