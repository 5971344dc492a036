/**
 * The page-table walkers' Bloom filters (models the filters of
 * `lru_gen_mm_state` in mm/vmscan.c: `test_bloom_filter`,
 * `update_bloom_filter`, `reset_bloom_filter`).
 *
 * Two bitmaps per lruvec, m = 2^15 bits and k = 2 hash functions each,
 * picked by `seq % 2` (double buffering): the walk that produces generation
 * `seq` reads filter `seq` and records, in filter `seq + 1`, the PMDs whose
 * PTE tables were dense with young entries, so the next walk visits only
 * those. Items are (mm id, PMD index) pairs standing for the kernel's PMD
 * entry address. With m = 2^15 and k = 2 the false-positive rate is about
 * 1/5 at n = 10,000 items and about 1/2 at n = 20,000, as the kernel's
 * comment says.
 */

export const BLOOM_FILTER_SHIFT = 15;
export const NR_BLOOM_FILTERS = 2;
const WORDS = (1 << BLOOM_FILTER_SHIFT) >>> 5;
const KEY_MASK = (1 << BLOOM_FILTER_SHIFT) - 1;

/**
 * A 30-bit hash of a PMD entry's identity (the kernel hashes the entry's
 * address with `hash_ptr(item, 30)`): key0 is its low 15 bits, key1 the high 15.
 */
export function bloomKey(mmId: number, pmdIndex: number): number {
  let h = Math.imul(mmId + 1, 0x9e3779b1) ^ Math.imul(pmdIndex, 0x85ebca6b);
  // murmur3's finaliser: every input bit reaches every output bit.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 2;
}

/** The pair of filters of one lruvec. */
export class BloomFilters {
  private readonly filters: (Uint32Array | null)[] = [null, null];

  /** May the PMD with this key be worth a walk for `seq`? True when filter `seq` was never set up. */
  test(seq: number, key: number): boolean {
    const filter = this.filters[seq % NR_BLOOM_FILTERS];
    if (filter === null) return true;
    const k0 = key & KEY_MASK;
    const k1 = (key >>> BLOOM_FILTER_SHIFT) & KEY_MASK;
    return (filter[k0 >>> 5] & (1 << (k0 & 31))) !== 0 && (filter[k1 >>> 5] & (1 << (k1 & 31))) !== 0;
  }

  /** Record a PMD for the walk of `seq`; a no-op while that filter was never set up. */
  add(seq: number, key: number): void {
    const filter = this.filters[seq % NR_BLOOM_FILTERS];
    if (filter === null) return;
    const k0 = key & KEY_MASK;
    const k1 = (key >>> BLOOM_FILTER_SHIFT) & KEY_MASK;
    filter[k0 >>> 5] |= 1 << (k0 & 31);
    filter[k1 >>> 5] |= 1 << (k1 & 31);
  }

  /** Empty filter `seq` (allocating it the first time), as a new walk iteration starts. */
  reset(seq: number): void {
    const i = seq % NR_BLOOM_FILTERS;
    const filter = this.filters[i];
    if (filter === null) this.filters[i] = new Uint32Array(WORDS);
    else filter.fill(0);
  }

  /** Bits set in filter `seq` (for tests and reports); -1 if it was never set up. */
  population(seq: number): number {
    const filter = this.filters[seq % NR_BLOOM_FILTERS];
    if (filter === null) return -1;
    let n = 0;
    for (let i = 0; i < filter.length; i++) {
      let w = filter[i];
      while (w !== 0) {
        w &= w - 1;
        n++;
      }
    }
    return n;
  }
}
