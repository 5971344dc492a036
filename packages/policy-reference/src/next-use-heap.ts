/**
 * An indexed binary max-heap of page frames keyed by the index of their next
 * use, in typed arrays: `heap` holds pfns in heap order, `pos[pfn]` is a
 * frame's slot (-1 when absent) and `key[pfn]` its next use (Infinity for
 * never). Insert, update and remove are O(log n); the top is O(1).
 */
export class NextUseHeap {
  readonly heap: Int32Array;
  readonly pos: Int32Array;
  readonly key: Float64Array;
  size = 0;

  constructor(frames: number) {
    this.heap = new Int32Array(frames);
    this.pos = new Int32Array(frames).fill(-1);
    this.key = new Float64Array(frames);
  }

  has(pfn: number): boolean {
    return this.pos[pfn] !== -1;
  }

  /** The frame used farthest in the future, or -1 when empty. */
  top(): number {
    return this.size > 0 ? this.heap[0] : -1;
  }

  /** Inserts `pfn`, or re-keys it when present. */
  set(pfn: number, next: number): void {
    const i = this.pos[pfn];
    if (i === -1) {
      const slot = this.size++;
      this.key[pfn] = next;
      this.up(pfn, slot);
      return;
    }
    const old = this.key[pfn];
    this.key[pfn] = next;
    if (next > old) this.up(pfn, i);
    else if (next < old) this.down(pfn, i);
  }

  remove(pfn: number): void {
    const i = this.pos[pfn];
    if (i === -1) return;
    this.pos[pfn] = -1;
    const last = this.heap[--this.size];
    if (last === pfn) return;
    // The last leaf fills the hole and moves whichever way its key says.
    if (i > 0 && this.key[last] > this.key[this.heap[(i - 1) >> 1]]) this.up(last, i);
    else this.down(last, i);
  }

  /** Sifts `pfn` up from slot `i` and stores it where it stops. */
  private up(pfn: number, i: number): void {
    const { heap, pos, key } = this;
    const k = key[pfn];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent];
      if (key[p] >= k) break;
      heap[i] = p;
      pos[p] = i;
      i = parent;
    }
    heap[i] = pfn;
    pos[pfn] = i;
  }

  private down(pfn: number, i: number): void {
    const { heap, pos, key } = this;
    const k = key[pfn];
    const n = this.size;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && key[heap[child + 1]] > key[heap[child]]) child++;
      const c = heap[child];
      if (key[c] <= k) break;
      heap[i] = c;
      pos[c] = i;
      i = child;
    }
    heap[i] = pfn;
    pos[pfn] = i;
  }
}
