/**
 * LFU: evict the least frequently used folio first (cache_ext's LFU, as
 * frequency buckets instead of sampling).
 *
 * Each folio carries a small saturating use counter in its policy word,
 * and sits on the list of its count: level 0 for folios not used since
 * they arrived, up to `levels - 1`. A use moves the folio to the head of
 * the next level, so every list is in recency order. Reclaim takes folios
 * from the tail of the lowest non-empty level: least frequent first, least
 * recent among equals. Uses are read()/write() hits and young PTEs, which
 * the core's rmap walk finds when a folio comes up as a candidate (a young
 * candidate is kept and counted, so a mapped folio needs to be seen young
 * twice before it moves up, as with the kernel's two-touch rule). The
 * access that brought a folio in is not counted: a page read once and a
 * readahead page never read sit together on level 0.
 *
 * Pure LFU never forgets: a set that was hot an hour ago keeps its counts
 * and can starve today's working set. So every time reclaim has proposed
 * `halveAfter` times the lruvec's size, all counts are halved (the classic
 * aging fix; 0 turns it off).
 *
 * Where it shines: a stable popular set next to large one-time scans, and
 * skewed (Zipf-like) key-value lookups, where frequency predicts reuse
 * better than recency. Trade-offs: slow to adapt when popularity shifts
 * (aging only softens this), a new folio is the first to go even when it
 * is about to become hot, and the counter costs page state bits.
 */
import { EvictionBatch, listIterate, PageField } from '@reclaim-lab/mechanisms';
import type { PolicyCtx, PolicyFactory, ReclaimOps } from '@reclaim-lab/reclaim';

export interface LfuOptions extends Record<string, unknown> {
  /** Frequency levels (a power of two, 2..256): the counter saturates at levels - 1. */
  levels: number;
  /** Halve every count after proposing this many times the lruvec's size (0 = never: pure LFU). */
  halveAfter: number;
}

export interface LfuState {
  /** One list per frequency level, level 0 first. */
  lists: number[];
  /** Folios proposed for eviction since counts were last halved. */
  proposed: number;
}

export const LFU_DEFAULTS: LfuOptions = { levels: 8, halveAfter: 1 };

export function createLfu(options: Partial<LfuOptions> = {}): ReclaimOps<LfuState> {
  const opts: LfuOptions = { ...LFU_DEFAULTS, ...options };
  const bits = Math.log2(opts.levels);
  if (!Number.isInteger(bits) || bits < 1 || bits > 8)
    throw new Error(`lfu: levels must be a power of two in 2..256, got ${opts.levels}`);
  if (!(opts.halveAfter >= 0)) throw new Error(`lfu: halveAfter must be >= 0, got ${opts.halveAfter}`);
  /** Uses since arrival, and "the next use is the one that brought it in". */
  const FREQ = new PageField(0, bits);
  const FRESH = FREQ.next(1);
  const batch = new EvictionBatch();
  type Ctx = PolicyCtx<LfuState>;

  const use = (ctx: Ctx, pfn: number): number => {
    const w = ctx.frames.policy;
    if (FRESH.get(w, pfn)) {
      FRESH.set(w, pfn, 0);
      return FREQ.get(w, pfn);
    }
    return FREQ.inc(w, pfn);
  };

  const halve = (ctx: Ctx) => {
    const { lists } = ctx.state;
    const w = ctx.frames.policy;
    // Level i joins level i/2 on its head side, so higher counts stay the more recent.
    for (let i = 1; i < lists.length; i++) {
      ctx.lists.forEach(lists[i], (pfn) => {
        FREQ.set(w, pfn, i >> 1);
        return true;
      });
      ctx.lists.splice(lists[i], lists[i >> 1]);
    }
    ctx.state.proposed = 0;
  };

  return {
    name: 'lfu',
    pageStateBits: FRESH.end,
    requires: ['evictCandidates', 'rmap'],

    init(ictx) {
      const lists: number[] = [];
      for (let i = 0; i < opts.levels; i++) lists.push(ictx.createList(`freq${i}`));
      return { lists, proposed: 0 };
    },

    folioAdded(ctx, pfn) {
      FREQ.set(ctx.frames.policy, pfn, 0);
      FRESH.set(ctx.frames.policy, pfn, 1);
      ctx.lists.addHead(ctx.state.lists[0], pfn);
    },

    folioAccessed(ctx, pfn) {
      ctx.lists.moveHead(ctx.state.lists[use(ctx, pfn)], pfn);
    },

    evictCandidates(ctx, req, out) {
      const st = ctx.state;
      if (opts.halveAfter > 0 && st.proposed >= opts.halveAfter * ctx.lruvec.evictable) halve(ctx);
      const anon = req.sc.maySwap && ctx.core.canReclaimAnon(ctx.lruvec, req.sc);
      const fn = (pfn: number) => (anon || ctx.frames.isFileLru(pfn) ? 'evict' : 'continue');
      batch.begin(out, req.nr);
      for (let i = 0; i < st.lists.length && !batch.full; i++) listIterate(ctx.lists, st.lists[i], batch, fn);
      st.proposed += batch.n;
      return batch.n;
    },

    checkReferences(ctx, pfn, rmap) {
      if (rmap.refs <= 0) return 'reclaim';
      use(ctx, pfn);
      return 'keep';
    },

    putback(ctx, pfn) {
      ctx.lists.addHead(ctx.state.lists[FREQ.get(ctx.frames.policy, pfn)], pfn);
    },
  };
}

export const lfuPolicy: PolicyFactory<LfuOptions> = {
  name: 'lfu',
  description:
    'LFU (cache_ext): frequency-bucket lists, least frequent first, counts halved as reclaim goes on',
  defaults: LFU_DEFAULTS,
  optionDocs: {
    levels: 'frequency levels, a power of two in 2..256 (the counter saturates at levels - 1)',
    halveAfter: 'halve every count after proposing this many times the lruvec size (0 = never, pure LFU)',
  },
  optionSchema: {
    levels: { type: 'number', integer: true, min: 2, max: 256 },
    halveAfter: { type: 'number', min: 0 },
  },
  presets: {
    pure: { halveAfter: 0 },
    coarse: { levels: 4 },
    // libCacheSim's LFU in ideal mode (its counts are unbounded; ours stop at 255).
    libcachesim: { halveAfter: 0, levels: 256 },
  },
  create: (o) => createLfu(o),
};
