import { type MrcResult, missRatioCurve } from '@reclaim-lab/harness';
import { type Command, Option } from 'commander';
import { applyContainment, type ContainFlags, containOptions, number, UsageError } from '../cli-common.js';

const FORMAT_HELP = 'csv | libcachesim-csv | oracleGeneral | lackey | native';

export interface MrcFlags extends ContainFlags {
  policies: string;
  sizes: string;
  traceFormat?: string;
  params?: string;
  warmup?: string;
  sample?: string;
  workers?: string;
  seed?: string;
}

/** `--warmup 1000` requests, or `--warmup 3600s` of the trace's time (its unit: seconds for oracleGeneral). */
export function parseWarmup(text: string | undefined): { warmupRequests?: number; warmupTime?: number } {
  if (text === undefined) return {};
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(s?)\s*$/.exec(text);
  if (m === null)
    throw new UsageError(`--warmup ${text}: expected N requests or Ns (time), e.g. 100000 or 3600s`);
  const n = Number(m[1]);
  if (m[2] === 's') return { warmupTime: n };
  if (!Number.isInteger(n)) throw new UsageError(`--warmup ${text}: a request count must be an integer`);
  return { warmupRequests: n };
}

export function parseSizes(text: string): number[] {
  const sizes = text.split(',').map((s) => s.trim());
  return sizes.map((s) => {
    const n = Number(s);
    if (s === '' || !(n > 0) || (n >= 1 && !Number.isInteger(n)))
      throw new UsageError(
        `--sizes ${text}: "${s}" is neither a fraction of the footprint in (0, 1) nor a whole number of objects`,
      );
    return n;
  });
}

export async function mrcCommand(trace: string, flags: MrcFlags): Promise<MrcResult> {
  const policies = flags.policies
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (policies.length === 0)
    throw new UsageError('--policies: name at least one policy, e.g. exact-lru,sieve');
  const sample = number('--sample', flags.sample);
  if (sample !== undefined && !(sample > 0 && sample <= 1))
    throw new UsageError(`--sample ${flags.sample}: a SHARDS rate must be in (0, 1], e.g. 0.01`);
  return missRatioCurve(trace, {
    policies,
    sizes: parseSizes(flags.sizes),
    format: flags.traceFormat,
    params: flags.params,
    ...parseWarmup(flags.warmup),
    sampleRate: sample,
    workers: number('--workers', flags.workers),
    seed: number('--seed', flags.seed),
  });
}

export function renderMrc(r: MrcResult, format: 'table' | 'csv' | 'json'): string {
  if (format === 'json')
    return `${r.rows.map((row) => JSON.stringify({ trace: r.trace, ...row })).join('\n')}\n`;
  if (format === 'csv') {
    const lines = ['policy,size,objects,requests,misses,miss_ratio,method'];
    for (const x of r.rows)
      lines.push(`${x.policy},${x.size},${x.objects},${x.requests},${x.misses},${x.missRatio},${x.method}`);
    return `${lines.join('\n')}\n`;
  }
  const head = [
    `trace      ${r.trace}`,
    `footprint  ${r.footprint} objects${r.sampleRate < 1 ? ` (estimated, SHARDS rate ${r.sampleRate})` : ''}`,
    `requests   ${r.requests}${r.warmup > 0 ? ` (${r.warmup} warm-up, not counted)` : ''}`,
    '',
  ];
  const cells = r.rows.map((x) => [
    x.policy,
    String(x.size),
    String(x.objects),
    x.missRatio.toFixed(4),
    String(x.misses),
    String(x.requests),
    x.method,
  ]);
  const titles = ['policy', 'size', 'objects', 'miss ratio', 'misses', 'requests', 'method'];
  const w = titles.map((t, i) => Math.max(t.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => (i === 0 || i === 6 ? v.padEnd(w[i]) : v.padStart(w[i])))
      .join('  ')
      .trimEnd();
  return `${[...head, line(titles), ...cells.map(line)].join('\n').trimEnd()}\n`;
}

export function registerMrc(program: Command): void {
  containOptions(program.command('mrc <trace>'))
    .description(
      'miss-ratio curve: one line per policy and size; exact-lru in one pass from stack distances, other policies replayed per size on the worker pool',
    )
    .requiredOption('--policies <list>', 'comma-separated policy specs, e.g. exact-lru,sieve,s3fifo')
    .requiredOption(
      '--sizes <list>',
      'comma-separated sizes: fractions of the footprint (0.01) or object counts (5000)',
    )
    .option('--trace-format <format>', `trace format: ${FORMAT_HELP} (default: detect)`)
    .option('--params <params>', "libcachesim-csv reader params in libCacheSim's syntax")
    .option('--warmup <n>', 'leave out of the counts the first N requests, or Ns of trace time (e.g. 3600s)')
    .option('--sample <rate>', 'SHARDS sampling rate for exact-lru, e.g. 0.01 (default: exact)')
    .option('--workers <n>', 'worker pool size for replays (default: one per core; 0 = this thread)')
    .option('--seed <n>', 'seed (default 1)')
    .addOption(
      new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'),
    )
    .action(async (trace: string, opts: MrcFlags & { format: 'table' | 'csv' | 'json' }) => {
      applyContainment(opts);
      process.stdout.write(renderMrc(await mrcCommand(trace, opts), opts.format));
    });
}
