/**
 * 2Q (Johnson and Shasha, VLDB '94), the full version: A1in, a FIFO of
 * folios seen once; Am, an LRU of folios referenced again; A1out, a ghost
 * FIFO of identities evicted from A1in.
 *
 * A new folio enters A1in, unless its identity is in A1out (it was evicted
 * from A1in recently and came back), in which case it enters Am. A use in
 * Am moves the folio to Am's head; a use in A1in changes nothing (the
 * paper's "correlated references" of a first burst). Reclaim takes A1in's
 * tail, remembered in A1out, while A1in holds more than `inRatio` of the
 * lruvec (Kin), else Am's tail, forgotten. A1out holds `outRatio` of the
 * lruvec's memory (Kout) and forgets the oldest first. Uses are
 * read()/write() hits and, for folios of Am, young PTEs found by the core's
 * rmap walk of candidates.
 *
 * The ideas are the ones the kernel's active/inactive lists grew from: a
 * probation queue for first references, promotion on a second, and a
 * memory of recent evictions (the kernel's shadow entries play A1out).
 * In ideal mode, with its defaults (Kin 25%, Kout 50%), it makes the
 * decisions of libCacheSim's `TwoQ` miss for miss, A1out consulted before
 * the eviction a miss causes, as there.
 *
 * Where it shines: scans and one-time reads beside a reused set (they pass
 * through A1in), and loops a little larger than A1in's window. Trade-offs:
 * a folio needs its second use after leaving A1in but within A1out's
 * memory; Kin and Kout are fixed, not adaptive (ARC and CLOCK-Pro adapt).
 */
import { EvictionBatch, GhostFifo, listIterate, PageField } from '@reclaim-lab/mechanisms';
import type { PolicyFactory, ReclaimOps } from '@reclaim-lab/reclaim';

export interface TwoqOptions extends Record<string, unknown> {
  /** Kin: share of the lruvec A1in may hold before reclaim takes from it (paper, libCacheSim: 25%). */
  inRatio: number;
  /** Kout: identities A1out remembers, as a share of the lruvec's memory (paper, libCacheSim: 50%). */
  outRatio: number;
}

export interface TwoqState {
  a1in: number;
  am: number;
  a1out: GhostFifo;
}

export const TWOQ_DEFAULTS: TwoqOptions = { inRatio: 0.25, outRatio: 0.5 };

/** "On Am". */
const AM = new PageField(0, 1);

export function createTwoq(options: Partial<TwoqOptions> = {}): ReclaimOps<TwoqState> {
  const opts: TwoqOptions = { ...TWOQ_DEFAULTS, ...options };
  if (!(opts.inRatio > 0 && opts.inRatio < 1))
    throw new Error(`twoq: inRatio must be in (0, 1), got ${opts.inRatio}`);
  if (!(opts.outRatio >= 0)) throw new Error(`twoq: outRatio must be >= 0, got ${opts.outRatio}`);
  const batch = new EvictionBatch();

  return {
    name: 'twoq',
    pageStateBits: AM.end,
    requires: ['evictCandidates', 'rmap'],

    init(ictx) {
      return {
        a1in: ictx.createList('a1in'),
        am: ictx.createList('am'),
        a1out: new GhostFifo(Math.floor(ictx.memoryPages * opts.outRatio)),
      };
    },

    folioAdded(ctx, pfn) {
      // A1out is consulted first, then the victims of the reclaim that made room join it.
      const returning = ctx.state.a1out.admit(ctx.frames, pfn);
      AM.set(ctx.frames.policy, pfn, returning ? 1 : 0);
      ctx.lists.addHead(returning ? ctx.state.am : ctx.state.a1in, pfn);
    },

    folioAccessed(ctx, pfn) {
      // A1in is a FIFO: a first burst of uses does not promote.
      if (AM.get(ctx.frames.policy, pfn)) ctx.lists.moveHead(ctx.state.am, pfn);
    },

    evictCandidates(ctx, req, out) {
      const { a1in, am } = ctx.state;
      const lists = ctx.lists;
      const anon = req.sc.maySwap && ctx.core.canReclaimAnon(ctx.lruvec, req.sc);
      let fromIn = 0;
      let fromM = 0;
      // libCacheSim's `TwoQ_evict`: A1in while it holds more than floor(Kin of all), else Am.
      const takeIn = () => {
        const i = lists.length(a1in) - fromIn;
        const m = lists.length(am) - fromM;
        return i > 0 && (m <= 0 || i > Math.floor(opts.inRatio * (i + m)));
      };
      const fromA1in = (pfn: number) => {
        if (!takeIn()) return 'stop';
        if (!anon && !ctx.frames.isFileLru(pfn)) return 'continue';
        fromIn++;
        return 'evict';
      };
      const fromAm = (pfn: number) => {
        if (takeIn()) return 'stop';
        if (!anon && !ctx.frames.isFileLru(pfn)) return 'continue';
        fromM++;
        return 'evict';
      };
      batch.begin(out, req.nr);
      for (let round = 0; round < 4 && !batch.full; round++) {
        const before = batch.n;
        if (takeIn()) listIterate(lists, a1in, batch, fromA1in);
        else listIterate(lists, am, batch, fromAm);
        if (batch.n === before) {
          // Nothing this side could go (anon without swap): try the other once.
          if (takeIn())
            listIterate(lists, am, batch, (p) => (anon || ctx.frames.isFileLru(p) ? 'evict' : 'continue'));
          else
            listIterate(lists, a1in, batch, (p) => (anon || ctx.frames.isFileLru(p) ? 'evict' : 'continue'));
          break;
        }
      }
      return batch.n;
    },

    // A young PTE is a use: in Am it keeps the folio (back at Am's head); A1in ignores it.
    checkReferences(ctx, pfn, rmap) {
      return rmap.refs > 0 && AM.get(ctx.frames.policy, pfn) ? 'keep' : 'reclaim';
    },

    putback(ctx, pfn) {
      ctx.lists.addHead(AM.get(ctx.frames.policy, pfn) ? ctx.state.am : ctx.state.a1in, pfn);
    },

    evicted(ctx, pfn) {
      if (!AM.get(ctx.frames.policy, pfn)) ctx.state.a1out.pushLater(ctx.frames, pfn);
      return 0;
    },

    policyLists(ctx, out) {
      out.a1in = ctx.lists.length(ctx.state.a1in);
      out.am = ctx.lists.length(ctx.state.am);
      out.a1out = ctx.state.a1out.size + ctx.state.a1out.heldBack;
    },
  };
}

export const twoqPolicy: PolicyFactory<TwoqOptions> = {
  name: 'twoq',
  description: "2Q (VLDB '94): FIFO for first references, LRU for the re-referenced, a ghost FIFO between",
  defaults: TWOQ_DEFAULTS,
  optionDocs: {
    inRatio: 'Kin: share of the lruvec A1in may hold before reclaim takes from it (0.25)',
    outRatio: 'Kout: evicted identities A1out remembers, as a share of memory (0.5)',
  },
  optionSchema: {
    inRatio: { type: 'number', min: 0.01, max: 0.99 },
    outRatio: { type: 'number', min: 0 },
  },
  requires: ['evictCandidates', 'rmap'],
  create: (o) => createTwoq(o) as ReclaimOps<unknown>,
};
