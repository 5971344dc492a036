/**
 * shrink_inactive_list's nudge: when every folio a reclaim batch took is a
 * dirty file folio no flusher has queued, reclaim wakes the flushers. The
 * core runs that step for policies that propose candidates; without it,
 * memcg reclaim (which writes no file folio itself) found the same dirty
 * folios on every retry and the memcg was OOM-killed where LRU and MGLRU
 * were not. The case is the shrunk counterexample the conformance property
 * `noOomWhenReclaimable` found for lhd (FC_SEED=-543851431).
 */
import { runCase } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';
import { createPolicy, parsePolicySpec } from '../src/index.js';

const CASE = {
  machine: { memoryPages: 135, nodes: 1, swapPages: 1856, swapDevice: 'hdd' as const, swappiness: 1 },
  memcgLimit: 0.20028471415625915,
  tasks: [
    {
      memcg: '/',
      regions: [
        { kind: 'anon' as const, pages: 89, mlock: false },
        { kind: 'shmem' as const, pages: 187, mlock: false },
      ],
      events: [
        [1, 0, 2037],
        [3, 7, 2406],
        [2, 4, 1075],
        [6, 3, 3365],
        [0, 6, 3048],
        [4, 4, 1339],
        [6, 6, 1291],
        [1, 6, 1312],
        [0, 2, 3686],
        [1, 1, 2823],
        [1, 2, 1623],
      ] as [number, number, number][],
    },
    {
      memcg: '/a/b',
      regions: [
        { kind: 'shmem' as const, pages: 264, mlock: false },
        { kind: 'shmem' as const, pages: 266, mlock: false },
        { kind: 'file-mapped' as const, pages: 270, mlock: false },
      ],
      events: [
        [0, 5, 196],
        [3, 0, 3759],
        [2, 7, 2972],
        [2, 1, 5],
        [1, 5, 11],
        [1, 1, 3620],
        [1, 1, 2764],
        [4, 2, 72],
        [6, 5, 4089],
        [1, 2, 4087],
      ] as [number, number, number][],
    },
    {
      memcg: '/a',
      regions: [{ kind: 'file-mapped' as const, pages: 222, mlock: false }],
      events: [
        [4, 7, 1217],
        [0, 5, 1078],
        [3, 5, 2568],
        [6, 5, 3437],
        [3, 3, 1528],
        [3, 3, 2211],
      ] as [number, number, number][],
    },
  ],
  seed: 127,
};

describe('candidate policies: memcg reclaim wakes the flushers for a batch of unqueued dirty file folios', () => {
  for (const spec of ['fifo', 'sieve', 'lhd', 'lhd:samples=8', 'lru']) {
    it(`${spec}: no OOM kill on the dirty mapped-file memcg case (hdd swap), the flushers write`, () => {
      const r = runCase(CASE, () => createPolicy(parsePolicySpec(spec)));
      expect(r.oomKills).toEqual([]);
      expect(r.policyExits).toEqual([]);
      expect(r.counters.flusher_pages).toBeGreaterThan(30);
    });
  }
});
