/**
 * Trace key → dense id in first-seen order, for u64 keys without BigInt:
 * open addressing with linear probing over typed arrays that hold each key
 * as two 32-bit halves, so equality is exact for all 64 bits. The replay
 * looks up every request; a Map costs several times the whole ideal-mode
 * hit path per lookup, and could not hold ids of 2^53 and more anyway.
 *
 * While every key is a small integer (object ids 0..n-1, block numbers of
 * one small device) the table is a plain array indexed by the key instead
 * (`dense`): a lookup is one load from an array a few times the footprint,
 * where probing a hash table larger than the caches costs a miss or more.
 * The first key that does not fit moves every key into the hash table for
 * good. Ids are the same either way (first-seen order).
 */

const TWO_32 = 4294967296;
/** A dense array may always grow to this many keys (4 MiB)... */
const DENSE_FREE = 1 << 20;
/** ...and beyond it to this many slots per key numbered, so a sparse key set goes to the hash table. */
const DENSE_PER_KEY = 4;

export class KeyTable {
  /**
   * Slot i is t[3i] (high half), t[3i+1] (low half), t[3i+2] (id + 1; 0:
   * empty): a probe reads one cache line, not one in each of three arrays
   * (on a table larger than the caches, two thirds of the misses).
   */
  private t: Uint32Array;
  private mask: number;
  /** While the keys are small integers: id + 1 by key (0: not seen); null once hashed. */
  private dense: Int32Array | null = new Int32Array(1024);
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
    const dense = this.dense;
    if (dense !== null) return hi === 0 && lo < dense.length ? dense[lo] - 1 : -1;
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
    const dense = this.dense;
    if (dense !== null) {
      if (hi === 0 && lo < dense.length) {
        const id1 = dense[lo];
        if (id1 !== 0) return id1 - 1;
        const id = this.size++;
        if (lo > this.maxLo) this.maxLo = lo;
        dense[lo] = id + 1;
        return id;
      }
      this.undense(hi, lo);
      if (this.dense !== null) return this.add(hi, lo);
    }
    return this.hashAdd(hi, lo);
  }

  /** A key outside the dense array: grow the array to hold it, or hash every key from now on. */
  private undense(hi: number, lo: number): void {
    const dense = this.dense as Int32Array;
    if (hi === 0 && lo < Math.max(DENSE_FREE, DENSE_PER_KEY * (this.size + 1))) {
      let cap = dense.length;
      while (cap <= lo) cap *= 2;
      const grown = new Int32Array(cap);
      grown.set(dense);
      this.dense = grown;
      return;
    }
    this.dense = null;
    let cap = this.mask + 1;
    while (cap < 2 * (this.size + 1)) cap *= 2;
    this.t = new Uint32Array(3 * cap);
    this.mask = cap - 1;
    for (let key = 0; key < dense.length; key++) if (dense[key] !== 0) this.place(0, key, dense[key]);
  }

  /** Put (hi, lo) with id + 1 `id1` into the first free slot of its probe sequence. */
  private place(hi: number, lo: number, id1: number): void {
    const t = this.t;
    let i = KeyTable.slot(hi, lo, this.mask);
    while (t[3 * i + 2] !== 0) i = (i + 1) & this.mask;
    t[3 * i] = hi;
    t[3 * i + 1] = lo;
    t[3 * i + 2] = id1;
  }

  private hashAdd(hi: number, lo: number): number {
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
    const dense = this.dense;
    if (dense !== null) {
      for (let key = 0; key <= maxKey; key++) out[key] = dense[key] - 1;
      return out;
    }
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
    for (let j = 0; j < old.length; j += 3) if (old[j + 2] !== 0) this.place(old[j], old[j + 1], old[j + 2]);
  }
}
