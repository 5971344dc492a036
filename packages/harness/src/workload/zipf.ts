import type { Rng } from '@reclaim-lab/hw-model';

/**
 * Zipf ranks 1..n with P(k) ∝ k^-alpha by rejection-inversion (Hörmann &
 * Derflinger, "Rejection-inversion to generate variates from monotone
 * discrete distributions", 1996), as in Apache Commons RNG: O(1) memory and
 * setup, a couple of log/exp per sample, exact for any alpha > 0 (alpha = 1
 * included, through the log1p/expm1 helpers).
 */
export class ZipfSampler {
  readonly n: number;
  readonly alpha: number;
  private readonly hIntegralX1: number;
  private readonly hIntegralN: number;
  private readonly s: number;

  constructor(n: number, alpha: number) {
    if (!(n >= 1) || !(alpha > 0))
      throw new RangeError(`zipf needs n >= 1 and alpha > 0 (got ${n}, ${alpha})`);
    this.n = n;
    this.alpha = alpha;
    this.hIntegralX1 = this.hIntegral(1.5) - 1;
    this.hIntegralN = this.hIntegral(n + 0.5);
    this.s = 2 - this.hIntegralInverse(this.hIntegral(2.5) - this.h(2));
  }

  /** A rank in [1, n]; rank 1 is the most popular. */
  sample(rng: Rng): number {
    const n = this.n;
    for (;;) {
      const u = this.hIntegralN + rng.next() * (this.hIntegralX1 - this.hIntegralN);
      const x = this.hIntegralInverse(u);
      let k = Math.floor(x + 0.5);
      if (k < 1) k = 1;
      else if (k > n) k = n;
      if (k - x <= this.s || u >= this.hIntegral(k + 0.5) - this.h(k)) return k;
    }
  }

  private h(x: number): number {
    return Math.exp(-this.alpha * Math.log(x));
  }

  private hIntegral(x: number): number {
    const logX = Math.log(x);
    return helper2((1 - this.alpha) * logX) * logX;
  }

  private hIntegralInverse(x: number): number {
    let t = x * (1 - this.alpha);
    if (t < -1) t = -1;
    return Math.exp(helper1(t) * x);
  }
}

/** log1p(x)/x, stable near 0. */
function helper1(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x * (0.5 - x * (1 / 3 - 0.25 * x));
}

/** expm1(x)/x, stable near 0. */
function helper2(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1 + x * 0.5 * (1 + (x / 3) * (1 + 0.25 * x));
}

/** Generalised harmonic number H(k, alpha) = Σ_{i=1..k} i^-alpha: the Zipf CDF is H(k)/H(n). */
export function harmonic(k: number, alpha: number): number {
  let sum = 0;
  for (let i = k; i >= 1; i--) sum += i ** -alpha;
  return sum;
}
