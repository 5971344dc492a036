/**
 * Workingset shadows (models mm/workingset.c). A shadow is what reclaim
 * leaves in the page-cache or swap-cache slot of an evicted folio. Its
 * payload is policy-defined (the classic eviction clock, or MGLRU's
 * generation token); the mechanism packs it with the lruvec it belongs to
 * and the folio's PG_workingset bit, as `pack_shadow` does with memcg id,
 * node and the workingset bit. Shadows are float64 integers (< 2^53), 0 = none.
 */

const LRUVEC_BITS = 2 ** 20;

export function packShadow(payload: number, lruvec: number, workingset: boolean): number {
  return 1 + ((payload * 2 + (workingset ? 1 : 0)) * LRUVEC_BITS + lruvec);
}

// Shadows exceed 2^32, so `%` on them is a floating-point remainder (fmod),
// the most expensive arithmetic on ideal mode's miss path; a division by a
// power of two and a floor are exact here, and several times cheaper.
export function shadowLruvec(shadow: number): number {
  const v = shadow - 1;
  return v - Math.floor(v / LRUVEC_BITS) * LRUVEC_BITS;
}

export function shadowWorkingset(shadow: number): boolean {
  const hi = Math.floor((shadow - 1) / LRUVEC_BITS);
  return hi - Math.floor(hi / 2) * 2 === 1;
}

export function shadowPayload(shadow: number): number {
  return Math.floor((shadow - 1) / LRUVEC_BITS / 2);
}

/** The anon/file active/inactive sizes a refault test reads (`lruvec_page_state`). */
export interface LruSizes {
  activeAnon: number;
  inactiveAnon: number;
  activeFile: number;
  inactiveFile: number;
}

/**
 * Classic refault test (models `workingset_test_recent`): the refault
 * distance is the number of evictions and activations since this folio was
 * evicted; the folio is "recent" if that distance fits in the workingset
 * (active file, plus inactive file for anon, plus the anon lists when swap
 * is available). All sizes are those of the EVICTING lruvec.
 */
export function classicRefaultIsRecent(
  eviction: number,
  nonresidentAgeNow: number,
  isFile: boolean,
  sizes: LruSizes,
  swapAvailable: boolean,
): boolean {
  const distance = nonresidentAgeNow - eviction;
  let ws = sizes.activeFile;
  if (!isFile) ws += sizes.inactiveFile;
  if (swapAvailable) {
    ws += sizes.activeAnon;
    if (isFile) ws += sizes.inactiveAnon;
  }
  return distance <= ws;
}
