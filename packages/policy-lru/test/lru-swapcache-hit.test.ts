/**
 * A fault that finds its page still in the swap cache (swapped out, the
 * write done, not yet freed) maps it back as a minor fault, and
 * `should_try_to_free_swap` drops the now useless swap copy on a write
 * fault, as on a swap-in: the page's next eviction writes it afresh.
 */
import {
  DEVICE_PRESETS,
  defaultMachineConfig,
  OP_STORE,
  OP_THINK,
  PG_SWAPCACHE,
} from '@reclaim-lab/hw-model';
import { createLru } from '@reclaim-lab/policy-lru';
import { Kernel } from '@reclaim-lab/reclaim';
import { generated } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

describe('swap cache hits', () => {
  it('a write fault on a page still in the swap cache frees its slot', () => {
    const mem = 4096;
    const pages = 5000;
    const rewrite = 400;
    const k = new Kernel({
      // An asynchronous swap device: reclaimed pages stay in the swap cache until freed.
      machine: defaultMachineConfig(mem, { swapPages: 4 * mem, swapDevice: DEVICE_PRESETS.nvme }),
      policy: createLru(),
      seed: 8,
      untilNs: 3_000_000_000,
    });
    k.load({
      files: [],
      memcgs: [],
      tasks: [
        {
          name: 'app',
          regions: [{ kind: 'anon', pages }],
          source: generated((i) =>
            i < pages
              ? [OP_STORE, 0, i]
              : i === pages
                ? [OP_THINK, 0, 1_000_000_000]
                : i < pages + 1 + rewrite
                  ? [OP_STORE, 0, i - pages - 1]
                  : [OP_THINK, 0, 1_000_000_000],
          ),
        },
      ],
    });
    const r = k.run();
    const task = k.tasks[0];
    expect(task.minorFaults).toBeGreaterThan(0);
    // Every rewritten page that is resident holds no stale swap copy.
    let resident = 0;
    for (let vpn = task.mm.vmas[0].start; vpn < task.mm.vmas[0].start + rewrite; vpn++) {
      const p = task.mm.pte[vpn];
      if (p <= 0) continue;
      resident++;
      expect(k.machine.frames.flags[p - 1] & PG_SWAPCACHE).toBe(0);
    }
    expect(resident).toBeGreaterThan(rewrite / 2);
    expect(r.counters.pswpout).toBeGreaterThan(0);
  });
});
