/**
 * folio_rotate_reclaimable under SIEVE: a folio that reclaim wrote back is
 * evicted where the hand looks next, so reclaim writes about what it frees
 * instead of writing hot folios again and again.
 */
import { describe, expect, it } from 'vitest';
import { runScenario, validateScenario } from '../src/index.js';

describe('sieve: a folio written back for reclaim goes to the hand', () => {
  it('on zipf-anon (ssd swap) reclaim writes at most 1.3x the anon pages it steals (it wrote 3.2x when rotated folios waited a whole turn)', () => {
    const r = runScenario(validateScenario({ workload: 'zipf-anon', policy: 'sieve', seed: 1 }));
    const c = r.counters;
    expect(c.pgsteal_anon).toBeGreaterThan(10_000);
    expect(c.pgrotated).toBeGreaterThan(10_000);
    expect(c.pswpout).toBeLessThan(c.pgsteal_anon * 1.3);
    expect(r.policyExits).toEqual([]);
  });
});
