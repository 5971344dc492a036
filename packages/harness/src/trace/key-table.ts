/**
 * Trace key → dense id in first-seen order, for u64 keys without BigInt:
 * open addressing with linear probing over typed arrays that hold each key
 * as two 32-bit halves, so equality is exact for all 64 bits. The replay
 * looks up every request; a Map costs several times the whole ideal-mode
 * hit path per lookup, and could not hold ids of 2^53 and more anyway.
 */

const TWO_32 = 4294967296;

export class KeyTable {
  /**
   * Slot i is t[3i] (high half), t[3i+1] (low half), t[3i+2] (id + 1; 0:
   * empty): a probe reads one cache line, not one in each of three arrays
   * (on a table larger than the caches, two thirds of the misses).
   */
  private t: Uint32Array;
  private mask: number;
  size = 0;
  /** Largest low half added while every key's high half is 0; -1 once a wide key is seen. */
  private maxLo = -1;
  private wide = false;

  constructor(capacity = 1 << 12) {
    let cap = 16;
    while (cap < 2 * capacity) cap *= 2;
    this.t = new Uint32Array(3 * cap);
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
    const t = this.t;
    const mask = this.mask;
    for (let i = KeyTable.slot(hi, lo, mask); ; i = (i + 1) & mask) {
      const j = 3 * i;
      const id1 = t[j + 2];
      if (id1 === 0 || (t[j + 1] === lo && t[j] === hi)) return id1 - 1;
    }
  }

  /** The id of key (hi, lo), numbering it next if it is new. */
  add(hi: number, lo: number): number {
    const t = this.t;
    const mask = this.mask;
    let j = 0;
    for (let i = KeyTable.slot(hi, lo, mask); ; i = (i + 1) & mask) {
      j = 3 * i;
      const id1 = t[j + 2];
      if (id1 === 0) break;
      if (t[j + 1] === lo && t[j] === hi) return id1 - 1;
    }
    const id = this.size++;
    if (hi !== 0) this.wide = true;
    else if (lo > this.maxLo) this.maxLo = lo;
    t[j] = hi;
    t[j + 1] = lo;
    t[j + 2] = id + 1;
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
    const t = this.t;
    for (let j = 0; j < t.length; j += 3) if (t[j + 2] !== 0) out[t[j + 1]] = t[j + 2] - 1;
    return out;
  }

  private grow(): void {
    const old = this.t;
    const mask = 2 * (this.mask + 1) - 1;
    const t = new Uint32Array(3 * (mask + 1));
    this.t = t;
    this.mask = mask;
    for (let j = 0; j < old.length; j += 3) {
      if (old[j + 2] === 0) continue;
      let i = KeyTable.slot(old[j], old[j + 1], mask);
      while (t[3 * i + 2] !== 0) i = (i + 1) & mask;
      t[3 * i] = old[j];
      t[3 * i + 1] = old[j + 1];
      t[3 * i + 2] = old[j + 2];
    }
  }
}
