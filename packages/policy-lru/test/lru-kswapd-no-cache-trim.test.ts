/**
 * `balance_pgdat` restarts a balance run once with `no_cache_trim_mode`
 * when a whole priority loop reclaimed nothing while cache-trim mode was
 * failing: a page cache that trims to nothing must not stop kswapd from
 * turning to anon.
 */
import { DEVICE_PRESETS, defaultMachineConfig, OP_STORE } from '@reclaim-lab/hw-model';
import { createLru } from '@reclaim-lab/policy-lru';
import { Kernel, type ReclaimOps } from '@reclaim-lab/reclaim';
import { generated } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

/**
 * The LRU with a page cache that never yields to kswapd: kswapd is always in
 * cache-trim mode unless told not to be, and reclaims nothing in it. (Direct
 * reclaim is left alone so the task lives while kswapd works through its
 * priorities.)
 */
function stuckCacheLru(): ReclaimOps<unknown> {
  const base = createLru() as ReclaimOps<unknown>;
  return {
    ...base,
    name: 'lru-stuck-cache',
    prepare(ctx, sc) {
      base.prepare?.(ctx, sc);
      if (sc.isKswapd) sc.cacheTrimMode = !sc.noCacheTrimMode;
    },
    shrink(ctx, sc) {
      if (sc.isKswapd && sc.cacheTrimMode) return undefined;
      return base.shrink?.(ctx, sc);
    },
  };
}

describe('kswapd without cache-trim mode', () => {
  it('retries the balance run without cache-trim mode and reclaims anon', () => {
    const mem = 8192;
    const k = new Kernel({
      machine: defaultMachineConfig(mem, { swapPages: 4 * mem, swapDevice: DEVICE_PRESETS.zram }),
      policy: stuckCacheLru(),
      seed: 4,
    });
    const anon = mem + mem / 2;
    k.load({
      files: [],
      memcgs: [],
      tasks: [
        {
          name: 'grower',
          regions: [{ kind: 'anon', pages: anon }],
          source: generated((i) => (i < anon ? [OP_STORE, 0, i] : null)),
        },
      ],
    });
    const r = k.run();
    expect(r.counters.pgsteal_kswapd).toBeGreaterThan(0);
    expect(r.policyExits).toEqual([]);
  });
});
