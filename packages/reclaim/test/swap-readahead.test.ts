/**
 * Swap readahead (`swapin_readahead`): a swap fault on a device that is not
 * synchronous reads the neighbouring entries into the swap cache, and the
 * window follows readahead hits (`__swapin_nr_pages`).
 */
import {
  DEVICE_PRESETS,
  type DeviceSpec,
  defaultMachineConfig,
  OP_LOAD,
  OP_STORE,
  OP_THINK,
  PG_ANON,
  PG_READAHEAD,
  PG_SWAPCACHE,
} from '@reclaim-lab/hw-model';
import { describe, expect, it } from 'vitest';
import { Kernel, swapinNrPages } from '../src/index.js';
import { generated, runCase } from '../src/testing.js';

const MEM = 4096;

/** A machine of MEM pages with twice that of swap on `device`, default hooks, invariants checked. */
function rereadKernel(device: DeviceSpec, pageCluster?: number): Kernel {
  return new Kernel({
    machine: defaultMachineConfig(MEM, { swapPages: MEM * 2, swapDevice: device, pageCluster }),
    policy: { name: 'defaults' },
    seed: 1,
    checkInvariants: true,
  });
}

/** Store to an anon region of 1.5x memory, then load it again in `order` (sequential or a fixed shuffle). */
function rereadAnon(device: DeviceSpec, order: 'sequential' | 'random', pageCluster?: number) {
  const pages = Math.floor(MEM * 1.5);
  const k = rereadKernel(device, pageCluster);
  const perm = Array.from({ length: pages }, (_, i) => i);
  if (order === 'random')
    for (let i = pages - 1, x = 12345; i > 0; i--) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const j = x % (i + 1);
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
  k.load({
    files: [],
    memcgs: [],
    tasks: [
      {
        name: 'rereader',
        regions: [{ kind: 'anon', pages }],
        source: generated((i) =>
          i < pages ? [OP_STORE, 0, i] : i < 2 * pages ? [OP_LOAD, 0, perm[i - pages]] : null,
        ),
      },
    ],
  });
  const r = k.run();
  return r;
}

/** Store to a mapped shmem file of 1.5x memory, then load it again in order. */
function rereadShmem(device: DeviceSpec, pageCluster?: number) {
  const pages = Math.floor(MEM * 1.5);
  const k = rereadKernel(device, pageCluster);
  k.load({
    files: [{ name: 'shared_buffers', pages }],
    memcgs: [],
    tasks: [
      {
        name: 'db',
        regions: [{ kind: 'file-mapped', file: 0, pages, shmem: true }],
        source: generated((i) =>
          i < pages ? [OP_STORE, 0, i] : i < 2 * pages ? [OP_LOAD, 0, i - pages] : null,
        ),
      },
    ],
  });
  return k.run();
}

describe('__swapin_nr_pages', () => {
  it('grows with hits to a power of two, reads two pages for a neighbour without hits, and halves at most', () => {
    expect(swapinNrPages(10, 11, 0, 8, 0)).toBe(2);
    expect(swapinNrPages(10, 9, 0, 8, 0)).toBe(2);
    expect(swapinNrPages(10, 20, 0, 8, 0)).toBe(1);
    expect(swapinNrPages(10, 20, 1, 8, 0)).toBe(4);
    expect(swapinNrPages(10, 20, 3, 8, 0)).toBe(8);
    expect(swapinNrPages(10, 20, 40, 8, 0)).toBe(8);
    // Don't shrink readahead too fast: a miss after a window of 8 still reads 4.
    expect(swapinNrPages(10, 20, 0, 8, 8)).toBe(4);
  });
});

describe('swap readahead', () => {
  it('a sequential re-read from SSD swap faults about once per 8 pages, the rest found read ahead', () => {
    const r = rereadAnon(DEVICE_PRESETS.ssd, 'sequential');
    const c = r.counters;
    expect(c.pswpin).toBeGreaterThan(MEM);
    // Every major fault read its page and its readahead in one request.
    expect(c.pswpin).toBe(c.pgmajfault + c.swap_ra);
    expect(c.pgmajfault).toBeLessThan(c.pswpin / 6);
    expect(c.swap_ra_hit).toBeGreaterThan(0.95 * c.swap_ra);
    const off = rereadAnon(DEVICE_PRESETS.ssd, 'sequential', 0);
    expect(off.counters.swap_ra).toBe(0);
    expect(off.counters.pgmajfault).toBe(off.counters.pswpin);
    expect(r.runtimeNs).toBeLessThan(off.runtimeNs / 2);
  });

  it('a shmem re-read from SSD swap reads the swap cluster ahead (shmem_swapin_cluster), found at lookup', () => {
    const r = rereadShmem(DEVICE_PRESETS.ssd);
    const c = r.counters;
    expect(c.pswpin).toBeGreaterThan(MEM / 2);
    expect(c.pswpin).toBe(c.pgmajfault + c.swap_ra);
    expect(c.pgmajfault).toBeLessThan(c.pswpin / 4);
    expect(c.swap_ra_hit).toBeGreaterThan(0.9 * c.swap_ra);
    const off = rereadShmem(DEVICE_PRESETS.ssd, 0);
    expect(off.counters.swap_ra).toBe(0);
    expect(off.counters.pgmajfault).toBe(off.counters.pswpin);
    // zram is synchronous: one page per swap-in.
    expect(rereadShmem(DEVICE_PRESETS.zram).counters.swap_ra).toBe(0);
  });

  it('a random re-read keeps the window at one page: nothing is read ahead for nothing', () => {
    const c = rereadAnon(DEVICE_PRESETS.ssd, 'random').counters;
    expect(c.pswpin).toBeGreaterThan(MEM / 2);
    expect(c.swap_ra).toBeLessThan(0.02 * c.pswpin);
  });

  it('a rotational swap device reads the cluster of swap offsets around the entry', () => {
    const c = rereadAnon(DEVICE_PRESETS.hdd, 'sequential').counters;
    expect(c.swap_ra).toBeGreaterThan(0.8 * c.pswpin);
    expect(c.swap_ra_hit).toBeGreaterThan(0.95 * c.swap_ra);
  });

  it("reads the whole cluster, other memcgs' entries too, each page charged to the memcg that swapped it out", () => {
    // Two tasks in /a and /b store 0.75x memory each, interleaved, so their
    // pages go to swap in runs side by side (each reclaim pass writes a run
    // of one memcg's pages); then /a re-reads all its pages while /b sleeps,
    // its pages still swapped out, and the clusters at the runs' edges hold both.
    const pages = Math.floor(MEM * 0.75);
    const reread = pages;
    const k = new Kernel({
      machine: defaultMachineConfig(MEM, { swapPages: MEM * 2, swapDevice: DEVICE_PRESETS.hdd }),
      policy: { name: 'defaults' },
      seed: 1,
      checkInvariants: true,
      // Stop while both still run: b asleep, its pages swapped out.
      untilNs: 10e9,
    });
    // Event args are 32-bit: sleep in 2 s steps.
    const sleep = (j: number): [number, number, number] | null => (j < 10 ? [OP_THINK, 0, 2e9] : null);
    const storeThenSleep = (then: (j: number) => [number, number, number] | null) =>
      generated((i) =>
        i < pages ? [OP_STORE, 0, i] : i === pages ? [OP_THINK, 0, 1e9] : then(i - pages - 1),
      );
    k.load({
      files: [],
      memcgs: [{ path: '/a' }, { path: '/b' }],
      tasks: [
        {
          name: 'a',
          memcg: '/a',
          regions: [{ kind: 'anon', pages }],
          source: storeThenSleep((j) => (j < reread ? [OP_LOAD, 0, j] : sleep(j - reread))),
        },
        {
          name: 'b',
          memcg: '/b',
          regions: [{ kind: 'anon', pages }],
          source: storeThenSleep(sleep),
        },
      ],
    });
    const r = k.run();
    const f = k.machine.frames;
    const b = k.tasks[1];
    expect(b.name).toBe('b');
    // b's entries read ahead for a's faults (PG_READAHEAD: never looked up since):
    // in the swap cache, b's pages, charged to /b. Before, only /a's entries were read.
    let cachedForB = 0;
    for (let pfn = 0; pfn < f.count; pfn++) {
      const flags = f.flags[pfn];
      if ((flags & (PG_SWAPCACHE | PG_READAHEAD)) !== (PG_SWAPCACHE | PG_READAHEAD)) continue;
      if (f.owner[pfn] !== b.mm.id || !(flags & PG_ANON)) continue;
      cachedForB++;
      expect(f.memcg[pfn]).toBe(b.memcg.id);
    }
    expect(cachedForB).toBeGreaterThan(0);
    // They are read ahead (swap_ra) and never hit: a's hits are its own pages.
    expect(r.counters.swap_ra).toBeGreaterThanOrEqual(r.counters.swap_ra_hit + cachedForB);
    expect(b.memcg.usage).toBeGreaterThanOrEqual(cachedForB);
  });

  it('a swap-in is charged to the memcg that swapped the page out, not to the task that faults it', () => {
    // /a writes a shmem file of twice memory (most of it goes to zram); /b reads it all back later.
    const pages = 2 * 1024;
    const k = new Kernel({
      // zram's pool costs nothing here (zramRatio 0): twice memory of shmem must fit in swap.
      machine: defaultMachineConfig(1024, { swapPages: 4096, swapDevice: DEVICE_PRESETS.zram, zramRatio: 0 }),
      policy: { name: 'defaults' },
      seed: 1,
      checkInvariants: true,
    });
    k.load({
      files: [{ name: 'shm', pages }],
      memcgs: [{ path: '/a' }, { path: '/b' }],
      tasks: [
        {
          name: 'writer',
          memcg: '/a',
          regions: [{ kind: 'file-mapped', file: 0, pages, shmem: true }],
          source: generated((i) => (i < pages ? [OP_STORE, 0, i] : null)),
        },
        {
          name: 'reader',
          memcg: '/b',
          regions: [{ kind: 'file-mapped', file: 0, pages, shmem: true }],
          source: generated((i) => (i === 0 ? [OP_THINK, 0, 2e9] : i <= pages ? [OP_LOAD, 0, i - 1] : null)),
        },
      ],
    });
    const r = k.run();
    expect(r.counters.pswpin).toBeGreaterThan(500);
    const [a, b] = k.tasks.map((t) => t.memcg);
    const f = k.machine.frames;
    const charged = { a: 0, b: 0 };
    for (const p of k.machine.files[0].cache) {
      if (p === 0) continue;
      if (f.memcg[p - 1] === a.id) charged.a++;
      if (f.memcg[p - 1] === b.id) charged.b++;
    }
    expect(charged.a).toBeGreaterThan(500);
    expect(charged.b).toBe(0);
    expect(b.usage).toBe(0);
  });

  it('zram is synchronous: swap-ins skip the swap cache and read one page each', () => {
    const c = rereadAnon(DEVICE_PRESETS.zram, 'sequential').counters;
    expect(c.pswpin).toBeGreaterThan(MEM);
    expect(c.swap_ra).toBe(0);
    expect(c.pgmajfault).toBe(c.pswpin);
  });

  it('keeps the faulting folio locked off the LRU while reclaim for the window runs (invariants hold)', () => {
    // Found by the conformance property: allocating the window reclaimed in
    // the memcg while the faulting page was allocated but on no list.
    const c = {
      machine: { memoryPages: 129, nodes: 2, swapPages: 38, swapDevice: 'hdd' as const, swappiness: 100 },
      memcgLimit: 0.2,
      tasks: [
        {
          memcg: '/a',
          regions: [
            { kind: 'anon' as const, pages: 51, mlock: false },
            { kind: 'anon' as const, pages: 26, mlock: true },
          ],
          events: [
            [1, 0, 5],
            [0, 0, 0],
            [3, 0, 667],
            [0, 3, 220],
            [0, 1, 0],
            [0, 3, 325],
          ] as [number, number, number][],
        },
      ],
      seed: 0,
    };
    const r = runCase(c, () => ({ name: 'defaults' }));
    // runCase checks the invariants after every reclaim pass; the swap-ins did happen.
    expect(r.counters.pswpin).toBeGreaterThan(0);
  });
});
