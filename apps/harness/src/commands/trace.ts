import { existsSync, statSync } from 'node:fs';
import {
  type ConvertResult,
  convertTrace,
  parseTraceFormat,
  resolveTraceFormat,
  type TraceStats,
  traceReadOptions,
  traceStats,
  WRITABLE_TRACE_FORMATS,
  type WritableTraceFormat,
} from '@reclaim-lab/harness';
import type { Command } from 'commander';
import { UsageError } from '../cli-common.js';

const FORMAT_HELP = 'csv | libcachesim-csv | oracleGeneral | lackey | native';

/** Converts IN to OUT; the output appears only when the whole input converted. */
export function traceConvertCommand(
  input: string,
  output: string,
  from: string | undefined,
  to: string,
  params?: string,
): ConvertResult {
  if (existsSync(output) && statSync(output).isDirectory())
    throw new UsageError(`${output}: is a directory; give the path of the file to write`);
  const inFormat = resolveTraceFormat(input, from);
  const readOptions = traceReadOptions(input, inFormat, params);
  let outFormat: string;
  try {
    outFormat = parseTraceFormat(to);
  } catch (e) {
    throw new UsageError(`--to: ${(e as Error).message}`);
  }
  if (!(WRITABLE_TRACE_FORMATS as readonly string[]).includes(outFormat)) {
    throw new UsageError(
      `--to ${to}: cannot write ${outFormat}; writable formats: ${WRITABLE_TRACE_FORMATS.join(', ')}`,
    );
  }
  return convertTrace(input, inFormat, output, outFormat as WritableTraceFormat, readOptions);
}

export function traceStatsCommand(path: string, format: string | undefined, params?: string): TraceStats {
  const f = resolveTraceFormat(path, format);
  return traceStats(path, f, traceReadOptions(path, f, params));
}

const PARAMS_HELP =
  'libcachesim-csv reader params in libCacheSim\'s syntax, e.g. "time-col=2,obj-id-col=5,obj-size-col=4,has-header=true"';

/** The stats as a short report: length, footprint, and the reuse-distance histogram with a bar per bucket. */
export function renderTraceStats(path: string, s: TraceStats): string {
  const pct = (x: number) => (s.requests ? `${((100 * x) / s.requests).toFixed(1)}%` : '-');
  const lines = [
    `trace      ${path}`,
    `requests   ${s.requests}  (${s.reads} reads, ${s.writes} writes)`,
    `footprint  ${s.uniqueKeys} distinct keys`,
    `bytes      ${s.bytes}`,
    `cold       ${s.coldMisses} first accesses (${pct(s.coldMisses)})`,
    '',
    'reuse (stack) distance: distinct other keys touched since the previous access;',
    "cumulative: the hit ratio of an exact LRU holding one page more than the bucket's largest distance",
    '',
    `  ${'distance'.padStart(20)}  ${'requests'.padStart(10)}  ${'share'.padStart(6)}  ${'cumul.'.padStart(6)}`,
  ];
  const peak = Math.max(1, ...s.reuseDistance.map((b) => b.count));
  const label = (b: TraceStats['reuseDistance'][number]) =>
    b.min === b.max ? `${b.min}` : `${b.min}..${b.max}`;
  let cumulative = 0;
  for (const b of s.reuseDistance) {
    cumulative += b.count;
    const bar = '#'.repeat(Math.round((40 * b.count) / peak));
    lines.push(
      `  ${label(b).padStart(20)}  ${String(b.count).padStart(10)}  ${pct(b.count).padStart(6)}  ${pct(cumulative).padStart(6)}  ${bar}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function registerTrace(program: Command): void {
  const trace = program
    .command('trace')
    .description('convert trace files and describe them (input may be zstd- or gzip-compressed)');
  trace
    .command('convert <in> <out>')
    .description('convert a trace between formats (OUT appears only if the whole input converts)')
    .option('--from <format>', `input format: ${FORMAT_HELP} (default: detect)`)
    .option('--params <params>', PARAMS_HELP)
    .requiredOption(
      '--to <format>',
      `output format: ${WRITABLE_TRACE_FORMATS.join(' | ')} (oracleGeneral spelling accepted)`,
    )
    .action((input: string, output: string, opts: { from?: string; to: string; params?: string }) => {
      const r = traceConvertCommand(input, output, opts.from, opts.to, opts.params);
      process.stderr.write(`${output}: ${r.requests} requests, ${r.bytes} bytes\n`);
    });
  trace
    .command('stats <file>')
    .description('length, footprint and reuse-distance histogram of a trace')
    .option('--format <format>', `trace format: ${FORMAT_HELP} (default: detect)`)
    .option('--params <params>', PARAMS_HELP)
    .option('--json', 'print the stats as one JSON object')
    .action((file: string, opts: { format?: string; params?: string; json?: boolean }) => {
      const s = traceStatsCommand(file, opts.format, opts.params);
      process.stdout.write(
        opts.json ? `${JSON.stringify({ trace: file, ...s })}\n` : renderTraceStats(file, s),
      );
    });
}
