import { BloomFilters, bloomKey } from '@reclaim-lab/mechanisms';
import { describe, expect, it } from 'vitest';

function falsePositiveRate(n: number): number {
  const b = new BloomFilters();
  b.reset(1);
  for (let i = 0; i < n; i++) b.add(1, bloomKey(7, i));
  let fp = 0;
  const probes = 50_000;
  for (let i = 0; i < probes; i++) if (b.test(1, bloomKey(8, i))) fp++;
  return fp / probes;
}

describe('Bloom filters (test_bloom_filter / update_bloom_filter / reset_bloom_filter)', () => {
  it('answers "maybe" for everything until the filter is first set up, so the first walk scans all PMDs', () => {
    const b = new BloomFilters();
    expect(b.test(0, bloomKey(1, 2))).toBe(true);
    expect(b.test(1, bloomKey(3, 4))).toBe(true);
    expect(b.population(0)).toBe(-1);
    b.add(0, bloomKey(1, 2)); // a no-op on a filter never set up
    b.reset(0);
    expect(b.population(0)).toBe(0);
    expect(b.test(0, bloomKey(1, 2))).toBe(false);
  });

  it('double-buffers by seq % 2: inserting for seq+1 does not change what seq reads, reset clears only its filter', () => {
    const b = new BloomFilters();
    b.reset(4);
    b.reset(5);
    const k = bloomKey(2, 99);
    b.add(5, k);
    expect(b.test(5, k)).toBe(true);
    expect(b.test(4, k)).toBe(false);
    expect(b.test(7, k)).toBe(true); // seq 7 reads the same filter as 5
    b.reset(6);
    expect(b.test(5, k)).toBe(true);
    b.reset(7);
    expect(b.test(5, k)).toBe(false);
  });

  it('never gives a false negative, and sets two bits per item (k = 2)', () => {
    const b = new BloomFilters();
    b.reset(0);
    for (let i = 0; i < 1000; i++) b.add(0, bloomKey(1, i));
    for (let i = 0; i < 1000; i++) expect(b.test(0, bloomKey(1, i))).toBe(true);
    expect(b.population(0)).toBeLessThanOrEqual(2000);
    expect(b.population(0)).toBeGreaterThan(1900);
  });

  it('has the false-positive rates the kernel documents: ~1/5 at n = 10,000 and ~1/2 at n = 20,000 (m = 2^15)', () => {
    const r10 = falsePositiveRate(10_000);
    const r20 = falsePositiveRate(20_000);
    // Theory for m = 2^15, k = 2: 0.209 and 0.497.
    expect(r10).toBeGreaterThan(0.17);
    expect(r10).toBeLessThan(0.25);
    expect(r20).toBeGreaterThan(0.45);
    expect(r20).toBeLessThan(0.55);
  });

  it('keys are 30-bit and spread PMDs of different mms apart', () => {
    const seen = new Set<number>();
    for (let mm = 0; mm < 4; mm++) {
      for (let pmd = 0; pmd < 256; pmd++) {
        const k = bloomKey(mm, pmd);
        expect(k).toBeGreaterThanOrEqual(0);
        expect(k).toBeLessThan(2 ** 30);
        seen.add(k);
      }
    }
    expect(seen.size).toBe(1024);
  });
});
