import type { RunResult } from '@reclaim-lab/reclaim';
import { type ConfidenceInterval, confidenceInterval } from './intervals.js';
import { METRICS, metricDef } from './metrics.js';

export interface MetricSummary {
  metric: string;
  ci: ConfidenceInterval;
  /** One value per run that defines the metric, in result order. */
  samples: number[];
  /** The seeds of those runs. */
  seeds: number[];
}

export interface RunSummary {
  /** Runs summarised (a metric's own n can be smaller if some runs do not define it). */
  n: number;
  seeds: number[];
  /** Distinct RunResult.policy names among the runs. */
  policies: string[];
  level: number;
  /** Catalogue metrics, keyed by name. */
  metrics: Record<string, MetricSummary>;
  /** vmstat counters the catalogue does not know, arithmetic mean, keyed by name. */
  extraCounters: Record<string, MetricSummary>;
}

function summarizeSamples(
  metric: string,
  pairs: readonly { value: number; seed: number }[],
  level: number,
  kind: ConfidenceInterval['meanKind'],
): MetricSummary {
  const samples = pairs.map((p) => p.value);
  return { metric, ci: confidenceInterval(samples, level, kind), samples, seeds: pairs.map((p) => p.seed) };
}

/** Per-metric confidence intervals over repeated runs (typically one per seed) of one configuration. */
export function summarizeRuns(results: readonly RunResult[], level = 0.95): RunSummary {
  if (results.length === 0) throw new RangeError('summarizeRuns needs at least one run');
  const metrics: Record<string, MetricSummary> = {};
  for (const m of METRICS) {
    const pairs: { value: number; seed: number }[] = [];
    for (const r of results) {
      const value = m.extract(r);
      if (value !== undefined && !Number.isNaN(value)) pairs.push({ value, seed: r.seed });
    }
    if (pairs.length > 0) metrics[m.name] = summarizeSamples(m.name, pairs, level, m.mean);
  }

  const extraNames = new Set<string>();
  for (const r of results) {
    for (const name of Object.keys(r.counters)) if (!metricDef(name)) extraNames.add(name);
  }
  const extraCounters: Record<string, MetricSummary> = {};
  for (const name of [...extraNames].sort()) {
    const pairs = results
      .filter((r) => r.counters[name] !== undefined)
      .map((r) => ({ value: r.counters[name], seed: r.seed }));
    extraCounters[name] = summarizeSamples(name, pairs, level, 'arithmetic');
  }

  return {
    n: results.length,
    seeds: results.map((r) => r.seed),
    policies: [...new Set(results.map((r) => r.policy))],
    level,
    metrics,
    extraCounters,
  };
}
