import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSyntheticTrace, runIdealTrace } from '@reclaim-lab/harness';
import { afterAll, describe, expect, it } from 'vitest';

// LHD (Beckmann et al., NSDI'18) evicts the sampled object of lowest hit
// density. On an independent-reference Zipf stream a hit-density ranking
// knows that an object still unhit long after its last use is cold, so it
// beats LRU, and sampling more only finds a lower-density victim: miss
// ratio falls (or holds) as samples grow. An object older than the last age
// bucket has an unknown remaining lifetime; ranking it by that bucket's
// learned density kept exactly the coldest objects, so LHD got worse the
// more it sampled.
describe('lhd ranks by hit density: more samples never hurt, and it beats LRU on Zipf', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reclaim-lab-lhd-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // Zipf(1.0) over 20,000 keys, memory 10% of them.
  const trace = join(dir, 'zipf.bin');
  makeSyntheticTrace(trace, 'oracle-general', {
    requests: 300_000,
    keys: 20_000,
    seed: 11,
    pattern: 'zipf',
    zipfAlpha: 1.0,
  });
  const missRatio = (policy: string) => {
    const r = runIdealTrace(trace, { memoryPages: 2_000, policy, format: 'oracle-general' });
    expect(r.requests).toBe(300_000);
    return r.misses / r.requests;
  };

  it('32 samples miss well under 1 sample (random), 64 no more than 32, and under exact LRU', () => {
    const one = missRatio('lhd:samples=1');
    const lhd = missRatio('lhd');
    const wide = missRatio('lhd:samples-64');
    const lru = missRatio('exact-lru');
    expect(lhd).toBeLessThan(one * 0.9);
    expect(wide).toBeLessThanOrEqual(lhd * 1.02);
    expect(lhd).toBeLessThan(lru * 0.95);
  }, 60_000);
});
