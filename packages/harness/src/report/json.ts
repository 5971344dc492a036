import type { Comparison } from '../stats/index.js';

export const JSON_SCHEMA = 'reclaim-lab/comparison@1';

/**
 * Everything: per-workload summaries with every counter, differences vs the
 * baseline, scores, caveats, the metric catalogue, and each run in full
 * (counters, tasks, latency histograms, time series).
 */
export function buildJsonReport(c: Comparison) {
  return {
    schema: JSON_SCHEMA,
    title: c.title,
    description: c.description,
    baseline: c.baseline,
    level: c.level,
    labels: c.labels,
    score: c.score,
    // null, not absent, when a configuration has no score (killed, unfinished, nothing to compare).
    scores: c.scores.map((s) => ({ ...s, score: s.score ?? null })),
    semanticsDiffer: c.semanticsDiffer,
    caveats: c.caveats,
    metrics: c.metrics,
    workloads: c.workloads.map((w) => ({
      workload: w.workload,
      columns: w.columns,
      rows: w.rows.map((r) => ({ metric: r.metric, semanticsDiffer: r.semanticsDiffer, cells: r.cells })),
      summaries: w.summaries,
    })),
    runs: c.cells.map((cell) => ({ label: cell.label, workload: cell.workload, results: cell.results })),
  };
}

/** JSON has no Infinity or NaN: unbounded intervals become null, and their `note` says why. */
export function renderJson(c: Comparison): string {
  return `${JSON.stringify(buildJsonReport(c), null, 2)}\n`;
}
