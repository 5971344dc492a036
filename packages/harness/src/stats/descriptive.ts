import { sampleStandardDeviation, mean as ssMean } from 'simple-statistics';

function requireSamples(xs: readonly number[], what: string): void {
  if (xs.length === 0) throw new RangeError(`${what} of an empty sample`);
}

/** Arithmetic mean (compensated summation via simple-statistics). */
export function mean(xs: readonly number[]): number {
  requireSamples(xs, 'mean');
  return ssMean([...xs]);
}

/** Sample standard deviation (n - 1 denominator); NaN for a single sample, which has no spread estimate. */
export function sampleStddev(xs: readonly number[]): number {
  requireSamples(xs, 'standard deviation');
  if (xs.length < 2) return Number.NaN;
  return sampleStandardDeviation([...xs]);
}

/**
 * Harmonic mean, the right average for rates measured over equal amounts of
 * work (ops/s, pages stolen per page scanned). A zero rate makes it 0.
 */
export function harmonicMean(xs: readonly number[]): number {
  requireSamples(xs, 'harmonic mean');
  let sumInv = 0;
  for (const x of xs) {
    if (!(x >= 0)) throw new RangeError(`harmonic mean needs non-negative values, got ${x}`);
    if (x === 0) return 0;
    sumInv += 1 / x;
  }
  return xs.length / sumInv;
}

/** Geometric mean, used to fold per-metric ratios into one score. Values must be positive. */
export function geometricMean(xs: readonly number[]): number {
  requireSamples(xs, 'geometric mean');
  let sumLog = 0;
  for (const x of xs) {
    if (!(x > 0) || !Number.isFinite(x))
      throw new RangeError(`geometric mean needs positive finite values, got ${x}`);
    sumLog += Math.log(x);
  }
  return Math.exp(sumLog / xs.length);
}
