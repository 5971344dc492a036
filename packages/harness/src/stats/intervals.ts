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
  /** Why the interval is unusual (unbounded, identical across seeds, or a fallback was used). */
  note?: string;
  /** Every run gave the same value (to float noise): there is no spread to estimate. */
  identical?: boolean;
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
  /** Both sides were identical across seeds: nothing varies, so nothing is tested (never significant). */
  identical?: boolean;
}

export const UNBOUNDED_NOTE = 'n=1: a single run has no spread estimate, so the interval is unbounded';
export const IDENTICAL_NOTE =
  'identical across seeds: the metric did not vary with the seed, so there is no interval and no test (set machine.jitter for run-to-run noise)';

/**
 * A spread below this fraction of the mean is float rounding (sums taken in a
 * different order), not variation: it counts as zero.
 */
export const RELATIVE_NOISE = 1e-9;

function negligible(spread: number, scale: number): boolean {
  return spread <= RELATIVE_NOISE * Math.abs(scale) || spread === 0;
}

interface Estimate {
  mean: number;
  stdError: number;
  n: number;
  meanKind: MeanKind;
  note?: string;
  identical: boolean;
}

function estimate(samples: readonly number[], kind: MeanKind): Estimate {
  if (samples.length === 0) throw new RangeError('confidence interval of an empty sample');
  const n = samples.length;
  let lo = samples[0];
  let hi = samples[0];
  for (const x of samples) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  if (n >= 2 && negligible(hi - lo, hi)) {
    // Seed-invariant: the same value every run, give or take float rounding.
    const m = kind === 'harmonic' && lo > 0 ? 1 / mean(samples.map((x) => 1 / x)) : mean(samples);
    return {
      mean: m,
      stdError: 0,
      n,
      meanKind: kind === 'harmonic' && lo > 0 ? kind : 'arithmetic',
      identical: true,
    };
  }
  if (kind === 'harmonic') {
    if (samples.every((x) => x > 0)) {
      // Delta method on the reciprocals: H = 1/mean(1/x), se(H) = se(1/x) / mean(1/x)^2.
      const recip = samples.map((x) => 1 / x);
      const mr = mean(recip);
      const se = n < 2 ? Number.POSITIVE_INFINITY : sampleStddev(recip) / Math.sqrt(n) / (mr * mr);
      return { mean: 1 / mr, stdError: se, n, meanKind: 'harmonic', identical: false };
    }
    const fallback = estimate(samples, 'arithmetic');
    return {
      ...fallback,
      note: 'a sample is not positive, so the arithmetic mean stands in for the harmonic',
    };
  }
  const se = n < 2 ? Number.POSITIVE_INFINITY : sampleStddev(samples) / Math.sqrt(n);
  return { mean: mean(samples), stdError: se, n, meanKind: 'arithmetic', identical: false };
}

/** Student-t interval for the mean (or, with kind 'harmonic', the harmonic mean) of the samples. */
export function confidenceInterval(
  samples: readonly number[],
  level = 0.95,
  kind: MeanKind = 'arithmetic',
): ConfidenceInterval {
  const e = estimate(samples, kind);
  const halfWidth =
    e.n < 2 ? Number.POSITIVE_INFINITY : e.identical ? 0 : tQuantile(e.n - 1, level) * e.stdError;
  const note = e.n < 2 ? UNBOUNDED_NOTE : e.identical ? IDENTICAL_NOTE : e.note;
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
    ...(e.identical ? { identical: true } : {}),
  };
}

/**
 * Welch's interval for mean(a) - mean(b) with Welch–Satterthwaite degrees of
 * freedom: no equal-variance assumption, which matters because one policy can
 * be far noisier than another. When both sides are identical across seeds
 * there is no noise to test against: the difference is reported, but it is
 * never called significant (a 0.1% change of a deterministic loop says
 * nothing about a real machine).
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
  } else if (ea.identical && eb.identical) {
    df = ea.n + eb.n - 2;
    halfWidth = 0;
    note = IDENTICAL_NOTE;
  } else {
    df = (va + vb) ** 2 / (va ** 2 / (ea.n - 1) + vb ** 2 / (eb.n - 1));
    // Welch df >= min(na, nb) - 1 >= 1 in exact arithmetic; guard rounding.
    halfWidth = tQuantile(Math.max(1, df), level) * Math.sqrt(va + vb);
  }
  const identical = ea.identical && eb.identical;
  const lo = diff - halfWidth;
  const hi = diff + halfWidth;
  return {
    diff,
    lo,
    hi,
    halfWidth,
    df,
    level,
    significant: !identical && (lo > 0 || hi < 0),
    relative,
    ...(note === undefined ? {} : { note }),
    ...(identical ? { identical: true } : {}),
  };
}
