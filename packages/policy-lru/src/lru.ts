/**
 * The traditional active/inactive LRU (mm/vmscan.c without MGLRU).
 *
 * Four lists per lruvec: inactive and active, for anon and file. New folios
 * enter the inactive list; a second reference promotes them (two-touch, so
 * a one-pass stream of reads never displaces a twice-used working set).
 * Reclaim takes from the inactive tails; when an inactive list runs low
 * relative to its active list (`inactive_is_low`), active folios are
 * deactivated, and a refault whose distance fits the workingset comes back
 * straight onto the active list. How hard anon and file are pressed is
 * balanced by swappiness and by the measured cost of each side.
 *
 * Where it shines: file-heavy workloads with a stable hot set; its bounded
 * two-touch rule is robust against scans. Trade-offs: a mapped folio needs
 * two reference observations, found only by rmap walks of folios that reach
 * the inactive tail; hot anon pages pay an rmap walk each time they are
 * considered; loops larger than memory thrash (pure LRU order).
 */
import { PG_ACTIVE, PG_REFERENCED, PG_SWAPBACKED, PG_WORKINGSET, VM_EXEC } from '@reclaim-lab/hw-model';
import {
  AccessScanner,
  type AccessScanState,
  type AgeUpdate,
  accessScanState,
  ageUpdateDeltaNs,
  CtrlStats,
  carryOverCtrlPos,
  classicRefaultIsRecent,
  costWeights,
  ctrlPos,
  GEN_CLOCK_LIVE_GENS,
  GEN_CLOCK_REFS_WIDTH,
  type GenClock,
  genClock,
  genClockEvict,
  genClockMinSeq,
  genRefaultIsRecent,
  getTypeToScan,
  isAgeUpdate,
  isRefaultFlavour,
  type LruSizes,
  type Lruvec,
  packGenToken,
  type RefaultFlavour,
  VM,
  type World,
  type YoungPteVisitor,
} from '@reclaim-lab/mechanisms';
import {
  DEF_PRIORITY,
  type Decision,
  type PolicyCtx,
  type PolicyFactory,
  type ReclaimOps,
  ScanControl,
  SWAP_CLUSTER_MAX,
  SWAPPINESS_ANON_ONLY,
} from '@reclaim-lab/reclaim';

export const LRU_INACTIVE_ANON = 0;
export const LRU_ACTIVE_ANON = 1;
export const LRU_INACTIVE_FILE = 2;
export const LRU_ACTIVE_FILE = 3;

const DEACTIVATE_ANON = 1;
const DEACTIVATE_FILE = 2;

const SCAN_EQUAL = 0;
const SCAN_FRACT = 1;
const SCAN_ANON = 2;
const SCAN_FILE = 3;

export interface LruState {
  /** List ids indexed by `lru = type * 2 + active`. */
  lists: [number, number, number, number];
  /** Pages isolated since the last page-table walk (access = ptwalk | both). */
  scannedSinceWalk: number;
  /** This lruvec's Bloom filters and walk count (the shared access-scan mechanism). */
  scan: AccessScanState;
  /** The generation clock a `refault=gen` shadow is read against, and `balance=pid` folds its averages by. */
  gen: GenClock;
  /** `balance=pid`: evictions and recent refaults per type (one tier), MGLRU's controller input. */
  ctrl: CtrlStats;
}

/**
 * How references of mapped folios are found: 'rmap' (the kernel's way: an
 * rmap walk of each folio reclaim considers), 'ptwalk' (MGLRU's shared
 * page-table walker, run as lists are scanned; no rmap walks at all) or
 * 'both'. The ablation "traditional LRU with page-table scanning".
 */
export type LruAccess = 'rmap' | 'ptwalk' | 'both';

/** Policy bit: a page-table walk or look-around found a young PTE for this folio since reclaim last looked at it. */
const WALK_YOUNG = 1;

export interface LruOptions extends Record<string, unknown> {
  /** Protect VM_EXEC file folios on the active list (the kernel does). */
  execProtection: boolean;
  access: LruAccess;
  /** MGLRU's Bloom filters on the page-table walk: skip PMDs the last walk found cold (needs a walk). */
  bloom: boolean;
  /** MGLRU's look-around: on each young PTE an rmap walk finds, test its neighbours in the same PTE table. */
  lookaround: boolean;
  /** Fault-instantiated folios start on the active list (MGLRU's `lru_gen_in_fault`); kernel LRU: inactive. */
  faultActivate: boolean;
  /** Which refault distance a shadow carries: the eviction counter (kernel LRU) or a generation token (MGLRU's). */
  refault: RefaultFlavour;
  /** How anon is balanced against file: `get_scan_count`'s costs (kernel LRU) or MGLRU's refault controller (`get_type_to_scan`). */
  balance: LruBalance;
  /** Quick-refault handling: a refault the flavour calls recent comes back active with PG_workingset restored (kernel: on). */
  quickRefault: boolean;
  /** How an age update is priced: list moves under lru_lock per batch (kernel LRU) or MGLRU's atomic flag update. */
  ageUpdate: AgeUpdate;
}

export type LruBalance = 'cost' | 'pid';

export const LRU_DEFAULTS: LruOptions = {
  execProtection: true,
  access: 'rmap',
  bloom: false,
  lookaround: false,
  faultActivate: false,
  refault: 'classic',
  balance: 'cost',
  quickRefault: true,
  ageUpdate: 'locked',
};

/** An option combination that means nothing, naming the option. */
export class LruOptionError extends Error {}

/** `inactive_is_low`: the inactive list is too small next to the active one. */
export function inactiveIsLow(inactive: number, active: number): boolean {
  const gb = (inactive + active) >> (30 - 12);
  const ratio = gb ? Math.floor(Math.sqrt(10 * gb)) : 1;
  return inactive * ratio < active;
}

export function createLru(options: Partial<LruOptions> = {}): ReclaimOps<LruState> {
  const opts: LruOptions = { ...LRU_DEFAULTS, ...options };
  if (!isRefaultFlavour(opts.refault))
    throw new LruOptionError(`lru: option refault must be classic or gen, got ${String(opts.refault)}`);
  const genRefault = opts.refault === 'gen';
  if (opts.balance !== 'cost' && opts.balance !== 'pid')
    throw new LruOptionError(`lru: option balance must be cost or pid, got ${String(opts.balance)}`);
  const pidBalance = opts.balance === 'pid';
  const quickRefault = opts.quickRefault;
  if (!isAgeUpdate(opts.ageUpdate))
    throw new LruOptionError(
      `lru: option ageUpdate must be locked or lockfree, got ${String(opts.ageUpdate)}`,
    );
  // `ageUpdate=lockfree`: activations and deactivations by reclaim priced as folio_update_gen's atomic, not list moves.
  const lockfree = opts.ageUpdate === 'lockfree';
  const weights = new Float64Array(2);
  const sp = ctrlPos();
  const pv = ctrlPos();
  if (opts.bloom && opts.access === 'rmap')
    throw new LruOptionError(
      'lru: option bloom=on filters page-table walks; it needs access=ptwalk or access=both',
    );
  const buf = new Int32Array(SWAP_CLUSTER_MAX * 4);
  const outcome = new Uint8Array(SWAP_CLUSTER_MAX * 4);
  const nr = [0, 0, 0, 0];
  const targets = [0, 0, 0, 0];
  // Costs of the reclaim target, read by get_scan_count (`sc->anon_cost`, `sc->file_cost`).
  let targetAnonCost = 0;
  let targetFileCost = 0;
  // canReclaimAnon takes a scan_control; refaults happen outside any reclaim.
  const idleSc = new ScanControl();
  const useWalk = opts.access !== 'rmap';
  // Look-around hangs off the rmap walk of shrink_folio_list, as MGLRU's eviction does, so it brings that walk back under access=ptwalk.
  const useRmap = opts.access !== 'ptwalk' || opts.lookaround;
  // Folios reported young by a walk or by look-around carry WALK_YOUNG until reclaim looks at them.
  const useMarks = useWalk || opts.lookaround;
  let scanner: AccessScanner | null = null;
  let walkFrames: Uint32Array | null = null;
  const markYoung = (pfn: number) => {
    walkFrames![pfn] |= WALK_YOUNG;
  };
  const scannerFor = (world: World): AccessScanner => {
    if (scanner === null || scanner.world !== world) scanner = new AccessScanner(world, markYoung);
    return scanner;
  };
  /** The look-around hook for the core's rmap walk of this lruvec, or null. */
  const lookAroundVisitor = (ctx: Ctx): YoungPteVisitor | null => {
    if (!opts.lookaround) return null;
    walkFrames = ctx.frames.policy;
    const markDirty = ctx.core.markDirty ? (pfn: number) => ctx.core.markDirty!(pfn) : null;
    return scannerFor(ctx.world).armLookAround(ctx.state.scan, markDirty);
  };

  /** Take (and clear) the walk's young mark of a folio: 1 if a walk saw it referenced. */
  const takeWalkYoung = (ctx: Ctx, pfn: number): number => {
    const p = ctx.frames.policy;
    const y = p[pfn] & WALK_YOUNG;
    p[pfn] &= ~WALK_YOUNG;
    return y;
  };

  /**
   * Walk the page tables of every mm of this lruvec's memcg (the shared
   * `walk_mm` mechanism), marking folios with young PTEs. Run when a quarter
   * of the lruvec has been scanned since the last walk, as aging would be.
   */
  const maybeWalk = (ctx: Ctx, sc: ScanControl) => {
    const st = ctx.state;
    const lv = ctx.lruvec;
    if (st.scannedSinceWalk < Math.max(SWAP_CLUSTER_MAX * 4, (lv.nrPages[0] + lv.nrPages[1]) >> 2)) return;
    st.scannedSinceWalk = 0;
    walkFrames = ctx.frames.policy;
    const markDirty = ctx.core.markDirty ? (pfn: number) => ctx.core.markDirty!(pfn) : null;
    ctx.core.chargeNs(sc, scannerFor(ctx.world).walk(lv, st.scan, ctx.core.swappiness(lv, sc), markDirty));
  };

  type Ctx = PolicyCtx<LruState>;

  /** `reset_ctrl_pos` with carryover, both types at once: a generation of the LRU's clock has passed. */
  const foldCtrl = (st: LruState) => {
    carryOverCtrlPos(st.ctrl, 0);
    carryOverCtrlPos(st.ctrl, 1);
  };

  const sizeOf = (ctx: Ctx, lru: number) => ctx.lists.length(ctx.state.lists[lru]);

  const activate = (ctx: Ctx, pfn: number) => {
    const f = ctx.frames;
    const type = f.flags[pfn] & PG_SWAPBACKED ? 0 : 1;
    f.flags[pfn] = (f.flags[pfn] | PG_ACTIVE) & ~PG_REFERENCED;
    ctx.lists.moveHead(ctx.state.lists[type * 2 + 1], pfn);
    ctx.world.counters.v[VM.pgactivate]++;
    // `workingset_activation`: activations age the nonresident clock too.
    ctx.core.ageNonresident(ctx.lruvec, 1);
  };

  /** `can_age_anon_pages`: aging anon is worth it when swap is configured (full or not) or the node can demote. */
  const canAgeAnon = (ctx: Ctx, sc: ScanControl) =>
    (ctx.world.machine.swap?.slots ?? 0) > 0 || ctx.core.canDemote?.(ctx.lruvec, sc) === true;

  /** Aggregate sizes of the target's subtree on this node (the kernel's hierarchical lruvec stats). */
  const subtreeSizes = (ctx: Ctx, target: Lruvec, out: LruSizes) => {
    out.activeAnon = out.inactiveAnon = out.activeFile = out.inactiveFile = 0;
    for (const lv of ctx.world.lruvecs) {
      if (lv.node !== target.node || !target.memcg.isAncestorOf(lv.memcg)) continue;
      const z = ctx.core.lruSizes(lv);
      out.activeAnon += z.activeAnon;
      out.inactiveAnon += z.inactiveAnon;
      out.activeFile += z.activeFile;
      out.inactiveFile += z.inactiveFile;
    }
  };
  const agg: LruSizes = { activeAnon: 0, inactiveAnon: 0, activeFile: 0, inactiveFile: 0 };
  const refaultSizes: LruSizes = { activeAnon: 0, inactiveAnon: 0, activeFile: 0, inactiveFile: 0 };

  /** Models `shrink_inactive_list()`. */
  const shrinkInactive = (ctx: Ctx, lru: number, nrToScan: number, sc: ScanControl): number => {
    const type = lru >> 1;
    const iso = ctx.core.isolate(ctx, ctx.state.lists[lru], nrToScan, buf, sc);
    const scanned = iso.scanned;
    const taken = iso.taken;
    ctx.state.scannedSinceWalk += scanned;
    ctx.core.accountScan(sc, type, scanned);
    // sc.nrScanned is counted per folio by shrinkFolioList, as shrink_folio_list does.
    if (taken === 0) return 0;
    const unqueuedBefore = sc.nrUnqueuedDirty;
    const visitor = lookAroundVisitor(ctx);
    const res = ctx.core.shrinkFolioList(ctx, buf, taken, sc, outcome, visitor, useRmap);
    if (visitor !== null) ctx.core.chargeNs(sc, scanner!.takeLookAroundNs());
    let activated = 0;
    for (let i = 0; i < res.survivors; i++) {
      if (outcome[i] !== 0) activated++;
      ctx.core.putback(ctx, buf[i], outcome[i] === 0 ? 'keep' : 'activate');
    }
    if (lockfree && activated > 0) ctx.core.chargeNs(sc, ageUpdateDeltaNs('lockfree', 'locked', activated));
    ctx.core.noteCost(ctx.lruvec, type, res.pageout, scanned - res.reclaimed);
    // Every isolated folio was dirty and not queued: the flushers are behind.
    if (sc.nrUnqueuedDirty - unqueuedBefore === taken) ctx.core.wakeFlushers();
    return res.reclaimed;
  };

  /** Models `shrink_active_list()`: deactivate everything except referenced exec file folios. */
  const shrinkActive = (ctx: Ctx, lru: number, nrToScan: number, sc: ScanControl): void => {
    const type = lru >> 1;
    const iso = ctx.core.isolate(ctx, ctx.state.lists[lru], nrToScan, buf, sc);
    ctx.state.scannedSinceWalk += iso.scanned;
    if (!sc.cgroupReclaim) ctx.world.counters.v[VM.pgrefill] += iso.scanned;
    const f = ctx.frames;
    let rotated = 0;
    let deactivated = 0;
    for (let i = 0; i < iso.taken; i++) {
      const pfn = buf[i];
      const walked = useMarks ? takeWalkYoung(ctx, pfn) : 0;
      let refs = walked;
      let vmFlags = 0;
      if (opts.access !== 'ptwalk') {
        const rmap = ctx.core.referenced(pfn, sc);
        refs += rmap.refs;
        vmFlags = rmap.vmFlags;
      } else vmFlags = ctx.world.folioReferenced(pfn, null, false).vmFlags;
      if (opts.execProtection && refs !== 0 && vmFlags & VM_EXEC && type === 1) {
        rotated++;
        ctx.core.putback(ctx, pfn, 'activate');
        continue;
      }
      f.flags[pfn] = (f.flags[pfn] & ~PG_ACTIVE) | PG_WORKINGSET;
      deactivated++;
      ctx.core.putback(ctx, pfn, 'keep');
    }
    ctx.world.counters.v[VM.pgdeactivate] += deactivated;
    ctx.core.noteCost(ctx.lruvec, type, 0, rotated);
    // Every folio shrink_active_list looked at changed age (rotated or deactivated).
    if (lockfree && iso.taken > 0)
      ctx.core.chargeNs(sc, ageUpdateDeltaNs('lockfree', 'locked', rotated + deactivated));
  };

  /** Models `get_scan_count()`: how many pages of each list to scan at this priority. */
  const getScanCount = (ctx: Ctx, sc: ScanControl): void => {
    const lv = ctx.lruvec;
    const swappiness = ctx.core.swappiness(lv, sc);
    let balance = SCAN_FRACT;
    let ap = 0;
    let fp = 0;
    if (!sc.maySwap || !ctx.core.canReclaimAnon(lv, sc)) balance = SCAN_FILE;
    else if (swappiness === SWAPPINESS_ANON_ONLY) balance = SCAN_ANON;
    else if (sc.cgroupReclaim && swappiness === 0) balance = SCAN_FILE;
    else if (sc.priority === 0 && swappiness > 0) balance = SCAN_EQUAL;
    else if (sc.fileIsTiny) balance = SCAN_ANON;
    else if (sc.cacheTrimMode) balance = SCAN_FILE;
    else if (pidBalance) {
      // `balance=pid`: MGLRU's get_type_to_scan picks one type, which is scanned alone.
      balance = getTypeToScan(ctx.state.ctrl, swappiness, sp, pv) === 0 ? SCAN_ANON : SCAN_FILE;
    } else {
      costWeights(targetAnonCost, targetFileCost, swappiness, weights);
      ap = weights[0];
      fp = weights[1];
    }
    const memcg = lv.memcg;
    for (let lru = 0; lru < 4; lru++) {
      const type = lru >> 1;
      const size = sizeOf(ctx, lru);
      let scan = size;
      let protection = 0;
      if (memcg.emin > 0 || memcg.elow > 0) {
        if (!sc.memcgLowReclaim && memcg.elow > memcg.emin) {
          protection = memcg.elow;
          sc.memcgLowSkipped = true;
        } else protection = memcg.emin;
      }
      if (protection > 0) {
        scan = size - Math.floor((size * protection) / (memcg.usage + 1));
        scan = Math.max(scan, SWAP_CLUSTER_MAX);
      }
      scan = Math.floor(scan / 2 ** sc.priority);
      switch (balance) {
        case SCAN_EQUAL:
          break;
        case SCAN_FRACT:
          scan = ap + fp > 0 ? Math.floor((scan * (type === 0 ? ap : fp)) / (ap + fp)) : 0;
          break;
        case SCAN_FILE:
          if (type === 0) scan = 0;
          break;
        case SCAN_ANON:
          if (type === 1) scan = 0;
          break;
      }
      nr[lru] = scan;
    }
  };

  const shrinkList = (ctx: Ctx, lru: number, n: number, sc: ScanControl): number => {
    if (lru & 1) {
      if (sc.mayDeactivate & (lru >> 1 ? DEACTIVATE_FILE : DEACTIVATE_ANON)) shrinkActive(ctx, lru, n, sc);
      else sc.skippedDeactivate = true;
      return 0;
    }
    return shrinkInactive(ctx, lru, n, sc);
  };

  const ops: ReclaimOps<LruState> = {
    name: 'lru',
    pageStateBits: useMarks ? 1 : 0,
    // Classic shadows name the reclaim target (its clock); generation tokens the folio's own lruvec, as MGLRU's.
    shadowScope: genRefault ? 'folio' : 'target',

    init(ictx) {
      return {
        lists: [
          ictx.createList('inactive_anon'),
          ictx.createList('active_anon'),
          ictx.createList('inactive_file'),
          ictx.createList('active_file'),
        ],
        scannedSinceWalk: Number.POSITIVE_INFINITY,
        scan: accessScanState(opts.bloom),
        gen: genClock(),
        ctrl: new CtrlStats(1),
      };
    },

    folioAdded(ctx, pfn, how) {
      // `faultActivate`: MGLRU's rule (folio_add_lru sets PG_active in a fault) on the LRU's lists.
      if (opts.faultActivate && how.inFault) ctx.frames.flags[pfn] |= PG_ACTIVE;
      const f = ctx.frames.flags[pfn];
      const lru = (f & PG_SWAPBACKED ? 0 : 2) + (f & PG_ACTIVE ? 1 : 0);
      ctx.lists.addHead(ctx.state.lists[lru], pfn);
    },

    /** Models `folio_mark_accessed()`: inactive,unreferenced → referenced → active. */
    folioAccessed(ctx, pfn) {
      const f = ctx.frames;
      const flags = f.flags[pfn];
      if ((flags & PG_REFERENCED) === 0) f.flags[pfn] = flags | PG_REFERENCED;
      else if ((flags & PG_ACTIVE) === 0) activate(ctx, pfn);
    },

    /** Models `folio_check_references()`. */
    checkReferences(ctx, pfn, rmap): Decision {
      const f = ctx.frames;
      const flags = f.flags[pfn];
      const hadRef = (flags & PG_REFERENCED) !== 0;
      const file = (flags & PG_SWAPBACKED) === 0;
      const refs = rmap.refs + (useMarks ? takeWalkYoung(ctx, pfn) : 0);
      f.flags[pfn] = flags & ~PG_REFERENCED;
      if (refs > 0) {
        f.flags[pfn] |= PG_REFERENCED;
        // Two references (this scan and an earlier one, or two mappings) activate.
        if (hadRef || refs > 1) return 'activate';
        // Executable file folios are activated after their first use.
        if (opts.execProtection && rmap.vmFlags & VM_EXEC && file) return 'activate';
        return 'keep';
      }
      // Referenced once through read(): reclaim it, but only if it is clean.
      if (hadRef && file) return 'reclaim-clean';
      return 'reclaim';
    },

    putback(ctx, pfn, outcome) {
      const f = ctx.frames;
      const type = f.flags[pfn] & PG_SWAPBACKED ? 0 : 1;
      if (outcome === 'activate') {
        f.flags[pfn] |= PG_ACTIVE;
        ctx.lists.addHead(ctx.state.lists[type * 2 + 1], pfn);
        // `move_folios_to_lru`: folios put back active age the nonresident clock.
        ctx.core.ageNonresident(ctx.lruvec, 1);
      } else {
        f.flags[pfn] &= ~PG_ACTIVE;
        ctx.lists.addHead(ctx.state.lists[type * 2], pfn);
      }
    },

    /** `folio_rotate_reclaimable`: written back, so the next scan frees it. */
    rotate(ctx, pfn) {
      const f = ctx.frames;
      const type = f.flags[pfn] & PG_SWAPBACKED ? 0 : 1;
      f.flags[pfn] &= ~PG_ACTIVE;
      ctx.lists.moveTail(ctx.state.lists[type * 2], pfn);
    },

    /**
     * `workingset_eviction(folio, target_memcg)`: the reclaim target's clock
     * (the root's for kswapd and direct reclaim) is read, then aged with its
     * ancestors; the shadow names the target (`shadowScope: 'target'`).
     * Under `refault=gen`, `lru_gen_eviction` on the folio's own lruvec: the
     * token of the inactive lists' generation, whose clock this eviction
     * advances.
     */
    evicted(ctx, pfn, sc) {
      if (pidBalance) {
        // The controller's evicted count, folded into its average as each generation passes.
        const st = ctx.state;
        st.ctrl.evicted[ctx.frames.flags[pfn] & PG_SWAPBACKED ? 0 : 1]++;
        if (!genRefault) {
          const seq = st.gen.maxSeq;
          genClockEvict(st.gen, sizeOf(ctx, LRU_INACTIVE_ANON) + sizeOf(ctx, LRU_INACTIVE_FILE));
          if (st.gen.maxSeq !== seq) foldCtrl(st);
        }
      }
      if (genRefault) {
        const clock = ctx.state.gen;
        const token = packGenToken(genClockMinSeq(clock), 1, GEN_CLOCK_REFS_WIDTH);
        const seq = clock.maxSeq;
        genClockEvict(clock, sizeOf(ctx, LRU_INACTIVE_ANON) + sizeOf(ctx, LRU_INACTIVE_FILE));
        if (pidBalance && clock.maxSeq !== seq) foldCtrl(ctx.state);
        return token;
      }
      const target = ctx.world.lruvec(sc.target ?? ctx.world.machine.rootMemcg, ctx.lruvec.node);
      const eviction = target.nonresidentAge;
      ctx.core.ageNonresident(target, 1);
      return eviction;
    },

    /**
     * `workingset_refault` with the classic refault distance, measured on
     * the lruvec that evicted the folio: its clock, and its subtree's sizes
     * (`workingset_test_recent` reads them hierarchically). Under
     * `refault=gen`, `lru_gen_refault`'s test and accounting: only a refault
     * into the evicting lruvec counts, and it is recent while its token's
     * generation is live. Either way the LRU's decision is the same: a
     * recent refault comes back active, PG_workingset restored if it had
     * it — unless `quickRefault=off`, where it is only counted and fed to
     * the balance (`lru_note_cost_refault`, the controller).
     */
    refault(ctx, pfn, shadow, verdict) {
      if (genRefault) {
        if (shadow.evictionLruvec !== ctx.lruvec) {
          verdict.countRefault = false;
          return;
        }
        const clock = ctx.state.gen;
        const recent = genRefaultIsRecent(
          shadow.payload,
          GEN_CLOCK_REFS_WIDTH,
          genClockMinSeq(clock),
          clock.maxSeq,
          GEN_CLOCK_LIVE_GENS,
          'window',
        );
        if (!recent) return;
        verdict.activate = quickRefault;
      } else {
        const evictLv = shadow.evictionLruvec;
        subtreeSizes(ctx, evictLv, refaultSizes);
        const swapAvailable = ctx.core.canReclaimAnon(evictLv, idleSc);
        if (
          !classicRefaultIsRecent(
            shadow.payload,
            evictLv.nonresidentAge,
            shadow.isFile,
            refaultSizes,
            swapAvailable,
          )
        )
          return;
        if (quickRefault) {
          verdict.activate = true;
          ctx.core.ageNonresident(ctx.lruvec, 1);
        }
      }
      // `balance=pid`: a recent refault is the controller's refaulted count for its type.
      if (pidBalance) ctx.state.ctrl.refaulted[shadow.isFile ? 1 : 0]++;
      if (shadow.workingset) {
        // `quickRefault=off`: the folio comes back as a first-time folio (no PG_workingset, so its read is no memstall).
        verdict.restore = quickRefault;
        // `lru_note_cost_refault`: a refault of a workingset folio costs like an I/O.
        const type = ctx.frames.flags[pfn] & PG_SWAPBACKED ? 0 : 1;
        ctx.core.noteCost(ctx.lruvec, type, 1, 0);
      }
    },

    /** Models `prepare_scan_control()` on the reclaim target's lruvec. */
    prepare(ctx, sc) {
      const target = ctx.lruvec;
      subtreeSizes(ctx, target, agg);
      targetAnonCost = target.anonCost;
      targetFileCost = target.fileCost;
      if (sc.forceDeactivate) sc.mayDeactivate = DEACTIVATE_ANON | DEACTIVATE_FILE;
      else {
        sc.mayDeactivate = 0;
        if (
          target.workingsetActivate[0] !== target.refaultsSnapshot[0] ||
          inactiveIsLow(agg.inactiveAnon, agg.activeAnon)
        ) {
          sc.mayDeactivate |= DEACTIVATE_ANON;
        }
        if (
          target.workingsetActivate[1] !== target.refaultsSnapshot[1] ||
          inactiveIsLow(agg.inactiveFile, agg.activeFile)
        ) {
          sc.mayDeactivate |= DEACTIVATE_FILE;
        }
      }
      sc.cacheTrimMode =
        Math.floor(agg.inactiveFile / 2 ** sc.priority) > 0 &&
        (sc.mayDeactivate & DEACTIVATE_FILE) === 0 &&
        !sc.noCacheTrimMode;
      sc.fileIsTiny = false;
      if (!sc.cgroupReclaim) {
        const zone = ctx.world.machine.nodes[target.node].zone;
        const file = agg.activeFile + agg.inactiveFile;
        sc.fileIsTiny =
          file + zone.free <= zone.high &&
          (sc.mayDeactivate & DEACTIVATE_ANON) === 0 &&
          Math.floor(agg.inactiveAnon / 2 ** sc.priority) > 0;
      }
    },

    /** Models `shrink_lruvec()` (classic). */
    shrink(ctx, sc) {
      getScanCount(ctx, sc);
      for (let i = 0; i < 4; i++) targets[i] = nr[i];
      const nrToReclaim = sc.nrToReclaim;
      const proportional = !sc.cgroupReclaim && !sc.isKswapd && sc.priority === DEF_PRIORITY;
      let reclaimed = 0;
      if (useWalk) maybeWalk(ctx, sc);
      while (nr[LRU_INACTIVE_ANON] || nr[LRU_ACTIVE_FILE] || nr[LRU_INACTIVE_FILE]) {
        for (let lru = 0; lru < 4; lru++) {
          if (nr[lru] === 0) continue;
          const n = Math.min(nr[lru], sc.batch);
          nr[lru] -= n;
          reclaimed += shrinkList(ctx, lru, n, sc);
        }
        // A vendor hook (ReclaimOps v2 `reclaimDone`) may end the batch early.
        if (ctx.core.stopRequested?.(ctx, sc)) break;
        if (reclaimed < nrToReclaim || proportional) continue;
        // Goal reached: stop the smaller type and scale the other to the same fraction of its target.
        const nrFile = nr[LRU_INACTIVE_FILE] + nr[LRU_ACTIVE_FILE];
        const nrAnon = nr[LRU_INACTIVE_ANON] + nr[LRU_ACTIVE_ANON];
        if (!nrFile || !nrAnon) break;
        let lru: number;
        let pct: number;
        if (nrFile > nrAnon) {
          pct = Math.floor((nrAnon * 100) / (targets[LRU_ACTIVE_ANON] + targets[LRU_INACTIVE_ANON] + 1));
          lru = LRU_INACTIVE_ANON;
        } else {
          pct = Math.floor((nrFile * 100) / (targets[LRU_ACTIVE_FILE] + targets[LRU_INACTIVE_FILE] + 1));
          lru = LRU_INACTIVE_FILE;
        }
        nr[lru] = 0;
        nr[lru + 1] = 0;
        const other = lru === LRU_INACTIVE_ANON ? LRU_INACTIVE_FILE : LRU_INACTIVE_ANON;
        for (const l of [other, other + 1]) {
          const scanned = targets[l] - nr[l];
          const want = Math.floor((targets[l] * (100 - pct)) / 100);
          nr[l] = Math.max(0, want - scanned);
        }
        // One nudge only: the smaller type is now zero, so the next pass breaks
        // (the fix for "extreme overreclaim and swap floods", v6.0).
      }
      // Keep the inactive anon list from running dry (`can_age_anon_pages`: swap or demotion).
      if (
        canAgeAnon(ctx, sc) &&
        inactiveIsLow(sizeOf(ctx, LRU_INACTIVE_ANON), sizeOf(ctx, LRU_ACTIVE_ANON))
      ) {
        shrinkActive(ctx, LRU_ACTIVE_ANON, SWAP_CLUSTER_MAX, sc);
      }
      return undefined;
    },

    /**
     * kswapd's background aging (`kswapd_age_node`): when the node's anon
     * (the root lruvec's hierarchical sizes) has a low inactive list, and swap
     * is configured or the node can demote, every memcg's lruvec deactivates
     * a batch of active anon.
     */
    age(ctx, sc) {
      if (!canAgeAnon(ctx, sc)) return undefined;
      const root = ctx.world.lruvec(ctx.world.machine.rootMemcg, ctx.lruvec.node);
      subtreeSizes(ctx, root, agg);
      if (inactiveIsLow(agg.inactiveAnon, agg.activeAnon)) {
        shrinkActive(ctx, LRU_ACTIVE_ANON, SWAP_CLUSTER_MAX, sc);
      }
      return undefined;
    },

    /** MADV_COLD / MADV_PAGEOUT: `folio_deactivate` — head of inactive, references dropped. */
    deactivate(ctx, pfn, hint) {
      const f = ctx.frames;
      const type = f.flags[pfn] & PG_SWAPBACKED ? 0 : 1;
      f.flags[pfn] &= ~(PG_ACTIVE | PG_REFERENCED);
      if (hint === 'pageout') ctx.lists.moveTail(ctx.state.lists[type * 2], pfn);
      else ctx.lists.moveHead(ctx.state.lists[type * 2], pfn);
    },

    lruSizes(ctx, out) {
      out.inactiveAnon = sizeOf(ctx, LRU_INACTIVE_ANON);
      out.activeAnon = sizeOf(ctx, LRU_ACTIVE_ANON);
      out.inactiveFile = sizeOf(ctx, LRU_INACTIVE_FILE);
      out.activeFile = sizeOf(ctx, LRU_ACTIVE_FILE);
    },
  };
  return ops;
}

export const lruPolicy: PolicyFactory<LruOptions> = {
  name: 'lru',
  description: 'Traditional active/inactive LRU (two-touch, refault distance, swappiness/cost balance)',
  defaults: LRU_DEFAULTS,
  optionDocs: {
    execProtection: 'keep referenced VM_EXEC file folios active (kernel: on)',
    access:
      "how mapped folios' references are found: rmap (kernel) | ptwalk (MGLRU's page-table walker, no rmap) | both",
    bloom:
      "MGLRU's Bloom filters: a page-table walk skips PMDs the last walk found cold (needs access=ptwalk|both; kernel LRU: off)",
    lookaround:
      "MGLRU's look-around: an rmap hit also tests up to 64 neighbouring PTEs and marks young folios (kernel LRU: off)",
    faultActivate:
      "folios instantiated by a page fault start active, as MGLRU's lru_gen_in_fault (kernel LRU: off, inactive)",
    balance:
      "anon vs file: cost (get_scan_count's lru_note_cost fractions, kernel LRU) | pid (MGLRU's refault controller picks one type to scan)",
    quickRefault:
      'a refault found recent is activated and gets PG_workingset back (workingset_activate/restore, PSI memstall); off = added as a first-time folio (kernel: on)',
    ageUpdate:
      "how reclaim's activations and deactivations are priced: locked (list moves, one lru_lock hold per 31, kernel LRU) | lockfree (MGLRU's folio_update_gen atomic); only the charged time changes",
    refault:
      "refault distance: classic (eviction counter vs workingset size, kernel LRU) | gen (MGLRU's generation token; generations = inactive-list turnovers)",
  },
  optionSchema: {
    execProtection: { type: 'boolean' },
    access: { type: 'string', choices: ['rmap', 'ptwalk', 'both'] },
    bloom: { type: 'boolean' },
    lookaround: { type: 'boolean' },
    faultActivate: { type: 'boolean' },
    refault: { type: 'string', choices: ['classic', 'gen'] },
    balance: { type: 'string', choices: ['cost', 'pid'] },
    quickRefault: { type: 'boolean' },
    ageUpdate: { type: 'string', choices: ['locked', 'lockfree'] },
  },
  presets: {
    ptwalk: { access: 'ptwalk' },
    'rmap+ptwalk': { access: 'both' },
    'mglru-access': { access: 'ptwalk', bloom: true, lookaround: true },
    'gen-refault': { refault: 'gen' },
  },
  create: (o) => createLru(o) as ReclaimOps<unknown>,
};
