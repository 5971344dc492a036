import type { LatencySummary } from './result.js';

/** Grow-on-demand list of latency samples. */
export class Samples {
  v = new Float64Array(1024);
  n = 0;
  push(x: number): void {
    if (this.n === this.v.length) {
      const w = new Float64Array(this.v.length * 2);
      w.set(this.v);
      this.v = w;
    }
    this.v[this.n++] = x;
  }
  summary(budgetNs: number): LatencySummary {
    const s = this.v.slice(0, this.n).sort();
    const hist: number[] = [];
    let total = 0;
    let over = 0;
    for (const x of s) {
      total += x;
      if (x > budgetNs) over++;
      const b = x < 1 ? 0 : Math.floor(Math.log2(x));
      while (hist.length <= b) hist.push(0);
      hist[b]++;
    }
    const q = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : 0);
    return {
      count: s.length,
      totalNs: total,
      p50Ns: q(0.5),
      p99Ns: q(0.99),
      maxNs: s.length ? s[s.length - 1] : 0,
      overBudget: over,
      budgetNs,
      log2Histogram: hist,
    };
  }
}
