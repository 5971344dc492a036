/**
 * MGLRU's access detection packaged for any policy: the page-table walk over
 * a memcg's address spaces (`walk_mm`), its Bloom filters (`should_skip` of a
 * PMD the last walk found cold; `reset_bloom_filter`, `update_bloom_filter`)
 * and look-around on the young PTEs an rmap walk finds
 * (`lru_gen_look_around`). MGLRU drives the same three pieces itself with
 * generations as the sequence; a policy without generations keeps one
 * `AccessScanState` per lruvec and counts its walks as the sequence.
 *
 * What a young folio means stays the policy's business: the scanner reports
 * each one to the policy's visitor. Owns scratch only; the per-lruvec state
 * is the caller's.
 */
import { BloomFilters } from './bloom.js';
import { LookAround, type LookAroundParams } from './lookaround.js';
import type { Lruvec } from './lruvec.js';
import { PageTableWalker, type PtWalkParams, type YoungFolioVisitor } from './pt-walk.js';
import type { World, YoungPteVisitor } from './world.js';

/** One lruvec's walk state: its Bloom filter pair (null = walk without) and walk sequence. */
export interface AccessScanState {
  bloom: BloomFilters | null;
  /** Walks done; walk `seq` reads filter `seq` and feeds filter `seq + 1`. */
  seq: number;
}

export function accessScanState(bloom: boolean): AccessScanState {
  return { bloom: bloom ? new BloomFilters() : null, seq: 0 };
}

/** Walks and looks around for one policy instance (bound to one World). */
export class AccessScanner {
  readonly world: World;
  private readonly walker: PageTableWalker;
  private readonly lookaround: LookAround;
  private readonly visit: YoungFolioVisitor;
  private readonly params: PtWalkParams = {
    lruvec: 0,
    swappiness: 60,
    forceScan: false,
    clearNonleafYoung: true,
    bloom: null,
    seq: 0,
    markDirty: null,
  };
  private readonly laParams: LookAroundParams = { bloom: null, seq: 0, markDirty: null };
  /** Look-around time since the caller last took it (ns). */
  lookAroundNs = 0;
  /** The core's rmap-walk hook: look around each young PTE, reporting young neighbours. */
  readonly rmapVisitor: YoungPteVisitor = (mm, vpn, pfn) => {
    this.lookaround.run(mm, vpn, pfn, this.laParams, this.visit);
    this.lookAroundNs += this.lookaround.costNs;
  };

  constructor(world: World, visit: YoungFolioVisitor) {
    this.world = world;
    this.walker = new PageTableWalker(world);
    this.lookaround = new LookAround(world);
    this.visit = visit;
  }

  /**
   * One walk of every live mm of the lruvec's memcg (`iterate_mm_list` +
   * `walk_mm`), reporting folios of that lruvec with young PTEs. With a
   * Bloom filter, only PMDs the previous walk (or a look-around since) found
   * dense are visited. Returns the walk's cost in ns.
   */
  walk(
    lv: Lruvec,
    st: AccessScanState,
    swappiness: number,
    markDirty: ((pfn: number) => void) | null,
  ): number {
    const p = this.params;
    p.lruvec = lv.id;
    p.swappiness = swappiness;
    p.bloom = st.bloom;
    p.seq = st.seq;
    p.markDirty = markDirty;
    st.bloom?.reset(st.seq + 1);
    let cost = 0;
    for (const mm of this.world.mms) {
      if (mm.memcg !== lv.memcg.id || mm.exited) continue;
      cost += this.walker.walkMm(mm, p, this.visit).costNs;
    }
    st.seq++;
    return cost;
  }

  /**
   * Arm `rmapVisitor` for an rmap pass on this lruvec: dense windows feed
   * the filter the next walk reads.
   */
  armLookAround(st: AccessScanState, markDirty: ((pfn: number) => void) | null): YoungPteVisitor {
    this.laParams.bloom = st.bloom;
    this.laParams.seq = st.seq;
    this.laParams.markDirty = markDirty;
    return this.rmapVisitor;
  }

  /** Take (and zero) the look-around time accumulated since the last call. */
  takeLookAroundNs(): number {
    const ns = this.lookAroundNs;
    this.lookAroundNs = 0;
    return ns;
  }
}
