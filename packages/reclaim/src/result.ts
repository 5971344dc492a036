import { MEMCG_STAT_NAMES, type Memcg, type ZramStat } from '@reclaim-lab/hw-model';
import type { PsiTotals } from './psi.js';

/** What one simulated run produces. Plain data: JSON-serialisable as is. */

export interface LatencySummary {
  count: number;
  totalNs: number;
  p50Ns: number;
  p99Ns: number;
  maxNs: number;
  /** How many exceeded the scenario's latency budget. */
  overBudget: number;
  budgetNs: number;
  /** Log2 histogram: bucket i counts samples in [2^i, 2^(i+1)) ns. */
  log2Histogram: number[];
}

export interface TaskResult {
  name: string;
  memcg: string;
  /** Virtual time from start to exit (or kill, or end of run). */
  runtimeNs: number;
  /** Application operations completed (OP_OPDONE events). */
  ops: number;
  accesses: number;
  /** Page faults that waited for I/O (a swap-in or a file read), as /proc/PID/stat's majflt. */
  majorFaults: number;
  minorFaults: number;
  /** read(2) calls that waited for a disk read: the kernel counts these as no fault. */
  readMisses: number;
  /** Time spent stalled in direct reclaim, throttling and waiting for I/O. */
  directReclaimNs: number;
  ioWaitNs: number;
  killed: boolean;
  finished: boolean;
}

export interface OomKill {
  timeNs: number;
  /** "global", "memcg" (memory.max), or "min_ttl" (MGLRU kswapd-side OOM). */
  kind: 'global' | 'memcg' | 'min_ttl';
  task: string;
  memcg: string;
  /** oom_badness of the victim at the kill, in pages (rss + swap + page tables). */
  badnessPages: number;
  freedPages: number;
  /** Killed with the victim because this memcg has memory.oom.group set (absent for the victim itself). */
  oomGroup?: string;
}

/**
 * One phase of one task (a workload phase, begun by its OP_PHASE marker and
 * ended by the next or by the task's end): the task's own counters and
 * /proc/vmstat's change over it, machine-wide, as a real kernel's phase
 * boundaries would show them.
 */
export interface PhaseResult {
  task: string;
  phase: string;
  /** The phase's index in the task's definition (repeats share it). */
  index: number;
  startNs: number;
  endNs: number;
  accesses: number;
  ops: number;
  minorFaults: number;
  majorFaults: number;
  /** Time the task stalled in direct or memcg reclaim and its throttles. */
  directReclaimNs: number;
  ioWaitNs: number;
  /** Change of each /proc/vmstat counter over the phase (counters that did not move are left out). */
  vmstat: Record<string, number>;
}

/** A memcg's own files, as cgroup v2 shows them (each counts the memcg's whole subtree). */
export interface MemcgResult {
  path: string;
  /** memory.current and memory.swap.current, in pages. */
  currentPages: number;
  swapCurrentPages: number;
  /** memory.stat's event counters, named as the kernel names them, plus `pgscan` and `pgsteal`. */
  stat: Record<string, number>;
  /** memory.events: low, high, max, oom, oom_kill, oom_group_kill (the subtree's). */
  events: Record<string, number>;
  /** memory.events.local: the memcg's own. */
  eventsLocal: Record<string, number>;
}

/** A policy that was ejected by the watchdog (sched_ext-style exit record). */
export interface PolicyExit {
  timeNs: number;
  policy: string;
  scope: string;
  /** `memory` and `exit` come only from contained runs (the harness's policies loaded by path). */
  kind: 'error' | 'invalid' | 'invariant' | 'budget' | 'stall' | 'memory' | 'exit';
  hook: string;
  reason: string;
  message: string;
}

/** Memory pressure stall information: totals as `/proc/pressure/memory` and each memcg's `memory.pressure` give them, in ns. */
export interface PressureResult {
  /** The whole machine (the root group, kswapd included). */
  memory: PsiTotals;
  /** Each memcg but the root, by path: its subtree's tasks. */
  memcgs: Record<string, PsiTotals>;
}

/** Periodic samples, every `intervalNs` of virtual time. */
export interface TimeSeries {
  intervalNs: number;
  timeNs: number[];
  freePages: number[];
  /** Cumulative refaults (anon + file). */
  refaults: number[];
  majorFaults: number[];
  pgscan: number[];
  pgsteal: number[];
  /** meminfo-style list sizes (pages). */
  activeAnon: number[];
  inactiveAnon: number[];
  activeFile: number[];
  inactiveFile: number[];
  /** Policy-specific list or generation sizes, e.g. "gen 5 file". */
  policyLists: Record<string, number[]>;
}

export interface RunResult {
  policy: string;
  seed: number;
  mode: 'kernel' | 'ideal';
  /** Virtual time when the last task finished (or the run was stopped). */
  runtimeNs: number;
  /** vmstat-named counters: pgscan_kswapd, pgsteal_direct, workingset_refault_file, pswpout, oom_kill, ... */
  counters: Record<string, number>;
  /** Ideal mode: requests and misses (also present in kernel mode as page-cache/page-table lookups). */
  requests: number;
  misses: number;
  /** Page frames of the machine (absent in results written before it existed). */
  memoryPages?: number;
  tasks: TaskResult[];
  oomKills: OomKill[];
  directReclaimLatency: LatencySummary;
  kswapdBatchLatency: LatencySummary;
  /** PSI for memory (absent in results written before it existed). */
  pressure?: PressureResult;
  series: TimeSeries;
  policyExits: PolicyExit[];
  /** Every task's phases in the order they ran (absent in results written before it existed). */
  phases?: PhaseResult[];
  /** Every memcg's memory.stat and memory.events, root first (absent in results written before it existed). */
  memcgs?: MemcgResult[];
  /** Apps (tasks that sent OP_APPSTATE): launches, frames, lmkd kills (absent when no task is an app). */
  apps?: AppsResult;
  /** zram's mm_stat at the end (bytes; absent without a zram pool): what the compressed pages cost in RAM. */
  zram?: ZramStat;
  /** Per-page policy state bits each attached policy declared. */
  pageStateBits: Record<string, number>;
  /** Simulator cost: wall-clock is NOT recorded here (it would break determinism). */
  events: number;
}

/** One app launch: from OP_APPSTATE LAUNCH to the app's next state change (its first frame). */
export interface LaunchRecord {
  task: string;
  startNs: number;
  latencyNs: number;
  /** Cold: the process started (first launch, or a relaunch after a kill); warm: it was cached. */
  kind: 'cold' | 'warm';
  /** The app had been killed (lmkd) and started again. */
  relaunch: boolean;
  /** The app memcg's workingset_refault_file during the launch: pages it read, lost and read again. */
  fileRefaults: number;
  /** File pages reclaimed from the app's memcg during the launch (pgsteal less pswpout). */
  fileReclaimed: number;
}

export type LmkdKillReason =
  | 'not-responding'
  | 'low-mem-and-swap'
  | 'low-swap-and-thrashing'
  | 'low-mem-and-thrashing'
  | 'pressure-after-kill';

/** An lmkd kill. */
export interface AppKill {
  timeNs: number;
  task: string;
  /** The victim's importance class. */
  class: string;
  oomScoreAdj: number;
  /** rss + swap entries of the victim, in pages. */
  rssPages: number;
  freedPages: number;
  /** PSI "some" in the trigger window at the kill, as a share of the window. */
  pressure: number;
  /** When the PSI event that woke lmkd for this kill fired (ns). */
  psiEventNs: number;
  /**
   * lmkd's kill reason, read after a PSI event woke it: `not-responding`
   * (the "full" trigger fired), `low-mem-and-swap` (free memory under the
   * high watermark, swap nearly full), `low-swap-and-thrashing`,
   * `low-mem-and-thrashing`, `pressure-after-kill` (free memory still under
   * the low watermark after a kill of this wake-up).
   */
  reason: LmkdKillReason;
}

/** What a phone engineer reads: launches, frames, reclaim against the frame budget, kills. */
export interface AppsResult {
  launches: LaunchRecord[];
  /** Frames drawn, frames that overran their period, and those that overran with a memory stall (jank). */
  frames: number;
  missedFrames: number;
  jankyFrames: number;
  /** When each janky frame ended (ns), for plots over time. */
  jankTimesNs: number[];
  /** The frame period (the reclaim budget of a 120 Hz phone is one: 8.3 ms); 0 without frames. */
  framePeriodNs: number;
  /** Reclaim invocations (kswapd batches, direct reclaims) longer than one frame period. */
  kswapdOverFrame: number;
  directOverFrame: number;
  /** PSI events (lmkd's "some" and "full" triggers) that woke lmkd; 0 without lmkd. */
  psiEvents: number;
  /** The largest PSI "some" stall in one trigger window (ns): how close pressure came to waking lmkd. */
  peakWindowSomeNs: number;
  kills: AppKill[];
}

/** A time series with no samples yet. */
export function emptyTimeSeries(intervalNs: number): TimeSeries {
  return {
    intervalNs,
    timeNs: [],
    freePages: [],
    refaults: [],
    majorFaults: [],
    pgscan: [],
    pgsteal: [],
    activeAnon: [],
    inactiveAnon: [],
    activeFile: [],
    inactiveFile: [],
    policyLists: {},
  };
}

/**
 * A memcg's memory.stat events and memory.events as cgroup v2 shows them:
 * summed over its subtree (`memcgs` is every memcg of the machine), with
 * `pgscan`/`pgsteal` the sums over reclaimers and the memcg's own
 * memory.events in `eventsLocal`.
 */
export function memcgResult(memcgs: readonly Memcg[], m: Memcg): MemcgResult {
  const sum = new Float64Array(MEMCG_STAT_NAMES.length);
  const events: Record<string, number> = { low: 0, high: 0, max: 0, oom: 0, oom_kill: 0, oom_group_kill: 0 };
  for (const d of memcgs) {
    if (!m.isAncestorOf(d)) continue;
    for (let i = 0; i < sum.length; i++) sum[i] += d.stat[i];
    for (const k of Object.keys(events)) events[k] += d.events[k as keyof Memcg['events']];
  }
  const stat: Record<string, number> = {};
  for (let i = 0; i < MEMCG_STAT_NAMES.length; i++) stat[MEMCG_STAT_NAMES[i]] = sum[i];
  stat.pgscan = stat.pgscan_kswapd + stat.pgscan_direct;
  stat.pgsteal = stat.pgsteal_kswapd + stat.pgsteal_direct;
  return {
    path: m.path,
    currentPages: m.usage,
    swapCurrentPages: m.swapUsage,
    stat,
    events,
    eventsLocal: { ...m.events },
  };
}
