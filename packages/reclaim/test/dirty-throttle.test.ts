/**
 * balance_dirty_pages: below the freerun ceiling a writer runs free; above
 * it, it is paced so that dirty + write-back pages settle between freerun
 * and the limit while the disk runs near its bandwidth.
 */
import {
  DEVICE_PRESETS,
  defaultMachineConfig,
  NS_PER_SEC,
  OP_THINK,
  OP_WRITE,
  PG_DIRTY,
} from '@reclaim-lab/hw-model';
import { describe, expect, it } from 'vitest';
import { dirtyPollInterval, positionRatio } from '../src/dirty-throttle.js';
import { Kernel } from '../src/index.js';
import { generated } from '../src/testing.js';

const MEM = 16_384;
const hdd = DEVICE_PRESETS.hdd;

function write(pages: number, memcgMax?: number) {
  const k = new Kernel({
    machine: defaultMachineConfig(MEM, { swapPages: 0, disk: hdd }),
    policy: { name: 'defaults' },
    seed: 1,
    checkInvariants: true,
  });
  let maxDirty = 0;
  const levels: number[] = [];
  k.load({
    files: [{ name: 'out', pages }],
    memcgs: memcgMax === undefined ? [] : [{ path: '/box', max: memcgMax }],
    tasks: [
      {
        name: 'dd',
        memcg: memcgMax === undefined ? '/' : '/box',
        regions: [{ kind: 'file-fd', file: 0, pages }],
        source: generated((i) => {
          const box = k.machine.memcgs[k.machine.memcgs.length - 1];
          const d = box.nrFileDirty + box.nrWriteback;
          maxDirty = Math.max(maxDirty, d);
          if (i > pages / 2) levels.push(d);
          return i < pages ? [OP_WRITE, 0, i] : null;
        }),
      },
    ],
  });
  const r = k.run();
  return { r, maxDirty, levels };
}

describe('balance_dirty_pages', () => {
  it('position ratio: 2 at freerun, 1 at the setpoint, 0 at the limit, falling in between', () => {
    const freerun = 1500;
    const limit = 2000;
    const setpoint = (freerun + limit) / 2;
    expect(positionRatio(freerun, setpoint, limit)).toBeCloseTo(2, 9);
    expect(positionRatio(setpoint, setpoint, limit)).toBe(1);
    expect(positionRatio(limit, setpoint, limit)).toBe(0);
    let last = 3;
    for (let d = freerun; d < limit; d += 25) {
      const p = positionRatio(d, setpoint, limit);
      expect(p).toBeLessThan(last);
      last = p;
    }
    // Below freerun the cubic is clamped.
    expect(positionRatio(0, setpoint, limit)).toBe(2);
  });

  it('polls about every sqrt(distance to the threshold) pages below freerun', () => {
    expect(dirtyPollInterval(0, 1024)).toBe(32);
    expect(dirtyPollInterval(1000, 1024)).toBe(4);
    expect(dirtyPollInterval(2000, 1024)).toBe(1);
  });

  it('lets a writer that stays under the freerun ceiling run free', () => {
    // 5% of memory: under the background threshold (10%), let alone freerun (15%).
    const { r } = write(Math.floor(MEM * 0.05));
    expect(r.counters.dirty_throttle).toBe(0);
    expect(r.tasks[0].ioWaitNs).toBe(0);
  });

  it('paces a long writer near the disk bandwidth, holding dirty pages between freerun and the limit', () => {
    const pages = MEM * 4;
    const { r, maxDirty, levels } = write(pages);
    const rate = pages / (r.tasks[0].runtimeNs / NS_PER_SEC);
    expect(rate).toBeGreaterThan(hdd.pagesPerSec * 0.5);
    expect(rate).toBeLessThan(hdd.pagesPerSec * 1.05);
    // dirty_ratio 20% of the dirtyable memory (a little under MEM): never far past it.
    expect(maxDirty).toBeLessThan(MEM * 0.2 * 1.05);
    // In the second half, dirty + write-back settles near the setpoint, halfway between freerun
    // (15% of the dirtyable memory) and the limit (20%): not at the limit, as a step throttle holds it.
    const mean = levels.reduce((a, b) => a + b, 0) / levels.length;
    expect(mean).toBeGreaterThan(MEM * 0.14);
    expect(mean).toBeLessThan(MEM * 0.18);
    expect(r.counters.dirty_throttle).toBeGreaterThan(10);
    // Each pause is at most MAX_PAUSE (200 ms).
    expect(r.tasks[0].ioWaitNs / r.counters.dirty_throttle).toBeLessThanOrEqual(0.2 * NS_PER_SEC);
  });

  it("holds a writer in a small memcg to that memcg's dirty domain", () => {
    // A quarter of memory: the global limit (20% of memory) would let it be 80% dirty.
    const limit = MEM / 4;
    const { r, maxDirty, levels } = write(limit * 4, limit);
    expect(r.oomKills).toEqual([]);
    // dirty_ratio of the memcg's dirtyable memory (its file pages plus headroom: about its limit).
    expect(maxDirty).toBeLessThan(limit * 0.2 * 1.1);
    const mean = levels.reduce((a, b) => a + b, 0) / levels.length;
    expect(mean).toBeGreaterThan(limit * 0.1);
    expect(mean).toBeLessThan(limit * 0.2);
  });

  it("writes back a memcg's own pages when it is over its own background threshold (cgroup writeback), not older pages of others", () => {
    const k = new Kernel({
      machine: defaultMachineConfig(MEM, { swapPages: 0, disk: hdd }),
      policy: { name: 'defaults' },
      seed: 1,
      checkInvariants: true,
    });
    // Well under the machine's background threshold (10% of dirtyable memory) together.
    const early = 600;
    const limit = MEM / 8;
    const boxPages = limit * 2;
    const earlyFile = () => k.machine.files[0];
    let earlyDirtyAtEnd = -1;
    k.load({
      files: [
        { name: 'early', pages: early },
        { name: 'box', pages: boxPages },
      ],
      memcgs: [{ path: '/box', max: limit }],
      tasks: [
        {
          name: 'early-writer',
          regions: [{ kind: 'file-fd', file: 0, pages: early }],
          // Dirties its file at once, then idles well short of dirty_expire (30 s).
          source: generated((i) =>
            i < early ? [OP_WRITE, 0, i] : i === early ? [OP_THINK, 0, 20 * NS_PER_SEC] : null,
          ),
        },
        {
          name: 'box-writer',
          memcg: '/box',
          regions: [{ kind: 'file-fd', file: 1, pages: boxPages }],
          source: generated((i) => {
            if (i === 0) return [OP_THINK, 0, NS_PER_SEC];
            if (i <= boxPages) return [OP_WRITE, 0, i - 1];
            if (i === boxPages + 1) {
              const f = k.machine.frames;
              const cache = earlyFile().cache;
              earlyDirtyAtEnd = 0;
              for (let p = 0; p < early; p++)
                if (cache[p] !== 0 && f.flags[cache[p] - 1] & PG_DIRTY) earlyDirtyAtEnd++;
            }
            return null;
          }),
        },
      ],
    });
    const r = k.run();
    expect(r.oomKills).toEqual([]);
    // The box went over its background threshold and had pages written...
    expect(r.counters.flusher_pages).toBeGreaterThan(limit * 0.1);
    // ...its own: the older pages of the unlimited writer waited for their expiry.
    expect(earlyDirtyAtEnd).toBe(early);
  });
});
