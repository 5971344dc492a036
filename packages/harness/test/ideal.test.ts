/**
 * Ideal mode (the README's "Modes"): exactly N frames, no watermarks,
 * batching or latency; every request is one access counted as a hit or a
 * miss; once memory is full each miss evicts exactly one page. Every policy
 * runs through the same Kernel, so their miss counts compare request for
 * request, and none may beat Belady's OPT.
 */
import { KIB_PER_PAGE } from '@reclaim-lab/mechanisms';
import type { ReclaimOps } from '@reclaim-lab/reclaim';
import { fcParams } from '@reclaim-lab/reclaim/testing';
import * as fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  benchTraceReplay,
  listPolicies,
  makeSyntheticTrace,
  registerPolicy,
  runIdealRequests,
  runIdealTrace,
  traceStats,
} from '../src/index.js';
import { tempDir } from './fixtures/traces/trace-test-helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const policies = () =>
  listPolicies()
    .map((p) => p.name)
    .filter((n) => !n.startsWith('test-'));

describe('ideal mode: no policy misses less than OPT', () => {
  it('on random small traces at several memory sizes, for every registered policy', () => {
    const names = policies().filter((n) => n !== 'opt');
    expect(names).toContain('exact-lru');
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 24 }), { minLength: 1, maxLength: 160 }),
        fc.constantFrom(1, 2, 3, 5, 8, 13),
        (keys, frames) => {
          const opt = runIdealRequests(keys, { memoryPages: frames, policy: 'opt' }).misses;
          for (const policy of names) {
            const r = runIdealRequests(keys, { memoryPages: frames, policy });
            if (r.misses < opt)
              throw new Error(
                `${policy} missed ${r.misses} times, OPT ${opt}, with ${frames} frames on requests [${keys.join(' ')}]`,
              );
          }
        },
      ),
      fcParams(40),
    );
  });
});

describe('ideal mode: every request is one access, every miss when full one eviction', () => {
  const path = tmp.path('zipf.oracleGeneral');
  makeSyntheticTrace(path, 'oracle-general', { requests: 20_000, keys: 2_000, seed: 7, pattern: 'zipf' });

  for (const policy of policies()) {
    it(`${policy}`, () => {
      const frames = 300;
      const r = runIdealTrace(path, { memoryPages: frames, policy });
      expect(r.mode).toBe('ideal');
      expect(r.requests).toBe(20_000);
      expect(r.tasks[0].accesses).toBe(20_000);
      expect(r.tasks[0].ops).toBe(20_000);
      expect(r.policyExits).toEqual([]);
      expect(r.oomKills).toEqual([]);
      // No readahead: each miss reads exactly its own page (pgpgin is in KiB, as /proc/vmstat).
      expect(r.counters.pgpgin).toBe(r.misses * KIB_PER_PAGE);
      // Full after the first `frames` misses; from then on one eviction per miss, none in the background.
      expect(r.counters.pgsteal_direct).toBe(r.misses - frames);
      expect(r.counters.pgsteal_kswapd).toBe(0);
      expect(r.counters.pgscan_kswapd).toBe(0);
      expect(r.counters.policy_overrides).toBe(0);
      expect(r.runtimeNs).toBe(20_000);
    });
  }

  it('exact-lru hits exactly the requests whose stack distance is below memory (Mattson et al. 1970)', () => {
    const stats = traceStats(path, 'oracle-general');
    for (const frames of [64, 256, 1024]) {
      const within = stats.reuseDistance.filter((b) => b.max < frames).reduce((n, b) => n + b.count, 0);
      const r = runIdealTrace(path, { memoryPages: frames, policy: 'exact-lru' });
      expect(r.requests - r.misses).toBe(within);
    }
  });

  it('counts repeated reads of one page (no `filemap_read` same-position skip)', () => {
    const r = runIdealRequests([5, 5, 5, 5, 6, 6], { memoryPages: 1, policy: 'exact-lru' });
    expect([r.requests, r.misses]).toEqual([6, 2]);
  });

  it('runs on one frame', () => {
    expect(runIdealRequests([1, 2, 1, 1, 2], { memoryPages: 1, policy: 'lru' }).misses).toBe(4);
  });
});

describe('ideal mode hit path', () => {
  it('ejects a policy whose access hook throws and finishes the run under the fallback', () => {
    let calls = 0;
    const base = listPolicies().find((p) => p.name === 'exact-lru')!;
    registerPolicy({
      name: 'test-throws-on-access',
      description: 'exact-lru whose 50th access hook throws',
      defaults: {},
      create: () => {
        const ops = base.create({}) as ReclaimOps<unknown>;
        return {
          ...ops,
          name: 'test-throws-on-access',
          folioAccessed(ctx, pfn) {
            if (++calls === 50) throw new Error('boom');
            ops.folioAccessed!(ctx, pfn);
          },
        };
      },
    });
    const keys = Array.from({ length: 400 }, (_, i) => (i * 7) % 31);
    const r = runIdealRequests(keys, {
      memoryPages: 16,
      policy: 'test-throws-on-access',
      abortOnEject: false,
    });
    expect(r.requests).toBe(400);
    expect(r.policyExits).toHaveLength(1);
    expect(r.policyExits[0]).toMatchObject({
      policy: 'test-throws-on-access',
      kind: 'error',
      hook: 'folioAccessed',
    });
    expect(r.counters.pgsteal_direct).toBe(r.misses - 16);
  });
});

describe('the replay bench (pnpm bench measures with it)', () => {
  it('times the warm-up apart and replays the same trace the same way each run', async () => {
    const r = await benchTraceReplay(20_000, { repeats: 2, warmup: 1 });
    expect(r.runs).toHaveLength(2);
    expect(r.coldPerSec).toBeGreaterThan(0);
    expect(r.requestsPerSec).toBeGreaterThan(0);
    // 200 keys, memory half the footprint: a Zipf trace misses some, not all.
    expect(r.footprint).toBe(200);
    expect(r.memoryPages).toBe(100);
    expect(r.missRatio).toBeGreaterThan(0);
    expect(r.missRatio).toBeLessThan(1);
    // The ratio is exactly the one a direct ideal-mode run of the same trace gives.
    const path = tmp.path('bench-twin.oracleGeneral');
    makeSyntheticTrace(path, 'oracle-general', { requests: 20_000, keys: 200, seed: 1, pattern: 'zipf' });
    expect(runIdealTrace(path, { memoryPages: 100, policy: 'exact-lru' }).misses / 20_000).toBe(r.missRatio);
  });
});
