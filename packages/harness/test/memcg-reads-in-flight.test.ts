/**
 * A memcg no larger than the reads its task has in flight: an async
 * readahead window (locked until its read completes) plus the next fault's
 * sync window fill the limit, reclaim skips every locked folio, and
 * try_charge_memcg's 16 retries end long before the read does. The kernel
 * OOM-kills there too; the property `noOomWhenReclaimable` found this case
 * (seed 20261207, lru and mglru) and now draws its limits above
 * `readsInFlightBound`. Without readahead (MADV_RANDOM) or with the limit
 * at the bound, the same task runs without a kill.
 */
import { Kernel } from '@reclaim-lab/reclaim';
import { buildCase, type ConformanceCase, readsInFlightBound } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';
import { createPolicy, parsePolicySpec } from '../src/index.js';

const CASE: ConformanceCase = {
  machine: {
    memoryPages: 130,
    nodes: 2,
    swapPages: 1233,
    swapDevice: 'ssd',
    swappiness: 167,
    tiering: false,
  },
  memcgLimit: 0.2,
  tasks: [
    {
      memcg: '/a',
      regions: [{ kind: 'file-mapped', pages: 56, mlock: false }],
      events: [
        [0, 0, 2313],
        [0, 0, 0],
        [0, 0, 2920],
      ],
    },
    { memcg: '/', regions: [{ kind: 'anon', pages: 1, mlock: false }], events: [[0, 0, 0]] },
  ],
  seed: 0,
};

function run(policy: string, c: ConformanceCase, advice?: 'random') {
  const { machine, workload } = buildCase(c);
  if (advice) for (const r of workload.tasks[0].regions) r.advice = advice;
  const k = new Kernel({
    machine,
    policy: createPolicy(parsePolicySpec(policy)),
    seed: c.seed,
    checkInvariants: true,
  });
  k.load(workload);
  const limit = workload.memcgs[0].max;
  return { r: k.run(), limit };
}

describe('a memcg limit below the reads in flight', () => {
  for (const policy of ['lru', 'mglru']) {
    it(`${policy}: is OOM-killed with nothing to free, as in the kernel; not without readahead or at the bound`, () => {
      const tight = run(policy, CASE);
      expect(tight.limit).toBeLessThan(readsInFlightBound(CASE.tasks));
      expect(tight.r.oomKills).toHaveLength(1);
      expect(tight.r.oomKills[0]).toMatchObject({ kind: 'memcg', memcg: '/a', freedPages: 0 });
      expect(tight.r.policyExits).toEqual([]);

      const noReadahead = run(policy, CASE, 'random');
      expect(noReadahead.r.oomKills).toEqual([]);

      const total = 2 * 65;
      const atBound = run(policy, { ...CASE, memcgLimit: (readsInFlightBound(CASE.tasks) + 1) / total });
      expect(atBound.limit).toBeGreaterThanOrEqual(readsInFlightBound(CASE.tasks));
      expect(atBound.r.oomKills).toEqual([]);
    });
  }
});
