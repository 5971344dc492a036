/**
 * The aging (mm/vmscan.c: `should_run_aging`, `try_to_inc_max_seq`,
 * `inc_max_seq`, `inc_min_seq`, `try_to_inc_min_seq`, `iterate_mm_list`).
 *
 * A new generation is made only when too few remain for eviction: when the
 * oldest evictable generation is within MIN_NR_GENS of max_seq. Before
 * max_seq moves, the page tables of every mm of the lruvec's memcg that
 * ran since the last walk are walked (with the Bloom filter of this
 * sequence, feeding the next), and each young PTE's folio goes through
 * `folio_update_gen`. Without page-table walks (`ptwalk` off) aging just
 * increments max_seq and accesses are found by rmap and look-around only.
 * When a type already has the maximum number of generations, its oldest is
 * retired first: its folios move up one generation (`inc_min_seq`).
 * `machine.kernel` before 6.14 selects the older aging feedback and min_seq
 * rules (docs/kernel-versions.md).
 */
import { PG_WORKINGSET } from '@reclaim-lab/hw-model';
import {
  ageUpdateDeltaNs,
  PageTableWalker,
  type PtWalkParams,
  VM,
  type World,
  type YoungFolioVisitor,
} from '@reclaim-lab/mechanisms';
import type { ScanControl } from '@reclaim-lab/reclaim';
import type { MglruOptions } from './options.js';
import { carryOverCtrlPos } from './pid.js';
import { folioIncGen, folioUpdateGen } from './placement.js';
import {
  type Ctx,
  evictableMinSeq,
  evictableSize,
  type Layout,
  MAX_SWAPPINESS,
  type MglruState,
  typeEvictable,
} from './state.js';

export class Aging {
  private readonly L: Layout;
  private readonly opts: MglruOptions;
  private walker: PageTableWalker | null = null;
  private walkerWorld: World | null = null;
  private cur: Ctx | null = null;
  /** Pages of the evictable types, as the last `shouldRunAging` counted them. */
  nrToScan = 0;
  /**
   * Whether the current reclaimer owns an `mm_walk` (kswapd, proactive
   * reclaim, or one that aged in this reclaim): its look-around then
   * promotes with `folio_update_gen` instead of `folio_activate`.
   */
  walkOwned = false;
  private readonly params: PtWalkParams = {
    lruvec: -1,
    swappiness: 0,
    forceScan: false,
    clearNonleafYoung: true,
    bloom: null,
    seq: 0,
    markDirty: null,
  };
  private readonly markDirty = (pfn: number): void => this.cur?.core.markDirty?.(pfn);
  /** Promotions by `folio_update_gen` in the current walk (`ageUpdate`). */
  private genUpdates = 0;
  private readonly visit: YoungFolioVisitor = (pfn) => {
    if (folioUpdateGen(this.L, this.cur!, pfn)) this.genUpdates++;
  };

  /**
   * Up to 6.2, kswapd's `sc->memcgs_need_aging` per node: cleared by an
   * eviction pass that reclaimed a batch without needing to age, so the
   * next `lru_gen_age_node` round skips the (costly) aging once.
   */
  private readonly memcgsNeedAging: boolean[] = [];

  constructor(L: Layout, opts: MglruOptions) {
    this.L = L;
    this.opts = opts;
  }

  setMemcgsNeedAging(node: number, need: boolean): void {
    this.memcgsNeedAging[node] = need;
  }

  memcgsNeedAgingOf(node: number): boolean {
    return this.memcgsNeedAging[node] ?? false;
  }

  /**
   * `should_run_aging`: true when aging must (eviction impossible) or
   * should (only MIN_NR_GENS + 1 generations left) happen; counts the
   * evictable pages into `nrToScan`.
   */
  shouldRunAging(st: MglruState, swappiness: number): boolean {
    this.nrToScan = 0;
    const min = evictableMinSeq(st, swappiness);
    if (min + this.L.minGens > st.maxSeq) return true;
    this.nrToScan = evictableSize(this.L, st, swappiness);
    // With 4+ generations there is always room for one more here; with 2 or 3
    // a new one would first retire the oldest, so only age when we must.
    return min + this.L.minGens === st.maxSeq && st.maxSeq - min + 1 < this.L.gens;
  }

  /**
   * `should_run_aging` up to 6.13 (before 798c0330c2ca "rework aging
   * feedback"): age when eviction is impossible, and with exactly
   * MIN_NR_GENS + 1 generations also when the youngest holds more than
   * 1/MIN_NR_GENS of the pages or the oldest-but-one less than
   * 1/(MIN_NR_GENS + 2). Up to 6.2 the count was kept even when eviction
   * was impossible; from 6.3 it is zeroed there.
   */
  shouldRunAgingUpTo613(st: MglruState, swappiness: number): boolean {
    const L = this.L;
    const min = evictableMinSeq(st, swappiness);
    let total = 0;
    let young = 0;
    let old = 0;
    for (let type = 0; type < 2; type++) {
      if (!typeEvictable(type, swappiness)) continue;
      for (let seq = st.minSeq[type]; seq <= st.maxSeq; seq++) {
        const size = st.nrPages[(seq % L.gens) * 2 + type];
        total += size;
        if (seq === st.maxSeq) young += size;
        else if (seq + L.minGens === st.maxSeq) old += size;
      }
    }
    this.nrToScan = total;
    if (min + L.minGens > st.maxSeq) {
      if (!st.upTo64) this.nrToScan = 0;
      return true;
    }
    if (min + L.minGens < st.maxSeq) return false;
    // As in `shouldRunAging`: with 2 or 3 generations only age when we must.
    if (st.maxSeq - min + 1 >= L.gens) return false;
    return young * L.minGens > total || old * (L.minGens + 2) < total;
  }

  /**
   * `inc_min_seq`: retire the oldest generation of `type`. If the type is
   * evictable, its folios move to the next generation (counted as protected
   * by tier) so the young ones are not left behind the new max_seq; if not,
   * they stay, accepting cold/hot inversion.
   */
  incMinSeq(ctx: Ctx, type: number, swappiness: number): void {
    const L = this.L;
    const st = ctx.state;
    const lists = ctx.lists;
    const f = ctx.frames;
    if (typeEvictable(type, swappiness)) {
      const list = st.lists[(st.minSeq[type] % L.gens) * 2 + type];
      const T = L.tiers;
      for (let pfn = lists.last(list); pfn !== -1; pfn = lists.last(list)) {
        const flags = f.flags[pfn];
        const refs = L.lruRefs(flags, f.policy[pfn]);
        const gen = folioIncGen(L, ctx, pfn, false);
        lists.moveTail(st.lists[gen * 2 + type], pfn);
        // Up to 6.13 inc_min_seq counted nothing as protected.
        if (!L.legacyRefs && !L.lazilyPromoted(refs, flags))
          st.ctrl.protected[type * T + L.tierFromRefs(refs, (flags & PG_WORKINGSET) !== 0)]++;
      }
    }
    carryOverCtrlPos(st.ctrl, type);
    st.minSeq[type]++;
  }

  /**
   * `try_to_inc_min_seq`: advance each evictable type's min_seq over empty
   * generations (keeping MIN_NR_GENS), without letting one type run ahead
   * of max_seq - MIN_NR_GENS while the other lags behind it.
   */
  tryToIncMinSeq(ctx: Ctx, swappiness: number): boolean {
    const L = this.L;
    const st = ctx.state;
    const lists = ctx.lists;
    let a = st.minSeq[0];
    let fl = st.minSeq[1];
    if (typeEvictable(0, swappiness)) {
      while (a + L.minGens <= st.maxSeq && lists.length(st.lists[(a % L.gens) * 2]) === 0) a++;
    }
    if (typeEvictable(1, swappiness)) {
      while (fl + L.minGens <= st.maxSeq && lists.length(st.lists[(fl % L.gens) * 2 + 1]) === 0) fl++;
    }
    if (st.upTo613) {
      // Up to 6.13 (before 798c0330c2ca): anon's min_seq never passes file's,
      // and file's moves only as far as anon's ("the comment on lru_gen_folio").
      if (swappiness > 0) {
        a = Math.min(a, fl);
        fl = Math.max(a, st.minSeq[1]);
      }
    } else if (swappiness > 0 && swappiness <= MAX_SWAPPINESS) {
      const seq = st.maxSeq - L.minGens;
      if (a > seq && fl < seq) a = seq;
      else if (fl > seq && a < seq) fl = seq;
    }
    let success = false;
    if (typeEvictable(0, swappiness) && a > st.minSeq[0]) {
      carryOverCtrlPos(st.ctrl, 0);
      st.minSeq[0] = a;
      success = true;
    }
    if (typeEvictable(1, swappiness) && fl > st.minSeq[1]) {
      carryOverCtrlPos(st.ctrl, 1);
      st.minSeq[1] = fl;
      success = true;
    }
    return success;
  }

  /** `inc_max_seq`: make a new youngest generation, retiring an oldest one first where needed. */
  incMaxSeq(ctx: Ctx, seq: number, swappiness: number): boolean {
    const st = ctx.state;
    if (seq !== st.maxSeq) return false;
    for (let type = 0; type < 2; type++) {
      if (st.nrGens(type) === this.L.gens) this.incMinSeq(ctx, type, swappiness);
    }
    st.timestamps[(st.maxSeq + 1) % this.L.gens] = ctx.now();
    st.maxSeq++;
    ctx.world.counters.v[VM.lru_gen_aging]++;
    return true;
  }

  /**
   * `try_to_inc_max_seq`: walk the page tables of the memcg's mms (one
   * iteration of its mm list), then `inc_max_seq`. Returns false if another
   * iteration already produced this generation.
   */
  tryToIncMaxSeq(ctx: Ctx, seq: number, swappiness: number, forceScan: boolean, sc: ScanControl): boolean {
    const st = ctx.state;
    if (seq <= st.mmSeq) return false;
    if (this.opts.ptwalk) this.walkMmList(ctx, seq, swappiness, forceScan, sc);
    // `iterate_mm_list[_nowalk]` finished the iteration.
    st.mmSeq++;
    return this.incMaxSeq(ctx, seq, swappiness);
  }

  /** One iteration of `iterate_mm_list` + `walk_mm` over the mms of the lruvec's memcg. */
  private walkMmList(ctx: Ctx, seq: number, swappiness: number, forceScan: boolean, sc: ScanControl): void {
    const world = ctx.world;
    if (this.walker === null || this.walkerWorld !== world) {
      this.walker = new PageTableWalker(world);
      this.walkerWorld = world;
    }
    const st = ctx.state;
    const p = this.params;
    p.lruvec = ctx.lruvec.id;
    p.swappiness = swappiness;
    p.forceScan = forceScan;
    p.bloom = st.bloom;
    p.seq = seq;
    p.markDirty = ctx.core.markDirty ? this.markDirty : null;
    this.cur = ctx;
    this.walkOwned = true;
    const memcg = ctx.memcg.id;
    const bit = 1 << (ctx.lruvec.node % 32);
    let first = true;
    let cost = 0;
    for (const mm of world.mms) {
      if (mm.memcg !== memcg || mm.exited) continue;
      // mms added since the last iteration, and every one after them, are force-scanned.
      if (mm.id >= st.mmSeen) p.forceScan = true;
      if (!p.forceScan && (mm.usedNodes & bit) === 0) continue;
      mm.usedNodes &= ~bit;
      if (first) {
        st.bloom?.reset(seq + 1);
        first = false;
      }
      cost += this.walker.walkMm(mm, p, this.visit).costNs;
      world.counters.v[VM.lru_gen_walks]++;
    }
    st.mmSeen = world.mms.length;
    ctx.core.chargeNs(sc, cost);
    // `ageUpdate=locked`: the walk's promotions priced as list moves under lru_lock instead of atomics.
    if (this.opts.ageUpdate === 'locked' && this.genUpdates > 0)
      ctx.core.chargeNs(sc, ageUpdateDeltaNs('locked', 'lockfree', this.genUpdates));
    this.genUpdates = 0;
  }
}
