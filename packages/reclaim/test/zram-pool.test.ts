/**
 * zram costs RAM: a page swapped out to zram lives compressed in zsmalloc
 * pages taken from the node's free memory, and the pool's pages count
 * against the watermarks like any allocation (drivers/block/zram,
 * mm/zsmalloc.c; `zram.ts` in hw-model).
 */
import {
  DEVICE_PRESETS,
  type DeviceSpec,
  defaultMachineConfig,
  OP_STORE,
  OP_THINK,
  PAGE_SIZE,
  PG_LRU,
  PG_ZSMALLOC,
} from '@reclaim-lab/hw-model';
import { Kernel } from '@reclaim-lab/reclaim';
import { generated } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

const MEM = 8192;
const ANON = 12_000;

/** One task writes 1.5 times memory in anon pages, then sleeps; the run stops while it sleeps. */
function squeeze(swapDevice: DeviceSpec, zramRatio?: number): Kernel {
  const k = new Kernel({
    machine: defaultMachineConfig(MEM, {
      swapPages: MEM,
      swapDevice,
      ...(zramRatio === undefined ? {} : { zramRatio }),
    }),
    policy: { name: 'lru' },
    seed: 3,
    untilNs: 5e9,
    checkInvariants: true,
  });
  k.load({
    files: [],
    memcgs: [],
    tasks: [
      {
        name: 'writer',
        regions: [{ kind: 'anon', pages: ANON }],
        source: generated((i) => (i < ANON ? [OP_STORE, 0, i] : i < ANON + 20 ? [OP_THINK, -1, 1e9] : null)),
      },
    ],
  });
  k.run();
  return k;
}

/** Folios in memory: on an LRU (mapped anon and the swap cache still under write-back). */
function folios(k: Kernel): number {
  let n = 0;
  for (let pfn = 0; pfn < MEM; pfn++) if (k.machine.frames.flags[pfn] & PG_LRU) n++;
  return n;
}

/** Within kswapd's overshoot of the high watermark, which differs from run to run of different I/O timing. */
const SLACK = 0.03 * MEM;

describe('zram pool', () => {
  it('takes a third of the swapped-out pages from free memory at the default 3:1, counted in mm_stat', () => {
    const k = squeeze(DEVICE_PRESETS.zram);
    const zram = k.machine.zram!;
    const swapped = k.machine.swap!.used;
    expect(swapped).toBeGreaterThan(ANON - MEM);
    expect(zram.storedPages).toBe(swapped);
    expect(zram.held).toBe(Math.ceil(swapped / 3));
    let frames = 0;
    for (let pfn = 0; pfn < MEM; pfn++) if (k.machine.frames.flags[pfn] & PG_ZSMALLOC) frames++;
    expect(frames).toBe(zram.held);
    const stat = k.result().zram!;
    expect(stat.origDataBytes).toBe(swapped * PAGE_SIZE);
    expect(stat.comprDataBytes).toBe(Math.round((swapped * PAGE_SIZE) / 3));
    expect(stat.memUsedTotalBytes).toBe(zram.held * PAGE_SIZE);
    expect(stat.memUsedMaxBytes).toBeGreaterThanOrEqual(stat.memUsedTotalBytes);
  });

  it('leaves less memory for pages than a disk swap does, by the pool, and reclaim swaps out as much more', () => {
    const zram = squeeze(DEVICE_PRESETS.zram);
    const disk = squeeze(DEVICE_PRESETS.ssd);
    const off = squeeze(DEVICE_PRESETS.zram, 0);
    const pool = zram.machine.zram!.held;
    expect(pool).toBeGreaterThan(0.2 * MEM);
    expect(disk.machine.zram).toBeNull();
    expect(off.machine.zram).toBeNull();
    expect(off.result().zram).toBeUndefined();
    for (const k of [zram, disk, off]) {
      // The pool's pages count against the watermarks: kswapd still keeps free memory above low.
      const z = k.machine.nodes[0].zone;
      expect(z.free).toBeGreaterThan(z.low);
    }
    // So the pool came out of the folios' share: the zram machine holds `pool` fewer pages in memory.
    expect(Math.abs(folios(disk) - folios(zram) - pool)).toBeLessThan(SLACK);
    expect(Math.abs(folios(off) - folios(zram) - pool)).toBeLessThan(SLACK);
    // ... and reclaim compressed that many more pages into zram to keep the watermark.
    const swapped = (k: Kernel) => k.machine.swap!.used;
    expect(Math.abs(swapped(zram) - swapped(off) - pool)).toBeLessThan(SLACK);
  });

  it('gives its pages back to the node as the slots are freed', () => {
    const on = squeeze(DEVICE_PRESETS.zram);
    const zram = on.machine.zram!;
    const free = on.machine.freePages();
    const held = zram.held;
    const swap = on.machine.swap!;
    let dropped = 0;
    for (let s = 0; s < swap.highWater && dropped < 300; s++)
      if (swap.isUsed(s)) {
        zram.drop(s);
        dropped++;
      }
    // 300 slots' data freed: a hundred pages back at 3:1.
    expect(zram.held).toBe(Math.ceil((swap.used - 300) / 3));
    expect(on.machine.freePages()).toBe(free + held - zram.held);
  });

  it('refuses a ratio below 1 in one line', () => {
    expect(
      () =>
        new Kernel({
          machine: defaultMachineConfig(MEM, {
            swapPages: MEM,
            swapDevice: DEVICE_PRESETS.zram,
            zramRatio: 0.5,
          }),
          policy: { name: 'lru' },
        }),
    ).toThrow(/^zramRatio: expected 0 \(the pool costs nothing\) or a ratio of at least 1, got 0.5$/);
  });
});
