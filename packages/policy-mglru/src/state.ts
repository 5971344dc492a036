/**
 * MGLRU's per-lruvec state (`struct lru_gen_folio`) and per-folio encoding.
 *
 * Sequences grow without bound; a generation is `seq % gens`. Each type
 * (anon 0, file 1) has its own `min_seq`, both share `max_seq`. A folio's
 * private word (`frames.policy[pfn]`) holds gen+1 in its low bits (0 = on
 * no generation list, e.g. isolated) and the fd-access refs counter above
 * them; PG_referenced, PG_workingset and PG_active live in the core's flags
 * with MGLRU's meanings.
 *
 * As in the kernel, `nrPages[gen][type]` counts folios by their gen field,
 * which the aging may change without moving the folio: a folio promoted by
 * a page-table walk stays on its old list until eviction meets it
 * (`sort_folio`) or the old generation is retired (`inc_min_seq`).
 */
import { PG_REFERENCED, PG_SWAPBACKED, PG_WORKINGSET } from '@reclaim-lab/hw-model';
import { BloomFilters } from '@reclaim-lab/mechanisms';
import { MIN_LRU_BATCH, type PolicyCtx, type ScanControl } from '@reclaim-lab/reclaim';
import { CtrlStats } from './pid.js';

export const MIN_NR_GENS = 2;
export const MAX_SWAPPINESS = 200;
export const ANON = 0;
export const FILE = 1;

export type Ctx = PolicyCtx<MglruState>;

/** Widths and masks derived from the options (the kernel's LRU_GEN_WIDTH, LRU_REFS_WIDTH, ...). */
export class Layout {
  /** MAX_NR_GENS */
  readonly gens: number;
  /** MAX_NR_TIERS */
  readonly tiers: number;
  /**
   * MIN_NR_GENS: generations never evicted. The kernel needs MAX_NR_GENS >=
   * MIN_NR_GENS + 2; with 2 generations only the youngest is kept back.
   */
  readonly minGens: number;
  readonly genBits: number;
  readonly genMask: number;
  /** LRU_REFS_WIDTH = tiers - 2 */
  readonly refsWidth: number;
  /** Largest refs counter value (all ones). */
  readonly refsMax: number;
  /** Largest `folio_lru_refs` value: BIT(LRU_REFS_WIDTH). */
  readonly refsFull: number;
  private readonly refsMask: number;

  constructor(gens: number, tiers: number) {
    this.gens = gens;
    this.tiers = tiers;
    this.minGens = Math.min(MIN_NR_GENS, gens - 1);
    this.genBits = 32 - Math.clz32(gens);
    this.genMask = (1 << this.genBits) - 1;
    this.refsWidth = tiers - 2;
    this.refsMax = (1 << this.refsWidth) - 1;
    this.refsFull = 1 << this.refsWidth;
    this.refsMask = this.refsMax << this.genBits;
  }

  get pageStateBits(): number {
    return this.genBits + this.refsWidth;
  }

  /** `folio_lru_gen`: the generation, -1 if on none. */
  genOf(word: number): number {
    return (word & this.genMask) - 1;
  }

  withGen(word: number, gen: number): number {
    return (word & ~this.genMask) | (gen + 1);
  }

  refsCounter(word: number): number {
    return (word & this.refsMask) >>> this.genBits;
  }

  withRefsCounter(word: number, n: number): number {
    return (word & ~this.refsMask) | (n << this.genBits);
  }

  /**
   * The tier encoding of 6.13 and older (before 4d5d14a01e2c): set by the
   * policy's `init` from `machine.kernel`, the same for every lruvec of a run.
   */
  legacyRefs = false;

  /**
   * `folio_lru_refs`: 0 without PG_referenced, else the counter + 1. Up to
   * 6.13: accesses beyond PG_referenced, the counter + PG_workingset.
   */
  lruRefs(flags: number, word: number): number {
    if (this.legacyRefs) return this.refsCounter(word) + (flags & PG_WORKINGSET ? 1 : 0);
    return flags & PG_REFERENCED ? this.refsCounter(word) + 1 : 0;
  }

  /**
   * `lru_tier_from_refs`: workingset → the top tier, else order_base_2(refs).
   * Up to 6.13: order_base_2(refs + 1), PG_workingset being part of refs.
   */
  tierFromRefs(refs: number, workingset: boolean): number {
    if (this.legacyRefs) return refs === 0 ? 0 : 32 - Math.clz32(refs);
    if (workingset) return this.tiers - 1;
    return refs <= 1 ? 0 : 32 - Math.clz32(refs - 1);
  }

  /** Is this the workingset folio the aging promoted lazily (refs saturated + PG_workingset)? Not before 6.14. */
  lazilyPromoted(refs: number, flags: number): boolean {
    return !this.legacyRefs && refs === this.refsFull && (flags & PG_WORKINGSET) !== 0;
  }
}

/** `lru_gen_folio` plus the walk state of `lru_gen_mm_state`, for one lruvec. */
export class MglruState {
  maxSeq: number;
  readonly minSeq = [0, 0];
  /** Birth time (virtual ns) of each generation. */
  readonly timestamps: Float64Array;
  /** List id of each (gen, type): index gen * 2 + type. */
  readonly lists: Int32Array;
  /** Folios per (gen, type) by gen field. */
  readonly nrPages: Float64Array;
  readonly ctrl: CtrlStats;
  readonly bloom: BloomFilters | null;
  /** `mm_state.seq`: the last walk iteration that finished. */
  mmSeq: number;
  /** mms that existed when the last walk iteration ended; newer ones are force-scanned. */
  mmSeen = 0;
  /** Pages isolated per type, for picking a type by swappiness alone (`pid` off). */
  readonly isolatedByType = [0, 0];

  /**
   * The kernel is 6.13 or older (6.1, 6.6, 6.12 LTS): placement, page-table
   * promotion and refault rules from before Yu Zhao's Dec 2024 rework
   * (docs/kernel-versions.md).
   */
  readonly upTo613: boolean;
  /**
   * The kernel is 6.4 or older (of the offered lines, 6.1): kswapd ages every
   * memcg in `lru_gen_age_node` and eviction leaves the aging to it (until
   * 7348cc91821b, v6.3), and only recent refaults are counted (until
   * Kalesh Singh's "Multi-gen LRU: fix workingset accounting", v6.5).
   */
  readonly upTo64: boolean;

  constructor(
    L: Layout,
    createList: (name: string) => number,
    now: number,
    bloom: boolean,
    upTo613 = false,
    upTo64 = false,
  ) {
    this.upTo613 = upTo613;
    this.upTo64 = upTo64;
    const g = L.gens;
    this.maxSeq = Math.min(MIN_NR_GENS + 1, g - 1);
    this.mmSeq = this.maxSeq - 1;
    this.timestamps = new Float64Array(g).fill(now);
    this.lists = new Int32Array(g * 2);
    for (let gen = 0; gen < g; gen++) {
      this.lists[gen * 2] = createList(`gen${gen} anon`);
      this.lists[gen * 2 + 1] = createList(`gen${gen} file`);
    }
    this.nrPages = new Float64Array(g * 2);
    this.ctrl = new CtrlStats(L.tiers);
    this.bloom = bloom ? new BloomFilters() : null;
  }

  nrGens(type: number): number {
    return this.maxSeq - this.minSeq[type] + 1;
  }
}

export function typeOf(flags: number): number {
  return flags & PG_SWAPBACKED ? ANON : FILE;
}

/** `for_each_evictable_type`: anon only if swappiness > 0, file only if swappiness <= 200. */
export function typeEvictable(type: number, swappiness: number): boolean {
  return type === ANON ? swappiness > 0 : swappiness <= MAX_SWAPPINESS;
}

/** `evictable_min_seq` */
export function evictableMinSeq(st: MglruState, swappiness: number): number {
  const a = st.minSeq[swappiness === 0 ? FILE : ANON];
  const b = st.minSeq[swappiness <= MAX_SWAPPINESS ? FILE : ANON];
  return Math.min(a, b);
}

/** Pages of the evictable types in live generations (`lruvec_is_sizable`, `should_run_aging`). */
export function evictableSize(L: Layout, st: MglruState, swappiness: number): number {
  let size = 0;
  for (let type = 0; type < 2; type++) {
    if (!typeEvictable(type, swappiness)) continue;
    for (let seq = st.minSeq[type]; seq <= st.maxSeq; seq++) size += st.nrPages[(seq % L.gens) * 2 + type];
  }
  return size;
}

/**
 * `get_swappiness`: 0 when anon cannot be reclaimed — the node cannot
 * demote (`can_demote`) and swap has fewer than MIN_LRU_BATCH slots this
 * memcg may use — else the reclaim's swappiness.
 */
export function getSwappiness(ctx: Ctx, sc: ScanControl): number {
  if (!sc.maySwap) return 0;
  if (ctx.core.canDemote?.(ctx.lruvec, sc)) return ctx.core.swappiness(ctx.lruvec, sc);
  const swap = ctx.world.machine.swap;
  if (swap === null) return 0;
  let room = swap.free;
  for (let m: Ctx['memcg'] | null = ctx.memcg; m; m = m.parent)
    room = Math.min(room, m.swapMax - m.swapUsage);
  if (room < MIN_LRU_BATCH) return 0;
  return ctx.core.swappiness(ctx.lruvec, sc);
}
