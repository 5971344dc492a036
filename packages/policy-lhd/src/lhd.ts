/**
 * A sampled hit-density policy in the spirit of LHD (Beckmann, Chen,
 * Cidon, NSDI'18, "LHD: Improving Cache Hit Rate by Maximizing Hit
 * Density"). Simpler than the paper's: classes are "hits so far" (0, 1, 2,
 * 3+) rather than reuse-distance classes and applications, there is no
 * explorer, and every folio is one page, so sizes drop out.
 *
 * A folio's hit density is the chance it will be hit again divided by the
 * space-time it will occupy until then: hits per page per unit of time.
 * LHD learns it from what happened to folios of the same class at the same
 * age. Age is measured on a logical clock that ticks with every insertion
 * and every hit, coarsened into `ages` buckets covering `ageSpan` times the
 * lruvec's memory worth of ticks. Each hit adds to `hits[class][age]`, each
 * eviction to `evictions[class][age]`; every `reconfigureEvery` evictions
 * the densities are recomputed from the oldest age down — the hits still
 * to come at or beyond an age, over the expected remaining lifetime — and
 * the counts decay by `ewmaDecay`. Reclaim samples `samples` folios per
 * victim (the core's `listSample`) and evicts the one of lowest density.
 * A folio older than the last age bucket ranks below every density, as in
 * the paper's code: its remaining lifetime is unknown, and ranking it by
 * that bucket's learned density (each overflowed folio counted one bucket
 * of lifetime however long it sat) kept exactly the coldest folios, so LHD
 * got worse the more it sampled. The buckets cover `ageSpan` times memory
 * so that overflow is rare (the paper sizes them to 100 times the cached
 * objects; we keep 128 buckets for page-state and learning speed).
 * Until the first reconfiguration densities fall with age (LRU-like).
 * The shadow an evicted folio leaves holds its class, and a refault
 * counts as one more hit, so a returning folio does not start over as a
 * stranger (the paper keeps such history in its classes). Uses are read()/write() hits and young PTEs found by the core's rmap walk
 * of candidates; the access that brought a folio in is not a hit.
 *
 * Where it shines: mixed workloads where neither recency nor frequency
 * alone is right — a hot set next to streams, objects with a typical
 * reuse age — because it learns from eviction outcomes which ages and
 * classes pay off. Trade-offs: sampling is approximate and costs a score
 * per sample; the model needs evictions to learn and adapts with lag; a
 * mapped page's hits are seen only when it comes up as a candidate, so it
 * learns slowly on mmap-heavy workloads; timestamps and classes take 23
 * bits of page state.
 */
import { EvictionBatch, listSample, PageField } from '@reclaim-lab/mechanisms';
import type { PolicyCtx, PolicyFactory, ReclaimOps } from '@reclaim-lab/reclaim';

export interface LhdOptions extends Record<string, unknown> {
  /** Folios sampled per victim. */
  samples: number;
  /** Age buckets. */
  ages: number;
  /** The age buckets together cover this many times the lruvec's memory worth of clock ticks. */
  ageSpan: number;
  /** Recompute densities after this many evictions. */
  reconfigureEvery: number;
  /** Weight kept by old hit and eviction counts at each reconfiguration. */
  ewmaDecay: number;
}

export interface LhdState {
  list: number;
  /** `[list]`, for the sampler. */
  listIds: readonly number[];
  /** Logical clock (insertions and hits), the coarse age clock, and ticks per coarse step. */
  clock: number;
  coarse: number;
  lastStep: number;
  stepTicks: number;
  /** [class * ages + age] */
  hits: Float64Array;
  evictions: Float64Array;
  density: Float64Array;
  evictedSinceReconfigure: number;
}

export const LHD_DEFAULTS: LhdOptions = {
  samples: 32,
  ages: 128,
  ageSpan: 16,
  reconfigureEvery: 1024,
  ewmaDecay: 0.9,
};

const CLASSES = 4;
/** Coarse timestamp of the last use (mod 2^20), hits so far (class), and "next use is the one that brought it in". */
const STAMP = new PageField(0, 20);
const HITS = STAMP.next(2);
const FRESH = HITS.next(1);

export function createLhd(options: Partial<LhdOptions> = {}): ReclaimOps<LhdState> {
  const opts: LhdOptions = { ...LHD_DEFAULTS, ...options };
  if (!(Number.isInteger(opts.samples) && opts.samples >= 1))
    throw new Error(`lhd: samples must be a positive integer, got ${opts.samples}`);
  if (!(Number.isInteger(opts.ages) && opts.ages >= 2 && opts.ages <= 4096))
    throw new Error(`lhd: ages must be an integer in 2..4096, got ${opts.ages}`);
  if (!(opts.ageSpan > 0)) throw new Error(`lhd: ageSpan must be > 0, got ${opts.ageSpan}`);
  if (!(opts.reconfigureEvery >= 1))
    throw new Error(`lhd: reconfigureEvery must be >= 1, got ${opts.reconfigureEvery}`);
  if (!(opts.ewmaDecay >= 0 && opts.ewmaDecay <= 1))
    throw new Error(`lhd: ewmaDecay must be in 0..1, got ${opts.ewmaDecay}`);
  const AGES = opts.ages;
  const batch = new EvictionBatch();
  type Ctx = PolicyCtx<LhdState>;

  const tick = (st: LhdState) => {
    if (++st.clock - st.lastStep >= st.stepTicks) {
      st.lastStep = st.clock;
      st.coarse = (st.coarse + 1) % (STAMP.max + 1);
    }
  };

  /** The folio's (class, age) cell. */
  const cell = (ctx: Ctx, pfn: number): number => {
    const w = ctx.frames.policy;
    const age = (ctx.state.coarse - STAMP.get(w, pfn) + STAMP.max + 1) % (STAMP.max + 1);
    return HITS.get(w, pfn) * AGES + Math.min(age, AGES - 1);
  };

  const use = (ctx: Ctx, pfn: number) => {
    const w = ctx.frames.policy;
    if (FRESH.get(w, pfn)) {
      FRESH.set(w, pfn, 0);
      return;
    }
    const st = ctx.state;
    st.hits[cell(ctx, pfn)]++;
    HITS.inc(w, pfn);
    STAMP.set(w, pfn, st.coarse);
    tick(st);
  };

  /** LHD's reconfiguration: density(age) = hits at or beyond age / expected remaining lifetime. */
  const reconfigure = (ctx: Ctx) => {
    const st = ctx.state;
    for (let c = 0; c < CLASSES; c++) {
      let hitsUp = 0;
      let eventsUp = 0;
      let lifetime = 0;
      for (let a = AGES - 1; a >= 0; a--) {
        const i = c * AGES + a;
        hitsUp += st.hits[i];
        eventsUp += st.hits[i] + st.evictions[i];
        lifetime += eventsUp;
        st.density[i] = lifetime > 0 ? hitsUp / lifetime : 0;
        st.hits[i] *= opts.ewmaDecay;
        st.evictions[i] *= opts.ewmaDecay;
      }
    }
    st.stepTicks = Math.max(1, Math.round((ctx.lruvec.evictable * opts.ageSpan) / AGES));
    st.evictedSinceReconfigure = 0;
  };

  return {
    name: 'lhd',
    pageStateBits: FRESH.end,
    requires: ['evictCandidates', 'rmap', 'shadows'],

    init(ictx) {
      const memory = ictx.memoryPages;
      const density = new Float64Array(CLASSES * AGES);
      // Before anything is learned: older is worth less, more hits worth more.
      for (let c = 0; c < CLASSES; c++)
        for (let a = 0; a < AGES; a++) density[c * AGES + a] = (c + 1) / (a + 1);
      const list = ictx.createList('lhd');
      return {
        list,
        listIds: [list],
        clock: 0,
        coarse: 0,
        lastStep: 0,
        stepTicks: Math.max(1, Math.round((memory * opts.ageSpan) / AGES)),
        hits: new Float64Array(CLASSES * AGES),
        evictions: new Float64Array(CLASSES * AGES),
        density,
        evictedSinceReconfigure: 0,
      };
    },

    // The class is 0 for a new folio (its word starts zeroed), or what `refault` restored.
    folioAdded(ctx, pfn) {
      const w = ctx.frames.policy;
      STAMP.set(w, pfn, ctx.state.coarse);
      FRESH.set(w, pfn, 1);
      tick(ctx.state);
      ctx.lists.addHead(ctx.state.list, pfn);
    },

    folioAccessed(ctx, pfn) {
      use(ctx, pfn);
    },

    evictCandidates(ctx, req, out) {
      const anon = req.sc.maySwap && ctx.core.canReclaimAnon(ctx.lruvec, req.sc);
      const density = ctx.state.density;
      const score = (pfn: number) => {
        if (!(anon || ctx.frames.isFileLru(pfn))) return Number.POSITIVE_INFINITY;
        const i = cell(ctx, pfn);
        // Past the last age bucket its remaining lifetime is unknown: evict it first.
        return i % AGES === AGES - 1 ? -1 : density[i];
      };
      listSample(ctx, ctx.state.listIds, batch.begin(out, req.nr), opts.samples, score);
      return batch.n;
    },

    checkReferences(ctx, pfn, rmap) {
      if (rmap.refs <= 0) return 'reclaim';
      use(ctx, pfn);
      return 'keep';
    },

    /** The shadow remembers the class, so a folio that comes back is not mistaken for a new one. */
    evicted(ctx, pfn) {
      const st = ctx.state;
      st.evictions[cell(ctx, pfn)]++;
      if (++st.evictedSinceReconfigure >= opts.reconfigureEvery) reconfigure(ctx);
      return HITS.get(ctx.frames.policy, pfn);
    },

    /** A refault counts as one more (late) hit for the folio's class. */
    refault(ctx, pfn, shadow) {
      HITS.set(ctx.frames.policy, pfn, shadow.payload + 1);
    },
  };
}

export const lhdPolicy: PolicyFactory<LhdOptions> = {
  name: 'lhd',
  description:
    "LHD-like (NSDI'18): evict the sampled folio of lowest learned hit density (hits-so-far classes)",
  defaults: LHD_DEFAULTS,
  optionDocs: {
    samples: 'folios sampled per victim',
    ages: 'age buckets of the learned hit and eviction distributions',
    ageSpan: 'the age buckets cover this many times the lruvec memory in clock ticks (insertions + hits)',
    reconfigureEvery: 'evictions between recomputations of the hit densities',
    ewmaDecay: 'weight old counts keep at each recomputation (0..1)',
  },
  optionSchema: {
    samples: { type: 'number', integer: true, min: 1 },
    ages: { type: 'number', integer: true, min: 2, max: 4096 },
    ageSpan: { type: 'number', min: 0.01 },
    reconfigureEvery: { type: 'number', integer: true, min: 1 },
    ewmaDecay: { type: 'number', min: 0, max: 1 },
  },
  presets: { 'samples-8': { samples: 8 }, 'samples-64': { samples: 64 } },
  create: (o) => createLhd(o),
};
