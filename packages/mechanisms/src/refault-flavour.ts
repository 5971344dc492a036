/**
 * The two refault-distance mechanisms of mm/workingset.c, as a choice a
 * policy names (`refault=classic|gen`):
 *
 * - 'classic': the shadow holds the lruvec's eviction counter
 *   (`nonresident_age`, aged by evictions and activations); a refault is
 *   recent when the number of evictions and activations since then fits in
 *   the workingset (`workingset_test_recent`, see `classicRefaultIsRecent`).
 * - 'gen': the shadow holds a generation token (the evicting generation's
 *   sequence and the folio's refs); a refault is recent while that
 *   generation is still live (`lru_gen_test_recent`, see `genRefaultIsRecent`).
 *
 * MGLRU has real generations. A policy without them (the traditional LRU)
 * gets them from `GenClock`: one "generation" passes each time as many
 * folios have been evicted as its inactive lists held when the previous
 * generation began. The inactive lists are the oldest generation (min_seq),
 * the active lists the youngest (max_seq = min_seq + 1, MIN_NR_GENS), and
 * a token stays live for MAX_NR_GENS generations as in 6.14's rule. This
 * clock is ours: the kernel never runs the LRU with generation tokens.
 */

export type RefaultFlavour = 'classic' | 'gen';

export const REFAULT_FLAVOURS: readonly RefaultFlavour[] = ['classic', 'gen'];

/** MAX_NR_GENS: how many generations a token stays live under the 6.14 window rule. */
export const GEN_CLOCK_LIVE_GENS = 4;
/** Refs bits of a token written by a policy without tiers: refs are always 1. */
export const GEN_CLOCK_REFS_WIDTH = 2;
/** The shortest generation, in evictions (SWAP_CLUSTER_MAX): a tiny inactive list does not spin the clock. */
const MIN_GEN_EVICTIONS = 32;

/** A per-lruvec generation clock for a policy that has no generations of its own. */
export interface GenClock {
  /** The youngest generation (max_seq); the inactive lists are generation maxSeq - 1. */
  maxSeq: number;
  /** Evictions since this generation began. */
  evicted: number;
  /** Evictions that end this generation: the inactive size when it began. */
  span: number;
}

export function genClock(): GenClock {
  // Starts at MIN_NR_GENS so min_seq = maxSeq - 1 is never negative.
  return { maxSeq: 1, evicted: 0, span: MIN_GEN_EVICTIONS };
}

/** The oldest generation, the one an eviction takes from (min_seq). */
export function genClockMinSeq(c: GenClock): number {
  return c.maxSeq - 1;
}

/**
 * One eviction from the inactive lists (which hold `inactivePages` now):
 * when a generation's worth has gone, the next one begins — the LRU's
 * analogue of `inc_min_seq` followed by `inc_max_seq`.
 */
export function genClockEvict(c: GenClock, inactivePages: number): void {
  if (++c.evicted < c.span) return;
  c.maxSeq++;
  c.evicted = 0;
  c.span = Math.max(inactivePages, MIN_GEN_EVICTIONS);
}

export function isRefaultFlavour(v: unknown): v is RefaultFlavour {
  return v === 'classic' || v === 'gen';
}
