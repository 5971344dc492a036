import { mean, sampleStddev } from './descriptive.js';
import { tQuantile } from './t-table.js';

/** Which average a metric uses: arithmetic for times and counts, harmonic for rates. */
export type MeanKind = 'arithmetic' | 'harmonic';

export interface ConfidenceInterval {
  mean: number;
  lo: number;
  hi: number;
  /** t · standard error; Infinity when n = 1 (a single run has no spread estimate). */
  halfWidth: number;
  n: number;
  level: number;
  meanKind: MeanKind;
  /** Standard error of the mean; Infinity when n = 1. */
  stdError: number;
  /** Why the interval is unusual (unbounded, or a fallback was used). */
  note?: string;
}

export interface DiffInterval {
  /** mean(a) - mean(b); b is the baseline. */
  diff: number;
  lo: number;
  hi: number;
  halfWidth: number;
  /** Welch–Satterthwaite degrees of freedom; 0 when either side has a single run. */
  df: number;
  level: number;
  /** The interval excludes 0. */
  significant: boolean;
  /** diff / mean(b); undefined when the baseline mean is 0 and the difference is not. */
  relative: number | undefined;
  note?: string;
}

export const UNBOUNDED_NOTE = 'n=1: a single run has no spread estimate, so the interval is unbounded';

interface Estimate {
  mean: number;
  stdError: number;
  n: number;
  meanKind: MeanKind;
  note?: string;
}

function estimate(samples: readonly number[], kind: MeanKind): Estimate {
  if (samples.length === 0) throw new RangeError('confidence interval of an empty sample');
  const n = samples.length;
  if (kind === 'harmonic') {
    if (samples.every((x) => x > 0)) {
      // Delta method on the reciprocals: H = 1/mean(1/x), se(H) = se(1/x) / mean(1/x)^2.
      const recip = samples.map((x) => 1 / x);
      const mr = mean(recip);
      const se = n < 2 ? Number.POSITIVE_INFINITY : sampleStddev(recip) / Math.sqrt(n) / (mr * mr);
      return { mean: 1 / mr, stdError: se, n, meanKind: 'harmonic' };
    }
    const fallback = estimate(samples, 'arithmetic');
    return {
      ...fallback,
      note: 'a sample is not positive, so the arithmetic mean stands in for the harmonic',
    };
  }
  const se = n < 2 ? Number.POSITIVE_INFINITY : sampleStddev(samples) / Math.sqrt(n);
  return { mean: mean(samples), stdError: se, n, meanKind: 'arithmetic' };
}

/** Student-t interval for the mean (or, with kind 'harmonic', the harmonic mean) of the samples. */
export function confidenceInterval(
  samples: readonly number[],
  level = 0.95,
  kind: MeanKind = 'arithmetic',
): ConfidenceInterval {
  const e = estimate(samples, kind);
  const halfWidth = e.n < 2 ? Number.POSITIVE_INFINITY : tQuantile(e.n - 1, level) * e.stdError;
  const note = e.n < 2 ? UNBOUNDED_NOTE : e.note;
  return {
    mean: e.mean,
    lo: e.mean - halfWidth,
    hi: e.mean + halfWidth,
    halfWidth,
    n: e.n,
    level,
    meanKind: e.meanKind,
    stdError: e.stdError,
    ...(note === undefined ? {} : { note }),
  };
}

/**
 * Welch's interval for mean(a) - mean(b) with Welch–Satterthwaite degrees of
 * freedom: no equal-variance assumption, which matters because one policy can
 * be far noisier than another.
 */
export function diffInterval(
  a: readonly number[],
  b: readonly number[],
  level = 0.95,
  kind: MeanKind = 'arithmetic',
): DiffInterval {
  const ea = estimate(a, kind);
  const eb = estimate(b, kind);
  const diff = ea.mean - eb.mean;
  const relative = eb.mean !== 0 ? diff / eb.mean : diff === 0 ? 0 : undefined;
  const va = ea.stdError ** 2;
  const vb = eb.stdError ** 2;
  let df: number;
  let halfWidth: number;
  let note = ea.note ?? eb.note;
  if (!Number.isFinite(va) || !Number.isFinite(vb)) {
    df = 0;
    halfWidth = Number.POSITIVE_INFINITY;
    note = UNBOUNDED_NOTE;
  } else if (va + vb === 0) {
    // Both sides identical across runs: the difference is exact.
    df = ea.n + eb.n - 2;
    halfWidth = 0;
  } else {
    df = (va + vb) ** 2 / (va ** 2 / (ea.n - 1) + vb ** 2 / (eb.n - 1));
    // Welch df >= min(na, nb) - 1 >= 1 in exact arithmetic; guard rounding.
    halfWidth = tQuantile(Math.max(1, df), level) * Math.sqrt(va + vb);
  }
  const lo = diff - halfWidth;
  const hi = diff + halfWidth;
  return {
    diff,
    lo,
    hi,
    halfWidth,
    df,
    level,
    significant: lo > 0 || hi < 0,
    relative,
    ...(note === undefined ? {} : { note }),
  };
}
