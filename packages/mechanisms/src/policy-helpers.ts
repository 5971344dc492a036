/**
 * Small machinery that keeps small policies small (cache_ext's kfuncs, as
 * typed-array TypeScript): a batch of eviction candidates with "already
 * proposed" marks, iteration of a list from either end with a callback
 * that says continue / stop / evict (`bpf_cache_ext_list_iterate`),
 * sampling of folios from a set of lists scored by a function
 * (`bpf_cache_ext_list_sample`), a bounded ghost FIFO of recently evicted
 * page identities (S3-FIFO's G, CLOCK-Pro's non-resident cold pages), and
 * bit fields in the policy's private per-page word (`frames.policy[pfn]`).
 * None of it chooses a victim: the callbacks and scores do.
 */
import { type FrameTable, PG_FILE, type Rng } from '@reclaim-lab/hw-model';
import type { ListSet } from './lists.js';
import type { Lruvec } from './lruvec.js';
import type { World } from './world.js';

/**
 * The candidates of one `evictCandidates` call (cache_ext's eviction
 * context): the core's output array, how many are in it, how many were
 * asked for, and a per-frame mark so that no folio is proposed twice even
 * when a policy walks or samples the same list several times.
 */
export class EvictionBatch {
  out: Int32Array = new Int32Array(0);
  n = 0;
  nr = 0;
  private stamp = new Uint32Array(0);
  private epoch = 0;

  /** Start a new batch writing into `out`, for at most `nr` folios. */
  begin(out: Int32Array, nr: number): this {
    this.out = out;
    this.n = 0;
    this.nr = Math.max(0, Math.min(nr, out.length));
    if (++this.epoch === 0xffffffff) {
      this.stamp.fill(0);
      this.epoch = 1;
    }
    return this;
  }

  get full(): boolean {
    return this.n >= this.nr;
  }

  /** Is `pfn` already proposed in this batch? */
  has(pfn: number): boolean {
    return pfn < this.stamp.length && this.stamp[pfn] === this.epoch;
  }

  /** Propose `pfn`; false if the batch is full or already holds it. */
  add(pfn: number): boolean {
    if (this.n >= this.nr || this.has(pfn)) return false;
    if (pfn >= this.stamp.length) {
      const grown = new Uint32Array(Math.max(pfn + 1, this.stamp.length * 2, 1024));
      grown.set(this.stamp);
      this.stamp = grown;
    }
    this.stamp[pfn] = this.epoch;
    this.out[this.n++] = pfn;
    return true;
  }
}

/** What a `listIterate` callback wants done with the folio it was shown. */
export type IterVerdict = 'continue' | 'stop' | 'evict';

const evictAll = (): IterVerdict => 'evict';

/**
 * cache_ext's `list_iterate`: walk `list` from its tail (oldest; or from
 * its head with `from = 'head'`) and ask `fn` about each folio not already
 * in the batch. 'evict' proposes it, 'continue' passes over it, 'stop' ends
 * the walk. `fn` may move the folio it is shown (to either end or to
 * another list: a second chance, a promotion) but no other. The walk visits
 * at most as many folios as the list held when it began, so a folio moved
 * to the far end is not met twice. Returns how many folios it proposed.
 */
export function listIterate(
  lists: ListSet,
  list: number,
  batch: EvictionBatch,
  fn: (pfn: number) => IterVerdict = evictAll,
  from: 'tail' | 'head' = 'tail',
): number {
  const start = batch.n;
  const tail = from === 'tail';
  let budget = lists.length(list);
  let p = tail ? lists.last(list) : lists.first(list);
  while (p !== -1 && budget-- > 0 && !batch.full) {
    const next = tail ? lists.prev[p] : lists.next[p];
    if (!batch.has(p)) {
      const v = fn(p);
      if (v === 'stop') break;
      if (v === 'evict') batch.add(p);
    }
    p = next;
  }
  return batch.n - start;
}

/** What `listSample` needs of a policy context (a `PolicyCtx` has all of it). */
export interface SampleCtx {
  readonly lists: ListSet;
  readonly rng: Rng;
  readonly lruvec: Lruvec;
  readonly world: World;
}

/**
 * cache_ext's `list_sample`: fill the batch one candidate at a time, each
 * the lowest-scoring of `samples` folios drawn at random from `listIds`
 * (lower score = evict first; `Infinity` = never). Draws are uniform over
 * the folios on those lists: by rejection over the node's frames when the
 * lists hold a good share of it, else from a random position in the lists
 * (a run of consecutive folios). Randomness comes from `ctx.rng` only.
 * Returns how many folios it proposed.
 */
export function listSample(
  ctx: SampleCtx,
  listIds: readonly number[],
  batch: EvictionBatch,
  samples: number,
  score: (pfn: number) => number,
): number {
  const start = batch.n;
  let total = 0;
  for (const l of listIds) total += ctx.lists.length(l);
  if (total === 0) return 0;
  const node = ctx.world.machine.nodes[ctx.lruvec.node];
  const dense = total * 16 >= node.pages;
  let misses = 0;
  while (!batch.full && misses < 4) {
    let best = -1;
    let bestScore = Number.POSITIVE_INFINITY;
    const consider = (pfn: number) => {
      if (pfn === -1 || batch.has(pfn)) return;
      const s = score(pfn);
      if (s < bestScore) {
        best = pfn;
        bestScore = s;
      }
    };
    if (dense)
      for (let s = 0; s < samples; s++)
        consider(drawByRejection(ctx, listIds, total, node.firstPfn, node.pages));
    else {
      let p = positionOf(ctx.lists, listIds, ctx.rng.int(total));
      for (let s = 0; s < samples && s < total; s++) {
        consider(p);
        p = nextMember(ctx.lists, listIds, p);
      }
    }
    if (best === -1) misses++;
    else batch.add(best);
  }
  return batch.n - start;
}

/** A uniform member of the lists: a random frame of the node until one is on them, then a walk. */
function drawByRejection(
  ctx: SampleCtx,
  listIds: readonly number[],
  total: number,
  first: number,
  pages: number,
): number {
  for (let a = 0; a < 64; a++) {
    const pfn = first + ctx.rng.int(pages);
    const l = ctx.lists.listOf[pfn];
    if (l !== -1 && listIds.includes(l)) return pfn;
  }
  return positionOf(ctx.lists, listIds, ctx.rng.int(total));
}

/** The folio `k` places from the tail, counting the lists in order. */
function positionOf(lists: ListSet, listIds: readonly number[], k: number): number {
  for (const l of listIds) {
    const len = lists.length(l);
    if (k >= len) {
      k -= len;
      continue;
    }
    // Walk from the nearer end.
    if (k < len >> 1) {
      let p = lists.last(l);
      for (; k > 0; k--) p = lists.prev[p];
      return p;
    }
    let p = lists.first(l);
    for (let j = len - 1 - k; j > 0; j--) p = lists.next[p];
    return p;
  }
  return -1;
}

/** The folio after `p` towards the head, continuing with the next list and wrapping around. */
function nextMember(lists: ListSet, listIds: readonly number[], p: number): number {
  if (lists.prev[p] !== -1) return lists.prev[p];
  const i = listIds.indexOf(lists.listOf[p]);
  for (let j = 1; j <= listIds.length; j++) {
    const last = lists.last(listIds[(i + j) % listIds.length]);
    if (last !== -1) return last;
  }
  return -1;
}

/**
 * A bounded FIFO of the identities of recently evicted pages: file id and
 * page index for page cache, mm id and virtual page number for anon (read
 * from `frames.owner` / `frames.index` while the folio still exists), each
 * with an optional non-negative 32-bit value (a timestamp, a class).
 * Typed arrays throughout: a ring of keys in eviction order and an
 * open-addressing index over it. It holds the `capacity` most recently
 * pushed keys that no `take` has found (a ghost hit) yet; pushing one more
 * forgets the oldest. Capacity 0 remembers nothing.
 */
/** Held-back pushes kept at most (kernel-mode reclaim batches are 32 folios). */
const GHOST_LATER_MAX = 256;

export class GhostFifo {
  readonly capacity: number;
  private hi = new Int32Array(0);
  private lo = new Int32Array(0);
  private val = new Uint32Array(0);
  private table = new Int32Array(0);
  private mask = 0;
  /** Ring slot of the oldest entry, ring slots in use (live or forgotten), live entries. */
  private head = 0;
  private used = 0;
  private live = 0;
  /** Identities `pushLater` holds back until the next `admit`. */
  private laterHi = new Int32Array(0);
  private laterLo = new Int32Array(0);
  private laterCount = 0;

  constructor(capacity: number) {
    if (!(capacity >= 0) || !Number.isInteger(capacity))
      throw new Error(`ghost capacity must be an integer >= 0, got ${capacity}`);
    this.capacity = capacity;
    this.resize(Math.max(4, Math.min(capacity, 256)));
  }

  /** Pages remembered. */
  get size(): number {
    return this.live;
  }

  /** Remember `pfn`'s page as just evicted (with `value`); true if the oldest entry had to be forgotten for room. */
  push(frames: FrameTable, pfn: number, value = 0): boolean {
    return this.pushKey(ghostKeyHi(frames, pfn), frames.index[pfn], value);
  }

  /** `push` by the page's identity (`ghostKeyHi`, file index), for a frame already reused. */
  private pushKey(hi: number, lo: number, value = 0): boolean {
    if (this.capacity === 0) return false;
    const at = this.find(hi, lo);
    if (at !== -1) this.forget(at);
    let dropped = false;
    while (this.live >= this.capacity) dropped = this.popOldest() || dropped;
    // Full ring: squeeze out forgotten slots, or grow if most slots are live.
    if (this.used === this.hi.length)
      this.resize(this.live * 2 < this.hi.length ? this.hi.length : this.hi.length * 2);
    const slot = (this.head + this.used++) % this.hi.length;
    this.hi[slot] = hi;
    this.lo[slot] = lo;
    this.val[slot] = value;
    this.insert(slot);
    this.live++;
    return dropped;
  }

  /**
   * `push` held back until the next `admit`, for the order libCacheSim's
   * ghost queues follow: a miss looks its page up before the evictions it
   * causes add theirs, while here reclaim runs before the page is added.
   */
  pushLater(frames: FrameTable, pfn: number): void {
    if (this.capacity === 0) return;
    if (this.laterCount === this.laterHi.length) {
      if (this.laterCount >= GHOST_LATER_MAX) this.flushLater();
      else this.growLater();
    }
    this.laterHi[this.laterCount] = ghostKeyHi(frames, pfn);
    this.laterLo[this.laterCount++] = frames.index[pfn];
  }

  /**
   * A page is added: `take` it (or drop it from the held-back pushes), then
   * remember the held-back pages. True if it was remembered.
   */
  admit(frames: FrameTable, pfn: number): boolean {
    let hit = this.take(frames, pfn);
    if (this.laterCount > 0) {
      if (!hit) hit = this.takeLater(ghostKeyHi(frames, pfn), frames.index[pfn]);
      this.flushLater();
    }
    return hit;
  }

  /** Pushes held back by `pushLater`, not yet remembered. */
  get heldBack(): number {
    return this.laterCount;
  }

  private flushLater(): void {
    for (let i = 0; i < this.laterCount; i++) this.pushKey(this.laterHi[i], this.laterLo[i]);
    this.laterCount = 0;
  }

  private takeLater(hi: number, lo: number): boolean {
    for (let i = 0; i < this.laterCount; i++) {
      if (this.laterHi[i] !== hi || this.laterLo[i] !== lo) continue;
      this.laterHi.copyWithin(i, i + 1, this.laterCount);
      this.laterLo.copyWithin(i, i + 1, this.laterCount);
      this.laterCount--;
      return true;
    }
    return false;
  }

  private growLater(): void {
    const n = Math.max(8, this.laterHi.length * 2);
    const hi = new Int32Array(n);
    const lo = new Int32Array(n);
    hi.set(this.laterHi);
    lo.set(this.laterLo);
    this.laterHi = hi;
    this.laterLo = lo;
  }

  /** Is `pfn`'s page remembered? */
  has(frames: FrameTable, pfn: number): boolean {
    return this.find(ghostKeyHi(frames, pfn), frames.index[pfn]) !== -1;
  }

  /** A ghost hit: if `pfn`'s page is remembered, forget it and return true. */
  take(frames: FrameTable, pfn: number): boolean {
    return this.takeValue(frames, pfn) !== -1;
  }

  /** A ghost hit that also reads the value pushed with the page: -1 if it is not remembered. */
  takeValue(frames: FrameTable, pfn: number): number {
    const at = this.find(ghostKeyHi(frames, pfn), frames.index[pfn]);
    if (at === -1) return -1;
    const value = this.val[this.table[at] - 1];
    this.forget(at);
    return value;
  }

  clear(): void {
    this.table.fill(0);
    this.head = this.used = this.live = 0;
    this.laterCount = 0;
  }

  /** Drop the oldest ring slot; true if it held a live key. */
  private popOldest(): boolean {
    const slot = this.head;
    this.head = (this.head + 1) % this.hi.length;
    this.used--;
    if (this.hi[slot] === -1) return false;
    this.remove(this.find(this.hi[slot], this.lo[slot]));
    this.live--;
    return true;
  }

  /** Forget the key at table index `at`, leaving a dead ring slot. */
  private forget(at: number): void {
    this.hi[this.table[at] - 1] = -1;
    this.remove(at);
    this.live--;
  }

  private home(slot: number): number {
    let h = Math.imul(this.hi[slot], 0x9e3779b1) ^ Math.imul(this.lo[slot] + 0x7f4a7c15, 0x85ebca6b);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    return h & this.mask;
  }

  private find(hi: number, lo: number): number {
    let h = Math.imul(hi, 0x9e3779b1) ^ Math.imul(lo + 0x7f4a7c15, 0x85ebca6b);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    for (let i = h & this.mask; this.table[i] !== 0; i = (i + 1) & this.mask) {
      const s = this.table[i] - 1;
      if (this.hi[s] === hi && this.lo[s] === lo) return i;
    }
    return -1;
  }

  private insert(slot: number): void {
    let i = this.home(slot);
    while (this.table[i] !== 0) i = (i + 1) & this.mask;
    this.table[i] = slot + 1;
  }

  /** Linear-probing deletion by backward shift: no tombstones. */
  private remove(i: number): void {
    this.table[i] = 0;
    for (let j = (i + 1) & this.mask; this.table[j] !== 0; j = (j + 1) & this.mask) {
      const k = this.home(this.table[j] - 1);
      const stays = i <= j ? i < k && k <= j : i < k || k <= j;
      if (stays) continue;
      this.table[i] = this.table[j];
      this.table[j] = 0;
      i = j;
    }
  }

  /** Re-lay the ring in `slots` slots, compacting out forgotten entries, and rebuild the index. */
  private resize(slots: number): void {
    const hi = new Int32Array(slots);
    const lo = new Int32Array(slots);
    const val = new Uint32Array(slots);
    let n = 0;
    for (let i = 0; i < this.used; i++) {
      const s = (this.head + i) % this.hi.length;
      if (this.hi[s] === -1) continue;
      hi[n] = this.hi[s];
      lo[n] = this.lo[s];
      val[n++] = this.val[s];
    }
    this.hi = hi;
    this.lo = lo;
    this.val = val;
    this.head = 0;
    this.used = n;
    let size = 4;
    while (size < slots * 2) size *= 2;
    this.table = new Int32Array(size);
    this.mask = size - 1;
    for (let s = 0; s < n; s++) this.insert(s);
  }
}

/** Owner and type of a page as one key word: file pages by file id, anon by mm id. */
/** The high half of a page's identity in a `GhostFifo`: its owner (file or address space) and kind. */
function ghostKeyHi(frames: FrameTable, pfn: number): number {
  return frames.owner[pfn] * 2 + (frames.flags[pfn] & PG_FILE ? 1 : 0);
}

/**
 * A small unsigned field of the policy's per-page word (`frames.policy`),
 * `bits` wide at bit `shift`. Writes clamp to the field's range, so a
 * counter saturates instead of spilling into its neighbour. Lay fields out
 * with `next`, and declare the last one's `end` as `pageStateBits`:
 * `const FREQ = new PageField(0, 2); const MAIN = FREQ.next(1);`.
 */
export class PageField {
  readonly shift: number;
  readonly bits: number;
  readonly max: number;
  private readonly mask: number;

  constructor(shift: number, bits: number) {
    if (!Number.isInteger(shift) || !Number.isInteger(bits) || shift < 0 || bits < 1 || shift + bits > 32) {
      throw new Error(`page field of ${bits} bits at bit ${shift} does not fit a 32-bit word`);
    }
    this.shift = shift;
    this.bits = bits;
    this.max = bits === 32 ? 0xffffffff : 2 ** bits - 1;
    this.mask = (this.max << shift) >>> 0;
  }

  /** The first bit after this field. */
  get end(): number {
    return this.shift + this.bits;
  }

  /** The field of `bits` bits right after this one. */
  next(bits: number): PageField {
    return new PageField(this.end, bits);
  }

  get(word: Uint32Array, pfn: number): number {
    return ((word[pfn] >>> this.shift) & this.max) >>> 0;
  }

  set(word: Uint32Array, pfn: number, value: number): void {
    const v = value <= 0 ? 0 : value >= this.max ? this.max : Math.floor(value);
    word[pfn] = ((word[pfn] & ~this.mask) | (v << this.shift)) >>> 0;
  }

  /** Saturating add; returns the new value. */
  inc(word: Uint32Array, pfn: number, by = 1): number {
    const v = Math.min(this.max, this.get(word, pfn) + by);
    this.set(word, pfn, v);
    return v;
  }

  /** Subtract down to 0; returns the new value. */
  dec(word: Uint32Array, pfn: number, by = 1): number {
    const v = Math.max(0, this.get(word, pfn) - by);
    this.set(word, pfn, v);
    return v;
  }
}
