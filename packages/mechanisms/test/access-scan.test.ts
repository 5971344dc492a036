import { PMD_SHIFT, PTE_YOUNG } from '@reclaim-lab/hw-model';
import { AccessScanner, accessScanState } from '@reclaim-lab/mechanisms';
import { describe, expect, it } from 'vitest';
import { worldWithMm } from './helpers.js';

/** Touch every PTE of PMD 0 and one PTE in 64 of PMD 1 (the hardware sets both PMDs' non-leaf bits). */
function touch(mm: ReturnType<typeof worldWithMm>['mm'], start: number) {
  for (let v = start; v < start + 1024; v++) mm.pteBits[v] &= ~PTE_YOUNG;
  for (let v = start; v < start + 512; v++) mm.pteBits[v] |= PTE_YOUNG;
  for (let v = start + 512; v < start + 1024; v += 64) mm.pteBits[v] |= PTE_YOUNG;
  mm.pmdYoung[start >> PMD_SHIFT] = 1;
  mm.pmdYoung[(start >> PMD_SHIFT) + 1] = 1;
}

describe('the shared access scanner (walk_mm with Bloom filters, lru_gen_look_around) for a policy without generations', () => {
  it('a Bloom-filtered walk skips the PMD the previous walk found sparse, and walks the dense one', () => {
    const { world, lv, mm } = worldWithMm([{ pages: 1024 }]);
    const start = mm.vmas[0].start;
    const seen: number[] = [];
    const scanner = new AccessScanner(world, (pfn) => seen.push(pfn));
    const st = accessScanState(true);
    // First walk: no filter yet, both PMDs walked; only the dense one is carried over.
    touch(mm, start);
    scanner.walk(lv, st, 60, null);
    expect(st.seq).toBe(1);
    expect(world.counters.get('pt_walk_pmds_bloom_skipped')).toBe(0);
    expect(world.counters.get('pt_walk_ptes')).toBe(1024);
    touch(mm, start);
    seen.length = 0;
    scanner.walk(lv, st, 60, null);
    expect(world.counters.get('pt_walk_pmds_bloom_skipped')).toBe(1);
    expect(world.counters.get('pt_walk_ptes')).toBe(1024 + 512);
    // The sparse PMD's young PTEs were not visited: they stay young for rmap to find.
    expect(seen.length).toBe(512);
    for (let v = start + 512; v < start + 1024; v += 64) expect(mm.pteBits[v] & PTE_YOUNG).toBe(PTE_YOUNG);

    // Without filters the same walk visits both PMDs every time.
    const plain = worldWithMm([{ pages: 1024 }]);
    const s2 = accessScanState(false);
    const sc2 = new AccessScanner(plain.world, () => {});
    touch(plain.mm, plain.mm.vmas[0].start);
    sc2.walk(plain.lv, s2, 60, null);
    touch(plain.mm, plain.mm.vmas[0].start);
    sc2.walk(plain.lv, s2, 60, null);
    expect(plain.world.counters.get('pt_walk_ptes')).toBe(2048);
  });

  it("look-around on an rmap hit reports young neighbours, and a dense window puts its PMD in the next walk's filter", () => {
    const { world, lv, mm } = worldWithMm([{ pages: 1024 }]);
    const start = mm.vmas[0].start;
    const seen: number[] = [];
    const scanner = new AccessScanner(world, (pfn) => seen.push(pfn));
    const st = accessScanState(true);
    // A first walk with nothing young: both PMDs are cold, the next filter is empty.
    for (let v = start; v < start + 1024; v++) mm.pteBits[v] &= ~PTE_YOUNG;
    mm.pmdYoung.fill(1);
    scanner.walk(lv, st, 60, null);
    // The workload touches PMD 1 densely; reclaim's rmap walk finds one of its PTEs.
    for (let v = start + 512; v < start + 1024; v++) mm.pteBits[v] |= PTE_YOUNG;
    const visit = scanner.armLookAround(st, null);
    const vpn = start + 700;
    visit(mm, vpn, mm.pte[vpn] - 1);
    mm.pteBits[vpn] &= ~PTE_YOUNG; // the rmap walk clears the PTE it found
    expect(seen.length).toBe(63);
    expect(scanner.takeLookAroundNs()).toBeGreaterThan(0);
    expect(scanner.takeLookAroundNs()).toBe(0);
    // The next walk visits PMD 1 (fed by look-around) and skips PMD 0 (cold last walk).
    mm.pmdYoung.fill(1);
    const before = world.counters.get('pt_walk_pmds_bloom_skipped');
    scanner.walk(lv, st, 60, null);
    expect(world.counters.get('pt_walk_pmds_bloom_skipped') - before).toBe(1);
    // Only the 448 PTEs neither rmap nor look-around cleared were still young for the walk.
    expect(seen.length).toBe(63 + 448);
  });
});
