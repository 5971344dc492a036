/**
 * How a folio's age is updated, priced: the two ways of the kernel as a
 * cost difference (`ageUpdate=locked|lockfree`).
 *
 * - 'locked' (the classic LRU): a folio changes age by moving between
 *   lists under the lruvec's `lru_lock` — `folio_activate` collects folios
 *   in a per-CPU batch and moves them under one lock hold per batch;
 *   `shrink_active_list` and `move_folios_to_lru` likewise. Each update
 *   costs a list move (the neighbours' and the list head's cache lines)
 *   and each batch one lock round trip.
 * - 'lockfree' (MGLRU): `folio_update_gen` writes the new generation into
 *   folio->flags with one atomic compare-and-exchange and leaves the folio
 *   where it is; eviction's `sort_folio` moves it later under a lock it
 *   holds anyway.
 *
 * The constants are our assumption (no measured kernel figure stands
 * behind them): an uncontended-to-lightly-contended spinlock round trip
 * whose cache line comes from another CPU, a list_del + list_add touching
 * three cache lines, one cmpxchg on a line the PTE test just brought in.
 *
 * Each policy's base costs already price its kernel's way (the LRU's in
 * `scanPageNs`, MGLRU's in the walk's per-PTE cost), so a policy that
 * switches is charged only the difference, and its default is unchanged.
 */

export type AgeUpdate = 'locked' | 'lockfree';

/** `lru_lock` acquire + release, the lock's cache line arriving from another CPU (ns; our assumption). */
export const LRU_LOCK_NS = 100;
/** One folio moved between lists under the lock: list_del + list_add (ns; our assumption). */
export const LRU_MOVE_NS = 20;
/** One `folio_update_gen`: a cmpxchg on folio->flags (ns; our assumption). */
export const AGE_ATOMIC_NS = 10;
/** Folios moved per lock hold: PAGEVEC_SIZE, the folio_batch size (31 in current kernels). */
export const AGE_BATCH = 31;

export function isAgeUpdate(v: unknown): v is AgeUpdate {
  return v === 'locked' || v === 'lockfree';
}

/** What `n` age updates done in one go cost under `mode`. */
export function ageUpdateNs(mode: AgeUpdate, n: number): number {
  if (n <= 0) return 0;
  if (mode === 'lockfree') return n * AGE_ATOMIC_NS;
  return Math.ceil(n / AGE_BATCH) * LRU_LOCK_NS + n * LRU_MOVE_NS;
}

/**
 * The charge for `n` age updates by a policy whose kernel updates ages the
 * `native` way but runs with `mode`: the difference (negative when the
 * switch is cheaper), 0 when they agree.
 */
export function ageUpdateDeltaNs(mode: AgeUpdate, native: AgeUpdate, n: number): number {
  return mode === native ? 0 : ageUpdateNs(mode, n) - ageUpdateNs(native, n);
}
