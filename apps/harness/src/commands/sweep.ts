import { readFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import {
  buildJsonReport,
  type Comparison,
  emitK8s,
  emitK8sMerge,
  emitSlurm,
  loadSweepFile,
  mergeSweepDirs,
  parseShard,
  renderCsv,
  renderMarkdown,
  renderTerminal,
  runSweep,
  type SweepProgress,
  type SweepRunSummary,
} from '@reclaim-lab/harness';
import cliProgress from 'cli-progress';
import { type Command, Option } from 'commander';
import {
  applyContainment,
  type ContainFlags,
  colorEnabled,
  containOptions,
  number,
  UsageError,
  VERSION,
} from '../cli-common.js';

function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '--';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

const COMPACT = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

/**
 * A progress bar on stderr: cells done, rate, ETA. On a terminal it redraws
 * in place; without one (CI logs, pipes) it prints a line every few seconds
 * and a last one at the end.
 */
export function createSweepProgress(
  title: string,
  unit = 'cells',
): { update(p: SweepProgress): void; stop(): void } {
  const bar = new cliProgress.SingleBar(
    {
      format: `${title} [{bar}] {value}/{total} ${unit} | {rate} ${unit}/s | ETA {etaText}{extra}`,
      stream: process.stderr,
      noTTYOutput: true,
      notTTYSchedule: 5000,
      barsize: 24,
      fps: 5,
    },
    cliProgress.Presets.legacy,
  );
  let started = false;
  return {
    update(p) {
      const extra = [p.skipped ? `${p.skipped} already done` : '', p.failed ? `${p.failed} failed` : '']
        .filter(Boolean)
        .map((s) => ` | ${s}`)
        .join('');
      const payload = {
        rate:
          p.cellsPerSec === undefined
            ? '--'
            : p.cellsPerSec >= 1e4
              ? COMPACT.format(p.cellsPerSec)
              : p.cellsPerSec.toFixed(2),
        etaText: p.done === p.total ? '0s' : duration(p.etaMs),
        extra,
      };
      if (!started) {
        bar.start(p.total, p.done, payload);
        started = true;
      } else bar.update(p.done, payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

export const STDOUT_FORMATS = ['table', 'markdown', 'json', 'csv'] as const;

export function formatOption(): Option {
  return new Option('--format <format>', 'stdout format').choices(STDOUT_FORMATS).default('table');
}

export function printComparison(c: Comparison, format: string): void {
  // The same object as report.json, schema id first (docs/schemas/comparison.schema.json).
  if (format === 'json') process.stdout.write(`${JSON.stringify(buildJsonReport(c))}\n`);
  else if (format === 'markdown') process.stdout.write(renderMarkdown(c));
  else if (format === 'csv') process.stdout.write(renderCsv(c));
  else process.stdout.write(`${renderTerminal(c, { color: colorEnabled(process.stdout) })}\n`);
}

export function workersFlag(text: string | undefined): number | undefined {
  const n = number('--workers', text);
  if (n !== undefined && (!Number.isInteger(n) || n < 0))
    throw new UsageError(`--workers: expected an integer >= 0, got ${text}`);
  return n;
}

function summaryLine(s: SweepRunSummary): string {
  const shard = s.shard ? ` (shard ${s.shard.index}/${s.shard.count}: ${s.shardTotal} cells)` : '';
  return `sweep: ${s.total} cells${shard}: ran ${s.ran}, already done ${s.skipped}, failed ${s.failed.length}; ${s.total - s.missing} of ${s.total} in ${s.dir}`;
}

interface SweepFlags extends ContainFlags {
  out?: string;
  workers?: string;
  shard?: string;
  resume: boolean;
  format: string;
  emit?: string;
  shards?: string;
  command?: string;
  image?: string;
  claim?: string;
  partition?: string;
  time?: string;
}

/** How this very process was started, so a Slurm task on this machine or a shared install runs the same tool. */
function thisCommand(): string[] {
  return [process.execPath, ...process.execArgv, resolve(process.argv[1])];
}

async function emitBatch(file: string, opts: SweepFlags): Promise<void> {
  const plan = await loadSweepFile(file);
  if (opts.shard !== undefined) throw new UsageError('--emit writes every shard; drop --shard');
  const shards = number('--shards', opts.shards) ?? 2;
  const k8s = opts.emit !== 'slurm';
  const command = opts.command?.trim()
    ? opts.command.trim().split(/\s+/)
    : k8s
      ? ['npx', '--yes', '-p', `@reclaim-lab/cli@${VERSION}`, 'reclaim-lab']
      : thisCommand();
  const o = {
    name: plan.name,
    shards,
    command,
    specPath: resolve(file),
    specText: readFileSync(file, 'utf8'),
    out: resolve(opts.out ?? `out/sweep-${basename(file, extname(file))}`),
    workers: workersFlag(opts.workers) ?? 1,
    cwd: process.cwd(),
    partition: opts.partition,
    time: opts.time,
    image: opts.image,
    claim: opts.claim,
  };
  process.stdout.write(
    opts.emit === 'slurm' ? emitSlurm(o) : opts.emit === 'k8s' ? emitK8s(o) : emitK8sMerge(o),
  );
  process.stderr.write(
    `${opts.emit}: ${plan.cells.length} cells in ${shards} shards (about ${Math.ceil(plan.cells.length / shards)} each)\n`,
  );
}

async function doSweep(file: string, opts: SweepFlags): Promise<void> {
  if (opts.emit !== undefined) return emitBatch(file, opts);
  applyContainment(opts);
  const plan = await loadSweepFile(file);
  const shard = opts.shard === undefined ? undefined : parseShard(opts.shard);
  const out = resolve(opts.out ?? `out/sweep-${basename(file, extname(file))}`);
  const workers = workersFlag(opts.workers);
  process.stderr.write(
    `sweep ${plan.name}: ${plan.configs.length} configuration(s) × ${plan.groups.length} workload group(s) × ${plan.seeds.length} seed(s) = ${plan.cells.length} cells → ${out}\n`,
  );
  const progress = createSweepProgress(shard ? `shard ${shard.index}/${shard.count}` : 'sweep');
  let summary: SweepRunSummary;
  try {
    summary = await runSweep(plan, {
      out,
      workers,
      shard,
      resume: opts.resume,
      onProgress: (p) => progress.update(p),
    });
  } finally {
    progress.stop();
  }
  if (summary.replaced)
    process.stderr.write(
      `note: ${out} held another sweep (${summary.replaced}); cells both share were reused\n`,
    );
  process.stderr.write(`${summaryLine(summary)}\n`);
  for (const f of summary.failed.slice(0, 5)) process.stderr.write(`  failed: ${f.label}: ${f.message}\n`);
  if (summary.failed.length > 0) {
    throw new Error(
      `${summary.failed.length} cell(s) failed; rerun the same command to retry them (finished cells are kept)`,
    );
  }
  if (!summary.complete) {
    process.stderr.write(
      `${summary.missing} cell(s) of other shards are not in ${out}; when every shard has finished: reclaim-lab merge DIR...\n`,
    );
    return;
  }
  const { comparison, written } = await mergeSweepDirs([out]);
  printComparison(comparison, opts.format);
  process.stderr.write(`reports written: ${Object.values(written).join(', ')}\n`);
}

export function registerSweep(program: Command): void {
  containOptions(program.command('sweep'))
    .description(
      'run a sweep file (a scenario whose fields may be lists) cell by cell on a worker pool, resumable and shardable',
    )
    .argument('<file>', 'sweep file (YAML or JSON)')
    .option(
      '--out <dir>',
      'sweep directory: sweep.json, cells/<id>.json, reports (default out/sweep-<file name>)',
    )
    .option('--workers <n>', 'worker processes (default: one per core; 0 = in this process)')
    .option('--shard <i/n>', 'run only the i-th of n deterministic slices of the cells; combine with `merge`')
    .option(
      '--resume',
      'skip cells already in --out (the default: rerunning a killed sweep finishes it)',
      true,
    )
    .option('--no-resume', 'run every cell of this shard again, overwriting its file')
    .addOption(formatOption())
    .addOption(
      new Option(
        '--emit <engine>',
        'print a batch job instead of running: slurm (an sbatch array script), k8s (an Indexed Job), k8s-merge (its merge Job); docs/batch.md',
      ).choices(['slurm', 'k8s', 'k8s-merge']),
    )
    .option('--shards <n>', 'with --emit: array tasks / Job indices, one shard each (default: 2)')
    .option(
      '--command <words>',
      'with --emit: how the nodes run reclaim-lab (default: this command for slurm, npx -p @reclaim-lab/cli for k8s)',
    )
    .option('--partition <name>', 'with --emit slurm: the partition to submit to')
    .option('--time <limit>', 'with --emit slurm: the time limit of each task, e.g. 2:00:00')
    .option('--image <image>', 'with --emit k8s: the container image (default: node:20-bookworm-slim)')
    .option('--claim <pvc>', 'with --emit k8s: the ReadWriteMany PersistentVolumeClaim for the cells')
    .action((file: string, opts: SweepFlags) => doSweep(file, opts));
}
