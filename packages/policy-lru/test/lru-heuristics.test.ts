/** `lru:faultActivate`: MGLRU's fault-time activation on the classic LRU's lists. */
import { defaultMachineConfig, OP_STORE, OP_THINK } from '@reclaim-lab/hw-model';
import { createLru } from '@reclaim-lab/policy-lru';
import { Kernel } from '@reclaim-lab/reclaim';
import { generated } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

const PAGES = 64;

function anonSizes(faultActivate: boolean) {
  const k = new Kernel({
    machine: defaultMachineConfig(4096),
    policy: createLru({ faultActivate }),
    seed: 2,
    untilNs: 5e8,
    watchdog: { abortOnEject: true },
  });
  k.load({
    files: [],
    memcgs: [],
    tasks: [
      {
        name: 't',
        regions: [{ kind: 'anon', pages: PAGES }],
        source: generated((i) => (i < PAGES ? [OP_STORE, 0, i] : i === PAGES ? [OP_THINK, 0, 1e9] : null)),
      },
    ],
  });
  const r = k.run();
  return { sizes: k.lruSizes(k.world.lruvec(k.machine.rootMemcg, 0)), r };
}

describe('lru:faultActivate', () => {
  it('off (kernel LRU): anon faulted in starts inactive; on: active, without counting an activation', () => {
    const off = anonSizes(false);
    expect(off.sizes).toMatchObject({ inactiveAnon: PAGES, activeAnon: 0 });
    const on = anonSizes(true);
    expect(on.sizes).toMatchObject({ inactiveAnon: 0, activeAnon: PAGES });
    // folio_add_lru with PG_active set is no activation (pgactivate counts moves to the active list).
    expect(on.r.counters.pgactivate).toBe(off.r.counters.pgactivate);
  });
});
