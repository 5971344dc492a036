/**
 * The eviction (mm/vmscan.c: `try_to_shrink_lruvec`, `get_nr_to_scan`,
 * `evict_folios`, `isolate_folios`, `scan_folios`, `sort_folio`,
 * `isolate_folio`, and MGLRU's branch of `folio_check_references`).
 *
 * Eviction takes folios from the tail of the oldest generation of the type
 * the refault feedback picks. Each is first sorted: one the aging promoted
 * goes to its new generation's list; one of a tier the feedback protects
 * (or dirty / under writeback, in the kernel's 'nextGen' handling) moves on
 * to the next generation; the rest are isolated and handed to the core's
 * `shrink_folio_list`, whose rmap walk also looks around each young PTE.
 * Survivors go back, never into the oldest generation; clean unmapped ones
 * get one more try.
 */
import {
  type Mm,
  PG_ACTIVE,
  PG_DIRTY,
  PG_RECLAIM,
  PG_REFERENCED,
  PG_WORKINGSET,
  PG_WRITEBACK,
  VM_EXEC,
} from '@reclaim-lab/hw-model';
import {
  ageUpdateDeltaNs,
  costWeights,
  LookAround,
  type LookAroundParams,
  type RmapResult,
  typeByWeights,
  VM,
  type World,
  type YoungFolioVisitor,
  type YoungPteVisitor,
} from '@reclaim-lab/mechanisms';
import {
  DEF_PRIORITY,
  type Decision,
  MAX_LRU_BATCH,
  MIN_LRU_BATCH,
  type PutbackOutcome,
  type ScanControl,
  SWAP_CLUSTER_MAX,
} from '@reclaim-lab/reclaim';
import type { Aging } from './aging.js';
import type { MglruOptions } from './options.js';
import { ctrlPos, getTierIdx, getTypeToScan, getTypeToScanUpTo613, typeBySwappiness } from './pid.js';
import {
  addFolio,
  clearRefsFlags,
  delFolio,
  folioActivate,
  folioIncGen,
  folioSeq,
  folioUpdateGen,
  moveToOwnGen,
  setRefs,
} from './placement.js';
import {
  ANON,
  type Ctx,
  evictableMinSeq,
  FILE,
  getSwappiness,
  type Layout,
  MAX_SWAPPINESS,
  typeEvictable,
  typeOf,
} from './state.js';

const BATCH = MIN_LRU_BATCH * 2;

export class Eviction {
  private readonly L: Layout;
  private readonly opts: MglruOptions;
  private readonly aging: Aging;
  private readonly buf = new Int32Array(BATCH);
  private readonly outcome = new Uint8Array(BATCH);
  private readonly skipped = new Int32Array(MIN_LRU_BATCH);
  private readonly sp = ctrlPos();
  private readonly pv = ctrlPos();
  private readonly tierOut = new Int32Array(1);
  /** Folios isolated by the last `isolateFolios`, and the type they are of. */
  private isolated = 0;
  /** The type of the batch `scanFolios` isolated last. */
  private lastType = 0;
  private readonly weights = new Float64Array(2);
  private cur: Ctx | null = null;
  private curSc: ScanControl | null = null;
  private lookaround: LookAround | null = null;
  private lookaroundWorld: World | null = null;
  private readonly laParams: LookAroundParams = { bloom: null, seq: 0, markDirty: null };
  private readonly markDirty = (pfn: number): void => this.cur?.core.markDirty?.(pfn);
  /** Look-around promotions by `folio_update_gen` in the current window (`ageUpdate`). */
  private genUpdates = 0;

  /** Young neighbours found by look-around: promoted lazily with a walk, else activated on a second sighting. */
  private readonly neighbour: YoungFolioVisitor = (pfn) => {
    const ctx = this.cur!;
    if (this.aging.walkOwned) {
      if (folioUpdateGen(this.L, ctx, pfn)) this.genUpdates++;
    } else if (ctx.state.upTo613) {
      // Up to 6.13 (before 4d5d14a01e2c): one sighting activates, refs flags cleared.
      const gen = this.L.genOf(ctx.frames.policy[pfn]);
      if (gen < 0) ctx.frames.flags[pfn] |= PG_REFERENCED;
      else if (gen !== ctx.state.maxSeq % this.L.gens) {
        clearRefsFlags(this.L, ctx, pfn);
        ctx.frames.flags[pfn] &= ~PG_WORKINGSET;
        folioActivate(this.L, ctx, pfn);
      }
    } else if (
      setRefs(this.L, ctx, pfn) &&
      this.L.genOf(ctx.frames.policy[pfn]) !== ctx.state.maxSeq % this.L.gens
    ) {
      folioActivate(this.L, ctx, pfn);
    }
  };

  /** Handed to the core's rmap walk: `lru_gen_look_around` for each young PTE. */
  private readonly rmapVisitor: YoungPteVisitor = (mm: Mm, vpn: number, pfn: number) => {
    const la = this.lookaround!;
    la.run(mm, vpn, pfn, this.laParams, this.neighbour);
    this.cur!.core.chargeNs(this.curSc!, la.costNs);
    // `ageUpdate=locked`: this window's promotions priced as list moves under lru_lock instead of atomics.
    if (this.opts.ageUpdate === 'locked' && this.genUpdates > 0)
      this.cur!.core.chargeNs(this.curSc!, ageUpdateDeltaNs('locked', 'lockfree', this.genUpdates));
    this.genUpdates = 0;
  };

  constructor(L: Layout, opts: MglruOptions, aging: Aging) {
    this.L = L;
    this.opts = opts;
    this.aging = aging;
  }

  /** `try_to_shrink_lruvec` (with `lru_gen_shrink_node`'s gate for root reclaim). Returns 'rotate' if it aged. */
  shrink(ctx: Ctx, sc: ScanControl): 'rotate' | undefined {
    if (sc.rootReclaim && (!sc.mayWritepage || !sc.mayUnmap)) return undefined;
    // `lru_gen_shrink_lruvec`: memcg reclaim sets up its walk per lruvec, so
    // one group's aging does not lend the next group its walk (root reclaim
    // keeps one for the node pass: `prepare`).
    if (!sc.rootReclaim) this.aging.walkOwned = sc.proactive;
    const swappiness = getSwappiness(ctx, sc);
    if (ctx.state.upTo64) return this.shrinkUpTo64(ctx, sc, swappiness);
    let scanned = 0;
    let nr = 0;
    for (;;) {
      nr = this.getNrToScan(ctx, sc, swappiness);
      if (nr <= 0) break;
      const delta = this.evictFolios(ctx, sc, swappiness);
      if (delta === 0) break;
      scanned += delta;
      if (scanned >= nr) break;
      if (sc.rootReclaim && ctx.core.shouldAbortScan(ctx, sc)) break;
      // A vendor hook (ReclaimOps v2 `reclaimDone`) may end the batch early.
      if (ctx.core.stopRequested?.(ctx, sc)) break;
    }
    // Too many dirty folios in the oldest generation: wake the flushers.
    if (
      this.opts.dirtyHandling === 'nextGen' &&
      sc.nrUnqueuedDirty > 0 &&
      sc.nrUnqueuedDirty === sc.nrFileTaken
    )
      ctx.core.wakeFlushers();
    return nr < 0 ? 'rotate' : undefined;
  }

  /**
   * `lru_gen_shrink_lruvec` up to 6.2 (of the offered lines, 6.1): kswapd
   * leaves the aging to `lru_gen_age_node`, others age and go on evicting;
   * a pass that reclaimed a batch without needing to age tells kswapd it may
   * skip its next aging round (`memcgs_need_aging`). Only global reclaim
   * stops at its goal (`get_nr_to_reclaim`).
   */
  private shrinkUpTo64(ctx: Ctx, sc: ScanControl, swappiness: number): undefined {
    const reclaimed = sc.nrReclaimed;
    let scanned = 0;
    let needAging = false;
    for (;;) {
      const nr = this.getNrToScanUpTo64(ctx, sc, swappiness);
      needAging = this.needAging;
      if (nr <= 0) return undefined;
      const delta = this.evictFolios(ctx, sc, swappiness);
      if (delta === 0) return undefined;
      scanned += delta;
      if (scanned >= nr) break;
      if (!sc.cgroupReclaim) {
        const progress = sc.isKswapd ? sc.nrReclaimed - sc.nodePassBase : sc.nrReclaimed;
        if (progress >= sc.nrToReclaim) break;
      }
    }
    if (sc.isKswapd && sc.nrReclaimed - reclaimed >= MIN_LRU_BATCH && !needAging)
      this.aging.setMemcgsNeedAging(ctx.lruvec.node, false);
    return undefined;
  }

  /** Whether the last `getNrToScanUpTo64` found that the lruvec needs aging. */
  private needAging = false;

  /** `get_nr_to_scan` up to 6.2: the count, 0 to skip; an aging direct reclaimer goes on evicting. */
  private getNrToScanUpTo64(ctx: Ctx, sc: ScanControl, swappiness: number): number {
    const memcg = ctx.memcg;
    this.needAging = false;
    if (memcg.emin > 0 && memcg.usage <= memcg.emin) return 0;
    const st = ctx.state;
    const L = this.L;
    const maxSeq = st.maxSeq;
    const min = evictableMinSeq(st, swappiness);
    const need = this.aging.shouldRunAgingUpTo613(st, swappiness);
    const total = this.aging.nrToScan;
    const nr = memcg.online ? Math.floor(total / 2 ** sc.priority) : total;
    this.needAging = need;
    if (!need) return nr;
    const haveCold = min + L.minGens <= maxSeq ? nr : 0;
    if (sc.priority === DEF_PRIORITY) return haveCold;
    if (sc.isKswapd) return 0;
    if (this.aging.tryToIncMaxSeq(ctx, maxSeq, swappiness, false, sc)) return nr;
    return haveCold;
  }

  /** `get_nr_to_scan`: how much to scan, or age (-1: aged, rotate; 0: nothing to do). */
  private getNrToScan(ctx: Ctx, sc: ScanControl, swappiness: number): number {
    const memcg = ctx.memcg;
    if (memcg.emin > 0 && memcg.usage <= memcg.emin) return -1;
    const st = ctx.state;
    const need = st.upTo613
      ? this.aging.shouldRunAgingUpTo613(st, swappiness)
      : this.aging.shouldRunAging(st, swappiness);
    const nr = this.aging.nrToScan;
    if (!need || sc.priority === DEF_PRIORITY) return Math.floor(nr / 2 ** sc.priority);
    return this.aging.tryToIncMaxSeq(ctx, st.maxSeq, swappiness, false, sc) ? -1 : 0;
  }

  /** `evict_folios`: one batch from the oldest generation through `shrink_folio_list`. */
  private evictFolios(ctx: Ctx, sc: ScanControl, swappiness: number): number {
    const L = this.L;
    const st = ctx.state;
    let scanned = this.isolateFolios(ctx, sc, swappiness);
    if (this.aging.tryToIncMinSeq(ctx, swappiness)) scanned++;
    if (evictableMinSeq(st, swappiness) + L.minGens > st.maxSeq) scanned = 0;
    let n = this.isolated;
    if (n === 0) return scanned;
    const f = ctx.frames;
    const buf = this.buf;
    const outcome = this.outcome;
    let visitor: YoungPteVisitor | null = null;
    if (this.opts.lookaround) {
      if (this.lookaround === null || this.lookaroundWorld !== ctx.world) {
        this.lookaround = new LookAround(ctx.world);
        this.lookaroundWorld = ctx.world;
      }
      this.cur = ctx;
      this.curSc = sc;
      this.laParams.bloom = st.bloom;
      this.laParams.seq = st.maxSeq;
      this.laParams.markDirty = ctx.core.markDirty ? this.markDirty : null;
      visitor = this.rmapVisitor;
    }
    for (let retry = false; ; retry = true) {
      const unqueued = sc.nrUnqueuedDirty;
      const fileTaken = sc.nrFileTaken;
      const res = ctx.core.shrinkFolioList(ctx, buf, n, sc, outcome, visitor);
      // `balance=cost` needs the costs shrink_inactive_list notes (`lru_note_cost`); MGLRU's kernel path notes none.
      if (this.opts.balance === 'cost')
        ctx.core.noteCost(ctx.lruvec, this.lastType, res.pageout, n - res.reclaimed);
      // Kairui Song's series checks for a batch of unqueued dirty folios right after each shrink_folio_list.
      if (
        this.opts.dirtyHandling === 'activate' &&
        sc.nrUnqueuedDirty - unqueued > 0 &&
        sc.nrUnqueuedDirty - unqueued === sc.nrFileTaken - fileTaken
      ) {
        ctx.core.wakeFlushers();
      }
      let clean = 0;
      for (let i = 0; i < res.survivors; i++) {
        const pfn = buf[i];
        const o = outcome[i];
        // Retry folios that may have missed `folio_rotate_reclaimable` (clean, unmapped, not activated).
        if (!retry && o === 0 && f.mapcount[pfn] === 0 && (f.flags[pfn] & (PG_DIRTY | PG_WRITEBACK)) === 0) {
          buf[clean++] = pfn;
          continue;
        }
        // Mlocked survivors (2) are culled by the core.
        ctx.core.putback(ctx, pfn, o === 1 ? 'activate' : 'keep');
      }
      if (clean === 0) break;
      n = clean;
    }
    return scanned;
  }

  /** `isolate_folios`: the type the feedback picks, else the other evictable one. */
  private isolateFolios(ctx: Ctx, sc: ScanControl, swappiness: number): number {
    const st = ctx.state;
    this.isolated = 0;
    let type: number;
    let tier = -1;
    if (this.opts.balance === 'cost') {
      // `balance=cost`: isolate anon and file in get_scan_count's fractions of the lruvec's costs.
      costWeights(ctx.lruvec.anonCost, ctx.lruvec.fileCost, swappiness, this.weights);
      type = typeByWeights(st.isolatedByType, this.weights[0], this.weights[1]);
    } else if (!this.opts.pid) type = typeBySwappiness(st.isolatedByType, swappiness);
    else if (!st.upTo613) type = getTypeToScan(st.ctrl, swappiness, this.sp, this.pv);
    // Up to 6.13 (before 37a260870f2c): the obvious choices first — anon while
    // its min_seq lags file's, swappiness 1 and 200 as file- and anon-first.
    else if (swappiness === 0) type = FILE;
    else if (st.minSeq[ANON] < st.minSeq[FILE]) type = ANON;
    else if (swappiness === 1) type = FILE;
    else if (swappiness >= MAX_SWAPPINESS) type = ANON;
    else {
      type = getTypeToScanUpTo613(st.ctrl, swappiness, this.sp, this.pv, this.tierOut);
      tier = this.tierOut[0];
    }
    const types = (typeEvictable(0, swappiness) ? 1 : 0) + (typeEvictable(1, swappiness) ? 1 : 0);
    for (let i = 0; i < types; i++) {
      if (tier < 0) tier = this.opts.pid ? getTierIdx(st.ctrl, type, this.sp, this.pv) : 0;
      const scanned = this.scanFolios(ctx, sc, type, tier);
      if (scanned) return scanned;
      type = 1 - type;
      tier = -1;
    }
    return 0;
  }

  /**
   * `scan_folios`: sort or isolate from the tail of the oldest generation of
   * `type`, up to MIN_LRU_BATCH isolated (or skipped), MAX_LRU_BATCH looked at.
   * pgscan counts what was isolated; pgrefill what was sorted.
   */
  private scanFolios(ctx: Ctx, sc: ScanControl, type: number, tier: number): number {
    const L = this.L;
    const st = ctx.state;
    if (st.nrGens(type) === L.minGens) return 0;
    const lists = ctx.lists;
    const oldest = st.minSeq[type] % L.gens;
    const list = st.lists[oldest * 2 + type];
    // MIN_LRU_BATCH folios per batch; ideal mode asks for batches of one.
    const batch = sc.batch >= SWAP_CLUSTER_MAX ? MIN_LRU_BATCH : sc.batch;
    let remaining = MAX_LRU_BATCH;
    let scanned = 0;
    let sorted = 0;
    let isolated = 0;
    let skipped = 0;
    for (let pfn = lists.last(list); pfn !== -1; pfn = lists.last(list)) {
      scanned++;
      if (this.sortFolio(ctx, pfn, sc, tier, oldest, type)) sorted++;
      else if (this.isolateFolio(ctx, pfn, sc)) this.buf[isolated++] = pfn;
      else {
        lists.remove(pfn);
        this.skipped[skipped++] = pfn;
      }
      if (--remaining === 0 || isolated >= batch || skipped >= batch) break;
    }
    for (let i = 0; i < skipped; i++) lists.addHead(list, this.skipped[i]);
    this.isolated = isolated;
    this.lastType = type;
    st.isolatedByType[type] += isolated;
    ctx.core.chargeNs(sc, sorted * ctx.world.cost.scanPageNs);
    ctx.core.accountScan(sc, type, isolated);
    if (!sc.cgroupReclaim) ctx.world.counters.v[VM.pgrefill] += sorted;
    return isolated || !remaining ? scanned : 0;
  }

  /** `sort_folio`: true if the folio was dealt with without isolation. */
  private sortFolio(
    ctx: Ctx,
    pfn: number,
    sc: ScanControl,
    tierIdx: number,
    oldest: number,
    type: number,
  ): boolean {
    const L = this.L;
    const f = ctx.frames;
    const st = ctx.state;
    // Promoted by the aging: catch up with its generation.
    if (L.genOf(f.policy[pfn]) !== oldest) {
      moveToOwnGen(L, ctx, pfn, true);
      return true;
    }
    const flags = f.flags[pfn];
    const refs = L.lruRefs(flags, f.policy[pfn]);
    const tier = L.tierFromRefs(refs, (flags & PG_WORKINGSET) !== 0);
    // Protected by its tier (or a workingset folio being lazily promoted; up
    // to 6.13, by refs saturated: 081488051d28, carried by 6.1.y and 6.6.y).
    const lazy = L.lazilyPromoted(refs, flags);
    if (tier > tierIdx || lazy || (L.legacyRefs && refs === L.refsFull)) {
      const gen = folioIncGen(L, ctx, pfn, false);
      ctx.lists.moveHead(st.lists[gen * 2 + type], pfn);
      if (!lazy) st.ctrl.protected[type * L.tiers + tier]++;
      return true;
    }
    if (this.opts.dirtyHandling !== 'nextGen') return false;
    const dirty = (flags & PG_DIRTY) !== 0;
    const writeback = (flags & PG_WRITEBACK) !== 0;
    if (type === FILE && dirty) {
      sc.nrFileTaken++;
      if (!writeback) sc.nrUnqueuedDirty++;
    }
    // Waiting for writeback: on to the next generation, tagged for rotation when it ends.
    if (writeback || (type === FILE && dirty)) {
      const gen = folioIncGen(L, ctx, pfn, true);
      ctx.lists.moveHead(st.lists[gen * 2 + type], pfn);
      return true;
    }
    return false;
  }

  /** `isolate_folio` */
  private isolateFolio(ctx: Ctx, pfn: number, sc: ScanControl): boolean {
    if (!ctx.core.isolateOne(ctx, pfn, sc)) return false;
    const f = ctx.frames;
    if ((f.flags[pfn] & PG_REFERENCED) === 0) {
      f.policy[pfn] = this.L.withRefsCounter(f.policy[pfn], 0);
      // Up to 6.13 the refs flags cleared here held PG_workingset too.
      if (this.L.legacyRefs) f.flags[pfn] &= ~PG_WORKINGSET;
    }
    // Kairui Song's series keeps PG_reclaim for shrink_folio_list's writeback handling.
    if (this.opts.dirtyHandling === 'nextGen') f.flags[pfn] &= ~PG_RECLAIM;
    delFolio(this.L, ctx, pfn);
    return true;
  }

  /** MGLRU's `folio_check_references`: not young → reclaim; young → `lru_gen_set_refs` ? activate : keep. */
  checkReferences(ctx: Ctx, pfn: number, rmap: RmapResult): Decision {
    if (rmap.refs < 0) return 'keep';
    if (rmap.refs === 0) return 'reclaim';
    if (ctx.state.upTo613) return this.checkReferencesUpTo613(ctx, pfn, rmap);
    const activate = setRefs(this.L, ctx, pfn);
    // `execProtection`: the classic VM_EXEC rule; 6.14 MGLRU treats executable mappings as any other.
    if (this.opts.execProtection && rmap.vmFlags & VM_EXEC && typeOf(ctx.frames.flags[pfn]) === FILE)
      return 'activate';
    return activate ? 'activate' : 'keep';
  }

  /**
   * Up to 6.13 MGLRU went through the classic `folio_check_references`
   * (isolate_folio had cleared PG_referenced): a young folio is kept with
   * PG_referenced, activated if young in more than one mapping or an
   * executable file mapping; `evict_folios` then puts every kept folio
   * back active, i.e. into the youngest generation.
   */
  private checkReferencesUpTo613(ctx: Ctx, pfn: number, rmap: RmapResult): Decision {
    ctx.frames.flags[pfn] |= PG_REFERENCED;
    if (rmap.refs > 1) return 'activate';
    if (rmap.vmFlags & VM_EXEC && typeOf(ctx.frames.flags[pfn]) === FILE) return 'activate';
    return 'keep';
  }

  /**
   * `move_folios_to_lru` → `lru_gen_add_folio` for a survivor of
   * `shrink_folio_list`. Activated folios come back as PG_active; a rejected
   * folio that would land in the oldest generation is made active instead.
   */
  putback(ctx: Ctx, pfn: number, outcome: PutbackOutcome): void {
    const L = this.L;
    const f = ctx.frames;
    if (outcome === 'activate') f.flags[pfn] |= PG_ACTIVE;
    const flags = f.flags[pfn];
    const type = typeOf(flags);
    if (ctx.state.upTo613) {
      // Up to 6.13 every rejected folio came back active but a reclaim-tagged dirty one.
      if ((flags & PG_RECLAIM) === 0 || (flags & (PG_DIRTY | PG_WRITEBACK)) === 0) f.flags[pfn] |= PG_ACTIVE;
    } else if (
      (flags & PG_ACTIVE) === 0 &&
      folioSeq(L, ctx.state, flags, false, false) === ctx.state.minSeq[type]
    ) {
      clearRefsFlags(L, ctx, pfn);
      f.flags[pfn] |= PG_ACTIVE;
    }
    addFolio(L, ctx, pfn, false, false);
    // A PTE dirty bit moved to the folio by unmapping must reach the flushers.
    if (type === FILE && (flags & (PG_DIRTY | PG_WRITEBACK)) === PG_DIRTY) ctx.core.markDirty?.(pfn);
  }
}
