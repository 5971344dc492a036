/**
 * `reclaim_throttle(VMSCAN_THROTTLE_NOPROGRESS)`: a direct reclaimer that
 * got nothing back at priority 1 sleeps a jiffy only when waiting can help —
 * not when kswapd has given up, and not when at most half of the
 * reclaimable pages are dirty or under write-back (`skip_throttle_noprogress`).
 */
import { defaultMachineConfig, OP_STORE } from '@reclaim-lab/hw-model';
import { describe, expect, it } from 'vitest';
import { Kernel } from '../src/index.js';
import { generated } from '../src/testing.js';

describe('no-progress throttling of direct reclaim', () => {
  it('does not sleep on an anon-only machine without swap heading for OOM (nothing is being written)', () => {
    const pages = 4096;
    const k = new Kernel({
      machine: defaultMachineConfig(pages, { swapPages: 0 }),
      policy: { name: 'defaults' },
      seed: 1,
    });
    k.load({
      files: [],
      memcgs: [],
      tasks: [
        {
          name: 'hog',
          regions: [{ kind: 'anon', pages: 2 * pages }],
          source: generated((i) => (i < 2 * pages ? [OP_STORE, 0, i] : null)),
        },
      ],
    });
    const r = k.run();
    expect(r.oomKills).toHaveLength(1);
    expect(r.counters.allocstall_normal).toBeGreaterThan(0);
    expect(r.counters.throttle_noprogress).toBe(0);
  });
});
