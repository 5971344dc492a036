/**
 * A min-heap of (time, payload, tag) in typed arrays, growing by doubling.
 * Ties break by insertion order so the event loop stays deterministic.
 */
export class TimerHeap {
  private time = new Float64Array(256);
  private seq = new Float64Array(256);
  private payload = new Int32Array(256);
  private tag = new Int32Array(256);
  private n = 0;
  private counter = 0;

  get size(): number {
    return this.n;
  }

  peekTime(): number {
    return this.n ? this.time[0] : Number.POSITIVE_INFINITY;
  }

  push(time: number, payload: number, tag: number): void {
    if (this.n === this.time.length) this.grow();
    let i = this.n++;
    const s = this.counter++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.time[p] < time || (this.time[p] === time && this.seq[p] < s)) break;
      this.move(p, i);
      i = p;
    }
    this.time[i] = time;
    this.seq[i] = s;
    this.payload[i] = payload;
    this.tag[i] = tag;
  }

  /** The latest time among pending entries `accept` takes (-Infinity if none): a scan, for rare waits such as fsync. */
  latest(accept: (payload: number, tag: number) => boolean): number {
    let t = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < this.n; i++)
      if (this.time[i] > t && accept(this.payload[i], this.tag[i])) t = this.time[i];
    return t;
  }

  /** Pops the earliest entry into `out` ([time, payload, tag]). */
  pop(out: Float64Array): boolean {
    if (this.n === 0) return false;
    out[0] = this.time[0];
    out[1] = this.payload[0];
    out[2] = this.tag[0];
    const last = --this.n;
    if (last > 0) {
      const t = this.time[last];
      const s = this.seq[last];
      const pl = this.payload[last];
      const tg = this.tag[last];
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= last) break;
        const r = l + 1;
        let c = l;
        if (
          r < last &&
          (this.time[r] < this.time[l] || (this.time[r] === this.time[l] && this.seq[r] < this.seq[l]))
        )
          c = r;
        if (this.time[c] > t || (this.time[c] === t && this.seq[c] > s)) break;
        this.move(c, i);
        i = c;
      }
      this.time[i] = t;
      this.seq[i] = s;
      this.payload[i] = pl;
      this.tag[i] = tg;
    }
    return true;
  }

  private move(from: number, to: number): void {
    this.time[to] = this.time[from];
    this.seq[to] = this.seq[from];
    this.payload[to] = this.payload[from];
    this.tag[to] = this.tag[from];
  }

  private grow(): void {
    const n = this.time.length * 2;
    const t = new Float64Array(n);
    t.set(this.time);
    this.time = t;
    const s = new Float64Array(n);
    s.set(this.seq);
    this.seq = s;
    const p = new Int32Array(n);
    p.set(this.payload);
    this.payload = p;
    const g = new Int32Array(n);
    g.set(this.tag);
    this.tag = g;
  }
}
