import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  listPolicies,
  loadPolicySpecs,
  type REPORT_FORMATS,
  runComparisonParallel,
  type SweepProgress,
  type TraceWorkload,
  writeReports,
} from '@reclaim-lab/harness';
import { type Command, Option } from 'commander';
import {
  applyContainment,
  buildScenario,
  type ContainFlags,
  containOptions,
  integer,
  type MachineFlags,
  machineOptions,
  number,
  UsageError,
} from '../cli-common.js';
import { createSweepProgress, formatOption, printComparison } from './sweep.js';

type ReportFormat = (typeof REPORT_FORMATS)[number];

interface CompareFlags extends MachineFlags, ContainFlags {
  policies: string;
  workload?: string;
  workloads?: string;
  trace?: string[];
  traceFormat?: string;
  traceParams?: string;
  traceKind?: string;
  seeds: string;
  report?: string;
  format: string;
  workers?: string;
}

async function doCompare(opts: CompareFlags): Promise<void> {
  applyContainment(opts);
  const policies = opts.policies.split(/,(?![^:]*=)/).flatMap((p) => splitPolicies(p));
  const ids = (opts.workloads ?? opts.workload ?? '').split(',').filter(Boolean);
  if ((opts.trace ?? []).length === 0 && (opts.traceFormat ?? opts.traceParams) !== undefined)
    throw new UsageError('--trace-format and --trace-params need --trace');
  // Traces replay as workloads beside the built-in ones, one reader setting for all.
  const traces: TraceWorkload[] = (opts.trace ?? []).map((trace) => ({
    trace,
    ...(opts.traceFormat === undefined ? {} : { format: opts.traceFormat }),
    ...(opts.traceParams === undefined ? {} : { params: opts.traceParams }),
    ...(opts.traceKind === undefined ? {} : { kind: opts.traceKind as TraceWorkload['kind'] }),
  }));
  const workloads: (string | TraceWorkload)[] = [...ids, ...traces];
  if (workloads.length === 0) throw new UsageError('compare needs --workload ID[,ID...] or --trace FILE');
  await loadPolicySpecs(policies);
  const scenario = buildScenario(opts, workloads[0] as string | Record<string, unknown>, policies[0]);
  const seeds = integer('--seeds', opts.seeds, 1, 1000) ?? 3;
  // The same progress display as sweep and ablate: runs done, rate, ETA.
  const progress = createSweepProgress('compare', 'runs');
  const started = process.hrtime.bigint();
  let comparison: Awaited<ReturnType<typeof runComparisonParallel>>['comparison'];
  try {
    ({ comparison } = await runComparisonParallel(
      {
        policies,
        workloads,
        seeds,
        base: scenario,
        onCell: (done, total) => {
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          const perMs = done / Math.max(ms, 1);
          progress.update({
            done,
            total,
            ran: done,
            skipped: 0,
            failed: 0,
            elapsedMs: ms,
            cellsPerSec: perMs * 1000,
            etaMs: (total - done) / perMs,
          } satisfies SweepProgress);
        },
      },
      { workers: number('--workers', opts.workers) },
    ));
  } finally {
    progress.stop();
  }
  printComparison(comparison, opts.format);
  if (opts.report) {
    const dir = resolve(opts.report);
    mkdirSync(dir, { recursive: true });
    const formats: ReportFormat[] = ['json', 'markdown', 'html', 'text', 'csv'];
    const written = await writeReports(comparison, dir, formats);
    process.stderr.write(`reports written: ${Object.values(written).join(', ')}\n`);
  }
}

/**
 * Split "lru,mglru,mglru:bloom=off,gens=2" into policies: a comma starts a
 * new policy unless what follows is a key=value of the current one.
 */
function splitPolicies(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(',')) {
    if (out.length && /^[A-Za-z][\w-]*=/.test(part) && out[out.length - 1].includes(':'))
      out[out.length - 1] += `,${part}`;
    else out.push(part);
  }
  return out.filter(Boolean);
}

export function registerCompare(program: Command): void {
  machineOptions(
    containOptions(program.command('compare'))
      .description(
        'run several policies on the same workloads and seeds, side by side with confidence intervals',
      )
      .requiredOption('--policies <list>', 'comma-separated policy specs; the first is the baseline')
      .option('--workload <ids>', 'workload id(s), comma-separated')
      .option('--workloads <ids>', 'alias of --workload')
      .option(
        '--trace <file>',
        'a trace replayed as a workload (repeatable; beside or instead of --workload)',
        (v: string, acc: string[]) => [...acc, v],
        [] as string[],
      )
      .option('--trace-format <name>', 'trace format of every --trace (default: detect)')
      .option('--trace-params <params>', "libcachesim-csv reader params in libCacheSim's syntax")
      .addOption(
        new Option(
          '--trace-kind <kind>',
          'replay requests as fd reads/writes or as anon loads/stores',
        ).choices(['file-fd', 'anon']),
      )
      .option('--seeds <n>', 'seeds per cell', '3')
      .option('--report <dir>', 'also write JSON, Markdown, HTML and text reports there')
      .option('--workers <n>', 'worker processes (default: one per core; 0 = in this process)')
      .addOption(formatOption()),
  ).action((opts: CompareFlags) => doCompare(opts));

  program
    .command('demo')
    .description('the README demo: compare the built-in policies on three workloads and write an HTML report')
    .option('--report <dir>', 'report directory', 'out/demo')
    .option('--seeds <n>', 'seeds per cell', '3')
    .action((opts: { report: string; seeds: string }) => {
      // The two kernel algorithms; the demo stays quick however many policies are registered.
      const registered = listPolicies().map((p) => p.name);
      const policies = ['lru', 'mglru'].filter((p) => registered.includes(p));
      process.stderr.write(
        `demo: ${policies.join(' vs ')} on scan-resistance, loop-over-memory, zipf-anon (128MiB, ${opts.seeds} seeds)\n`,
      );
      return doCompare({
        policies: policies.join(','),
        workloads: 'scan-resistance,loop-over-memory,zipf-anon',
        seeds: opts.seeds,
        memory: '128MiB',
        report: opts.report,
        format: 'table',
        param: [],
      });
    });
}
