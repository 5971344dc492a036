import type { Rng } from '@reclaim-lab/hw-model';
import type { FeistelPermutation } from './feistel.js';
import { ZipfSampler } from './zipf.js';

/**
 * Page-index generators over [0, n). One object per stream, built at compile
 * time; `next` allocates nothing. `enter` is called when a phase using the
 * generator starts.
 */
export interface PatternGen {
  readonly n: number;
  enter(): void;
  next(rng: Rng): number;
}

/** In order, wrapping; `restart` (cyclic) goes back to 0 at each phase start, otherwise it continues. */
export class SequentialGen implements PatternGen {
  private pos = 0;

  constructor(
    readonly n: number,
    private readonly restart: boolean,
  ) {}

  enter(): void {
    if (this.restart) this.pos = 0;
  }

  next(): number {
    const k = this.pos;
    this.pos = k + 1 === this.n ? 0 : k + 1;
    return k;
  }
}

export class UniformGen implements PatternGen {
  constructor(readonly n: number) {}

  enter(): void {}

  next(rng: Rng): number {
    return rng.int(this.n);
  }
}

export class ZipfGen implements PatternGen {
  private readonly sampler: ZipfSampler;

  constructor(
    readonly n: number,
    alpha: number,
    private readonly perm: FeistelPermutation | null,
  ) {
    this.sampler = new ZipfSampler(n, alpha);
  }

  enter(): void {}

  next(rng: Rng): number {
    const rank = this.sampler.sample(rng) - 1;
    return this.perm === null ? rank : this.perm.apply(rank);
  }
}

/** Normal around mean·n with stddev·n; draws outside [0, n) are redrawn rather than piled on the edges. */
export class GaussianGen implements PatternGen {
  private readonly center: number;
  private readonly spread: number;

  constructor(
    readonly n: number,
    mean: number,
    stddev: number,
    private readonly perm: FeistelPermutation | null,
  ) {
    this.center = mean * n;
    this.spread = stddev * n;
  }

  enter(): void {}

  next(rng: Rng): number {
    let k: number;
    do k = Math.floor(this.center + this.spread * rng.normal());
    while (k < 0 || k >= this.n);
    return this.perm === null ? k : this.perm.apply(k);
  }
}

export class HotColdGen implements PatternGen {
  private readonly hot: number;

  constructor(
    readonly n: number,
    hotFraction: number,
    private readonly hotProbability: number,
    private readonly perm: FeistelPermutation | null,
  ) {
    this.hot = Math.min(n, Math.max(1, Math.floor(hotFraction * n)));
  }

  enter(): void {}

  next(rng: Rng): number {
    const cold = this.n - this.hot;
    const k = cold === 0 || rng.next() < this.hotProbability ? rng.int(this.hot) : this.hot + rng.int(cold);
    return this.perm === null ? k : this.perm.apply(k);
  }
}
