/**
 * Demotion takes page-cache and shmem folios too: `demote_folio_list`
 * migrates any folio whose mapping can migrate, and `pgdemote_*` count
 * them. On a two-tier machine with no swap at all, reclaim on the fast node
 * moves a read file's pages and a shmem region's pages to the slow node,
 * where they stay cached and mapped — nothing is written or dropped.
 */
import { defaultMachineConfig, OP_LOAD, OP_READ, OP_STORE, OP_THINK } from '@reclaim-lab/hw-model';
import { createLru } from '@reclaim-lab/policy-lru';
import { createMglru } from '@reclaim-lab/policy-mglru';
import { Kernel, type ReclaimOps, ScanControl } from '@reclaim-lab/reclaim';
import { generated } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

const NODE = 4096;
const FILE = 1200;
const SHMEM = 1200;

/** Frames of `file`'s page cache on each node. */
function cachedByNode(k: Kernel, file: number): [number, number] {
  const out: [number, number] = [0, 0];
  const cache = k.machine.files[file].cache;
  for (let i = 0; i < cache.length; i++) if (cache[i] > 0) out[k.machine.frames.node[cache[i] - 1]]++;
  return out;
}

/** A task on node 0 reads a file and writes a shmem mapping, all on node 0; then kswapd passes on node 0. */
function demoteCacheAndShmem([policy, priority]: [ReclaimOps<unknown>, number]) {
  const k = new Kernel({
    machine: defaultMachineConfig(2 * NODE, {
      nodePages: [NODE, NODE],
      swapPages: 0,
      demotionTarget: [1, -1],
    }),
    policy,
    seed: 4,
    untilNs: 5_000_000_000,
  });
  expect(k.machine.swap).toBeNull();
  k.load({
    files: [
      { name: 'data', pages: FILE },
      { name: 'shm', pages: SHMEM },
    ],
    memcgs: [],
    tasks: [
      {
        name: 'holder',
        regions: [
          { kind: 'file-fd', file: 0, pages: FILE },
          { kind: 'file-mapped', file: 1, pages: SHMEM, shmem: true },
        ],
        source: generated((i) =>
          i < FILE
            ? [OP_READ, 0, i]
            : i < FILE + SHMEM
              ? [OP_STORE, 1, i - FILE]
              : i < FILE + 2 * SHMEM
                ? [OP_LOAD, 1, i - FILE - SHMEM]
                : [OP_THINK, 0, 1_000_000_000],
        ),
      },
    ],
  });
  k.run();
  const before = { file: cachedByNode(k, 0), shmem: cachedByNode(k, 1) };
  const c = k.world.counters;
  for (let i = 0; i < 24; i++) {
    const sc = new ScanControl().reset('kswapd', null, 0, 256);
    sc.priority = priority;
    sc.mayWritepage = true;
    sc.noCacheTrimMode = true;
    k.shrinkNode(sc, 0);
  }
  k.checkInvariants('after demotion');
  const after = { file: cachedByNode(k, 0), shmem: cachedByNode(k, 1) };
  // Every demoted shmem page is still mapped by the task, at its new frame.
  const mm = k.world.mms[0];
  let mappedOnSlow = 0;
  for (let vpn = 0; vpn < mm.pte.length; vpn++) {
    const pte = mm.pte[vpn];
    if (pte > 0 && k.machine.frames.node[pte - 1] === 1) mappedOnSlow++;
  }
  return { before, after, k, demoted: c.get('pgdemote_kswapd'), mappedOnSlow };
}

const POLICIES: [string, () => [ReclaimOps<unknown>, number]][] = [
  ['lru', () => [createLru() as ReclaimOps<unknown>, 0]],
  ['mglru', () => [createMglru() as ReclaimOps<unknown>, 2]],
];

describe('demotion of page-cache and shmem folios (demote_folio_list takes any migratable folio)', () => {
  for (const [name, policy] of POLICIES) {
    it(`${name}: with no swap, the fast node's file and shmem pages move to the slow node, still cached and mapped`, () => {
      const r = demoteCacheAndShmem(policy());
      // Everything started on the fast node.
      expect(r.before.file).toEqual([FILE, 0]);
      expect(r.before.shmem).toEqual([SHMEM, 0]);
      const fileMoved = r.after.file[1];
      const shmemMoved = r.after.shmem[1];
      expect(fileMoved).toBeGreaterThan(0);
      expect(shmemMoved).toBeGreaterThan(0);
      // Moved, not dropped: each page is cached on one node or the other.
      expect(r.after.file[0] + r.after.file[1]).toBe(FILE);
      expect(r.after.shmem[0] + r.after.shmem[1]).toBe(SHMEM);
      // pgdemote_kswapd counts exactly the folios that changed node.
      expect(r.demoted).toBe(fileMoved + shmemMoved);
      expect(r.mappedOnSlow).toBe(shmemMoved);
      const c = r.k.world.counters;
      expect(c.get('pswpout')).toBe(0);
      expect(c.get('pgsteal_kswapd')).toBe(r.demoted);
    });
  }
});
