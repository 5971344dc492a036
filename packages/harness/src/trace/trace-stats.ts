/**
 * Whole-trace analysis: footprint, read/write mix, the reuse (stack)
 * distance histogram, and next-access indices for Belady's OPT.
 *
 * Stack distances are exact, O(log n) per request: a Fenwick tree marks,
 * for every key, the slot of its latest access; the distance of an access is
 * the number of marks after the key's previous slot, i.e. the distinct keys
 * touched since. Slots are compacted when they run out, so memory follows the
 * footprint, not the trace length.
 */
import { KeyTable } from './key-table.js';
import { openTrace } from './open-trace.js';
import type { RequestSource, TraceFormat, TraceReadOptions } from './trace-chunk.js';
import * as model from './trace-chunk.js';

// Copied once at load: tsx and vitest compile imported bindings to getters, a call per use in hot loops.
const { NEXT_NEVER, TRACE_OP_WRITE, TraceChunk } = model;

export class StackDistanceTracker {
  /** Key → dense id, assigned on first access; everything else is typed arrays indexed by id or slot. */
  private readonly ids = new KeyTable();
  private lastSlot = new Int32Array(1024);
  private capacity: number;
  private tree: Int32Array;
  /** Slot → id of the key whose latest access it holds, -1 once superseded. */
  private slotId: Int32Array;
  private nextSlot = 0;

  constructor(initialCapacity = 1 << 16) {
    this.capacity = Math.max(2, initialCapacity);
    this.tree = new Int32Array(this.capacity + 1);
    this.slotId = new Int32Array(this.capacity);
  }

  /** Distinct keys seen so far. */
  get distinctKeys(): number {
    return this.distinct;
  }

  private distinct = 0;

  /**
   * Records an access and returns its stack distance: how many distinct other
   * keys were accessed since this key's previous access (0 for an immediate
   * repeat), or Infinity for the key's first access (a cold miss).
   */
  access(key: number): number {
    return this.accessId(this.ids.addNumber(key));
  }

  /** `access` for a u64 key given as halves. */
  accessU64(hi: number, lo: number): number {
    return this.accessId(this.ids.add(hi, lo));
  }

  /** `access` for keys already numbered densely in first-seen order (0, 1, 2, … as they first appear). */
  accessId(id: number): number {
    if (this.nextSlot === this.capacity) this.compact();
    const slot = this.nextSlot++;
    let distance = Number.POSITIVE_INFINITY;
    if (id === this.distinct) {
      this.distinct++;
      if (id === this.lastSlot.length) {
        const grown = new Int32Array(2 * id);
        grown.set(this.lastSlot);
        this.lastSlot = grown;
      }
    } else {
      const prev = this.lastSlot[id];
      // Each key has one live mark, all before `slot`: those after prev number distinct - prefix(prev).
      distance = this.distinct - this.prefix(prev);
      this.add(prev, -1);
      this.slotId[prev] = -1;
    }
    this.add(slot, 1);
    this.slotId[slot] = id;
    this.lastSlot[id] = slot;
    return distance;
  }

  /** Live marks in slots 0..slot. */
  private prefix(slot: number): number {
    let sum = 0;
    for (let i = slot + 1; i > 0; i -= i & -i) sum += this.tree[i];
    return sum;
  }

  private add(slot: number, delta: number): void {
    const tree = this.tree;
    for (let i = slot + 1; i <= this.capacity; i += i & -i) tree[i] += delta;
  }

  /** Packs the live slots to the front (order kept), growing so at least half the slots are free. */
  private compact(): void {
    const { slotId, lastSlot } = this;
    let j = 0;
    for (let s = 0; s < this.capacity; s++) {
      const id = slotId[s];
      if (id < 0) continue;
      slotId[j] = id;
      lastSlot[id] = j;
      j++;
    }
    const capacity = Math.max(this.capacity, 2 * j);
    if (capacity > this.capacity) {
      const grown = new Int32Array(capacity);
      grown.set(slotId.subarray(0, j));
      this.slotId = grown;
      this.tree = new Int32Array(capacity + 1);
      this.capacity = capacity;
    } else {
      this.tree.fill(0);
    }
    this.slotId.fill(-1, j);
    // Linear Fenwick build over j leading ones.
    const tree = this.tree;
    for (let i = 1; i <= capacity; i++) {
      if (i <= j) tree[i] += 1;
      const parent = i + (i & -i);
      if (parent <= capacity) tree[parent] += tree[i];
    }
    this.nextSlot = j;
  }
}

/** Log2 bucket of a stack distance: 0 holds distance 0, bucket b ≥ 1 holds [2^(b-1), 2^b - 1]. */
export function reuseBucketOf(distance: number): number {
  return distance === 0 ? 0 : 32 - Math.clz32(distance);
}

export interface ReuseBucket {
  /** Smallest and largest stack distance counted here (inclusive). */
  min: number;
  max: number;
  count: number;
}

export interface TraceStats {
  requests: number;
  /** Distinct keys: the footprint in keys (pages for page traces). */
  uniqueKeys: number;
  reads: number;
  writes: number;
  /** Sum of request sizes in bytes. */
  bytes: number;
  /** First accesses (equal to uniqueKeys; kept for miss-ratio arithmetic). */
  coldMisses: number;
  /** Stack distances of all non-cold requests in log2 buckets (see reuseBucketOf), up to the largest used. */
  reuseDistance: ReuseBucket[];
}

export function traceStats(path: string, format?: TraceFormat, options: TraceReadOptions = {}): TraceStats {
  const tracker = new StackDistanceTracker();
  const counts = new Float64Array(34);
  const chunk = new TraceChunk();
  let requests = 0;
  let writes = 0;
  let bytes = 0;
  let cold = 0;
  const reader = openTrace(path, format, options);
  try {
    while (reader.read(chunk) > 0) {
      const n = chunk.length;
      requests += n;
      for (let i = 0; i < n; i++) {
        writes += chunk.op[i] === TRACE_OP_WRITE ? 1 : 0;
        bytes += chunk.size[i];
        const d = tracker.accessU64(chunk.keyHi[i], chunk.keyLo[i]);
        if (d === Number.POSITIVE_INFINITY) cold++;
        else counts[reuseBucketOf(d)]++;
      }
    }
  } finally {
    reader.close();
  }
  let top = counts.length - 1;
  while (top >= 0 && counts[top] === 0) top--;
  const reuseDistance: ReuseBucket[] = [];
  for (let b = 0; b <= top; b++) {
    reuseDistance.push({ min: b === 0 ? 0 : 2 ** (b - 1), max: b === 0 ? 0 : 2 ** b - 1, count: counts[b] });
  }
  return {
    requests,
    uniqueKeys: tracker.distinctKeys,
    reads: requests - writes,
    writes,
    bytes,
    coldMisses: cold,
    reuseDistance,
  };
}

/**
 * For each request, the 0-based index of the next request for the same key
 * (NEXT_NEVER if none): what Belady's OPT needs. Holds one number per
 * request plus a map over the footprint.
 */
export function computeNextAccess(
  path: string,
  format?: TraceFormat,
  options: TraceReadOptions = {},
): Float64Array {
  const reader = openTrace(path, format, options);
  try {
    return nextAccessFromReader(reader);
  } finally {
    reader.close();
  }
}

/** computeNextAccess over an open source (which the caller closes). */
export function nextAccessFromReader(source: RequestSource): Float64Array {
  let next = new Float64Array(Math.max(source.requestCount ?? 0, 1024));
  // Key → dense id once; the last index per id lives in a typed array.
  const ids = new KeyTable();
  let lastIndex = new Float64Array(1024);
  const chunk = new TraceChunk();
  let index = 0;
  while (source.read(chunk) > 0) {
    const n = chunk.length;
    if (index + n > next.length) {
      const grown = new Float64Array(Math.max(2 * next.length, index + n));
      grown.set(next);
      next = grown;
    }
    for (let i = 0; i < n; i++, index++) {
      const before = ids.size;
      const id = ids.add(chunk.keyHi[i], chunk.keyLo[i]);
      if (id === before) {
        const fresh = id;
        if (fresh === lastIndex.length) {
          const grown = new Float64Array(2 * fresh);
          grown.set(lastIndex);
          lastIndex = grown;
        }
        lastIndex[fresh] = index;
      } else {
        next[lastIndex[id]] = index;
        lastIndex[id] = index;
      }
      next[index] = NEXT_NEVER;
    }
  }
  return index === next.length ? next : next.slice(0, index);
}
