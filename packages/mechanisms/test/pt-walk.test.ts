import {
  DEFAULT_COST,
  PG_DIRTY,
  PG_LRU,
  PMD_SHIFT,
  PTE_DIRTY,
  PTE_YOUNG,
  VM_LOCKED,
  VM_RAND_READ,
  VM_SEQ_READ,
} from '@reclaim-lab/hw-model';
import {
  BloomFilters,
  bloomKey,
  PageTableWalker,
  type PtWalkParams,
  shouldSkipVma,
  suitableToScan,
} from '@reclaim-lab/mechanisms';
import { describe, expect, it } from 'vitest';
import { worldWithMm, youngCount } from './helpers.js';

function params(lruvec: number, over: Partial<PtWalkParams> = {}): PtWalkParams {
  return {
    lruvec,
    swappiness: 60,
    forceScan: true,
    clearNonleafYoung: true,
    bloom: null,
    seq: 4,
    markDirty: null,
    ...over,
  };
}

describe('page-table walk (walk_mm, should_skip_vma, walk_pmd_range, walk_pte_range)', () => {
  it('skips VMAs should_skip_vma skips: unmapped, MADV_SEQUENTIAL/RANDOM, mlocked; anon at swappiness 0, file at 201', () => {
    const { world, lv, mm } = worldWithMm([
      { pages: 600 },
      { pages: 100, vmFlags: VM_LOCKED },
      { pages: 100, file: true, vmFlags: VM_SEQ_READ },
      { pages: 100, file: true, vmFlags: VM_RAND_READ },
      { pages: 100, file: true },
      { pages: 100, mapped: false },
    ]);
    const [anon, locked, seq, rand, file, unmapped] = mm.vmas;
    expect(shouldSkipVma(anon, 60)).toBe(false);
    expect(shouldSkipVma(locked, 60)).toBe(true);
    expect(shouldSkipVma(seq, 60)).toBe(true);
    expect(shouldSkipVma(rand, 60)).toBe(true);
    expect(shouldSkipVma(unmapped, 60)).toBe(true);
    expect(shouldSkipVma(anon, 0)).toBe(true);
    expect(shouldSkipVma(file, 0)).toBe(false);
    expect(shouldSkipVma(anon, 201)).toBe(false);
    expect(shouldSkipVma(file, 201)).toBe(true);

    const walker = new PageTableWalker(world);
    const seen: number[] = [];
    const s = walker.walkMm(mm, params(lv.id), (pfn) => seen.push(pfn));
    expect(s.young).toBe(700);
    expect(seen.length).toBe(700);
    // Only the walked VMAs lost their accessed bits.
    expect(youngCount(mm, anon.start, anon.start + anon.pages)).toBe(0);
    expect(youngCount(mm, file.start, file.start + file.pages)).toBe(0);
    for (const v of [locked, seq, rand, unmapped])
      expect(youngCount(mm, v.start, v.start + v.pages)).toBe(v.pages);
    // 600 pages span 2 PMDs, 100 pages 1: 3 PMDs and 700 PTEs visited.
    expect(s.pmds).toBe(3);
    expect(s.ptes).toBe(700);
    expect(s.costNs).toBe(700 * DEFAULT_COST.pteNs + 3 * DEFAULT_COST.pmdNs);
    expect(world.counters.get('pt_walk_ptes')).toBe(700);
    expect(world.counters.get('pt_walk_pmds')).toBe(3);

    const anonOnly: number[] = [];
    for (let v = file.start; v < file.start + file.pages; v++) mm.pteBits[v] |= PTE_YOUNG;
    for (let v = anon.start; v < anon.start + anon.pages; v++) mm.pteBits[v] |= PTE_YOUNG;
    walker.walkMm(mm, params(lv.id, { swappiness: 201 }), (pfn) => anonOnly.push(pfn));
    expect(anonOnly.length).toBe(600);
    expect(walker.walkMm(mm, params(lv.id, { swappiness: 0 }), () => {}).young).toBe(100);
  });

  it("only tests folios on this lruvec's lists: another memcg's folio and an isolated one keep their accessed bits", () => {
    const { world, lv, other, mm, f, map } = worldWithMm([{ pages: 16 }]);
    const v = mm.vmas[0];
    const foreign = map(v.start + 3, false, other.id);
    const isolated = mm.pte[v.start + 5] - 1;
    f.flags[isolated] &= ~PG_LRU;
    const seen: number[] = [];
    new PageTableWalker(world).walkMm(mm, params(lv.id), (pfn) => seen.push(pfn));
    expect(seen).not.toContain(foreign);
    expect(seen).not.toContain(isolated);
    expect(seen.length).toBe(14);
    expect(mm.pteBits[v.start + 3] & PTE_YOUNG).toBe(PTE_YOUNG);
    expect(mm.pteBits[v.start + 5] & PTE_YOUNG).toBe(PTE_YOUNG);
  });

  it('skips a PMD whose non-leaf accessed bit is clear and clears the bit of one it walks, unless force-scanning', () => {
    const { world, lv, mm } = worldWithMm([{ pages: 1024 }]);
    const v = mm.vmas[0];
    const pmd0 = v.start >> PMD_SHIFT;
    mm.pmdYoung[pmd0 + 1] = 0;
    const walker = new PageTableWalker(world);
    const s = walker.walkMm(mm, params(lv.id, { forceScan: false }), () => {});
    expect(s.nonleafSkipped).toBe(1);
    expect(s.young).toBe(512);
    expect(mm.pmdYoung[pmd0]).toBe(0);
    expect(youngCount(mm, v.start + 512, v.start + 1024)).toBe(512);
    expect(world.counters.get('pt_walk_pmds_nonleaf_skipped')).toBe(1);
    // A forced walk ignores the non-leaf bits.
    expect(walker.walkMm(mm, params(lv.id, { forceScan: true }), () => {}).young).toBe(512);
  });

  it('carries dense PTE tables (>= 1 young PTE per cache line) into the next Bloom filter and skips the rest next time', () => {
    expect(suitableToScan(512, 64)).toBe(true);
    expect(suitableToScan(512, 63)).toBe(false);
    const { world, lv, mm } = worldWithMm([{ pages: 1024 }]);
    const v = mm.vmas[0];
    const pmd0 = v.start >> PMD_SHIFT;
    // PMD 1 is sparse: 8 young PTEs of 512.
    for (let i = 512; i < 1024; i++) if (i % 64 !== 0) mm.pteBits[v.start + i] = 0;
    const bloom = new BloomFilters();
    bloom.reset(5);
    const walker = new PageTableWalker(world);
    const s = walker.walkMm(mm, params(lv.id, { forceScan: false, bloom, seq: 4 }), () => {});
    // Filter 4 was never set up, so the first walk visits everything.
    expect(s.young).toBe(520);
    expect(s.bloomAdded).toBe(1);
    expect(bloom.test(5, bloomKey(mm.id, pmd0))).toBe(true);
    expect(bloom.test(5, bloomKey(mm.id, pmd0 + 1))).toBe(false);
    // Everything young again: the walk for seq 5 visits only the dense table.
    for (let i = 0; i < 1024; i++) mm.pteBits[v.start + i] |= PTE_YOUNG;
    mm.pmdYoung.fill(1);
    bloom.reset(6);
    const s2 = walker.walkMm(mm, params(lv.id, { forceScan: false, bloom, seq: 5 }), () => {});
    expect(s2.bloomSkipped).toBe(1);
    expect(s2.young).toBe(512);
    expect(s2.ptes).toBe(512);
    expect(world.counters.get('pt_walk_pmds_bloom_skipped')).toBe(1);
  });

  it('moves a PTE dirty bit to its folio through folio_mark_dirty, but not for anon folios outside the swap cache', () => {
    const { world, lv, mm, f } = worldWithMm([{ pages: 4, file: true }, { pages: 4 }]);
    const [file, anon] = mm.vmas;
    mm.pteBits[file.start] |= PTE_DIRTY;
    mm.pteBits[anon.start] |= PTE_DIRTY;
    const dirtied: number[] = [];
    const markDirty = (pfn: number) => {
      dirtied.push(pfn);
      world.markDirty(pfn);
    };
    new PageTableWalker(world).walkMm(mm, params(lv.id, { markDirty }), () => {});
    const filePfn = mm.pte[file.start] - 1;
    expect(dirtied).toEqual([filePfn]);
    expect(f.flags[filePfn] & PG_DIRTY).toBe(PG_DIRTY);
    expect(mm.pteBits[file.start] & PTE_DIRTY).toBe(0);
    expect(mm.pteBits[anon.start] & PTE_DIRTY).toBe(PTE_DIRTY);
  });
});
