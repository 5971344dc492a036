/**
 * Look-around (models `lru_gen_look_around` in mm/vmscan.c).
 *
 * When an rmap walk finds a young PTE, its neighbours are likely young too
 * (spatial locality), and they sit in the same PTE table, one cache line
 * away. Look-around scans a window of up to 64 PTEs around the young one,
 * inside its PMD and clipped to its VMA, clears the accessed bits of those
 * that map folios of the same lruvec, and reports each such folio to the
 * policy. If the window was dense (one young PTE per cache line on
 * average), the PMD goes into the Bloom filter the next page-table walk
 * reads: the feedback loop from eviction to aging.
 */
import {
  type Mm,
  PG_LRU,
  PG_UNEVICTABLE,
  PMD_SHIFT,
  PTE_YOUNG,
  PTRS_PER_PTE,
  ZERO_PAGE_PTE,
} from '@reclaim-lab/hw-model';
import { type BloomFilters, bloomKey } from './bloom.js';
import { VM } from './counters.js';
import { suitableToScan, transferDirty, type YoungFolioVisitor } from './pt-walk.js';
import type { World } from './world.js';

/** The widest window: `MIN_LRU_BATCH` PTEs. */
export const LOOKAROUND_PTES = 64;

/**
 * The window around `vpn`: its PMD clipped to the VMA [vmaStart, vmaEnd),
 * narrowed to 64 PTEs — the first 64 when `vpn` is within 32 of the start,
 * the last 64 when within 32 of the end, else centred. Writes [start, end)
 * to `out`; returns false when the window is the one page itself.
 */
export function lookAroundWindow(vpn: number, vmaStart: number, vmaEnd: number, out: Int32Array): boolean {
  const pmdStart = (vpn >> PMD_SHIFT) << PMD_SHIFT;
  let start = Math.max(pmdStart, vmaStart);
  let end = Math.min(pmdStart + PTRS_PER_PTE, vmaEnd);
  if (end - start <= 1) return false;
  const half = LOOKAROUND_PTES / 2;
  if (end - start > LOOKAROUND_PTES) {
    if (vpn - start < half) end = start + LOOKAROUND_PTES;
    else if (end - vpn < half) start = end - LOOKAROUND_PTES;
    else {
      start = vpn - half;
      end = vpn + half;
    }
  }
  out[0] = start;
  out[1] = end;
  return true;
}

export interface LookAroundParams {
  /** The lruvec's Bloom filters, or null. */
  bloom: BloomFilters | null;
  /** The filter a dense window feeds: the lruvec's `max_seq`, read by its next walk. */
  seq: number;
  /** `folio_mark_dirty` (see `PtWalkParams.markDirty`); null leaves dirty bits alone. */
  markDirty: ((pfn: number) => void) | null;
}

/** Look-around for one policy instance; reuses its scratch state. */
export class LookAround {
  private readonly world: World;
  private readonly win = new Int32Array(2);
  /** Cost of the last call (ns), for the caller to charge. */
  costNs = 0;
  /** Window of the last call (for tests). */
  start = 0;
  end = 0;

  constructor(world: World) {
    this.world = world;
  }

  /**
   * Look around the young PTE `vpn` of `mm` that maps `pfn`, which the rmap
   * walk is about to clear. Clears and reports young neighbours mapping
   * folios of `pfn`'s lruvec; returns how many.
   */
  run(mm: Mm, vpn: number, pfn: number, params: LookAroundParams, visit: YoungFolioVisitor): number {
    this.costNs = 0;
    this.start = this.end = vpn;
    const vma = mm.vmaAt(vpn);
    if (vma === undefined || !lookAroundWindow(vpn, vma.start, vma.start + vma.pages, this.win)) return 0;
    const start = this.win[0];
    const end = this.win[1];
    this.start = start;
    this.end = end;
    const f = this.world.frames;
    const flags = f.flags;
    const lruvecOf = f.lruvec;
    const lv = lruvecOf[pfn];
    const pte = mm.pte;
    const bits = mm.pteBits;
    let young = 0;
    for (let v = start; v < end; v++) {
      if (v === vpn) continue;
      const e = pte[v];
      if (e <= 0 || e === ZERO_PAGE_PTE || (bits[v] & PTE_YOUNG) === 0) continue;
      const n = e - 1;
      if (lruvecOf[n] !== lv || (flags[n] & (PG_LRU | PG_UNEVICTABLE)) !== PG_LRU) continue;
      bits[v] &= ~PTE_YOUNG;
      transferDirty(this.world, mm, v, n, params.markDirty);
      young++;
      visit(n);
    }
    // The young PTE that triggered the look-around counts too.
    if (params.bloom !== null && suitableToScan(end - start, young + 1))
      params.bloom.add(params.seq, bloomKey(mm.id, vpn >> PMD_SHIFT));
    const c = this.world.counters.v;
    c[VM.lookaround_ptes] += end - start;
    c[VM.lookaround_young] += young;
    this.costNs = (end - start) * this.world.cost.pteNs;
    return young;
  }
}
