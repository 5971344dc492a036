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
 * MGLRU's access detection can feed the counts too (`@reclaim-lab/mechanisms`
 * AccessScanner): with `ptwalk`, the page tables of the lruvec's memcg are
 * walked each time reclaim has proposed a quarter of the lruvec, and every
 * young PTE counts as one use of its folio — a frequency sample of all
 * mapped folios, not only of candidates; `bloom` skips the PMDs the last
 * walk found cold; with `lookaround`, each young PTE the rmap walk finds
 * on a candidate also tests up to 64 neighbouring PTEs, and each young
 * neighbour counts as a use.
 *
 * Where it shines: a stable popular set next to large one-time scans, and
 * skewed (Zipf-like) key-value lookups, where frequency predicts reuse
 * better than recency. Trade-offs: slow to adapt when popularity shifts
 * (aging only softens this), a new folio is the first to go even when it
 * is about to become hot, and the counter costs page state bits.
 */
import { PG_ANON, PG_LRU } from '@reclaim-lab/hw-model';
import {
  AccessScanner,
  type AccessScanState,
  accessScanState,
  EvictionBatch,
  listIterate,
  PageField,
  type World,
} from '@reclaim-lab/mechanisms';
import {
  type PolicyCtx,
  type PolicyFactory,
  type ReclaimOps,
  type ScanControl,
  SWAP_CLUSTER_MAX,
} from '@reclaim-lab/reclaim';

export interface LfuOptions extends Record<string, unknown> {
  /** Frequency levels (a power of two, 2..256): the counter saturates at levels - 1. */
  levels: number;
  /** Halve every count after proposing this many times the lruvec's size (0 = never: pure LFU). */
  halveAfter: number;
  /** MGLRU's page-table walk: each young PTE it finds counts as a use (walks as reclaim proposes a quarter of the lruvec). */
  ptwalk: boolean;
  /** MGLRU's Bloom filters: the walk skips PMDs the last walk found cold (needs ptwalk). */
  bloom: boolean;
  /** MGLRU's look-around: a young PTE on a candidate also tests its neighbours; each young one counts as a use. */
  lookaround: boolean;
}

export interface LfuState {
  /** One list per frequency level, level 0 first. */
  lists: number[];
  /** Folios proposed for eviction since counts were last halved. */
  proposed: number;
  /** Folios proposed since the last page-table walk (`ptwalk`). */
  sinceWalk: number;
  /** This lruvec's Bloom filters and walk count (`ptwalk`, `lookaround`). */
  scan: AccessScanState;
}

export const LFU_DEFAULTS: LfuOptions = {
  levels: 8,
  halveAfter: 1,
  ptwalk: false,
  bloom: false,
  lookaround: false,
};

/** An option combination that means nothing, naming the option. */
export class LfuOptionError extends Error {}

export function createLfu(options: Partial<LfuOptions> = {}): ReclaimOps<LfuState> {
  const opts: LfuOptions = { ...LFU_DEFAULTS, ...options };
  const bits = Math.log2(opts.levels);
  if (!Number.isInteger(bits) || bits < 1 || bits > 8)
    throw new Error(`lfu: levels must be a power of two in 2..256, got ${opts.levels}`);
  if (!(opts.halveAfter >= 0)) throw new Error(`lfu: halveAfter must be >= 0, got ${opts.halveAfter}`);
  if (opts.bloom && !opts.ptwalk)
    throw new LfuOptionError('lfu: option bloom=on filters page-table walks; it needs ptwalk=on');
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

  // The shared access scanner: a young folio it reports is one use, moved up a level at once.
  let cur: Ctx | null = null;
  const markUsed = (pfn: number) => {
    const c = cur!;
    // Walks and look-around report only folios on this lruvec's lists (PG_LRU, not isolated).
    if (c.frames.flags[pfn] & PG_LRU) c.lists.moveHead(c.state.lists[use(c, pfn)], pfn);
  };
  let scanner: AccessScanner | null = null;
  const scannerFor = (world: World): AccessScanner => {
    if (scanner === null || scanner.world !== world) scanner = new AccessScanner(world, markUsed);
    return scanner;
  };
  const markDirtyOf = (ctx: Ctx) => (ctx.core.markDirty ? (pfn: number) => ctx.core.markDirty!(pfn) : null);

  /**
   * `lookaround`: look around each PTE mapping a candidate the rmap walk
   * found young. Run from `checkReferences`, just after the walk (whose
   * young bits are cleared by then): an anon folio's one PTE, a file
   * folio's PTE in each mapping of it.
   */
  const lookAround = (ctx: Ctx, pfn: number, sc: ScanControl) => {
    const world = ctx.world;
    const scanner = scannerFor(world);
    const visit = scanner.armLookAround(ctx.state.scan, markDirtyOf(ctx));
    cur = ctx;
    const f = ctx.frames;
    if (f.flags[pfn] & PG_ANON) {
      const mm = world.mms[f.owner[pfn]];
      if (mm.pte[f.index[pfn]] === pfn + 1) visit(mm, f.index[pfn], pfn);
    } else {
      const file = world.machine.files[f.owner[pfn]];
      for (const map of file.mappings) {
        const vpn = world.vpnIn(map, f.index[pfn], pfn);
        if (vpn >= 0) visit(world.mms[map.mm], vpn, pfn);
      }
    }
    ctx.core.chargeNs(sc, scanner.takeLookAroundNs());
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
    requires: [
      'evictCandidates',
      'rmap',
      ...(opts.ptwalk ? ['ptwalk' as const] : []),
      ...(opts.bloom ? ['bloom' as const] : []),
      ...(opts.lookaround ? ['lookaround' as const] : []),
    ],

    init(ictx) {
      const lists: number[] = [];
      for (let i = 0; i < opts.levels; i++) lists.push(ictx.createList(`freq${i}`));
      return {
        lists,
        proposed: 0,
        sinceWalk: Number.POSITIVE_INFINITY,
        scan: accessScanState(opts.bloom),
      };
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
      // `ptwalk`: a walk each time a quarter of the lruvec has been proposed, as the LRU's access=ptwalk.
      if (opts.ptwalk && st.sinceWalk >= Math.max(SWAP_CLUSTER_MAX * 4, ctx.lruvec.evictable >> 2)) {
        st.sinceWalk = 0;
        cur = ctx;
        const swappiness = ctx.core.swappiness(ctx.lruvec, req.sc);
        ctx.core.chargeNs(
          req.sc,
          scannerFor(ctx.world).walk(ctx.lruvec, st.scan, swappiness, markDirtyOf(ctx)),
        );
      }
      const anon = req.sc.maySwap && ctx.core.canReclaimAnon(ctx.lruvec, req.sc);
      const fn = (pfn: number) => (anon || ctx.frames.isFileLru(pfn) ? 'evict' : 'continue');
      batch.begin(out, req.nr);
      for (let i = 0; i < st.lists.length && !batch.full; i++) listIterate(ctx.lists, st.lists[i], batch, fn);
      st.proposed += batch.n;
      st.sinceWalk += batch.n;
      return batch.n;
    },

    checkReferences(ctx, pfn, rmap, sc) {
      if (rmap.refs <= 0) return 'reclaim';
      if (opts.lookaround) lookAround(ctx, pfn, sc);
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
    ptwalk:
      "MGLRU's page-table walk: each young PTE counts as a use, a walk per quarter of the lruvec proposed (default off)",
    bloom: "MGLRU's Bloom filters: the walk skips PMDs the last walk found cold (needs ptwalk; default off)",
    lookaround:
      "MGLRU's look-around: a young candidate's PTE neighbours are tested, each young one counts as a use (default off)",
  },
  optionSchema: {
    levels: { type: 'number', integer: true, min: 2, max: 256 },
    halveAfter: { type: 'number', min: 0 },
    ptwalk: { type: 'boolean' },
    bloom: { type: 'boolean' },
    lookaround: { type: 'boolean' },
  },
  presets: {
    pure: { halveAfter: 0 },
    coarse: { levels: 4 },
    // libCacheSim's LFU in ideal mode (its counts are unbounded; ours stop at 255).
    libcachesim: { halveAfter: 0, levels: 256 },
    // All of MGLRU's access detection feeding the counts.
    'mglru-access': { ptwalk: true, bloom: true, lookaround: true },
  },
  create: (o) => createLfu(o),
};
