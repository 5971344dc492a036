/**
 * GET-SCAN (cache_ext, SOSP'25): keep point lookups ("gets") apart from
 * scans, and evict scan pages first.
 *
 * Two lists per lruvec. A folio brought in by a scan goes on the scan
 * list, any other on the get list; reclaim takes from the scan list, oldest
 * first, until only `scanReserve` scan folios are left (enough for the
 * scan's readahead to be read before it is evicted), and only then from
 * the get list, the least used of `samples` randomly sampled folios
 * (cache_ext's LFU sampling). A get of a scan folio moves it to the get
 * list, and so does a scan folio found young twice in its page tables
 * (page-table hits are invisible otherwise).
 *
 * cache_ext tells scans by the thread (the application registers its scan
 * threads). The simulator's add hook sees neither task nor VMA flags, so
 * this version tells them by their offsets: a demand access that lands
 * just after the previous access to the same file (or address space),
 * within `seqWindow` pages, is sequential, and so are the readahead pages
 * that come with it. A small per-lruvec table remembers the last offset of
 * the most recent streams. Uses are read()/write() hits and young PTEs found
 * by the core's rmap walk of candidates; the access that brought a folio
 * in is not counted.
 *
 * Where it shines: a key-value store (LevelDB, RocksDB) serving gets while
 * a range scan or compaction streams through its files: the gets' working
 * set survives the scan. Trade-offs: the heuristic misfiles random reads
 * that happen to be adjacent and scans that stride; the get list is pure
 * LFU, which never forgets a formerly popular page; and a scan that is
 * itself re-read soon gains nothing from the cache.
 */
import { EvictionBatch, listIterate, listSample, PageField } from '@reclaim-lab/mechanisms';
import type { PolicyCtx, PolicyFactory, ReclaimOps } from '@reclaim-lab/reclaim';

export interface GetScanOptions extends Record<string, unknown> {
  /** Scan folios left alone so a scan's readahead survives until it is read. */
  scanReserve: number;
  /** Folios sampled per victim on the get list. */
  samples: number;
  /** A demand access at most this many pages past the previous one of its stream is sequential. */
  seqWindow: number;
}

export interface GetScanState {
  get: number;
  scan: number;
  /** `[get]`, for the sampler. */
  getIds: readonly number[];
  /** Recent streams, direct-mapped by owner: key (owner*2+file, -1 = empty), last offset, "is a scan". */
  streamKey: Int32Array;
  streamLast: Int32Array;
  streamScan: Uint8Array;
}

export const GETSCAN_DEFAULTS: GetScanOptions = { scanReserve: 64, samples: 8, seqWindow: 32 };

const STREAMS = 64;
/** Uses (saturating), "on the scan list", and "next use is the one that brought it in". */
const FREQ = new PageField(0, 4);
const SCAN = FREQ.next(1);
const FRESH = SCAN.next(1);

export function createGetScan(options: Partial<GetScanOptions> = {}): ReclaimOps<GetScanState> {
  const opts: GetScanOptions = { ...GETSCAN_DEFAULTS, ...options };
  if (!(opts.scanReserve >= 0)) throw new Error(`getscan: scanReserve must be >= 0, got ${opts.scanReserve}`);
  if (!(Number.isInteger(opts.samples) && opts.samples >= 1))
    throw new Error(`getscan: samples must be a positive integer, got ${opts.samples}`);
  if (!(opts.seqWindow >= 1)) throw new Error(`getscan: seqWindow must be >= 1, got ${opts.seqWindow}`);
  const batch = new EvictionBatch();
  type Ctx = PolicyCtx<GetScanState>;

  /** The stream slot of the folio's owner, claimed for it if another owner held it. */
  const streamOf = (ctx: Ctx, pfn: number): number => {
    const f = ctx.frames;
    const key = f.owner[pfn] * 2 + (f.isFileLru(pfn) ? 1 : 0);
    const slot = (Math.imul(key, 0x9e3779b1) >>> 26) % STREAMS;
    const st = ctx.state;
    if (st.streamKey[slot] !== key) {
      st.streamKey[slot] = key;
      st.streamLast[slot] = -2 * opts.seqWindow;
      st.streamScan[slot] = 0;
    }
    return slot;
  };

  /** Record a demand access at the folio's offset; true if it continues its stream. */
  const demand = (ctx: Ctx, pfn: number): boolean => {
    const st = ctx.state;
    const slot = streamOf(ctx, pfn);
    const index = ctx.frames.index[pfn];
    const seq = index > st.streamLast[slot] && index <= st.streamLast[slot] + opts.seqWindow;
    st.streamLast[slot] = index;
    st.streamScan[slot] = seq ? 1 : 0;
    return seq;
  };

  /**
   * A fresh folio's first use: for one read ahead (async readahead brings
   * most of a stream in), the reader's demand access, which moves its
   * stream on; for one a demand read just added, that same access again.
   */
  const follow = (ctx: Ctx, pfn: number): void => {
    if (ctx.frames.index[pfn] !== ctx.state.streamLast[streamOf(ctx, pfn)]) demand(ctx, pfn);
  };

  const setList = (ctx: Ctx, pfn: number, scan: boolean) => SCAN.set(ctx.frames.policy, pfn, scan ? 1 : 0);

  return {
    name: 'getscan',
    pageStateBits: FRESH.end,
    requires: ['evictCandidates', 'rmap'],

    init(ictx) {
      const get = ictx.createList('get');
      return {
        get,
        scan: ictx.createList('scan'),
        getIds: [get],
        streamKey: new Int32Array(STREAMS).fill(-1),
        streamLast: new Int32Array(STREAMS),
        streamScan: new Uint8Array(STREAMS),
      };
    },

    folioAdded(ctx, pfn, how) {
      const scan =
        how.reason === 'readahead' ? ctx.state.streamScan[streamOf(ctx, pfn)] === 1 : demand(ctx, pfn);
      const w = ctx.frames.policy;
      FREQ.set(w, pfn, 0);
      FRESH.set(w, pfn, 1);
      setList(ctx, pfn, scan);
      ctx.lists.addHead(scan ? ctx.state.scan : ctx.state.get, pfn);
    },

    folioAccessed(ctx, pfn) {
      const w = ctx.frames.policy;
      if (FRESH.get(w, pfn)) {
        FRESH.set(w, pfn, 0);
        follow(ctx, pfn);
        return;
      }
      FREQ.inc(w, pfn);
      // A get of a scan folio: it is wanted for itself now.
      if (!demand(ctx, pfn) && SCAN.get(w, pfn)) {
        setList(ctx, pfn, false);
        ctx.lists.moveHead(ctx.state.get, pfn);
      }
    },

    evictCandidates(ctx, req, out) {
      const { get, scan, getIds } = ctx.state;
      const anon = req.sc.maySwap && ctx.core.canReclaimAnon(ctx.lruvec, req.sc);
      const ok = (pfn: number) => anon || ctx.frames.isFileLru(pfn);
      batch.begin(out, req.nr);
      let spare = ctx.lists.length(scan) - opts.scanReserve;
      listIterate(ctx.lists, scan, batch, (pfn) => (spare-- <= 0 ? 'stop' : ok(pfn) ? 'evict' : 'continue'));
      const w = ctx.frames.policy;
      listSample(ctx, getIds, batch, opts.samples, (pfn) =>
        ok(pfn) ? FREQ.get(w, pfn) : Number.POSITIVE_INFINITY,
      );
      // Nothing left on the get list: the reserve goes too.
      if (!batch.full && ctx.lists.length(get) === 0)
        listIterate(ctx.lists, scan, batch, (pfn) => (ok(pfn) ? 'evict' : 'continue'));
      return batch.n;
    },

    checkReferences(ctx, pfn, rmap) {
      if (rmap.refs <= 0) return 'reclaim';
      const w = ctx.frames.policy;
      // The first young PTE may be the fault itself (two-touch); a second means the folio is
      // used for itself, through its mapping, whatever brought it in: it becomes a get.
      if (FRESH.get(w, pfn)) FRESH.set(w, pfn, 0);
      else {
        FREQ.inc(w, pfn);
        setList(ctx, pfn, false);
      }
      return 'keep';
    },

    putback(ctx, pfn) {
      ctx.lists.addHead(SCAN.get(ctx.frames.policy, pfn) ? ctx.state.scan : ctx.state.get, pfn);
    },
  };
}

export const getScanPolicy: PolicyFactory<GetScanOptions> = {
  name: 'getscan',
  description:
    'GET-SCAN (cache_ext): scan pages (sequential offsets) on their own list, evicted before point lookups',
  defaults: GETSCAN_DEFAULTS,
  optionDocs: {
    scanReserve: "scan folios left alone so that a scan's readahead is read before it is evicted",
    samples: 'folios sampled per victim on the get list (least used goes)',
    seqWindow: 'a demand access at most this many pages past the previous one of its stream is sequential',
  },
  optionSchema: {
    scanReserve: { type: 'number', integer: true, min: 0 },
    samples: { type: 'number', integer: true, min: 1 },
    seqWindow: { type: 'number', integer: true, min: 1 },
  },
  presets: { 'no-reserve': { scanReserve: 0 } },
  create: (o) => createGetScan(o),
};
