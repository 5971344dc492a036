/**
 * Readahead under pressure: the window is allocated with __GFP_NORETRY and
 * its folios are locked until the read is issued, so a window larger than
 * what is left shrinks to fit instead of evicting its own first pages (the
 * page the reader asked for among them) or calling the OOM killer.
 */
import { DEVICE_PRESETS, OP_LOAD, OP_READ, PG_LOCKED } from '@reclaim-lab/hw-model';
import { describe, expect, it } from 'vitest';
import type { ReclaimOps } from '../src/index.js';
import { runWithPolicy, scripted } from '../src/testing.js';

const policy = (): ReclaimOps<unknown> => ({ name: 'defaults' });

describe('readahead under pressure', () => {
  const sequentialReader = (pages: number, memcgMax: number) =>
    runWithPolicy(
      policy(),
      [
        {
          name: 'reader',
          memcg: '/g',
          // POSIX_FADV_SEQUENTIAL: windows grow to 64 pages.
          regions: [{ kind: 'file-fd', file: 0, pages, advice: 'sequential' }],
          source: scripted(
            Array.from({ length: pages }, (_, i): [number, number, number] => [OP_READ, 0, i]),
          ),
        },
      ],
      [{ name: 'data', pages }],
      { memoryPages: 4096, memcgs: [{ path: '/g', max: memcgMax }] },
    ).r;

  it('windows larger than the memcg thrash, as the kernel does, but never OOM and every page is read', () => {
    const pages = 240;
    const r = sequentialReader(pages, 24);
    expect(r.oomKills).toEqual([]);
    // Read-ahead pages whose I/O is over are reclaimable before they are
    // read, and are read again: refaults, where the memcg's few shadow
    // nodes still remember them.
    expect(r.counters.workingset_refault_file).toBeGreaterThan(0);
    expect(r.counters.pgpgin / 4).toBeGreaterThanOrEqual(pages + r.counters.workingset_refault_file);
  });

  it('with room for two windows, each page is read once and the reader misses once', () => {
    const pages = 240;
    const r = sequentialReader(pages, 160);
    expect(r.counters.workingset_refault_file).toBe(0);
    expect(r.counters.pgpgin).toBe(pages * 4);
    // Only the first read waits for a synchronous window; the rest were read ahead.
    expect(r.tasks[0].readMisses).toBe(1);
  });
});

describe('async readahead (page_cache_async_ra)', () => {
  const ssd = { readLatencyNs: 100_000, nsPerPage: 8_000 };
  const read = (order: number[], pages: number, advice?: 'random') =>
    runWithPolicy(
      policy(),
      [
        {
          name: 'reader',
          regions: [{ kind: 'file-fd', file: 0, pages, ...(advice ? { advice } : {}) }],
          source: scripted(order.map((i): [number, number, number] => [OP_READ, 0, i])),
        },
      ],
      [{ name: 'data', pages }],
      { memoryPages: 4096 },
    );

  it('a sequential read ramps its windows 4, 8, 16, 32 and reads each page once, waiting for the disk once', () => {
    // 4 + 8 + 16 + 32 + 32 + 32 pages: the sync window, then five async ones.
    const pages = 124;
    const { k, r } = read(
      Array.from({ length: pages }, (_, i) => i),
      pages,
    );
    expect(r.counters.pgpgin).toBe(pages * 4);
    expect(r.tasks[0].readMisses).toBe(1);
    expect(k.machine.devices[0].readsIssued).toBe(6);
    // The reader is bound by the disk's bandwidth; its latency is paid about
    // once (a synchronous window per 32 pages would pay it four times).
    const wait = r.tasks[0].ioWaitNs;
    expect(wait).toBeGreaterThan(pages * ssd.nsPerPage * 0.8);
    expect(wait).toBeLessThan(pages * ssd.nsPerPage + 2 * ssd.readLatencyNs);
  });

  it('windows run to end of file, past the part a reader reads: the kernel cannot know where it stops', () => {
    const { k, r } = runWithPolicy(
      policy(),
      [
        {
          name: 'head-reader',
          // The first 100 pages of a 1,000-page file.
          regions: [{ kind: 'file-fd', file: 0, pages: 100 }],
          source: scripted(Array.from({ length: 100 }, (_, i): [number, number, number] => [OP_READ, 0, i])),
        },
      ],
      [{ name: 'data', pages: 1000 }],
      { memoryPages: 4096 },
    );
    const cache = k.machine.files[0].cache;
    const beyond = cache.subarray(100).filter((p) => p !== 0).length;
    // Windows of 4, 8, 16, 32, 32, 32, and the one the marker on page 92
    // starts (124-155): 156 pages, 56 past the region.
    expect(beyond).toBe(56);
    expect(r.counters.pgpgin).toBe(156 * 4);
  });

  it('random reads read just their page and leave no marker', () => {
    const pages = 400;
    const order = [7, 300, 52, 199, 3, 391, 120, 250];
    const { k, r } = read(order, pages);
    expect(r.counters.pgpgin).toBe(order.length * 4);
    expect(k.machine.devices[0].readsIssued).toBe(order.length);
    expect(r.tasks[0].readMisses).toBe(order.length);
  });

  it('a read after a cached run starts a window sized by the run (page_cache_prev_miss)', () => {
    const pages = 400;
    // Pages 109 down to 100 are read backwards (one page each: no stream,
    // nothing cached below them), then 110 follows the cached run.
    const order = [109, 108, 107, 106, 105, 104, 103, 102, 101, 100, 110];
    const { k, r } = read(order, pages);
    // The ten single-page reads, then one window of the run's 10 + 1 pages.
    expect(k.machine.devices[0].readsIssued).toBe(11);
    expect(r.counters.pgpgin).toBe((10 + 11) * 4);
  });

  it('MADV_RANDOM turns readahead off', () => {
    const pages = 64;
    const { r } = read(
      Array.from({ length: pages }, (_, i) => i),
      pages,
      'random',
    );
    expect(r.tasks[0].readMisses).toBe(pages);
    expect(r.counters.pgpgin).toBe(pages * 4);
  });

  it('reclaim keeps folios still being read in, and a reader waits for them', () => {
    const pages = 600;
    let lockedEvicted = 0;
    let evicted = 0;
    const watching: ReclaimOps<unknown> = {
      name: 'defaults-watching',
      evicted: (ctx, pfn) => {
        evicted++;
        if (ctx.frames.flags[pfn] & PG_LOCKED) lockedEvicted++;
        return 0;
      },
    };
    // A slow disk: every window is in flight for milliseconds while the
    // reader's small memcg reclaims to make room for the next one.
    const { r } = runWithPolicy(
      watching,
      [
        {
          name: 'reader',
          memcg: '/g',
          regions: [{ kind: 'file-fd', file: 0, pages }],
          source: scripted(
            Array.from({ length: pages }, (_, i): [number, number, number] => [OP_READ, 0, i]),
          ),
        },
      ],
      [{ name: 'data', pages }],
      { memoryPages: 4096, memcgs: [{ path: '/g', max: 48 }], machine: { disk: DEVICE_PRESETS.hdd } },
    );
    expect(evicted).toBeGreaterThan(pages / 2);
    expect(lockedEvicted).toBe(0);
    // Async windows hide no latency from a reader faster than the disk: it waits for them.
    expect(r.tasks[0].ioWaitNs).toBeGreaterThan((pages * 1e9) / DEVICE_PRESETS.hdd.pagesPerSec);
  });

  it('a fault on the marked page of a read-around window reads the next one ahead (do_async_mmap_readahead)', () => {
    const pages = 1024;
    const fault = (advice?: 'sequential') =>
      runWithPolicy(
        policy(),
        [
          {
            name: 'mapper',
            regions: [{ kind: 'file-mapped', file: 0, pages, ...(advice ? { advice } : {}) }],
            source: scripted(
              Array.from({ length: pages }, (_, i): [number, number, number] => [OP_LOAD, 0, i]),
            ),
          },
        ],
        [{ name: 'data', pages }],
        { memoryPages: 4096 },
      ).r;
    for (const r of [fault(), fault('sequential')]) {
      // Only the first fault waits for a synchronous read; every page is read once.
      expect(r.tasks[0].majorFaults).toBe(1);
      expect(r.counters.pgpgin).toBe(pages * 4);
    }
  });
});
