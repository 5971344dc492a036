/**
 * When swap is getting full, the kernel stops keeping the swap copy of a
 * folio that is back in use: `should_try_to_free_swap` at swap-in and
 * `activate_locked` in reclaim ask `mem_cgroup_swap_full` (the device more
 * than half used, or the memcg at half its memory.swap.max), and the slot
 * allocator, while `vm_swap_full`, reclaims slots held only by resident,
 * mapped swap-cache folios (`__try_to_reclaim_swap`) before it gives up.
 */
import {
  DEVICE_PRESETS,
  defaultMachineConfig,
  OP_LOAD,
  OP_STORE,
  OP_THINK,
  PG_SWAPCACHE,
} from '@reclaim-lab/hw-model';
import { describe, expect, it } from 'vitest';
import { Kernel } from '../src/index.js';
import { generated } from '../src/testing.js';

const MEM = 4096;

describe('swap getting full', () => {
  it('a swap-in drops the slot when the memcg has used half its memory.swap.max, though the device is nearly empty', () => {
    const k = new Kernel({
      machine: defaultMachineConfig(MEM, { swapPages: 8 * MEM, swapDevice: DEVICE_PRESETS.ssd }),
      policy: { name: 'defaults' },
      seed: 1,
      checkInvariants: true,
      // Stop while the task sleeps, before its exit frees its slots.
      untilNs: 1.5e9,
    });
    const pages = 1800;
    const reread = 100;
    k.load({
      files: [],
      memcgs: [{ path: '/a', max: 1024, swapMax: 1024 }],
      tasks: [
        {
          name: 'a',
          memcg: '/a',
          regions: [{ kind: 'anon', pages }],
          source: generated((i) =>
            i < pages
              ? [OP_STORE, 0, i]
              : i < pages + reread
                ? [OP_LOAD, 0, i - pages]
                : i === pages + reread
                  ? [OP_THINK, 0, 2e9]
                  : null,
          ),
        },
      ],
    });
    const r = k.run();
    const a = k.machine.memcgs.find((m) => m.path === '/a')!;
    expect(a.swapUsage * 2).toBeGreaterThanOrEqual(a.swapMax);
    expect(k.machine.swap!.isFull()).toBe(false);
    expect(r.counters.pswpin).toBeGreaterThan(0);
    // Every re-read page now resident holds no swap slot.
    const f = k.machine.frames;
    const mm = k.tasks[0].mm;
    let resident = 0;
    for (let v = 0; v < reread; v++) {
      const p = mm.pte[v];
      if (p <= 0) continue;
      resident++;
      expect(f.flags[p - 1] & PG_SWAPCACHE).toBe(0);
    }
    expect(resident).toBeGreaterThan(reread / 2);
  });

  it('the slot allocator takes back slots of resident swap-cache folios instead of running out', () => {
    // Fill memory and a little swap, read the swapped pages back while swap is
    // under half full (their slots stay in the swap cache), then write more:
    // only those slots can hold the new swap-outs.
    const swapPages = Number(process.env.SW ?? 2048);
    const k = new Kernel({
      machine: defaultMachineConfig(MEM, { swapPages, swapDevice: DEVICE_PRESETS.ssd, swappiness: 100 }),
      policy: { name: 'defaults' },
      seed: 1,
      checkInvariants: true,
    });
    const first = MEM + 300;
    const back = 300;
    const more = Number(process.env.MORE ?? 1000);
    k.load({
      files: [],
      memcgs: [],
      tasks: [
        {
          name: 'a',
          regions: [
            { kind: 'anon', pages: first },
            { kind: 'anon', pages: more },
          ],
          source: generated((i) =>
            i < first
              ? [OP_STORE, 0, i]
              : i < first + back
                ? [OP_LOAD, 0, i - first]
                : i < first + back + more
                  ? [OP_STORE, 1, i - first - back]
                  : null,
          ),
        },
      ],
    });
    const r = k.run();
    expect(r.oomKills).toEqual([]);
    expect(r.counters.pswpout).toBeGreaterThan(swapPages);
  });
});
