import type { RunResult } from '@reclaim-lab/reclaim';
import { type Comparison, extractMetrics } from '../stats/index.js';

/**
 * Tidy long form: one row per observation, the same columns for `run`,
 * `compare`, `sweep`, `ablate` and `merge`, so pandas (`read_csv`) and R
 * (`read.csv`) take it without reshaping.
 */
export const CSV_COLUMNS = ['configuration', 'workload', 'seed', 'phase', 'metric', 'value'] as const;

/** The phase of a whole-run metric. */
export const WHOLE_RUN = 'all';

export interface CsvRow {
  configuration: string;
  workload: string;
  seed: number;
  phase: string;
  metric: string;
  value: number;
}

/** RFC 4180 quoting, only where a field needs it. */
function field(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Numbers as JavaScript prints them (shortest round trip); no Infinity or NaN in the file. */
function num(x: number): string {
  return Number.isFinite(x) ? String(x) : '';
}

/** Numeric leaves of a plain object, keys joined by '.'; arrays (time series) are left out. */
function numericLeaves(value: unknown, prefix: string, out: [string, number][]): void {
  if (typeof value === 'number') out.push([prefix, value]);
  else if (typeof value === 'boolean') out.push([prefix, value ? 1 : 0]);
  else if (value !== null && typeof value === 'object' && !Array.isArray(value))
    for (const [k, v] of Object.entries(value)) numericLeaves(v, prefix ? `${prefix}.${k}` : k, out);
}

/** A phase's or memcg's name, whatever shape the result gives it in. */
function nameOf(item: unknown, fallback: string): string {
  if (item !== null && typeof item === 'object')
    for (const k of ['name', 'phase', 'path', 'memcg'])
      if (typeof (item as Record<string, unknown>)[k] === 'string')
        return (item as Record<string, string>)[k];
  return fallback;
}

/** Entries of a list or a record keyed by name. */
function named(value: unknown): [string, unknown][] {
  if (Array.isArray(value)) return value.map((v, i) => [nameOf(v, String(i)), v]);
  if (value !== null && typeof value === 'object') return Object.entries(value);
  return [];
}

/**
 * One run's observations: the metric catalogue and every vmstat counter
 * (phase "all"), per-task figures as `task:NAME:FIELD`, per-phase results
 * under their phase's name, per-memcg figures as `memcg:PATH:FIELD`.
 */
export function runRows(r: RunResult, configuration: string, workload: string): CsvRow[] {
  const rows: CsvRow[] = [];
  const push = (phase: string, metric: string, value: number) =>
    rows.push({ configuration, workload, seed: r.seed, phase, metric, value });
  const seen = new Set<string>();
  const whole = (metric: string, value: number) => {
    if (seen.has(metric)) return;
    seen.add(metric);
    push(WHOLE_RUN, metric, value);
  };
  for (const [m, v] of Object.entries(extractMetrics(r))) whole(m, v);
  for (const [m, v] of Object.entries(r.counters)) whole(m, v);
  whole('runtime_ns', r.runtimeNs);
  whole('requests', r.requests);
  whole('misses', r.misses);
  whole('events', r.events);
  if (r.memoryPages !== undefined) whole('memory_pages', r.memoryPages);
  for (const [name, l] of [
    ['direct_reclaim', r.directReclaimLatency],
    ['kswapd_batch', r.kswapdBatchLatency],
  ] as const) {
    const leaves: [string, number][] = [];
    numericLeaves(l, `${name}_latency`, leaves);
    for (const [k, v] of leaves) whole(k, v);
  }
  if (r.pressure) {
    const leaves: [string, number][] = [];
    numericLeaves(r.pressure, 'pressure', leaves);
    for (const [k, v] of leaves) whole(k, v);
  }
  for (const t of r.tasks) {
    const leaves: [string, number][] = [];
    numericLeaves(t, '', leaves);
    for (const [k, v] of leaves) whole(`task:${t.name}:${k}`, v);
  }
  // Added by later result versions: per-phase results and per-memcg statistics.
  const extra = r as unknown as { phases?: unknown; memcgs?: unknown };
  // A phase is TASK:PHASE (one row set per task), and #N tells a repeated phase's runs apart.
  const runs = new Map<string, number>();
  for (const [name, p] of named(extra.phases)) {
    const task = (p as { task?: unknown }).task;
    let phase = typeof task === 'string' ? `${task}:${name}` : name;
    const n = (runs.get(phase) ?? 0) + 1;
    runs.set(phase, n);
    if (n > 1) phase = `${phase}#${n}`;
    const leaves: [string, number][] = [];
    numericLeaves(p, '', leaves);
    for (const [k, v] of leaves)
      if (k !== 'index') push(phase, k.replace(/^(counters|metrics|vmstat)\./, ''), v);
  }
  for (const [path, m] of named(extra.memcgs)) {
    const leaves: [string, number][] = [];
    numericLeaves(m, '', leaves);
    for (const [k, v] of leaves) whole(`memcg:${path}:${k}`, v);
  }
  return rows;
}

export function renderCsvRows(rows: readonly CsvRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rows)
    lines.push(
      [
        field(r.configuration),
        field(r.workload),
        String(r.seed),
        field(r.phase),
        field(r.metric),
        num(r.value),
      ].join(','),
    );
  return `${lines.join('\n')}\n`;
}

/** One run (`run --format csv`). */
export function renderRunCsv(r: RunResult, workload: string, configuration = r.policy): string {
  return renderCsvRows(runRows(r, configuration, workload));
}

/** Every run of a comparison, a sweep or an ablation, seed by seed. */
export function renderCsv(c: Comparison): string {
  return renderCsvRows(
    c.cells.flatMap((cell) => cell.results.flatMap((r) => runRows(r, cell.label, cell.workload))),
  );
}
