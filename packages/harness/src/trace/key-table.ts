/**
 * Trace key → dense id in first-seen order, for u64 keys without BigInt:
 * open addressing with linear probing over typed arrays that hold each key
 * as two 32-bit halves, so equality is exact for all 64 bits. The replay
 * looks up every request; a Map costs several times the whole ideal-mode
 * hit path per lookup, and could not hold ids of 2^53 and more anyway.
 */

const TWO_32 = 4294967296;

export class KeyTable {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private ids: Int32Array;
  private mask: number;
  size = 0;
  /** Largest low half added while every key's high half is 0; -1 once a wide key is seen. */
  private maxLo = -1;
  private wide = false;

  constructor(capacity = 1 << 12) {
    let cap = 16;
    while (cap < 2 * capacity) cap *= 2;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.ids = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
  }

  private static slot(hi: number, lo: number, mask: number): number {
    // Runs of 8 consecutive keys share a hashed block of slots, so keys that
    // are close stay close in memory: traces have spatial locality worth
    // keeping. The high half is mixed in so ids differing only there spread.
    let h = Math.imul((lo >>> 3) ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1);
    h ^= h >>> 16;
    return ((h << 3) | (lo & 7)) & mask;
  }

  /** The id of key (hi, lo), or -1. */
  get(hi: number, lo: number): number {
    const khi = this.hi;
    const klo = this.lo;
    const ids = this.ids;
    const mask = this.mask;
    for (let i = KeyTable.slot(hi, lo, mask); ; i = (i + 1) & mask) {
      const id = ids[i];
      if (id === -1 || (klo[i] === lo && khi[i] === hi)) return id;
    }
  }

  /** The id of key (hi, lo), numbering it next if it is new. */
  add(hi: number, lo: number): number {
    const khi = this.hi;
    const klo = this.lo;
    const ids = this.ids;
    const mask = this.mask;
    let i = KeyTable.slot(hi, lo, mask);
    for (; ; i = (i + 1) & mask) {
      const id = ids[i];
      if (id === -1) break;
      if (klo[i] === lo && khi[i] === hi) return id;
    }
    const id = this.size++;
    if (hi !== 0) this.wide = true;
    else if (lo > this.maxLo) this.maxLo = lo;
    khi[i] = hi;
    klo[i] = lo;
    ids[i] = id;
    if (2 * this.size > mask) this.grow();
    return id;
  }

  /** A key below 2^53 given as a number (for callers holding plain integers). */
  addNumber(key: number): number {
    const hi = Math.floor(key / TWO_32);
    return this.add(hi, key - hi * TWO_32);
  }

  getNumber(key: number): number {
    const hi = Math.floor(key / TWO_32);
    return this.get(hi, key - hi * TWO_32);
  }

  /**
   * When the keys are compact (page numbers of one mapping, object ids
   * 0..n-1), a plain array indexed by key: no probing, and keys that are
   * close together stay close in memory. Null when they are too sparse.
   */
  direct(): Int32Array | null {
    const maxKey = this.maxLo;
    if (this.wide || maxKey >= 2 ** 27 || maxKey + 1 > Math.max(4 * this.size, 1 << 16)) return null;
    const out = new Int32Array(maxKey + 1).fill(-1);
    const { lo, ids } = this;
    for (let j = 0; j < ids.length; j++) if (ids[j] !== -1) out[lo[j]] = ids[j];
    return out;
  }

  private grow(): void {
    const { hi, lo, ids } = this;
    const mask = 2 * (this.mask + 1) - 1;
    this.hi = new Uint32Array(mask + 1);
    this.lo = new Uint32Array(mask + 1);
    this.ids = new Int32Array(mask + 1).fill(-1);
    this.mask = mask;
    for (let j = 0; j < ids.length; j++) {
      if (ids[j] === -1) continue;
      let i = KeyTable.slot(hi[j], lo[j], mask);
      while (this.ids[i] !== -1) i = (i + 1) & mask;
      this.hi[i] = hi[j];
      this.lo[i] = lo[j];
      this.ids[i] = ids[j];
    }
  }
}
