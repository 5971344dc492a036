import { mix32 } from './hash.js';

const ROUNDS = 4;

/**
 * A keyed bijection on [0, n) without a table: a Feistel network on the
 * smallest number of bits covering n (unbalanced when that is odd: the two
 * halves swap sizes every round), with cycle-walking — re-encrypt until the
 * value lands below n; the domain is < 2n, so under two steps on average.
 * Used to scatter Zipf ranks and hot sets over a region so that hot pages
 * are not contiguous (Black & Rogaway, "Ciphers with arbitrary finite
 * domains", 2002).
 */
export class FeistelPermutation {
  readonly n: number;
  private readonly bits: number;
  private readonly keys = new Int32Array(ROUNDS);

  constructor(n: number, key: number) {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 31)
      throw new RangeError(`permutation size ${n} out of range`);
    this.n = n;
    this.bits = Math.max(2, Math.ceil(Math.log2(n)));
    let k = key >>> 0;
    for (let i = 0; i < ROUNDS; i++) {
      k = mix32(k + 0x9e3779b9);
      this.keys[i] = k;
    }
  }

  apply(x: number): number {
    const n = this.n;
    if (n === 1) return 0;
    let y = x;
    do y = this.encrypt(y);
    while (y >= n);
    return y;
  }

  private encrypt(x: number): number {
    const bits = this.bits;
    let low = bits >>> 1;
    for (let i = 0; i < ROUNDS; i++) {
      // x = L·2^low + R; the round maps it to R·2^(bits-low) + (L xor F(R)), a bijection.
      const high = bits - low;
      const right = x & ((1 << low) - 1);
      const left = x >>> low;
      let f = Math.imul(right ^ this.keys[i], 0x9e3779b1);
      f ^= f >>> 15;
      f = Math.imul(f, 0x85ebca6b);
      f ^= f >>> 16;
      x = right * (1 << high) + ((left ^ f) & ((1 << high) - 1));
      low = high;
    }
    return x;
  }
}
