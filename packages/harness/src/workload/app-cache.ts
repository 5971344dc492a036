/**
 * An exact LRU of `capacity` keys in typed arrays (doubly linked slots plus a
 * linear-probing hash table), for application caches that sit in front of a
 * stream: a database buffer pool, an upstream cache whose misses are what the
 * page cache sees. Memory is O(capacity), allocated on first use; no
 * allocation per access. Slots [0, size) are always in use.
 */
export class AppCache {
  readonly capacity: number;
  size = 0;
  /** Set by `admit` when it had to evict. */
  evicted = false;
  evictedKey = 0;
  evictedDirty = false;
  private keys = new Float64Array(0);
  private prev = new Int32Array(0);
  private next = new Int32Array(0);
  private dirty = new Uint8Array(0);
  private table = new Int32Array(0);
  private mask = 0;
  private head = -1;
  private tail = -1;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`cache capacity ${capacity} must be >= 1`);
    this.capacity = capacity;
  }

  private ensure(): void {
    if (this.keys.length > 0) return;
    const c = this.capacity;
    this.keys = new Float64Array(c);
    this.prev = new Int32Array(c);
    this.next = new Int32Array(c);
    this.dirty = new Uint8Array(c);
    let t = 4;
    while (t < c * 2) t *= 2;
    this.table = new Int32Array(t);
    this.mask = t - 1;
  }

  private home(key: number): number {
    const h = Math.imul((key >>> 0) ^ Math.floor(key / 4294967296), 0x9e3779b1);
    return (h ^ (h >>> 15)) & this.mask;
  }

  /** The slot holding `key`, or -1. */
  find(key: number): number {
    this.ensure();
    const table = this.table;
    for (let i = this.home(key); ; i = (i + 1) & this.mask) {
      const s = table[i];
      if (s === 0) return -1;
      if (this.keys[s - 1] === key) return s - 1;
    }
  }

  /** Moves a slot to the most-recently-used end. */
  promote(slot: number): void {
    if (slot === this.head) return;
    this.unlink(slot);
    this.pushHead(slot);
  }

  /** Inserts a key that is not present, evicting the least recently used one if full; returns its slot. */
  admit(key: number): number {
    this.ensure();
    let slot: number;
    if (this.size < this.capacity) {
      slot = this.size++;
      this.evicted = false;
    } else {
      slot = this.tail;
      this.evicted = true;
      this.evictedKey = this.keys[slot];
      this.evictedDirty = this.dirty[slot] === 1;
      this.removeFromTable(this.evictedKey);
      this.unlink(slot);
    }
    this.keys[slot] = key;
    this.dirty[slot] = 0;
    this.pushHead(slot);
    let i = this.home(key);
    while (this.table[i] !== 0) i = (i + 1) & this.mask;
    this.table[i] = slot + 1;
    return slot;
  }

  keyAt(slot: number): number {
    return this.keys[slot];
  }

  isDirty(slot: number): boolean {
    return this.dirty[slot] === 1;
  }

  setDirty(slot: number, dirty: boolean): void {
    this.dirty[slot] = dirty ? 1 : 0;
  }

  private pushHead(slot: number): void {
    this.prev[slot] = -1;
    this.next[slot] = this.head;
    if (this.head >= 0) this.prev[this.head] = slot;
    this.head = slot;
    if (this.tail < 0) this.tail = slot;
  }

  private unlink(slot: number): void {
    const p = this.prev[slot];
    const n = this.next[slot];
    if (p >= 0) this.next[p] = n;
    else this.head = n;
    if (n >= 0) this.prev[n] = p;
    else this.tail = p;
  }

  /** Linear-probing delete with backward shift, so lookups never need tombstones. */
  private removeFromTable(key: number): void {
    const table = this.table;
    const mask = this.mask;
    let i = this.home(key);
    while (this.keys[table[i] - 1] !== key) i = (i + 1) & mask;
    table[i] = 0;
    for (let j = (i + 1) & mask; table[j] !== 0; j = (j + 1) & mask) {
      const h = this.home(this.keys[table[j] - 1]);
      // Move the entry back unless its home lies cyclically in (i, j].
      const stays = i <= j ? h > i && h <= j : h > i || h <= j;
      if (!stays) {
        table[i] = table[j];
        table[j] = 0;
        i = j;
      }
    }
  }
}
