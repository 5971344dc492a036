/**
 * S3-FIFO (Yang, Zhang, Qiu, Yue, Vinayak, SOSP'23): three FIFO queues.
 *
 * A new folio enters the small queue S, unless its identity is in the
 * ghost queue G (it was evicted from S recently), in which case it goes
 * straight to the main queue M. Each folio has a 2-bit use counter. When
 * reclaim needs victims it takes them from S while S holds at least
 * `smallRatio` of the lruvec, else from M. At the tail of S a folio that
 * was used again since it arrived moves to M (counter reset); one that was
 * not is evicted and remembered in G. At the tail of M a used folio is
 * reinserted at the head with its counter decremented (FIFO-reinsertion,
 * i.e. CLOCK with a small counter); an unused one is evicted. G holds as
 * many identities as M holds folios (`ghostRatio` of the lruvec's memory)
 * and forgets the oldest first. Uses are read()/write() hits and young
 * PTEs found by the core's rmap walk of candidates; the access that
 * brought a folio in is not a use, so a page read once is a one-hit wonder
 * whether it was read on demand or by readahead.
 *
 * `s3fifo:libcachesim` makes libCacheSim's S3FIFO decisions instead
 * (promotion after two uses, `walk: 'until-evict'`, and G consulted before
 * the eviction it causes), miss for miss in ideal mode.
 *
 * Where it shines: workloads dominated by one-hit wonders (web and object
 * caches, large scans next to a hot set): most new folios leave quickly
 * through S without disturbing M, and the few that return are admitted to
 * M through G. Every operation is at a queue end, so it is cheap. Trade-offs:
 * a folio needs a second use within S's short window (or a refault within
 * G's memory) to be kept; a mapped page must be seen young on two trips
 * through S, since its first young bit may be only its fault (the kernel's
 * two-touch rule), so mapped pages stay longer in S; and a working set
 * whose reuse distance exceeds S plus G thrashes like FIFO.
 */
import { EvictionBatch, GhostFifo, type IterVerdict, listIterate, PageField } from '@reclaim-lab/mechanisms';
import type { PolicyCtx, PolicyFactory, ReclaimOps } from '@reclaim-lab/reclaim';

export interface S3FifoOptions extends Record<string, unknown> {
  /** Share of the lruvec S may hold before reclaim takes from it (paper: 10 %). */
  smallRatio: number;
  /** Identities G remembers, as a share of the lruvec's memory (paper: as many as M holds, 90 %). */
  ghostRatio: number;
  /** Uses in S that earn a folio its move to M. */
  promoteAfter: number;
  /**
   * How reclaim picks the queue. 'share': per folio, S while it holds at
   * least `smallRatio` of the lruvec. 'until-evict' (libCacheSim's
   * S3FIFO): once per victim, M when it holds more than the lruvec less
   * floor(`smallRatio` of it), or S is empty; S is then walked until one
   * folio leaves, promoting as it goes, however small S becomes.
   */
  walk: 'share' | 'until-evict';
}

export interface S3FifoState {
  small: number;
  main: number;
  ghost: GhostFifo;
}

export const S3FIFO_DEFAULTS: S3FifoOptions = {
  smallRatio: 0.1,
  ghostRatio: 0.9,
  promoteAfter: 1,
  walk: 'share',
};

/** Use counter (saturating at 3), "next use is the one that brought it in", and "on M". */
const FREQ = new PageField(0, 2);
const FRESH = FREQ.next(1);
const MAIN = FRESH.next(1);

export function createS3Fifo(options: Partial<S3FifoOptions> = {}): ReclaimOps<S3FifoState> {
  const opts: S3FifoOptions = { ...S3FIFO_DEFAULTS, ...options };
  if (!(opts.smallRatio > 0 && opts.smallRatio < 1))
    throw new Error(`s3fifo: smallRatio must be in (0, 1), got ${opts.smallRatio}`);
  if (!(opts.ghostRatio >= 0)) throw new Error(`s3fifo: ghostRatio must be >= 0, got ${opts.ghostRatio}`);
  if (!(opts.promoteAfter >= 1 && opts.promoteAfter <= FREQ.max))
    throw new Error(`s3fifo: promoteAfter must be in 1..${FREQ.max}`);
  if (opts.walk !== 'share' && opts.walk !== 'until-evict')
    throw new Error(`s3fifo: walk must be 'share' or 'until-evict', got ${String(opts.walk)}`);
  const untilEvict = opts.walk === 'until-evict';
  const batch = new EvictionBatch();
  type Ctx = PolicyCtx<S3FifoState>;

  const use = (w: Uint32Array, pfn: number) => {
    if (FRESH.get(w, pfn)) FRESH.set(w, pfn, 0);
    else FREQ.inc(w, pfn);
  };

  const toMain = (ctx: Ctx, pfn: number) => {
    FREQ.set(ctx.frames.policy, pfn, 0);
    MAIN.set(ctx.frames.policy, pfn, 1);
  };

  return {
    name: 's3fifo',
    pageStateBits: MAIN.end,
    requires: ['evictCandidates', 'rmap'],

    init(ictx) {
      return {
        small: ictx.createList('small'),
        main: ictx.createList('main'),
        ghost: new GhostFifo(Math.floor(ictx.memoryPages * opts.ghostRatio)),
      };
    },

    folioAdded(ctx, pfn) {
      const w = ctx.frames.policy;
      FREQ.set(w, pfn, 0);
      FRESH.set(w, pfn, 1);
      // G is consulted first, then the victims of the reclaim that made room join it.
      const hit = ctx.state.ghost.admit(ctx.frames, pfn);
      MAIN.set(w, pfn, hit ? 1 : 0);
      ctx.lists.addHead(hit ? ctx.state.main : ctx.state.small, pfn);
    },

    folioAccessed(ctx, pfn) {
      use(ctx.frames.policy, pfn);
    },

    evictCandidates(ctx, req, out) {
      const { small, main } = ctx.state;
      const lists = ctx.lists;
      const w = ctx.frames.policy;
      const anon = req.sc.maySwap && ctx.core.canReclaimAnon(ctx.lruvec, req.sc);
      // Proposed folios still sit on their queues until the core isolates them.
      let fromS = 0;
      let fromM = 0;
      let stuck = false;
      // 'until-evict': the queue this victim comes from, and the batch size that ends its walk.
      let victimFromSmall = false;
      let victimDone = 0;
      const takeSmall = () => {
        if (untilEvict) return victimFromSmall;
        const s = lists.length(small) - fromS;
        const m = lists.length(main) - fromM;
        return s > 0 && !stuck && (m <= 0 || s >= opts.smallRatio * (s + m));
      };
      // libCacheSim's `S3FIFO_evict`: M when over its size (all less floor(ratio of all)) or S empty.
      const chooseSmall = () => {
        const s = lists.length(small) - fromS;
        const m = lists.length(main) - fromM;
        return s > 0 && !stuck && m <= s + m - Math.floor(opts.smallRatio * (s + m));
      };
      const evictSmall = (pfn: number): IterVerdict => {
        if (untilEvict ? batch.n >= victimDone : !takeSmall()) return 'stop';
        if (FREQ.get(w, pfn) >= opts.promoteAfter) {
          toMain(ctx, pfn);
          lists.moveHead(main, pfn);
          return 'continue';
        }
        if (!anon && !ctx.frames.isFileLru(pfn)) return 'continue';
        fromS++;
        return 'evict';
      };
      const evictMain = (pfn: number): IterVerdict => {
        if (untilEvict ? batch.n >= victimDone : takeSmall()) return 'stop';
        if (FREQ.get(w, pfn) > 0) {
          FREQ.dec(w, pfn);
          lists.moveHead(main, pfn);
          return 'continue';
        }
        if (!anon && !ctx.frames.isFileLru(pfn)) return 'continue';
        fromM++;
        return 'evict';
      };
      batch.begin(out, req.nr);
      // Each round walks one queue until it has enough or the other queue's turn comes;
      // M may need a round per counter value before its reinserted folios run out of uses.
      // 'until-evict' spends a round or two per victim (S walked out, then M).
      const rounds = untilEvict ? 16 + 2 * batch.nr : 16;
      for (let round = 0; round < rounds && !batch.full; round++) {
        const before = batch.n;
        if (untilEvict) {
          victimFromSmall = chooseSmall();
          victimDone = before + 1;
        }
        if (takeSmall()) {
          const s = lists.length(small);
          listIterate(lists, small, batch, evictSmall);
          // A whole walk of S with nothing to give (anon without swap): turn to M.
          if (batch.n === before && takeSmall() && lists.length(small) === s) stuck = true;
        } else if (lists.length(main) - fromM > 0) {
          listIterate(lists, main, batch, evictMain);
        } else break;
      }
      return batch.n;
    },

    checkReferences(ctx, pfn, rmap) {
      if (rmap.refs <= 0) return 'reclaim';
      const w = ctx.frames.policy;
      // The first young PTE may be the fault itself: one more trip through S (two-touch).
      if (FRESH.get(w, pfn)) {
        FRESH.set(w, pfn, 0);
        return 'keep';
      }
      FREQ.inc(w, pfn);
      if (MAIN.get(w, pfn)) return 'keep';
      if (FREQ.get(w, pfn) < opts.promoteAfter) return 'reclaim';
      toMain(ctx, pfn);
      return 'keep';
    },

    putback(ctx, pfn) {
      ctx.lists.addHead(MAIN.get(ctx.frames.policy, pfn) ? ctx.state.main : ctx.state.small, pfn);
    },

    evicted(ctx, pfn) {
      if (MAIN.get(ctx.frames.policy, pfn)) return 0;
      // libCacheSim looks the incoming object up in G before it evicts for it.
      if (untilEvict) ctx.state.ghost.pushLater(ctx.frames, pfn);
      else ctx.state.ghost.push(ctx.frames, pfn);
      return 0;
    },

    policyLists(ctx, out) {
      out.small = ctx.lists.length(ctx.state.small);
      out.main = ctx.lists.length(ctx.state.main);
      out.ghost = ctx.state.ghost.size + ctx.state.ghost.heldBack;
    },
  };
}

export const s3fifoPolicy: PolicyFactory<S3FifoOptions> = {
  name: 's3fifo',
  description:
    "S3-FIFO (SOSP'23): small FIFO filters one-hit wonders, main FIFO with reinsertion, ghost FIFO admits returners",
  defaults: S3FIFO_DEFAULTS,
  optionDocs: {
    smallRatio: 'share of the lruvec the small queue may hold before reclaim takes from it (paper: 0.1)',
    ghostRatio:
      'evicted identities the ghost queue remembers, as a share of memory (paper: 0.9, as many as M)',
    promoteAfter: 'uses while in the small queue that move a folio to the main queue (1..3)',
    walk: "queue choice: 'share' (per folio, by the queues' shares) or 'until-evict' (libCacheSim: once per victim)",
  },
  optionSchema: {
    smallRatio: { type: 'number', min: 0.01, max: 0.99 },
    ghostRatio: { type: 'number', min: 0 },
    promoteAfter: { type: 'number', integer: true, min: 1, max: 3 },
    walk: { type: 'string', choices: ['share', 'until-evict'] },
  },
  presets: {
    'small-20': { smallRatio: 0.2 },
    'no-ghost': { ghostRatio: 0 },
    // libCacheSim's S3FIFO with its defaults, decision for decision in ideal mode.
    libcachesim: { promoteAfter: 2, walk: 'until-evict' },
  },
  create: (o) => createS3Fifo(o),
};
