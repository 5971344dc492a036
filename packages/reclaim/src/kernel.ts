import {
  defaultMachineConfig,
  isTieredMachine,
  Machine,
  type MachineConfig,
  type Memcg,
  NS_PER_MS,
  Rng,
  type TaskSpec,
  VM_ANON,
  VM_EXEC,
  VM_LOCKED,
  VM_RAND_READ,
  VM_SEQ_READ,
  VM_SHARED,
  type Vma,
  type WorkloadInstance,
} from '@reclaim-lab/hw-model';
import {
  type LruSizes,
  type Lruvec,
  type RmapResult,
  World,
  type YoungPteVisitor,
} from '@reclaim-lab/mechanisms';
import { AppModel, appsResult, lmkdPoll } from './app.js';
import { DirtyThrottle } from './dirty-throttle.js';
import {
  EV_DONE,
  EV_FLUSH,
  EV_IO,
  EV_KSWAPD,
  EV_LMKD,
  EV_PROACTIVE,
  EV_SAMPLE,
  NextEvent,
  pickNextEvent,
} from './event-loop.js';
import { Flusher } from './flusher.js';
import { checkKernelInvariants } from './invariants.js';
import { type KswapdState, kswapdStep } from './kswapd.js';
import { Tiering } from './numa-balancing.js';
import type {
  AddHow,
  EvictRequest,
  IsolateResult,
  PutbackOutcome,
  ReclaimCore,
  ReclaimOps,
  RefaultVerdict,
  ShadowInfo,
  ShrinkListResult,
} from './ops.js';
import { endPhase } from './phase-log.js';
import { attachLruvec, ejectSlot, recoverStrays } from './policy-attach.js';
import type { LruvecCtx, PolicySlot } from './policy-host.js';
import { Psi } from './psi.js';
import { READAHEAD_PAGES } from './readahead.js';
import {
  accountScan,
  ageNonresident,
  canReclaimAnon,
  chargeNs,
  isolate,
  isolateOne,
  lruSizes,
  markDirty,
  noteCost,
  putback,
  referenced,
  shouldAbortScan,
  swappiness,
  wakeFlushers,
} from './reclaim-core.js';
import {
  emptyTimeSeries,
  memcgResult,
  type OomKill,
  type PhaseResult,
  type PolicyExit,
  type RunResult,
  type TimeSeries,
} from './result.js';
import { Samples } from './samples.js';
import { DEF_PRIORITY, ScanControl, WBT_INFLIGHT_PAGES, WBT_INFLIGHT_PAGES_KSWAPD } from './scan-control.js';
import { shrinkFolioList } from './shrink-folio-list.js';
import { shrinkNode } from './shrink-node.js';
import { Task } from './task.js';
import { runTask } from './task-exec.js';
import { classChanged, stopRequested } from './vendor-hooks.js';
import { proactiveReclaim } from './vmscan-direct.js';
import { sample } from './vmstat-sample.js';
import { Watchdog, type WatchdogOptions } from './watchdog.js';
import { WorkloadError } from './workload-error.js';
import { completeIo, completeIoUntil } from './writeback.js';

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

/**
 * The simulated kernel: one reclaim path (kswapd, direct, memcg limit,
 * memory.high, proactive reclaim, OOM), the fault and fd paths, and the
 * discrete-event loop that interleaves tasks, kswapd, I/O completions and
 * the flusher. Policies plug in through `ReclaimOps`; this file names none.
 */
export class Kernel implements ReclaimCore {
  readonly machine: Machine;
  readonly world: World;
  readonly tasks: Task[] = [];
  readonly slots: PolicySlot[] = [];
  readonly ctxs: LruvecCtx[] = [];
  readonly oomKills: OomKill[] = [];
  readonly policyExits: PolicyExit[] = [];
  readonly mode: 'kernel' | 'ideal';
  readonly rng: Rng;
  readonly seed: number;
  readonly fallback: ReclaimOps<unknown> | undefined;
  readonly kswapd: KswapdState[];
  readonly directSc = new ScanControl();
  readonly memcgSc = new ScanControl();
  readonly proactiveSc = new ScanControl();
  readonly watchdog: Watchdog;
  readonly opts: KernelOptions;
  readonly directLatency = new Samples();
  /** Memory pressure stall information (`/proc/pressure/memory`, `memory.pressure`). */
  readonly psi = new Psi();
  /** Apps: importance classes, launches, frames, lmkd (`app.ts`). */
  apps = new AppModel(undefined);
  /** `swapin_nr_pages`' state for cluster readahead: last offset, last window, hits since. */
  swapRaPrevOffset = 0;
  swapRaLastPages = 0;
  /** The lowest swap slot `swapReadahead` last read: where the plugged request starts on the device. */
  swapRaFirst = 0;
  swapRaHits = 0;
  /** The wait of the last `swapReadFolio`, for the caller's thrashing check once the refault is known. */
  swapWaitStart = 0;
  swapWaitEnd = 0;
  readonly kswapdLatency = new Samples();
  readonly latencyBudgetNs: number;
  pgdatDirty: boolean[];
  pgdatWriteback: boolean[];
  readonly timerOut = new Float64Array(3);
  readonly rmapScratch: RmapResult = { refs: 0, vmFlags: 0, mappings: 0 };
  readonly addHow: AddHow = { reason: 'fault', active: false, inFault: false, vmFlags: 0 };
  /** The event loop's next event, reused from pick to pick. */
  private readonly nextEvent = new NextEvent();
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
  /** One byte per frame for `duplicatePfn`, made on first use (see `candidateMark`). */
  candidateMarks: Uint8Array | null = null;
  /** Folios of the read `readPages` is assembling, and their file indices (a window plus the demanded page). */
  // A window is at most 2 * READAHEAD_PAGES (POSIX_FADV_SEQUENTIAL doubles ra_pages), plus the demanded page.
  readonly raPfns = new Int32Array(2 * READAHEAD_PAGES + 1);
  readonly raIndices = new Int32Array(2 * READAHEAD_PAGES + 1);
  /** Completion time of each frame's async readahead read, allocated at the first one. */
  readDoneAt: Float64Array | null = null;
  readonly evictReq: EvictRequest = { nr: 0, sc: new ScanControl() };
  readonly evictOutcome = new Uint8Array(4096);
  /** The flusher threads: dirty file pages per memcg, inode by inode. */
  readonly flusher: Flusher;
  readonly dirtyThrottle: DirtyThrottle;
  nextFlushNs: number;
  proactive: { atNs: number; memcg: string; pages: number; swappiness?: number }[] = [];
  readonly series: TimeSeries;
  nextSampleNs = 0;
  sampleIntervalNs: number;
  memcgIterCursor = 0;
  /** Folios isolated during the current `shrink` hook, so none is left isolated by a policy. */
  isoLog = new Int32Array(1024);
  isoLogLen = 0;
  isoLogging = false;
  /** The memcg whose lruvec reclaim is shrinking: `accountScan` counts its memory.stat pgscan there. */
  scanMemcg: Memcg;
  /** Every task's finished phases (`phase-log.ts`). */
  readonly phaseResults: PhaseResult[] = [];
  stallCount: number[] = [];
  shrinkEpoch = 0;
  /** The shadow `idealShrinkOne`'s insert found where it put the new page (0: none). */
  reusedShadow = 0;
  readonly zonelists: number[][] = [];
  /** Memory tiering (demotion targets, NUMA-balancing promotion, slow-node costs), or null on a flat machine. */
  readonly tiering: Tiering | null;
  readonly subtrees = new Map<Memcg, Memcg[]>();
  subtreesFor = 0;

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

  /** Set when a task's fault made another thread runnable earlier (kswapd woken). */
  preempt = false;
  events = 0;
  requests = 0;
  misses = 0;
  now = 0;

  constructor(options: KernelOptions) {
    this.opts = options;
    const config = options.machine ?? defaultMachineConfig(65536);
    this.machine = new Machine(config);
    this.mode = config.mode;
    this.world = new World(this.machine);
    this.world.now = 0;
    this.tiering = isTieredMachine(config) ? new Tiering(this) : null;
    this.scanMemcg = this.machine.rootMemcg;
    this.seed = options.seed ?? 1;
    this.rng = new Rng(this.seed);
    this.fallback = options.fallback;
    this.latencyBudgetNs = options.latencyBudgetNs ?? 10 * NS_PER_MS;
    this.watchdog = new Watchdog(options.watchdog);
    this.watchdog.eject = (slot, exit) => ejectSlot(this, slot, exit);
    this.watchdog.recover = (slot) => recoverStrays(this, slot);
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
      sc: new ScanControl(),
      psiCpu: this.psi.addCpu(null, 0),
    }));
    this.pgdatDirty = this.machine.nodes.map(() => false);
    this.pgdatWriteback = this.machine.nodes.map(() => false);
    this.flusher = new Flusher(this.machine, this.world);
    this.dirtyThrottle = new DirtyThrottle(this.machine, this.world, this.flusher);
    this.nextFlushNs = config.dirtyWritebackIntervalNs;
    this.world.onLruvecCreated = (lv) => attachLruvec(this, lv);
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

  // ---- policy attachment -------------------------------------------------------

  /** The context of a lruvec (for tests and tools). */
  ctxOf(lv: Lruvec): LruvecCtx {
    return this.ctxs[lv.id];
  }

  // ---- setup --------------------------------------------------------------------

  /** Create files, memcgs and tasks of a workload instance. */
  load(w: WorkloadInstance): this {
    for (const f of w.files) {
      if (!(f.pages > 0) || !Number.isInteger(f.pages))
        throw new WorkloadError(`file ${f.name}: pages must be a positive integer, got ${f.pages}`);
      this.machine.addFile(f.name, f.pages, f.device ?? 0);
    }
    for (const m of w.memcgs) {
      const cg = this.machine.memcg(m.path);
      if (m.max !== undefined) cg.max = m.max;
      if (m.high !== undefined) cg.high = m.high;
      if (m.min !== undefined) cg.min = m.min;
      if (m.low !== undefined) cg.low = m.low;
      if (m.swapMax !== undefined) cg.swapMax = m.swapMax;
      if (m.swappiness !== undefined) cg.swappiness = m.swappiness;
      if (m.oomGroup !== undefined) cg.oomGroup = m.oomGroup;
      for (const n of this.machine.nodes) this.world.lruvec(cg, n.id);
    }
    for (const t of w.tasks) this.addTask(t);
    this.proactive = [...(w.proactive ?? [])].sort((a, b) => a.atNs - b.atNs);
    if (w.lmkd) this.apps = new AppModel(w.lmkd);
    return this;
  }

  addTask(spec: TaskSpec): Task {
    const memcg = this.machine.memcg(spec.memcg ?? '/');
    for (const n of this.machine.nodes) this.world.lruvec(memcg, n.id);
    if ((spec.node ?? 0) >= this.machine.nodes.length)
      throw new WorkloadError(`task ${spec.name}: node ${spec.node} does not exist`);
    const regions = spec.regions.map((r, i) => {
      if (!(r.pages > 0) || !Number.isInteger(r.pages)) {
        throw new WorkloadError(
          `task ${spec.name}: regions[${i}].pages must be a positive integer, got ${r.pages}`,
        );
      }
      let vmFlags = 0;
      let file = -1;
      if (r.kind === 'anon') vmFlags |= VM_ANON;
      else {
        file = r.file ?? -1;
        const f = this.machine.files[file];
        if (!f) throw new WorkloadError(`task ${spec.name}: regions[${i}].file ${r.file} does not exist`);
        if ((r.filePageOffset ?? 0) + r.pages > f.pages) {
          throw new WorkloadError(`task ${spec.name}: regions[${i}] extends past the end of file ${f.name}`);
        }
        vmFlags |= VM_SHARED;
        if (r.shmem) f.markShmem();
      }
      if (r.mlock) vmFlags |= VM_LOCKED;
      if (r.exec) vmFlags |= VM_EXEC;
      if (r.advice === 'sequential') vmFlags |= VM_SEQ_READ;
      if (r.advice === 'random') vmFlags |= VM_RAND_READ;
      return { pages: r.pages, vmFlags, file, pgoff: r.filePageOffset ?? 0 };
    });
    const mm = this.world.createMm(memcg.id, regions);
    const task = new Task(this.tasks.length, spec, memcg, mm);
    task.psiCpu = this.psi.addCpu(memcg, task.startNs);
    spec.regions.forEach((r, i) => {
      if (r.kind !== 'file-fd' && r.mapAtStart !== false) this.mapVma(task, mm.vmas[i]);
    });
    this.tasks.push(task);
    return task;
  }

  mapVma(task: Task, vma: Vma): void {
    if (vma.mapped) return;
    vma.mapped = true;
    task.regionBase[vma.region] = vma.start;
    if (vma.file >= 0) {
      this.machine.files[vma.file].mappings.push({
        mm: task.mm.id,
        start: vma.start,
        pages: vma.pages,
        pgoff: vma.pgoff,
        vmFlags: vma.vmFlags,
      });
    }
  }

  // ---- the event loop ------------------------------------------------------------

  /** Run until every task has finished (or `untilNs`). */
  run(): RunResult {
    const until = this.opts.untilNs ?? Number.POSITIVE_INFINITY;
    const ev = this.nextEvent;
    for (pickNextEvent(this, until, ev); ev.kind !== EV_DONE; pickNextEvent(this, until, ev)) {
      switch (ev.kind) {
        case EV_SAMPLE:
          sample(this);
          break;
        case EV_IO:
          completeIo(this);
          break;
        case EV_FLUSH:
          this.flusher.run(this.now, false);
          this.nextFlushNs = this.now + this.machine.config.dirtyWritebackIntervalNs;
          break;
        case EV_PROACTIVE: {
          const req = this.proactive.shift()!;
          proactiveReclaim(this, this.machine.memcg(req.memcg), req.pages, req.swappiness);
          break;
        }
        case EV_LMKD:
          lmkdPoll(this);
          break;
        case EV_KSWAPD:
          kswapdStep(this, ev.kswapd!);
          break;
        default:
          runTask(this, ev.task!, ev.horizon);
      }
    }
    sample(this);
    return this.result();
  }

  // ---- ReclaimCore services -----------------------------------------------------------------

  /**
   * The block layer's write throttle (blk-wbt): with as many of reclaim's
   * page writes in flight to the device as it allows, the reclaimer sleeps
   * until the oldest completes, and the I/O due by then completes. This is
   * what keeps reclaim from writing far more than it frees on a slow swap
   * device: it runs at the device's pace. Synchronous devices (zram) have none.
   */
  waitForWriteSlot(pfn: number, sc: ScanControl): void {
    const dev = this.world.writebackDevice(pfn);
    if (dev.spec.synchronous) return;
    const at = dev.writeSlotAt(sc.isKswapd ? WBT_INFLIGHT_PAGES_KSWAPD : WBT_INFLIGHT_PAGES);
    if (at <= sc.clockNs) return;
    sc.waitNs += at - sc.clockNs;
    completeIoUntil(this, sc.clockNs);
  }

  // ---- ReclaimCore: what a policy may call (each runs the function of its module) ----

  isolate(ctx: LruvecCtx, list: number, nr: number, buf: Int32Array, sc: ScanControl): IsolateResult {
    return isolate(this, ctx, list, nr, buf, sc);
  }

  isolateOne(ctx: LruvecCtx, pfn: number, sc: ScanControl): boolean {
    return isolateOne(this, ctx, pfn, sc);
  }

  shrinkFolioList(
    ctx: LruvecCtx,
    buf: Int32Array,
    n: number,
    sc: ScanControl,
    outcome: Uint8Array,
    visitor: YoungPteVisitor | null = null,
    rmapWalk = true,
    ignoreReferences = false,
  ): ShrinkListResult {
    return shrinkFolioList(this, ctx, buf, n, sc, outcome, visitor, rmapWalk, ignoreReferences);
  }

  putback(ctx: LruvecCtx, pfn: number, outcome: PutbackOutcome | 'cull'): void {
    putback(this, ctx, pfn, outcome);
  }

  referenced(pfn: number, sc: ScanControl, visitor: YoungPteVisitor | null = null): RmapResult {
    return referenced(this, pfn, sc, visitor);
  }

  accountScan(sc: ScanControl, type: number, n: number): void {
    accountScan(this, sc, type, n);
  }

  noteCost(lv: Lruvec, type: number, nrIo: number, nrRotated: number): void {
    noteCost(this, lv, type, nrIo, nrRotated);
  }

  ageNonresident(lv: Lruvec, n: number): void {
    ageNonresident(this, lv, n);
  }

  chargeNs(sc: ScanControl, ns: number): void {
    chargeNs(this, sc, ns);
  }

  canReclaimAnon(lv: Lruvec, sc: ScanControl): boolean {
    return canReclaimAnon(this, lv, sc);
  }

  shouldAbortScan(ctx: LruvecCtx, sc: ScanControl): boolean {
    return shouldAbortScan(this, ctx, sc);
  }

  swappiness(lv: Lruvec, sc: ScanControl): number {
    return swappiness(this, lv, sc);
  }

  stopRequested(ctx: LruvecCtx, sc: ScanControl): boolean {
    return stopRequested(this, ctx, sc);
  }

  wakeFlushers(): void {
    wakeFlushers(this);
  }

  /** Optional in ReclaimCore: a policy that sees PTE dirty bits moves them to the folio. */
  markDirty(pfn: number): void {
    markDirty(this, pfn);
  }

  lruSizes(lv: Lruvec): LruSizes {
    return lruSizes(this, lv);
  }

  /** One `shrink_node` pass (for tests and tools that drive reclaim by hand). */
  shrinkNode(sc: ScanControl, node: number): void {
    shrinkNode(this, sc, node);
  }

  /** memory.reclaim: reclaim `pages` from `memcg`'s subtree now; returns the pages reclaimed. */
  proactiveReclaim(memcg: Memcg, pages: number, swappiness?: number): number {
    return proactiveReclaim(this, memcg, pages, swappiness);
  }

  /** Conservation and mapping invariants (docs/architecture.md); throws with a description. */
  checkInvariants(where: string): void {
    checkKernelInvariants(this.machine, this.world, this.ctxs, where);
  }

  result(): RunResult {
    // A task still running when the run stops ends its phase there.
    for (const t of this.tasks) if (t.alive) endPhase(this, t);
    const counters = this.world.counters.toRecord();
    const end = Math.max(this.now, ...this.tasks.map((t) => (t.alive ? t.t : t.endNs)));
    const pageStateBits: Record<string, number> = {};
    for (const s of this.slots) pageStateBits[s.attached.name] = s.attached.pageStateBits ?? 0;
    const apps = appsResult(this);
    return {
      policy: this.slots
        .map((s) => (s.scope === 'system' ? s.attached.name : `${s.attached.name}@${s.scope}`))
        .join('+'),
      seed: this.seed,
      mode: this.mode,
      runtimeNs: end,
      counters,
      requests: this.requests,
      misses: this.misses,
      memoryPages: this.machine.frames.count,
      tasks: this.tasks.map((t) => ({
        name: t.name,
        memcg: t.memcg.path,
        runtimeNs: (t.alive ? t.t : t.endNs) - t.startNs,
        ops: t.ops,
        accesses: t.accesses,
        majorFaults: t.majorFaults,
        readMisses: t.readMisses,
        minorFaults: t.minorFaults,
        directReclaimNs: t.directReclaimNs,
        ioWaitNs: t.ioWaitNs,
        killed: t.killed,
        finished: t.finished,
      })),
      oomKills: this.oomKills,
      directReclaimLatency: this.directLatency.summary(this.latencyBudgetNs),
      kswapdBatchLatency: this.kswapdLatency.summary(this.latencyBudgetNs),
      pressure: {
        memory: this.psi.totals(this.machine.rootMemcg, end),
        memcgs: Object.fromEntries(
          this.machine.memcgs.filter((m) => m.parent !== null).map((m) => [m.path, this.psi.totals(m, end)]),
        ),
      },
      series: this.series,
      policyExits: this.policyExits,
      phases: this.phaseResults.slice().sort((a, b) => a.startNs - b.startNs),
      memcgs: this.machine.memcgs.map((m) => memcgResult(this.machine.memcgs, m)),
      ...(apps === null ? {} : { apps }),
      pageStateBits,
      events: this.events,
    };
  }

  /** A memcg's importance class changed (`app.ts`): its policies may act on it (`classChanged`). */
  importanceChanged(memcg: Memcg, from: number, to: number): void {
    classChanged(this, memcg, from, to);
  }

  /** ReclaimCore: the importance class of a memcg's apps (-1: no app in it). */
  importance(memcg: Memcg): number {
    return this.apps.classOf(memcg);
  }

  get kswapdFailures(): number[] {
    return this.kswapd.map((k) => k.failures);
  }
}
