import { describe, expect, it } from 'vitest';
import { registerPolicy, runScenario, validateScenario } from '../src/index.js';

/**
 * `get_scan_count` sizes each pass as the lruvec's evictable pages >> priority,
 * so by priority 0 reclaim has looked at the whole list — and a second-chance
 * policy, whose first look at a hot set only clears reference bits, finds
 * victims on the second. The candidate batches handed to `evictCandidates`
 * (and the fallback's, for a policy that has no such hook) grow the same
 * way, so such a policy frees memory where the kernel's LRU does and is
 * not OOM-killed by the core's bookkeeping.
 */
registerPolicy({
  name: 'empty-for-test',
  description: 'a policy that is only a name: every hook defaults',
  defaults: {},
  create: () => ({ name: 'empty-for-test' }),
});

/** kv-store's memcg limit bites at the default machine size; zipf-anon's global pressure at any. */
function run(workload: string, policy: string) {
  const machine = workload === 'kv-store' ? {} : { memory: '64MiB', swap: '64MiB' };
  return runScenario(validateScenario({ machine, workload, policy, seed: 1 }));
}

describe('the scan target grows as priority drops, for every kind of policy', () => {
  for (const workload of ['kv-store', 'zipf-anon'])
    for (const policy of ['fifo:clock', 'fifo:secondChance=true', 'empty-for-test'])
      it(`${policy} on ${workload} finishes without an OOM kill, as lru does`, () => {
        const r = run(workload, policy);
        expect(r.oomKills).toEqual([]);
        expect(r.policyExits).toEqual([]);
        expect(r.counters.pgsteal_anon).toBeGreaterThan(0);
      });
});

describe('pgscan by type adds up to pgscan by reclaimer under candidate-batch policies', () => {
  for (const policy of ['fifo', 'sieve', 's3fifo', 'empty-for-test'])
    it(`${policy}: pgscan_anon + pgscan_file = pgscan_kswapd + pgscan_direct on zipf-anon`, () => {
      const c = run('zipf-anon', policy).counters;
      expect(c.memcg_reclaim).toBe(0);
      expect(c.pgscan_kswapd + c.pgscan_direct).toBeGreaterThan(0);
      expect(c.pgscan_anon + c.pgscan_file).toBe(c.pgscan_kswapd + c.pgscan_direct);
      expect(c.pgsteal_anon + c.pgsteal_file).toBe(c.pgsteal_kswapd + c.pgsteal_direct);
    });
});
