/**
 * CLOCK-Pro (Jiang, Chen, Zhang, USENIX ATC'05): CLOCK with LIRS's idea
 * of judging a page by its reuse distance, not its recency.
 *
 * Resident pages are hot or cold; a cold page may be in its test period,
 * and so may a non-resident cold page (only its identity is kept). A new
 * page starts cold, in test. A cold page referenced during its test
 * period has shown a reuse distance shorter than the hot pages' and turns
 * hot. A non-resident page that is faulted in during its test period
 * comes back hot, and the cold share of memory m_c grows by one (more
 * cold space would have made it a hit); a test period that ends without a
 * reuse shrinks m_c by one. Three hands sweep the clock: HAND_cold finds
 * victims among resident cold pages (referenced ones get a test period or
 * turn hot), HAND_hot demotes unreferenced hot pages to cold whenever the
 * hot pages exceed m - m_c, and HAND_test ends test periods so that at
 * most m non-resident pages are remembered.
 *
 * This is a list approximation, as in the Linux CLOCK-Pro patches, not
 * the single circular clock: resident cold pages and hot pages are two
 * lists whose tails are HAND_cold and HAND_hot. A page's test period
 * starts with a stamp of HAND_hot's odometer and ends once HAND_hot has
 * moved on by as many pages as there are hot pages (one sweep: in the
 * paper, the hot hand passing it). Non-resident pages in test live in a
 * ghost FIFO that keeps the stamp; it holds at most m of them, and its
 * oldest entry falling out is HAND_test ending a test period. Expired test
 * periods are noticed when HAND_cold meets the page or when it refaults.
 * The reference bit is the folio's own (set by read()/write() hits) or its
 * PTEs' young bits, which the hands test and clear through the core's rmap
 * walk; the access that brought a page in is not a reference (a young PTE
 * seen first after a fault may be just the fault: it only starts a new
 * test period, the kernel's two-touch rule for mapped pages).
 *
 * Where it shines: a hot set next to scans: scan pages never get a second
 * reference in their test period, so they stay cold and leave first, and
 * their expired tests shrink m_c, leaving more room for hot pages. In the
 * paper it also handles loops somewhat larger than memory as LIRS does;
 * this approximation gains only about a fifth over FIFO there, because
 * every refault of a loop page lands inside its test period and the cold
 * share swings. Trade-offs: more state (28 page bits, most of them the test
 * stamp, and a ghost table of memory's size), an adaptive cold share that
 * reacts with lag to phase changes, and hands that test PTEs with rmap walks.
 */
import { EvictionBatch, GhostFifo, type IterVerdict, listIterate, PageField } from '@reclaim-lab/mechanisms';
import type { PolicyCtx, PolicyFactory, ReclaimOps, ScanControl } from '@reclaim-lab/reclaim';

export interface ClockProOptions extends Record<string, unknown> {
  /** The cold share of memory m_c starts at this fraction of m. */
  coldInit: number;
  /** m_c never falls below, nor rises above m minus, this fraction of m. */
  coldMin: number;
}

export interface ClockProState {
  hot: number;
  cold: number;
  /** Non-resident cold pages in their test period. */
  ghost: GhostFifo;
  /** m: the memory this lruvec may use, in pages. */
  memory: number;
  /** m_c: the target number of resident cold pages. */
  coldTarget: number;
  /** HAND_hot's odometer: hot pages it has passed (mod 2^24, as stamped on pages). */
  handHot: number;
}

export const CLOCKPRO_DEFAULTS: ClockProOptions = { coldInit: 0.1, coldMin: 0.01 };

/** The reference bit, "in its test period", "hot", "next use is the one that brought it in", and the test's start. */
const REF = new PageField(0, 1);
const TEST = REF.next(1);
const HOT = TEST.next(1);
const FRESH = HOT.next(1);
const STAMP = FRESH.next(24);

export function createClockPro(options: Partial<ClockProOptions> = {}): ReclaimOps<ClockProState> {
  const opts: ClockProOptions = { ...CLOCKPRO_DEFAULTS, ...options };
  if (!(opts.coldMin > 0 && opts.coldMin < 0.5))
    throw new Error(`clockpro: coldMin must be in (0, 0.5), got ${opts.coldMin}`);
  if (!(opts.coldInit >= opts.coldMin && opts.coldInit <= 1 - opts.coldMin)) {
    throw new Error(`clockpro: coldInit must be in [coldMin, 1 - coldMin], got ${opts.coldInit}`);
  }
  const batch = new EvictionBatch();
  type Ctx = PolicyCtx<ClockProState>;

  const reference = (w: Uint32Array, pfn: number) => {
    if (FRESH.get(w, pfn)) FRESH.set(w, pfn, 0);
    else REF.set(w, pfn, 1);
  };

  /**
   * Test and clear the reference bit: the folio's own and, if mapped, its PTEs' young bits.
   * 'fault' means the only use seen may be the fault that brought it in (a young PTE on a fresh folio).
   */
  const testAndClear = (ctx: Ctx, pfn: number, sc: ScanControl): 'none' | 'fault' | 'ref' => {
    const w = ctx.frames.policy;
    let fault = false;
    if (ctx.frames.mapcount[pfn] > 0 && ctx.core.referenced(pfn, sc).refs > 0) {
      fault = FRESH.get(w, pfn) === 1;
      reference(w, pfn);
    }
    const ref = REF.get(w, pfn) === 1;
    REF.set(w, pfn, 0);
    return ref ? 'ref' : fault ? 'fault' : 'none';
  };

  /** Has HAND_hot swept the hot pages once since the test period stamped `stamp` began? */
  const expired = (ctx: Ctx, stamp: number) =>
    (ctx.state.handHot - stamp + STAMP.max + 1) % (STAMP.max + 1) > ctx.lists.length(ctx.state.hot);

  const startTest = (ctx: Ctx, pfn: number) => {
    TEST.set(ctx.frames.policy, pfn, 1);
    STAMP.set(ctx.frames.policy, pfn, ctx.state.handHot);
  };

  const adjustCold = (st: ClockProState, by: number) => {
    const min = Math.max(1, Math.floor(st.memory * opts.coldMin));
    st.coldTarget = Math.min(st.memory - min, Math.max(min, st.coldTarget + by));
  };

  /** HAND_hot: demote unreferenced hot pages until the hot pages fit in m - m_c (and at least `need`). */
  const handHot = (ctx: Ctx, sc: ScanControl, need: number) => {
    const { hot, cold } = ctx.state;
    const lists = ctx.lists;
    const w = ctx.frames.policy;
    let demoted = 0;
    let budget = lists.length(hot);
    for (let p = lists.last(hot); p !== -1 && budget-- > 0; p = lists.last(hot)) {
      if (demoted >= need && lists.length(hot) <= ctx.state.memory - ctx.state.coldTarget) break;
      ctx.state.handHot = (ctx.state.handHot + 1) % (STAMP.max + 1);
      if (testAndClear(ctx, p, sc) !== 'none') {
        lists.moveHead(hot, p);
        continue;
      }
      HOT.set(w, p, 0);
      TEST.set(w, p, 0);
      lists.moveHead(cold, p);
      demoted++;
    }
  };

  return {
    name: 'clockpro',
    pageStateBits: STAMP.end,
    requires: ['evictCandidates', 'rmap'],

    init(ictx) {
      const memory = Math.max(2, ictx.memoryPages);
      return {
        hot: ictx.createList('hot'),
        cold: ictx.createList('cold'),
        ghost: new GhostFifo(memory),
        memory,
        coldTarget: Math.max(1, Math.floor(memory * opts.coldInit)),
        handHot: 0,
      };
    },

    folioAdded(ctx, pfn) {
      const w = ctx.frames.policy;
      const st = ctx.state;
      // Faulted in during its test period: a reuse distance that fits, so it is hot;
      // more cold space would have made it a hit. Too late: its test period ended.
      const stamp = st.ghost.takeValue(ctx.frames, pfn);
      const hot = stamp !== -1 && !expired(ctx, stamp);
      if (stamp !== -1) adjustCold(st, hot ? 1 : -1);
      HOT.set(w, pfn, hot ? 1 : 0);
      REF.set(w, pfn, 0);
      FRESH.set(w, pfn, 1);
      if (hot) TEST.set(w, pfn, 0);
      else startTest(ctx, pfn);
      ctx.lists.addHead(hot ? st.hot : st.cold, pfn);
    },

    folioAccessed(ctx, pfn) {
      reference(ctx.frames.policy, pfn);
    },

    evictCandidates(ctx, req, out) {
      const st = ctx.state;
      const lists = ctx.lists;
      const w = ctx.frames.policy;
      const anon = req.sc.maySwap && ctx.core.canReclaimAnon(ctx.lruvec, req.sc);
      // HAND_cold: unreferenced cold pages go; referenced ones turn hot (in test) or start a test.
      const handCold = (pfn: number): IterVerdict => {
        if (TEST.get(w, pfn) && expired(ctx, STAMP.get(w, pfn))) {
          TEST.set(w, pfn, 0);
          adjustCold(st, -1);
        }
        const ref = testAndClear(ctx, pfn, req.sc);
        if (ref === 'ref' && TEST.get(w, pfn)) {
          HOT.set(w, pfn, 1);
          TEST.set(w, pfn, 0);
          lists.moveHead(st.hot, pfn);
          return 'continue';
        }
        // Referenced outside a test period, or young only from its fault (two-touch): a new test period.
        if (ref !== 'none') {
          startTest(ctx, pfn);
          lists.moveHead(st.cold, pfn);
          return 'continue';
        }
        return anon || ctx.frames.isFileLru(pfn) ? 'evict' : 'continue';
      };
      batch.begin(out, req.nr);
      for (let round = 0; round < 4 && !batch.full; round++) {
        listIterate(lists, st.cold, batch, handCold);
        // Promotions may have overfilled the hot pages; and if the cold pages ran out, the hot hand makes more.
        handHot(ctx, req.sc, batch.full ? 0 : batch.nr - batch.n);
      }
      return batch.n;
    },

    checkReferences(ctx, pfn, rmap) {
      if (rmap.refs <= 0) return 'reclaim';
      reference(ctx.frames.policy, pfn);
      return 'keep';
    },

    putback(ctx, pfn) {
      ctx.lists.addHead(HOT.get(ctx.frames.policy, pfn) ? ctx.state.hot : ctx.state.cold, pfn);
    },

    /** A cold page in test leaves a non-resident entry; the oldest one's test period ends. */
    evicted(ctx, pfn) {
      const w = ctx.frames.policy;
      if (HOT.get(w, pfn) || !TEST.get(w, pfn)) return 0;
      if (ctx.state.ghost.push(ctx.frames, pfn, STAMP.get(w, pfn))) adjustCold(ctx.state, -1);
      return 0;
    },

    policyLists(ctx, out) {
      const st = ctx.state;
      out.hot = ctx.lists.length(st.hot);
      out.cold = ctx.lists.length(st.cold);
      out.nonresident = st.ghost.size;
      out.coldTarget = st.coldTarget;
    },
  };
}

export const clockProPolicy: PolicyFactory<ClockProOptions> = {
  name: 'clockpro',
  description: "CLOCK-Pro (ATC'05): hot/cold pages and test periods judge reuse distance; scan-resistant",
  defaults: CLOCKPRO_DEFAULTS,
  optionDocs: {
    coldInit: 'initial cold share m_c of the lruvec memory m (adapts as test periods succeed or expire)',
    coldMin: 'bounds of m_c: at least this share of m, at most m minus it',
  },
  optionSchema: {
    coldInit: { type: 'number', min: 0.01, max: 0.99 },
    coldMin: { type: 'number', min: 0.001, max: 0.49 },
  },
  create: (o) => createClockPro(o),
};
