/**
 * Counters mean what /proc/vmstat means by them: pgmajfault counts page
 * faults that waited for I/O (a read(2) miss is no fault), and pgpgin /
 * pgpgout are KiB, swap I/O included.
 */
import { DEVICE_PRESETS, OP_FSYNC, OP_LOAD, OP_READ, OP_STORE, OP_WRITE } from '@reclaim-lab/hw-model';
import { KIB_PER_PAGE } from '@reclaim-lab/mechanisms';
import { describe, expect, it } from 'vitest';
import type { ReclaimOps } from '../src/index.js';
import { runWithPolicy, scripted } from '../src/testing.js';

const policy = (): ReclaimOps<unknown> => ({ name: 'defaults' });

describe('vmstat semantics', () => {
  it('a read(2) that misses is not a major fault; a fault on a mapping is', () => {
    // MADV_RANDOM: one page per miss, no readahead or read-around.
    const touch = (kind: 'file-fd' | 'file-mapped', op: number) => {
      const events: [number, number, number][] = [];
      for (let i = 0; i < 100; i++) events.push([op, 0, i]);
      return runWithPolicy(
        policy(),
        [
          {
            name: kind,
            regions: [{ kind, file: 0, pages: 100, advice: 'random' }],
            source: scripted(events),
          },
        ],
        [{ name: 'data', pages: 100 }],
      ).r;
    };
    const fd = touch('file-fd', OP_READ);
    expect(fd.counters.pgmajfault).toBe(0);
    expect(fd.tasks[0].majorFaults).toBe(0);
    expect(fd.tasks[0].readMisses).toBe(100);
    expect(fd.counters.pgpgin).toBe(100 * KIB_PER_PAGE);
    const mapped = touch('file-mapped', OP_LOAD);
    expect(mapped.counters.pgmajfault).toBe(100);
    expect(mapped.tasks[0].majorFaults).toBe(100);
    expect(mapped.tasks[0].readMisses).toBe(0);
    expect(mapped.counters.pgpgin).toBe(100 * KIB_PER_PAGE);
  });

  it('counts swap I/O in pgpgin and pgpgout, in KiB, beside pswpin and pswpout in pages', () => {
    const events: [number, number, number][] = [];
    for (let pass = 0; pass < 2; pass++) for (let i = 0; i < 1500; i++) events.push([OP_STORE, 0, i]);
    const r = runWithPolicy(
      policy(),
      [{ name: 'hog', regions: [{ kind: 'anon', pages: 1500 }], source: scripted(events) }],
      [],
      { memoryPages: 1024, machine: { swapPages: 4096, swapDevice: DEVICE_PRESETS.ssd } },
    ).r;
    expect(r.counters.pswpout).toBeGreaterThan(400);
    expect(r.counters.pgpgout).toBe(r.counters.pswpout * KIB_PER_PAGE);
    expect(r.counters.pgpgin).toBe(r.counters.pswpin * KIB_PER_PAGE);
  });

  it('counts nr_dirtied once per clean page dirtied and nr_written per completed write-back', () => {
    const events: [number, number, number][] = [];
    for (let pass = 0; pass < 2; pass++) for (let i = 0; i < 100; i++) events.push([OP_WRITE, 0, i]);
    events.push([OP_FSYNC, 0, 0]);
    // After the fsync the pages are clean: writing them again dirties them anew.
    for (let i = 0; i < 50; i++) events.push([OP_WRITE, 0, i]);
    events.push([OP_FSYNC, 0, 0]);
    const r = runWithPolicy(
      policy(),
      [{ name: 'writer', regions: [{ kind: 'file-fd', file: 0, pages: 100 }], source: scripted(events) }],
      [{ name: 'data', pages: 100 }],
    ).r;
    expect(r.counters.nr_dirtied).toBe(150);
    expect(r.counters.nr_written).toBe(150);
    expect(r.counters.pgpgout).toBe(150 * KIB_PER_PAGE);
  });
});
