import type { ColumnInfo, Comparison, MetricTier, Verdict, WorkloadComparison } from '../stats/index.js';
import {
  formatCi,
  formatDiff,
  formatHalfWidth,
  formatIncomplete,
  formatLevel,
  formatNumber,
  formatSpread,
  IDENTICAL_MARK,
  SEMANTICS_MARK,
  SIGNIFICANT_MARK,
} from './format.js';

/** A workload's comparison flattened into strings: what every tabular report shows. */
export interface TableCell {
  /** "mean ± half-width", or "" when the column does not define the metric. */
  value: string;
  /** The two halves of `value`, for renderers that align them separately. */
  mean: string;
  halfWidth: string;
  /** What follows the mean: "± 4.97", "≡" (identical across seeds) or "". */
  spread: string;
  /** "(+9.2%)*" vs the baseline, "(killed)" / "(unfinished)" when not compared, or "". */
  diff: string;
  verdict?: Verdict;
}

export interface TableRow {
  metric: string;
  /** Metric name with the semantics mark when flagged. */
  name: string;
  unit: string;
  direction: 'lower' | 'higher';
  semanticsDiffer: boolean;
  cells: TableCell[];
}

export interface WorkloadTable {
  workload: string;
  columns: { label: string; n: number; seeds: number[]; status: string }[];
  rows: TableRow[];
  /** Rows left out because every column measured exactly 0. */
  omittedZero: string[];
}

export interface TableOptions {
  /** The least prominent tier shown; 'detail' by default. */
  tier?: MetricTier;
  /** Show exactly these metrics (in this order) instead of a tier. */
  metrics?: readonly string[];
}

const RANK: Record<MetricTier, number> = { key: 0, detail: 1, raw: 2 };

export function workloadTable(w: WorkloadComparison, options: TableOptions = {}): WorkloadTable {
  const tier = options.tier ?? 'detail';
  const chosen = options.metrics
    ? options.metrics.flatMap((m) => w.rows.filter((r) => r.metric === m))
    : w.rows.filter((r) => RANK[r.info.tier] <= RANK[tier]);
  const omittedZero: string[] = [];
  const rows: TableRow[] = [];
  for (const r of chosen) {
    const allZero = r.cells.every((c) => !c.ci || (c.ci.mean === 0 && c.ci.halfWidth === 0));
    if (allZero && !options.metrics) {
      omittedZero.push(r.metric);
      continue;
    }
    rows.push({
      metric: r.metric,
      name: r.semanticsDiffer ? `${r.metric} ${SEMANTICS_MARK}` : r.metric,
      unit: r.info.unit,
      direction: r.info.direction,
      semanticsDiffer: r.semanticsDiffer,
      cells: r.cells.map((c) => ({
        value: c.ci ? formatCi(c.ci) : '',
        mean: c.ci ? formatNumber(c.ci.mean) : '',
        halfWidth: c.ci ? formatHalfWidth(c.ci) : '',
        spread: c.ci ? formatSpread(c.ci) : '',
        diff: c.vsBaseline ? formatDiff(c.vsBaseline) : c.notCompared ? `(${c.notCompared})` : '',
        ...(c.vsBaseline ? { verdict: c.vsBaseline.verdict } : {}),
      })),
    });
  }
  return {
    workload: w.workload,
    columns: w.columns.map((c) => ({ label: c.label, n: c.n, seeds: c.seeds, status: columnStatus(c) })),
    rows,
    omittedZero,
  };
}

/** "" for a configuration whose runs all did the whole work, else "OOM-killed 2/3" and the like. */
export function columnStatus(c: Pick<ColumnInfo, 'completion'>): string {
  return c.completion.status === 'complete' ? '' : formatIncomplete(c.completion);
}

/** A column's header: "mglru (n=3)", "mglru (n=3, OOM-killed 3/3)". */
export function columnTitle(k: { label: string; n: number; status: string }, withN = true): string {
  const inner = [withN ? `n=${k.n}` : '', k.status].filter(Boolean).join(', ');
  return inner ? `${k.label} (${inner})` : k.label;
}

/** One sentence that says how to read every table. */
export function legend(c: Comparison): string {
  const lvl = formatLevel(c.level);
  const parts = [
    `mean ± ${lvl} confidence-interval half-width over n seeds (Student t)`,
    `(Δ) = difference vs ${c.baseline}, ${SIGNIFICANT_MARK} = significant (the ${lvl} Welch interval of the difference excludes 0)`,
    '↓/↑ = lower/higher is better',
    `${IDENTICAL_MARK} = identical across seeds (no interval; differences not tested)`,
  ];
  if (c.workloads.some((w) => w.columns.some((k) => k.completion.status !== 'complete'))) {
    parts.push(
      '(killed)/(unfinished) = not compared: OOM-killed or unfinished runs did less work, so they get no difference and no score',
    );
  }
  if (c.semanticsDiffer.length > 0) {
    parts.push(
      `${SEMANTICS_MARK} = semantics differ across policies (compare by pswpin, pgmajfault, pgpgin, pgsteal)`,
    );
  }
  return parts.join('; ');
}

export function seedsText(seeds: readonly number[]): string {
  const sorted = [...new Set(seeds)].sort((a, b) => a - b);
  const contiguous = sorted.every((s, i) => i === 0 || s === sorted[i - 1] + 1);
  if (contiguous && sorted.length > 2) return `seeds ${sorted[0]}–${sorted[sorted.length - 1]}`;
  if (sorted.length <= 10) return `seeds ${sorted.join(', ')}`;
  return `${sorted.length} distinct seeds`;
}
