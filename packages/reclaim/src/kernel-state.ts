/**
 * The kernel context: every piece of state the reclaim core's modules act
 * on, in one place. Each module (fault.ts, shrink-node.ts, kswapd.ts …) is a
 * set of plain functions `f(kern, ...)` that receive this object; none owns
 * state of its own. The fields are grouped by the module that writes them.
 *
 * This file holds data and its construction only. The `Kernel` class
 * (kernel.ts) extends it with the event loop, loading a workload and the
 * `ReclaimCore` services a policy calls; modules import this file, never
 * kernel.ts, so the package's imports form no circle.
 *
 * May import: hw-model, mechanisms, and the leaf modules that define state
 * types (scan-control, policy-host, watchdog, psi, samples, flusher,
 * dirty-throttle, task, app-model, tiering-state, result, ops).
 */
import {
  defaultMachineConfig,
  isTieredMachine,
  Machine,
  type MachineConfig,
  type Memcg,
  NS_PER_MS,
  Rng,
} from '@reclaim-lab/hw-model';
import { type LruSizes, type Lruvec, type RmapResult, World } from '@reclaim-lab/mechanisms';
import { AppModel } from './app-model.js';
import { DirtyThrottle } from './dirty-throttle.js';
import { Flusher } from './flusher.js';
import { PassPrint } from './invariants.js';
import type {
  AddHow,
  EvictRequest,
  IsolateResult,
  ReclaimCore,
  ReclaimOps,
  RefaultVerdict,
  ShadowInfo,
  ShrinkListResult,
} from './ops.js';
import type { LruvecCtx, PolicySlot } from './policy-host.js';
import { Psi } from './psi.js';
import {
  emptyTimeSeries,
  type OomKill,
  type PhaseResult,
  type PolicyExit,
  type TimeSeries,
} from './result.js';
import { Samples } from './samples.js';
import { DEF_PRIORITY, ScanControl } from './scan-control.js';
import type { Task } from './task.js';
import { Tiering } from './tiering-state.js';
import { stepBudgetFor, Watchdog, type WatchdogOptions } from './watchdog.js';

/** The default readahead window, `VM_READAHEAD_PAGES` (128 KiB); readahead.ts sizes windows from it. */
export const READAHEAD_PAGES = 32;

export interface PolicyAttachment {
  /** "system" (default), "node:N", or "memcg:/path" (that memcg's subtree). */
  scope: string;
  ops: ReclaimOps<unknown>;
}

export interface KernelOptions {
  machine?: MachineConfig;
  /** The policy for the whole system, or a list of attachments by scope. */
  policy: ReclaimOps<unknown> | PolicyAttachment[];
  /** What an ejected policy's scope falls back to (the kernel's default policy). */
  fallback?: ReclaimOps<unknown>;
  seed?: number;
  /** Budget for the latency summaries (ns). */
  latencyBudgetNs?: number;
  /** Time-series sampling interval (ns); doubles as the run grows so samples stay bounded. */
  sampleIntervalNs?: number;
  /** Stop the run at this virtual time (ns). */
  untilNs?: number;
  watchdog?: Partial<WatchdogOptions>;
  /** Run the conservation checks after every reclaim pass (slow; for tests). */
  checkInvariants?: boolean;
  /**
   * Ideal mode's lean paths (default on): a trace replayed as it is, and a
   * miss that evicts one clean file folio without the general shrink walk.
   * Off, every request takes the general path; results are the same either
   * way, which is what turning them off is for.
   */
  idealLeanPaths?: boolean;
}

/** One node's kswapd (kswapd.ts). */
export interface KswapdState {
  node: number;
  active: boolean;
  t: number;
  failures: number;
  /** In a balance_pgdat run: its priority, reclaimed so far, and whether it is napping. */
  balancing: boolean;
  priority: number;
  reclaimedThisRun: number;
  napUntil: number;
  /** Where its next memcg walk starts: after the memcg a vendor stop ended the last one on (shrink-node.ts). */
  memcgStart: number;
  sc: ScanControl;
  /** Its CPU in the PSI accounting. */
  psiCpu: number;
}

export abstract class KernelState {
  // ---- the run: machine, shared world, options --------------------------------
  readonly machine: Machine;
  /** Lists, lruvecs, counters, timers, address spaces, shadows (mechanisms' `World`). */
  readonly world: World;
  readonly opts: KernelOptions;
  readonly mode: 'kernel' | 'ideal';
  readonly rng: Rng;
  readonly seed: number;
  /** The services a policy calls (`ReclaimCore`): the `Kernel` that extends this context. */
  abstract get core(): ReclaimCore;

  // ---- the event loop's clock and totals (kernel.ts, task-exec.ts) -------------
  /** Set when a task's fault made another thread runnable earlier (kswapd woken). */
  preempt = false;
  events = 0;
  requests = 0;
  misses = 0;
  now = 0;

  // ---- tasks and apps (task-exec.ts, syscall.ts, app.ts) ----------------------
  readonly tasks: Task[] = [];
  /** Apps: importance classes, launches, frames, lmkd (`app.ts`). */
  apps = new AppModel(undefined);
  /** Requests for memory.reclaim at given times (vmscan-direct.ts). */
  proactive: { atNs: number; memcg: string; pages: number; swappiness?: number }[] = [];

  // ---- attached policies and their watchdog (policy-attach.ts, watchdog.ts) ----
  readonly slots: PolicySlot[] = [];
  /** Each lruvec's policy context, by lruvec id. */
  readonly ctxs: LruvecCtx[] = [];
  readonly fallback: ReclaimOps<unknown> | undefined;
  readonly watchdog: Watchdog;
  readonly policyExits: PolicyExit[] = [];

  // ---- reclaim entry points (kswapd.ts, vmscan-direct.ts, memcontrol.ts) -------
  readonly kswapd: KswapdState[];
  readonly directSc = new ScanControl();
  readonly memcgSc = new ScanControl();
  readonly proactiveSc = new ScanControl();
  /** Per lruvec: passes at priority 0 in which its policy isolated nothing (the watchdog's stall check, shrink-node.ts). */
  stallCount: number[] = [];
  /** Node flags set by shrink_node (`PGDAT_DIRTY`, `PGDAT_WRITEBACK`). */
  pgdatDirty: boolean[];
  pgdatWriteback: boolean[];
  /** `mem_cgroup_iter`'s cursor for round-robin memcg reclaim (shrink-node.ts). */
  memcgIterCursor = 0;
  /** The memcg whose lruvec reclaim is shrinking: `accountScan` counts its memory.stat pgscan there. */
  scanMemcg: Memcg;
  /** Bumped per shrink pass: policies' per-pass preparation runs once per epoch. */
  shrinkEpoch = 0;
  /** Folios isolated during the current `shrink` hook, so none is left isolated by a policy. */
  isoLog = new Int32Array(1024);
  isoLogLen = 0;
  isoLogging = false;
  /** One byte per frame for `duplicatePfn`, made on first use (see `candidateMark`). */
  candidateMarks: Uint8Array | null = null;
  /** The shadow `idealShrinkOne`'s insert found where it put the new page (0: none). */
  reusedShadow = 0;

  // ---- memory layout (mmzone.ts, numa-balancing.ts, memory-tiers.ts) ----------
  /** Each node's fallback order (`build_zonelists`). */
  readonly zonelists: number[][] = [];
  /** Memory tiering (demotion targets, NUMA-balancing promotion, slow-node costs), or null on a flat machine. */
  readonly tiering: Tiering | null;
  private readonly subtrees = new Map<Memcg, Memcg[]>();
  private subtreesFor = 0;

  // ---- swap readahead (swap-state.ts) -----------------------------------------
  /** `swapin_nr_pages`' state for cluster readahead: last offset, last window, hits since. */
  swapRaPrevOffset = 0;
  swapRaLastPages = 0;
  /** The lowest swap slot `swapReadahead` last read: where the plugged request starts on the device. */
  swapRaFirst = 0;
  swapRaHits = 0;
  /** The wait of the last `swapReadFolio`, for the caller's thrashing check once the refault is known. */
  swapWaitStart = 0;
  swapWaitEnd = 0;

  // ---- file readahead (readahead.ts, filemap.ts) --------------------------------
  /** Folios of the read `readPages` is assembling, and their file indices (a window plus the demanded page). */
  // A window is at most 2 * READAHEAD_PAGES (POSIX_FADV_SEQUENTIAL doubles ra_pages), plus the demanded page.
  readonly raPfns = new Int32Array(2 * READAHEAD_PAGES + 1);
  readonly raIndices = new Int32Array(2 * READAHEAD_PAGES + 1);
  /** Completion time of each frame's async readahead read, allocated at the first one. */
  readDoneAt: Float64Array | null = null;

  // ---- checking mode (invariants.ts) ---------------------------------------------
  /** What the last invariant walk saw changing; a pass that moved nothing is not walked again. */
  readonly passPrint = new PassPrint();

  // ---- write-back (flusher.ts, dirty-throttle.ts, writeback.ts) -----------------
  /** The flusher threads: dirty file pages per memcg, inode by inode. */
  readonly flusher: Flusher;
  readonly dirtyThrottle: DirtyThrottle;
  nextFlushNs: number;

  // ---- what the run reports (result.ts, vmstat-sample.ts, phase-log.ts, oom-kill.ts)
  readonly oomKills: OomKill[] = [];
  readonly directLatency = new Samples();
  readonly kswapdLatency = new Samples();
  readonly latencyBudgetNs: number;
  /** Memory pressure stall information (`/proc/pressure/memory`, `memory.pressure`). */
  readonly psi = new Psi();
  readonly series: TimeSeries;
  nextSampleNs = 0;
  sampleIntervalNs: number;
  /** Every task's finished phases (`phase-log.ts`). */
  readonly phaseResults: PhaseResult[] = [];

  // ---- argument objects handed to policy hooks, reused call to call -------------
  // The hot paths allocate nothing: each hook receives one of these, refilled.
  readonly timerOut = new Float64Array(3);
  readonly rmapScratch: RmapResult = { refs: 0, vmFlags: 0, mappings: 0 };
  readonly addHow: AddHow = { reason: 'fault', active: false, inFault: false, vmFlags: 0 };
  readonly verdict: RefaultVerdict = {
    activate: false,
    restore: false,
    countRefault: true,
    countActivate: null,
  };
  readonly shadowInfo: ShadowInfo;
  readonly sizesScratch: LruSizes = {
    activeAnon: 0,
    inactiveAnon: 0,
    activeFile: 0,
    inactiveFile: 0,
  };
  readonly isoResult: IsolateResult = { scanned: 0, taken: 0 };
  readonly shrinkResult: ShrinkListResult = { reclaimed: 0, survivors: 0, activated: 0, pageout: 0 };
  readonly evictBuf = new Int32Array(4096);
  readonly evictReq: EvictRequest = { nr: 0, sc: new ScanControl() };
  readonly evictOutcome = new Uint8Array(4096);

  /**
   * `attach` sets up a new lruvec's policy (policy-attach.ts); it is passed in
   * so this file imports no module that acts on the context.
   */
  constructor(options: KernelOptions, attach: (kern: KernelState, lv: Lruvec) => void) {
    this.opts = options;
    const config = options.machine ?? defaultMachineConfig(65536);
    this.machine = new Machine(config);
    this.mode = config.mode;
    this.world = new World(this.machine);
    this.world.now = 0;
    this.tiering = isTieredMachine(config) ? new Tiering(this.machine) : null;
    this.scanMemcg = this.machine.rootMemcg;
    this.seed = options.seed ?? 1;
    this.rng = new Rng(this.seed);
    this.fallback = options.fallback;
    this.latencyBudgetNs = options.latencyBudgetNs ?? 10 * NS_PER_MS;
    this.watchdog = new Watchdog({
      ...options.watchdog,
      stepBudget: options.watchdog?.stepBudget ?? stepBudgetFor(this.machine.frames.count),
    });
    if (options.checkInvariants) this.watchdog.watchCounters(this.world.counters.v);
    this.watchdog.lists = this.world.lists;
    this.watchdog.now = () => this.now;
    const attachments = Array.isArray(options.policy)
      ? options.policy
      : [{ scope: 'system', ops: options.policy }];
    if (attachments.length === 0) throw new Error('no policy attached');
    for (const a of attachments) {
      this.watchdog.validateAtLoad(a.ops);
      this.slots.push({
        index: this.slots.length,
        scope: a.scope,
        ops: a.ops,
        attached: a.ops,
        ejected: false,
        preparedEpoch: 0,
      });
    }
    this.kswapd = this.machine.nodes.map((n) => ({
      node: n.id,
      active: false,
      t: 0,
      failures: 0,
      balancing: false,
      priority: DEF_PRIORITY,
      reclaimedThisRun: 0,
      napUntil: 0,
      memcgStart: 0,
      sc: new ScanControl(),
      psiCpu: this.psi.addCpu(null, 0),
    }));
    this.pgdatDirty = this.machine.nodes.map(() => false);
    this.pgdatWriteback = this.machine.nodes.map(() => false);
    this.flusher = new Flusher(this.machine, this.world);
    this.dirtyThrottle = new DirtyThrottle(this.machine, this.world, this.flusher);
    this.nextFlushNs = config.dirtyWritebackIntervalNs;
    this.world.onLruvecCreated = (lv) => attach(this, lv);
    this.shadowInfo = {
      payload: 0,
      workingset: false,
      isFile: false,
      evictionLruvec: this.world.lruvec(this.machine.rootMemcg, 0),
      inFault: false,
    };
    this.sampleIntervalNs = options.sampleIntervalNs ?? 10 * NS_PER_MS;
    this.series = emptyTimeSeries(this.sampleIntervalNs);
    for (const n of this.machine.nodes) this.world.lruvec(this.machine.rootMemcg, n.id);
  }

  /** `mem_cgroup_iter` order of a subtree, cached until a memcg is created. */
  subtreeOf(m: Memcg): Memcg[] {
    if (this.subtreesFor !== this.machine.memcgs.length) {
      this.subtrees.clear();
      this.subtreesFor = this.machine.memcgs.length;
    }
    let list = this.subtrees.get(m);
    if (!list) {
      list = m.subtree();
      this.subtrees.set(m, list);
    }
    return list;
  }

  /** The context of a lruvec (for tests and tools). */
  ctxOf(lv: Lruvec): LruvecCtx {
    return this.ctxs[lv.id];
  }
}
