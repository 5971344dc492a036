import type { Memcg } from '@reclaim-lab/hw-model';

/** `psi_period`: the kernel folds per-CPU times into the totals every 2 s. */
export const PSI_PERIOD_NS = 2e9;

/**
 * How often a PSI trigger's window is updated: the kernel's rtpoll worker
 * runs every window / UPDATES_PER_WINDOW (10), 100 ms for the 1 s windows
 * lmkd asks for. The model keeps per-CPU times per tick of this length.
 */
export const PSI_TICK_NS = 1e8;

/** Memory pressure totals, as the `total=` fields of /proc/pressure/memory (here in ns). */
export interface PsiTotals {
  someNs: number;
  fullNs: number;
}

/**
 * One simulated CPU: a task (each has its own; see the README) or a node's
 * kswapd. Times are per PSI period: stalled (in a memstall section) and,
 * for a task, idle (sleeping, not waiting for I/O).
 */
class PsiCpu {
  readonly stall: number[] = [];
  readonly idle: number[] = [];
  /** The same per PSI_TICK_NS, for triggers. */
  readonly tickStall: number[] = [];
  readonly tickIdle: number[] = [];
  endNs = Number.POSITIVE_INFINITY;

  constructor(
    /** The task's memcg; null for kswapd, which is only in the root group. */
    readonly memcg: Memcg | null,
    readonly startNs: number,
  ) {}
}

/** Add [t0, t1) to per-period sums (periods of `len`), split at period boundaries. */
function addSpan(sums: number[], t0: number, t1: number, len = PSI_PERIOD_NS): void {
  for (let t = t0; t < t1; ) {
    const w = Math.floor(t / len);
    const end = Math.min(t1, (w + 1) * len);
    while (sums.length <= w) sums.push(0);
    sums[w] += end - t;
    t = end;
  }
}

/**
 * Models kernel/sched/psi.c for the memory resource. A thread stalls on
 * memory inside `psi_memstall_enter`/`leave`: direct and memcg reclaim with
 * their throttles, memory.high's penalty sleep, kswapd's `balance_pgdat`,
 * and waiting for the read of a refaulting folio that was in the workingset
 * (`folio_wait_bit_common`, `swap_read_folio`). Per CPU, SOME is time with a
 * stalled task and FULL is time with stalled tasks and no productive one;
 * each period the group's totals grow by the per-CPU times weighted by each
 * CPU's non-idle time (`collect_percpu_times`). Every simulated thread has a
 * CPU of its own, so per CPU FULL is SOME, and the two totals coincide: the
 * kernel reports FULL below SOME only where stalled and productive tasks
 * share a CPU.
 */
export class Psi {
  private readonly cpus: PsiCpu[] = [];

  /** A new CPU for a task in `memcg` starting at `startNs` (kswapd: `memcg` null). Returns its id. */
  addCpu(memcg: Memcg | null, startNs: number): number {
    this.cpus.push(new PsiCpu(memcg, startNs));
    return this.cpus.length - 1;
  }

  /** The CPU's thread stalled on memory over [t0, t1). */
  stall(cpu: number, t0: number, t1: number): void {
    if (cpu >= 0 && t1 > t0) {
      addSpan(this.cpus[cpu].stall, t0, t1);
      addSpan(this.cpus[cpu].tickStall, t0, t1, PSI_TICK_NS);
    }
  }

  /** The CPU's task slept (neither running nor waiting for I/O) over [t0, t1). */
  idle(cpu: number, t0: number, t1: number): void {
    if (cpu >= 0 && t1 > t0) {
      addSpan(this.cpus[cpu].idle, t0, t1);
      addSpan(this.cpus[cpu].tickIdle, t0, t1, PSI_TICK_NS);
    }
  }

  /** The CPU's task exited at `t`. */
  exit(cpu: number, t: number): void {
    if (cpu >= 0) this.cpus[cpu].endNs = Math.min(this.cpus[cpu].endNs, t);
  }

  /**
   * Totals up to `endNs` for the group of `memcg` (its subtree's tasks; the
   * root group also has kswapd). `/proc/pressure/memory` is the root's.
   */
  totals(memcg: Memcg, endNs: number): PsiTotals {
    const periods = Math.ceil(endNs / PSI_PERIOD_NS);
    let some = 0;
    for (let w = 0; w < periods; w++) some += this.someIn(memcg, w, PSI_PERIOD_NS, endNs, false);
    return { someNs: some, fullNs: some };
  }

  /**
   * The root group's SOME stall in the trigger window of `ticks` ticks
   * ending at tick boundary `endNs`: what a trigger's growth reads
   * (`update_triggers`). Per CPU FULL is SOME here (see above), so a FULL
   * trigger reads the same figure.
   */
  windowSome(root: Memcg, endNs: number, ticks: number): number {
    const last = Math.round(endNs / PSI_TICK_NS) - 1;
    let some = 0;
    for (let w = Math.max(0, last - ticks + 1); w <= last; w++)
      some += this.someIn(root, w, PSI_TICK_NS, endNs, true);
    return some;
  }

  /**
   * SOME of `memcg`'s group over period `w` of length `len` (up to `endNs`):
   * each CPU's stall weighted by its non-idle time (`collect_percpu_times`).
   */
  private someIn(memcg: Memcg, w: number, len: number, endNs: number, tick: boolean): number {
    const p0 = w * len;
    const p1 = Math.min(endNs, p0 + len);
    let weighted = 0;
    let nonidleSum = 0;
    for (const c of this.cpus) {
      if (c.memcg === null ? memcg.parent !== null : !memcg.isAncestorOf(c.memcg)) continue;
      const stall = (tick ? c.tickStall[w] : c.stall[w]) ?? 0;
      // kswapd runs only to reclaim: its non-idle time is its stall.
      let nonidle = stall;
      if (c.memcg !== null) {
        const alive = Math.max(0, Math.min(p1, c.endNs) - Math.max(p0, c.startNs));
        nonidle = Math.max(0, alive - ((tick ? c.tickIdle[w] : c.idle[w]) ?? 0));
      }
      if (nonidle <= 0) continue;
      weighted += Math.min(stall, nonidle) * nonidle;
      nonidleSum += nonidle;
    }
    return nonidleSum > 0 ? weighted / nonidleSum : 0;
  }
}
