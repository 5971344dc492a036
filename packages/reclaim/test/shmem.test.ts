/**
 * shmem (tmpfs, SysV shared memory, a database's shared buffers): page-cache
 * folios that are swap-backed. They live on the anon LRU, start as zero
 * pages with no I/O, are written to swap by reclaim (`shmem_writeout`) and
 * never by the flushers, and come back through the swap cache.
 */
import {
  DEVICE_PRESETS,
  LRU_ANON,
  LRU_FILE,
  OP_LOAD,
  OP_READ,
  OP_STORE,
  OP_THINK,
  OP_WRITE,
  type RegionSpec,
} from '@reclaim-lab/hw-model';
import { describe, expect, it } from 'vitest';
import type { ReclaimOps } from '../src/index.js';
import { runWithPolicy, scripted } from '../src/testing.js';

/** Default hooks only: the behaviour under test is the core's. */
const policy = (): ReclaimOps<unknown> => ({ name: 'defaults' });

const shmemRegion = (pages: number): RegionSpec => ({ kind: 'file-mapped', file: 0, pages, shmem: true });

function passes(op: number, pages: number, n: number): [number, number, number][] {
  const events: [number, number, number][] = [];
  for (let p = 0; p < n; p++) for (let i = 0; i < pages; i++) events.push([op, 0, i]);
  return events;
}

describe('shmem', () => {
  it('faults in zero pages with no I/O, onto the anon LRU, and the flushers never see its dirt', () => {
    const { k, r } = runWithPolicy(
      policy(),
      [{ name: 'db', regions: [shmemRegion(1000)], source: scripted(passes(OP_STORE, 1000, 1)) }],
      [{ name: 'shared_buffers', pages: 1000 }],
      { memoryPages: 4096, machine: { swapPages: 4096 } },
    );
    expect(r.tasks[0].minorFaults).toBe(1000);
    expect(r.tasks[0].majorFaults).toBe(0);
    expect(r.counters.pgmajfault).toBe(0);
    expect(r.counters.pgpgin).toBe(0);
    // The pages outlive the task in the shmem file's page cache, dirty but unaccounted.
    const file = k.machine.files[0];
    expect(file.nrCached).toBe(1000);
    expect(file.nrDirty).toBe(0);
    expect(k.world.nrFileDirty).toBe(0);
    const lv = k.world.lruvecs[0];
    expect(lv.nrPages[LRU_ANON]).toBe(1000);
    expect(lv.nrPages[LRU_FILE]).toBe(0);
    expect(r.counters.pgpgout).toBe(0);
  });

  it('swaps dirty pages out under pressure and back in as major faults, never touching the disk', () => {
    const { k, r } = runWithPolicy(
      policy(),
      [{ name: 'db', regions: [shmemRegion(1500)], source: scripted(passes(OP_STORE, 1500, 2)) }],
      [{ name: 'shared_buffers', pages: 1500 }],
      { memoryPages: 1024, machine: { swapPages: 4096, swapDevice: DEVICE_PRESETS.ssd } },
    );
    expect(r.counters.pswpout).toBeGreaterThan(400);
    expect(r.counters.pswpin).toBeGreaterThan(400);
    expect(r.tasks[0].majorFaults).toBeGreaterThan(100);
    // Each major fault read its page and the swap cluster around it in one request (`shmem_swapin_cluster`).
    expect(r.counters.swap_ra).toBeGreaterThan(0);
    expect(r.counters.pswpin).toBe(r.counters.pgmajfault + r.counters.swap_ra);
    // Every swap-in refaults against the shadow the swap cache kept.
    expect(r.counters.workingset_refault_anon).toBe(r.counters.pswpin);
    expect(r.counters.workingset_refault_file).toBe(0);
    expect(k.machine.devices[0].pagesRead).toBe(0);
    expect(k.machine.devices[0].pagesWritten).toBe(0);
    expect(r.oomKills).toEqual([]);
    // Pages not resident are held by swap entries in the page cache.
    const file = k.machine.files[0];
    let swapped = 0;
    for (const e of file.swapEntry as Int32Array) if (e !== 0) swapped++;
    expect(swapped + file.nrCached).toBe(1500);
    expect(swapped).toBeGreaterThan(0);
  });

  it('without swap keeps dirty shmem resident and reclaims the file cache instead', () => {
    const events: [number, number, number][] = passes(OP_STORE, 800, 1);
    for (let i = 0; i < 4000; i++) events.push([OP_READ, 1, i]);
    const { k, r } = runWithPolicy(
      policy(),
      [
        {
          name: 'db',
          regions: [shmemRegion(800), { kind: 'file-fd', file: 1, pages: 4000 }],
          source: scripted([...events, [OP_THINK, 0, 1000]]),
        },
      ],
      [
        { name: 'shared_buffers', pages: 800 },
        { name: 'data', pages: 4000 },
      ],
      { memoryPages: 2048, machine: { swapPages: 0 } },
    );
    expect(k.machine.files[0].nrCached).toBe(800);
    expect(r.counters.pgsteal_file).toBeGreaterThan(2000);
    expect(r.counters.pswpout).toBe(0);
    expect(r.oomKills).toEqual([]);
  });

  it('drops clean (never written) pages without I/O or shadows: a zero page is refilled by a minor fault', () => {
    const { r } = runWithPolicy(
      policy(),
      [{ name: 'reader', regions: [shmemRegion(1500)], source: scripted(passes(OP_LOAD, 1500, 2)) }],
      [{ name: 'shm', pages: 1500 }],
      { memoryPages: 1024, machine: { swapPages: 4096 } },
    );
    expect(r.counters.pgsteal_anon).toBeGreaterThan(400);
    expect(r.counters.pswpout).toBe(0);
    expect(r.counters.pswpin).toBe(0);
    expect(r.counters.workingset_refault_anon).toBe(0);
    expect(r.tasks[0].majorFaults).toBe(0);
    expect(r.tasks[0].minorFaults).toBe(3000);
  });

  it('reads a hole as zeros without a page, and a write(2) dirties without the flushers', () => {
    const events: [number, number, number][] = [];
    for (let i = 0; i < 100; i++) events.push([OP_READ, 0, i]);
    for (let i = 0; i < 50; i++) events.push([OP_WRITE, 0, i]);
    const { k, r } = runWithPolicy(
      policy(),
      [
        {
          name: 'io',
          regions: [
            { kind: 'file-fd', file: 0, pages: 100 },
            // The mapping makes the file shmem.
            { ...shmemRegion(100), mapAtStart: false },
          ],
          source: scripted(events),
        },
      ],
      [{ name: 'tmpfs-file', pages: 100 }],
      { memoryPages: 4096, machine: { swapPages: 1024 } },
    );
    const file = k.machine.files[0];
    expect(file.nrCached).toBe(50);
    expect(file.nrDirty).toBe(0);
    expect(r.counters.pgpgin).toBe(0);
    expect(r.counters.pgpgout).toBe(0);
    expect(r.counters.dirty_throttle).toBe(0);
  });

  it('is not dirtyable memory: dirty limits come from free pages and the file LRU alone', () => {
    // 3,000 pages of resident shmem on a 4,096-page machine leave about 1,000
    // dirtyable pages: 500 dirty file pages are far over dirty_ratio (20%).
    const events: [number, number, number][] = passes(OP_STORE, 3000, 1);
    for (let i = 0; i < 500; i++) events.push([OP_WRITE, 1, i]);
    const { r } = runWithPolicy(
      policy(),
      [
        {
          name: 'db',
          regions: [shmemRegion(3000), { kind: 'file-fd', file: 1, pages: 500 }],
          source: scripted(events),
        },
      ],
      [
        { name: 'shared_buffers', pages: 3000 },
        { name: 'log', pages: 500 },
      ],
      { memoryPages: 4096, machine: { swapPages: 0, disk: DEVICE_PRESETS.hdd } },
    );
    expect(r.counters.dirty_throttle).toBeGreaterThan(0);
  });
});
