/**
 * The page-table walk over an address space (models the `walk_mm` family of
 * mm/vmscan.c: `should_skip_vma`, `walk_pmd_range`, `walk_pte_range`,
 * `suitable_to_scan`, `walk_update_folio`).
 *
 * The walk visits the VMAs of one mm that are worth walking, PMD by PMD. A
 * PMD whose non-leaf accessed bit is clear is skipped (x86 sets that bit
 * when the hardware walks through it; the walk clears it), and so is one the
 * Bloom filter of this walk does not hold. In a PTE table it tests and
 * clears the accessed bit of every PTE mapping a folio of the lruvec being
 * aged — without a TLB flush, which is the point of walking instead of
 * using rmap — moves a PTE dirty bit to its folio, and hands the folio to
 * the policy's visitor. A table with at least one young PTE per cache line
 * (8 PTEs) is recorded in the Bloom filter of the next walk.
 *
 * What a young PTE means is the policy's business: the walk only finds and
 * clears them. Costs: `cost.pmdNs` per PMD entry read, `cost.pteNs` per PTE.
 */
import {
  type Mm,
  PG_ANON,
  PG_DIRTY,
  PG_LRU,
  PG_SWAPCACHE,
  PG_UNEVICTABLE,
  PMD_SHIFT,
  PTE_DIRTY,
  PTE_YOUNG,
  PTRS_PER_PTE,
  VM_LOCKED,
  VM_RAND_READ,
  VM_SEQ_READ,
  type Vma,
  ZERO_PAGE_PTE,
} from '@reclaim-lab/hw-model';
import { type BloomFilters, bloomKey } from './bloom.js';
import { VM } from './counters.js';
import type { World } from './world.js';

/** `MAX_SWAPPINESS`: above it (201) only anon is evictable. */
const MAX_SWAPPINESS = 200;
/** PTEs per 64-byte cache line: `clamp(cache_line_size() / sizeof(pte_t), 2, 8)`. */
export const PTES_PER_CACHELINE = 8;

/**
 * `suitable_to_scan`: a PTE range was worth scanning if it held, on average,
 * at least one young PTE per cache line.
 */
export function suitableToScan(total: number, young: number): boolean {
  return young * PTES_PER_CACHELINE >= total;
}

/**
 * `should_skip_vma`: VMAs a walk leaves alone — unmapped, without recency
 * (MADV_SEQUENTIAL/RANDOM), mlocked, anon ones when anon is not evictable
 * (swappiness 0) and file ones when file is not (swappiness 201).
 */
export function shouldSkipVma(vma: Vma, swappiness: number): boolean {
  if (!vma.mapped) return true;
  if (vma.vmFlags & (VM_SEQ_READ | VM_RAND_READ)) return true;
  if (vma.vmFlags & VM_LOCKED) return true;
  if (vma.file < 0) return swappiness === 0;
  return swappiness > MAX_SWAPPINESS;
}

/** Called once per young PTE found (its accessed bit already cleared) with the folio it maps. */
export type YoungFolioVisitor = (pfn: number) => void;

export interface PtWalkParams {
  /** Only folios on the lists of this lruvec count (same memcg and node, not isolated). */
  lruvec: number;
  /** Decides which VMAs are skipped (see `shouldSkipVma`). */
  swappiness: number;
  /** Walk every PMD: no non-leaf young test, no Bloom filter (`walk->force_scan`). */
  forceScan: boolean;
  /** Test and clear non-leaf PMD accessed bits (`should_clear_pmd_young`, x86). */
  clearNonleafYoung: boolean;
  /** The lruvec's filters, or null to walk without them. */
  bloom: BloomFilters | null;
  /** The walk's sequence: it reads filter `seq` and feeds filter `seq + 1`. */
  seq: number;
  /**
   * `folio_mark_dirty` for a folio a dirty PTE maps (the core's service, which
   * also queues the folio for the flushers); null leaves PTE dirty bits alone.
   */
  markDirty: ((pfn: number) => void) | null;
}

/** What one walk did (reused between walks: copy what you keep). */
export interface PtWalkStats {
  ptes: number;
  pmds: number;
  bloomSkipped: number;
  nonleafSkipped: number;
  young: number;
  /** PMDs recorded in the next walk's Bloom filter. */
  bloomAdded: number;
  costNs: number;
}

/**
 * Move a young PTE's dirty bit to its folio (`walk_update_folio`), except
 * for anon folios not yet in the swap cache, which are written anyway.
 */
export function transferDirty(
  world: World,
  mm: Mm,
  vpn: number,
  pfn: number,
  markDirty: ((pfn: number) => void) | null,
): void {
  if (markDirty === null || (mm.pteBits[vpn] & PTE_DIRTY) === 0) return;
  const flags = world.frames.flags[pfn];
  if (flags & PG_ANON && (flags & PG_SWAPCACHE) === 0) return;
  mm.pteBits[vpn] &= ~PTE_DIRTY;
  if ((flags & PG_DIRTY) === 0) markDirty(pfn);
}

/** Walks address spaces for one policy instance; reuses its result object. */
export class PageTableWalker {
  private readonly world: World;
  readonly stats: PtWalkStats = {
    ptes: 0,
    pmds: 0,
    bloomSkipped: 0,
    nonleafSkipped: 0,
    young: 0,
    bloomAdded: 0,
    costNs: 0,
  };

  constructor(world: World) {
    this.world = world;
  }

  /** `walk_mm`: walk every VMA of `mm` that `shouldSkipVma` keeps. */
  walkMm(mm: Mm, params: PtWalkParams, visit: YoungFolioVisitor): PtWalkStats {
    const s = this.stats;
    s.ptes = s.pmds = s.bloomSkipped = s.nonleafSkipped = s.young = s.bloomAdded = 0;
    for (const vma of mm.vmas) {
      if (shouldSkipVma(vma, params.swappiness)) continue;
      this.walkVma(mm, vma, params, visit);
    }
    const cost = this.world.cost;
    s.costNs = s.ptes * cost.pteNs + s.pmds * cost.pmdNs;
    const c = this.world.counters.v;
    c[VM.pt_walk_ptes] += s.ptes;
    c[VM.pt_walk_pmds] += s.pmds;
    c[VM.pt_walk_pmds_bloom_skipped] += s.bloomSkipped;
    c[VM.pt_walk_pmds_nonleaf_skipped] += s.nonleafSkipped;
    return s;
  }

  /** `walk_pmd_range` over one VMA. */
  private walkVma(mm: Mm, vma: Vma, p: PtWalkParams, visit: YoungFolioVisitor): void {
    const s = this.stats;
    const end = vma.start + vma.pages;
    const pmdYoung = mm.pmdYoung;
    const first = vma.start >> PMD_SHIFT;
    const last = (end - 1) >> PMD_SHIFT;
    for (let pmd = first; pmd <= last; pmd++) {
      s.pmds++;
      if (!p.forceScan && p.clearNonleafYoung) {
        if (pmdYoung[pmd] === 0) {
          s.nonleafSkipped++;
          continue;
        }
        pmdYoung[pmd] = 0;
      }
      const key = p.bloom === null ? 0 : bloomKey(mm.id, pmd);
      if (!p.forceScan && p.bloom !== null && !p.bloom.test(p.seq, key)) {
        s.bloomSkipped++;
        continue;
      }
      const from = Math.max(pmd << PMD_SHIFT, vma.start);
      const to = Math.min((pmd + 1) * PTRS_PER_PTE, end);
      const young = this.walkPtes(mm, from, to, p, visit);
      // Carry a dense table over to the next generation's walk.
      if (p.bloom !== null && suitableToScan(to - from, young)) {
        p.bloom.add(p.seq + 1, key);
        s.bloomAdded++;
      }
    }
  }

  /** `walk_pte_range`: returns the young PTEs found in [from, to). */
  private walkPtes(mm: Mm, from: number, to: number, p: PtWalkParams, visit: YoungFolioVisitor): number {
    const f = this.world.frames;
    const flags = f.flags;
    const lruvecOf = f.lruvec;
    const pte = mm.pte;
    const bits = mm.pteBits;
    const lv = p.lruvec;
    let young = 0;
    for (let vpn = from; vpn < to; vpn++) {
      const e = pte[vpn];
      if (e <= 0 || e === ZERO_PAGE_PTE || (bits[vpn] & PTE_YOUNG) === 0) continue;
      const pfn = e - 1;
      if (lruvecOf[pfn] !== lv || (flags[pfn] & (PG_LRU | PG_UNEVICTABLE)) !== PG_LRU) continue;
      bits[vpn] &= ~PTE_YOUNG;
      transferDirty(this.world, mm, vpn, pfn, p.markDirty);
      young++;
      visit(pfn);
    }
    this.stats.ptes += to - from;
    this.stats.young += young;
    return young;
  }
}
