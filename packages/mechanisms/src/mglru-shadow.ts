/**
 * MGLRU's flavour of workingset shadow (models `lru_gen_eviction`,
 * `lru_gen_test_recent` and the token unpacking of `lru_gen_refault` in
 * mm/workingset.c), beside the classic refault-distance one in
 * workingset.ts. The payload is a generation token: the evicting type's
 * `min_seq` shifted above the folio's refs-minus-one, no nonresident clock.
 * A refault is "recent" when the token's generation is still live; MGLRU
 * has no distance-versus-workingset-size test.
 */

/** Shadow payloads are 32-bit (see `packShadow`): the sequence keeps the bits the refs leave. */
const PAYLOAD_RANGE = 4294967296;

function seqModulus(refsWidth: number): number {
  return PAYLOAD_RANGE / (1 << refsWidth);
}

/** `(min_seq << LRU_REFS_WIDTH) | max(refs - 1, 0)`, masked to the payload width. */
export function packGenToken(minSeq: number, refs: number, refsWidth: number): number {
  const mod = seqModulus(refsWidth);
  return (minSeq < mod ? minSeq : minSeq % mod) * (1 << refsWidth) + (refs > 1 ? refs - 1 : 0);
}

/** The (masked) generation sequence a token was taken from. */
export function genTokenSeq(token: number, refsWidth: number): number {
  return Math.floor(token / (1 << refsWidth));
}

/** The folio's refs when it was evicted, at least 1: `(token & mask) + 1`. */
export function genTokenRefs(token: number, refsWidth: number): number {
  return (token % (1 << refsWidth)) + 1;
}

/**
 * Which generations count as live for a refault:
 * - 'oldest' (up to 6.13): the token's generation is still the type's `min_seq`;
 * - 'window' (6.14 and later, "mm/mglru: rework refault detection"): it is
 *   less than `nrGens` generations from `max_seq`.
 */
export type GenRecentRule = 'oldest' | 'window';

/** `lru_gen_test_recent` for a token of the given type's sequences. */
export function genRefaultIsRecent(
  token: number,
  refsWidth: number,
  minSeq: number,
  maxSeq: number,
  nrGens: number,
  rule: GenRecentRule,
): boolean {
  const mod = seqModulus(refsWidth);
  const seq = genTokenSeq(token, refsWidth);
  if (rule === 'oldest') return seq === (minSeq < mod ? minSeq : minSeq % mod);
  return Math.abs((maxSeq < mod ? maxSeq : maxSeq % mod) - seq) < nrGens;
}
