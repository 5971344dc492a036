/**
 * Traditional LRU with MGLRU's access detection (`lru:access=ptwalk,bloom=on,lookaround=on`):
 * the page-table walk filtered by Bloom filters (`should_skip` of PMDs the
 * last walk found sparse) and look-around on rmap hits (`lru_gen_look_around`),
 * the same shared mechanisms MGLRU drives.
 */
import { DEVICE_PRESETS, defaultMachineConfig, OP_STORE, PTE_YOUNG } from '@reclaim-lab/hw-model';
import { createLru, type LruOptions } from '@reclaim-lab/policy-lru';
import { createMglru } from '@reclaim-lab/policy-mglru';
import { Kernel, type ReclaimOps, ScanControl } from '@reclaim-lab/reclaim';
import { anonAndFileHolder, generated, runWithPolicy } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

const MEM = 8192;
const HOT = 2048;

/**
 * A hot anon region of 4 PMDs: the first touched page by page, the other three
 * one page in 64 (their non-leaf bits set, their tables sparse), interleaved
 * with a cold stream 1.2x memory that forces reclaim.
 */
function run(policy: ReclaimOps<unknown>) {
  const cold = Math.floor(MEM * 1.2);
  return runWithPolicy(
    policy,
    [
      {
        name: 'app',
        regions: [
          { kind: 'anon', pages: HOT },
          { kind: 'anon', pages: cold },
        ],
        source: generated((i) => {
          if (i >= cold * 4) return null;
          if (i % 4 === 3) return [OP_STORE, 1, Math.floor(i / 4)];
          const k = (i - Math.floor(i / 4)) % (512 + 24);
          return [OP_STORE, 0, k < 512 ? k : 512 + (k - 512) * 64];
        }),
      },
    ],
    [],
    { memoryPages: MEM, seed: 7, machine: { swapDevice: DEVICE_PRESETS.zram } },
  ).r;
}

const lru = (o: Partial<LruOptions>) => createLru(o) as ReclaimOps<unknown>;

describe('Bloom-filtered page-table walks for traditional LRU, as for MGLRU', () => {
  it('skips the PMDs the last walk found sparse and scans fewer PTEs, for LRU and for MGLRU alike', () => {
    const lruOff = run(lru({ access: 'ptwalk' }));
    const lruOn = run(lru({ access: 'ptwalk', bloom: true }));
    const mgOff = run(createMglru({ bloom: false }) as ReclaimOps<unknown>);
    const mgOn = run(createMglru({ bloom: true }) as ReclaimOps<unknown>);
    for (const [off, on] of [
      [lruOff, lruOn],
      [mgOff, mgOn],
    ]) {
      expect(off.counters.pt_walk_pmds_bloom_skipped).toBe(0);
      expect(on.counters.pt_walk_pmds_bloom_skipped).toBeGreaterThan(0);
      // Each skipped PMD saves up to 512 PTE reads per walk.
      expect(on.counters.pt_walk_ptes).toBeLessThan(off.counters.pt_walk_ptes);
    }
  });

  it('bloom=on without a page-table walk is refused, naming the option and what it needs', () => {
    expect(() => createLru({ bloom: true })).toThrow(/bloom=on .*access=ptwalk or access=both/);
  });

  it('the mechanisms switched off are the plain policy, counter for counter', () => {
    const plain = run(lru({ access: 'ptwalk' }));
    const off = run(lru({ access: 'ptwalk', bloom: false, lookaround: false }));
    expect(off.counters).toEqual(plain.counters);
  });
});

/** 20k anon pages stored once, all PTEs young, nothing reclaimed yet; then one kswapd pass of 32. */
function lookAroundPass(lookaround: boolean) {
  const k = new Kernel({
    machine: defaultMachineConfig(65_536, { swapDevice: DEVICE_PRESETS.zram }),
    policy: createLru({ lookaround }) as ReclaimOps<unknown>,
    seed: 3,
    untilNs: 5_000_000_000,
  });
  const fixture = anonAndFileHolder(20_000, 64);
  k.load({ files: fixture.files, memcgs: [], tasks: fixture.tasks() });
  k.run();
  const mm = k.world.mms[0];
  const anon = mm.vmas[0];
  const youngBefore = countYoung(mm.pteBits, anon.start, anon.start + anon.pages);
  const sc = new ScanControl().reset('kswapd', null, 0, 32);
  sc.priority = 12;
  k.shrinkNode(sc, 0);
  const policyBits = k.machine.frames.policy;
  let marked = 0;
  for (let v = anon.start; v < anon.start + anon.pages; v++) {
    const e = mm.pte[v];
    if (e > 0 && policyBits[e - 1] & 1) {
      marked++;
      // A marked neighbour's accessed bit was taken by look-around.
      expect(mm.pteBits[v] & PTE_YOUNG).toBe(0);
    }
  }
  const youngAfter = countYoung(mm.pteBits, anon.start, anon.start + anon.pages);
  return { k, marked, youngBefore, youngAfter, rmapWalks: k.world.counters.get('rmap_walks') };
}

function countYoung(bits: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let v = from; v < to; v++) if (bits[v] & PTE_YOUNG) n++;
  return n;
}

describe('look-around for traditional LRU (lru_gen_look_around on its rmap walks)', () => {
  it('an rmap hit at the inactive tail marks the young neighbours in its PTE table', () => {
    const off = lookAroundPass(false);
    const on = lookAroundPass(true);
    expect(off.marked).toBe(0);
    expect(off.k.world.counters.get('lookaround_young')).toBe(0);
    // Same rmap walks; each found young PTE also tested up to 63 neighbours.
    expect(on.rmapWalks).toBe(off.rmapWalks);
    expect(on.rmapWalks).toBeGreaterThan(0);
    expect(on.marked).toBeGreaterThan(on.rmapWalks);
    expect(on.marked).toBe(on.k.world.counters.get('lookaround_young'));
    expect(on.youngBefore - on.youngAfter).toBe(off.youngBefore - off.youngAfter + on.marked);
  });

  it('a marked neighbour reaching the inactive tail is kept as referenced, as its young PTE would have kept it', () => {
    // One pass over every list (priority 0): each anon folio was stored once, so each has one reference — a
    // young PTE, or the look-around mark that replaced it — and is kept. Only the folio the first pass already
    // looked at (PG_referenced, its PTE since cleared) goes, with or without look-around.
    const pass = (k: Kernel) => {
      const sc = new ScanControl().reset('kswapd', null, 0, 4096);
      sc.priority = 0;
      sc.noCacheTrimMode = true;
      const c = k.world.counters;
      const scanned = c.get('pgscan_anon');
      const stolen = c.get('pgsteal_anon');
      k.shrinkNode(sc, 0);
      return { scanned: c.get('pgscan_anon') - scanned, stolen: c.get('pgsteal_anon') - stolen };
    };
    const on = lookAroundPass(true);
    const off = lookAroundPass(false);
    const a = pass(on.k);
    const b = pass(off.k);
    expect(a.scanned).toBeGreaterThan(on.marked);
    expect(b.scanned).toBeGreaterThan(on.marked);
    expect(b.stolen).toBe(on.rmapWalks);
    expect(a.stolen).toBe(b.stolen);
  });
});
