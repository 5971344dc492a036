export type {
  BaselineDiff,
  ColumnInfo,
  CompareCell,
  CompareOptions,
  Comparison,
  Completion,
  MetricCell,
  MetricRow,
  PolicyScore,
  ScoreRatio,
  Verdict,
  WorkloadComparison,
} from './compare.js';
export { ANY_WORK_METRICS, compare, completionOf, SAME_WORK_RULE, SEMANTICS_CAVEAT } from './compare.js';
export { geometricMean, harmonicMean, mean, sampleStddev } from './descriptive.js';
export type { ConfidenceInterval, DiffInterval, MeanKind } from './intervals.js';
export {
  confidenceInterval,
  diffInterval,
  IDENTICAL_NOTE,
  RELATIVE_NOISE,
  UNBOUNDED_NOTE,
} from './intervals.js';
export type { Direction, MetricDef, MetricGroup, MetricInfo, MetricTier } from './metrics.js';
export { extractMetrics, METRICS, metricDef, metricInfo } from './metrics.js';
export type { MetricSummary, RunSummary } from './summarize.js';
export { summarizeRuns } from './summarize.js';
export { SUPPORTED_LEVELS, studentT95, tQuantile } from './t-table.js';
