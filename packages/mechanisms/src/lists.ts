import type { FrameTable } from '@reclaim-lab/hw-model';

/** Thrown by a list operation when the running policy hook has used up its step budget. */
export class StepBudgetExceeded extends Error {}

/**
 * Intrusive doubly linked lists over page frames, all in typed arrays: one
 * `next`/`prev`/`list` slot per frame and a head/tail/size per list. Head is
 * the most recently added end, reclaim takes from the tail — the kernel's
 * list_head conventions. A frame is on at most one list; the set enforces it.
 */
export class ListSet {
  readonly next: Int32Array;
  readonly prev: Int32Array;
  /** List id the frame is on, or -1. */
  readonly listOf: Int32Array;
  private head = new Int32Array(64).fill(-1);
  private tail = new Int32Array(64).fill(-1);
  private size = new Int32Array(64);
  /** Lruvec owning each list. */
  private owner = new Int32Array(64);
  private names: string[] = [];
  private count = 0;
  /** Operations since the watchdog last reset the count, and the limit it set. */
  steps = 0;
  stepLimit = Number.POSITIVE_INFINITY;
  /** Operations since the set was made, never reset: tells the invariant check a pass moved nothing. */
  ops = 0;

  constructor(frames: FrameTable) {
    this.next = new Int32Array(frames.count).fill(-1);
    this.prev = new Int32Array(frames.count).fill(-1);
    this.listOf = new Int32Array(frames.count).fill(-1);
  }

  create(lruvec: number, name: string): number {
    const id = this.count++;
    if (id >= this.head.length) this.grow();
    this.head[id] = -1;
    this.tail[id] = -1;
    this.size[id] = 0;
    this.owner[id] = lruvec;
    this.names[id] = name;
    return id;
  }

  private grow(): void {
    const n = this.head.length * 2;
    const g = (a: Int32Array, fill: number) => {
      const b = new Int32Array(n).fill(fill);
      b.set(a);
      return b;
    };
    this.head = g(this.head, -1);
    this.tail = g(this.tail, -1);
    this.size = g(this.size, 0);
    this.owner = g(this.owner, 0);
  }

  get lists(): number {
    return this.count;
  }

  name(list: number): string {
    return this.names[list];
  }

  lruvecOf(list: number): number {
    return this.owner[list];
  }

  length(list: number): number {
    return this.size[list];
  }

  first(list: number): number {
    return this.head[list];
  }

  last(list: number): number {
    return this.tail[list];
  }

  private step(): void {
    this.ops++;
    if (++this.steps > this.stepLimit) {
      this.stepLimit = Number.POSITIVE_INFINITY;
      throw new StepBudgetExceeded(`more than ${this.steps - 1} list operations in one hook call`);
    }
  }

  /** Detach a list from its lruvec (its policy was replaced); it must be empty. */
  retire(list: number): void {
    if (this.size[list] !== 0) throw new Error(`retiring non-empty list ${this.names[list]}`);
    this.owner[list] = -1;
  }

  addHead(list: number, pfn: number): void {
    this.step();
    if (this.listOf[pfn] !== -1)
      throw new Error(`pfn ${pfn} is already on list ${this.names[this.listOf[pfn]]}`);
    const h = this.head[list];
    this.prev[pfn] = -1;
    this.next[pfn] = h;
    if (h !== -1) this.prev[h] = pfn;
    else this.tail[list] = pfn;
    this.head[list] = pfn;
    this.listOf[pfn] = list;
    this.size[list]++;
  }

  addTail(list: number, pfn: number): void {
    this.step();
    if (this.listOf[pfn] !== -1)
      throw new Error(`pfn ${pfn} is already on list ${this.names[this.listOf[pfn]]}`);
    const t = this.tail[list];
    this.next[pfn] = -1;
    this.prev[pfn] = t;
    if (t !== -1) this.next[t] = pfn;
    else this.head[list] = pfn;
    this.tail[list] = pfn;
    this.listOf[pfn] = list;
    this.size[list]++;
  }

  remove(pfn: number): void {
    this.step();
    const list = this.listOf[pfn];
    if (list === -1) throw new Error(`pfn ${pfn} is on no list`);
    this.unlink(pfn, list);
    this.size[list]--;
    this.prev[pfn] = this.next[pfn] = -1;
    this.listOf[pfn] = -1;
  }

  /** Take `pfn` out of `list`'s chain; its own links and the list's count are left for the caller. */
  private unlink(pfn: number, list: number): void {
    const p = this.prev[pfn];
    const n = this.next[pfn];
    if (p !== -1) this.next[p] = n;
    else this.head[list] = n;
    if (n !== -1) this.prev[n] = p;
    else this.tail[list] = p;
  }

  /** A frame moves from list `from` (-1: none) to `list`: the counts, untouched by a move within one list. */
  private recount(from: number, list: number): void {
    if (from === list) return;
    if (from !== -1) this.size[from]--;
    this.size[list]++;
  }

  /**
   * Move `pfn`, on any list or none, to the head of `list`: one list
   * operation, unlinked and linked in one pass, as the hit path of every
   * recency policy runs it once per access.
   */
  moveHead(list: number, pfn: number): void {
    this.step();
    const head = this.head;
    const next = this.next;
    const prev = this.prev;
    const h = head[list];
    if (h === pfn) return;
    const from = this.listOf[pfn];
    if (from !== -1) this.unlink(pfn, from);
    this.recount(from, list);
    // Unlinking from any list left this list's head as it was.
    prev[pfn] = -1;
    next[pfn] = h;
    if (h !== -1) prev[h] = pfn;
    else this.tail[list] = pfn;
    head[list] = pfn;
    this.listOf[pfn] = list;
  }

  moveTail(list: number, pfn: number): void {
    this.step();
    const tail = this.tail;
    const next = this.next;
    const prev = this.prev;
    const t = tail[list];
    if (t === pfn) return;
    const from = this.listOf[pfn];
    if (from !== -1) this.unlink(pfn, from);
    this.recount(from, list);
    next[pfn] = -1;
    prev[pfn] = t;
    if (t !== -1) next[t] = pfn;
    else this.head[list] = pfn;
    tail[list] = pfn;
    this.listOf[pfn] = list;
  }

  /**
   * Move `pfn` right behind `anchor` (on the tail side, `next[anchor]`), on
   * `anchor`'s list: for a policy whose hand walks towards the head, the
   * place it looks at just before the anchor.
   */
  moveBehind(anchor: number, pfn: number): void {
    const list = this.listOf[anchor];
    if (list === -1) throw new Error(`anchor pfn ${anchor} is on no list`);
    if (anchor === pfn) return;
    this.step();
    const from = this.listOf[pfn];
    if (from !== -1) this.unlink(pfn, from);
    this.recount(from, list);
    const n = this.next[anchor];
    this.prev[pfn] = anchor;
    this.next[pfn] = n;
    this.next[anchor] = pfn;
    if (n !== -1) this.prev[n] = pfn;
    else this.tail[list] = pfn;
    this.listOf[pfn] = list;
  }

  /** Move every frame of `from` to the head side of `to`, keeping order (list_splice). */
  splice(from: number, to: number): void {
    for (let p = this.tail[from]; p !== -1; p = this.tail[from]) this.moveHead(to, p);
  }

  /** Walk a list from head to tail; stop when `fn` returns false. */
  forEach(list: number, fn: (pfn: number) => boolean | undefined): void {
    for (let p = this.head[list]; p !== -1; ) {
      const n = this.next[p];
      if (fn(p) === false) return;
      p = n;
    }
  }
}
