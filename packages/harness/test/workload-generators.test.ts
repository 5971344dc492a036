import { Rng } from '@reclaim-lab/hw-model';
import { describe, expect, it } from 'vitest';
import { AppCache } from '../src/workload/app-cache.js';
import { FeistelPermutation, harmonic, ZipfSampler } from '../src/workload/index.js';
import { GaussianGen, HotColdGen } from '../src/workload/patterns.js';

describe('ZipfSampler (rejection-inversion)', () => {
  // The sampler is exact, so its CDF must match H(k, alpha) / H(n, alpha).
  for (const alpha of [0.5, 0.99, 1, 1.5]) {
    it(`matches the analytic CDF for alpha ${alpha}`, () => {
      const n = 1000;
      const samples = 400_000;
      const sampler = new ZipfSampler(n, alpha);
      const rng = new Rng(42);
      const counts = new Float64Array(n + 2);
      let outside = 0;
      for (let i = 0; i < samples; i++) {
        const k = sampler.sample(rng);
        if (k >= 1 && k <= n) counts[k]++;
        else outside++;
      }
      expect(outside).toBe(0);
      const total = harmonic(n, alpha);
      let seen = 0;
      let mass = 0;
      let worst = 0;
      for (let k = 1; k <= n; k++) {
        seen += counts[k];
        mass += k ** -alpha;
        worst = Math.max(worst, Math.abs(seen / samples - mass / total));
      }
      expect(worst).toBeLessThan(0.005);
    });
  }

  it('handles one element and huge n in constant memory', () => {
    const rng = new Rng(1);
    expect(new ZipfSampler(1, 0.99).sample(rng)).toBe(1);
    const huge = new ZipfSampler(2 ** 31, 0.99);
    for (let i = 0; i < 1000; i++) {
      const k = huge.sample(rng);
      expect(k >= 1 && k <= 2 ** 31).toBe(true);
    }
  });
});

describe('FeistelPermutation', () => {
  it('is a bijection on [0, n) for awkward sizes', () => {
    for (const n of [1, 2, 3, 5, 17, 1000, 4097, 65536, 65537, 100_003]) {
      const perm = new FeistelPermutation(n, 0xdecaf);
      const seen = new Uint8Array(n);
      let bad = 0;
      for (let i = 0; i < n; i++) {
        const y = perm.apply(i);
        if (y < 0 || y >= n || seen[y] === 1) bad++;
        else seen[y] = 1;
      }
      expect(bad).toBe(0);
    }
  });

  it('scatters neighbours and depends on the key', () => {
    const a = new FeistelPermutation(100_000, 1);
    const b = new FeistelPermutation(100_000, 2);
    const firstTen = Array.from({ length: 10 }, (_, i) => a.apply(i));
    expect(Math.max(...firstTen) - Math.min(...firstTen)).toBeGreaterThan(10_000);
    expect(firstTen).not.toEqual(Array.from({ length: 10 }, (_, i) => b.apply(i)));
  });
});

describe('pattern generators', () => {
  it('gaussian keys centre on mean with the given spread', () => {
    const n = 10_000;
    const gen = new GaussianGen(n, 0.5, 0.1, null);
    const rng = new Rng(3);
    let sum = 0;
    let sq = 0;
    const samples = 200_000;
    for (let i = 0; i < samples; i++) {
      const k = gen.next(rng);
      sum += k;
      sq += k * k;
    }
    const mean = sum / samples;
    const sd = Math.sqrt(sq / samples - mean * mean);
    expect(mean / n).toBeCloseTo(0.5, 2);
    expect(sd / n).toBeCloseTo(0.1, 2);
  });

  it('hotcold sends hotProbability of accesses to hotFraction of pages', () => {
    const n = 10_000;
    const gen = new HotColdGen(n, 0.2, 0.9, null);
    const rng = new Rng(4);
    let hot = 0;
    for (let i = 0; i < 100_000; i++) if (gen.next(rng) < 2000) hot++;
    expect(hot / 100_000).toBeCloseTo(0.9, 2);
  });
});

describe('AppCache', () => {
  it('agrees with a reference LRU on a random stream, including evictions', () => {
    const capacity = 97;
    const cache = new AppCache(capacity);
    const reference = new Map<number, true>();
    const rng = new Rng(9);
    const mismatches: string[] = [];
    for (let i = 0; i < 50_000 && mismatches.length === 0; i++) {
      const key = rng.int(300) * 7919;
      const slot = cache.find(key);
      if (slot >= 0 !== reference.has(key)) mismatches.push(`presence of ${key} at step ${i}`);
      if (slot >= 0) {
        cache.promote(slot);
        reference.delete(key);
        reference.set(key, true);
        if (cache.keyAt(slot) !== key) mismatches.push(`slot ${slot} holds ${cache.keyAt(slot)}, not ${key}`);
        continue;
      }
      cache.admit(key);
      reference.set(key, true);
      let victim = -1;
      for (const k of reference.keys()) {
        if (reference.size > capacity) victim = k;
        break;
      }
      if (victim >= 0) reference.delete(victim);
      if (cache.evicted !== victim >= 0 || (victim >= 0 && cache.evictedKey !== victim))
        mismatches.push(
          `step ${i}: evicted ${cache.evicted ? cache.evictedKey : 'nothing'}, expected ${victim}`,
        );
    }
    expect(mismatches).toEqual([]);
    expect(cache.size).toBe(capacity);
  });
});
