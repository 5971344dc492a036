import {
  CHUNK_CAPACITY,
  defaultMachineConfig,
  fileSector,
  HZ,
  LRU_ANON,
  LRU_FILE,
  MADV_COLD,
  MADV_PAGEOUT,
  Machine,
  type MachineConfig,
  type Memcg,
  NS_PER_JIFFY,
  NS_PER_MS,
  NS_PER_SEC,
  OP_APPSTATE,
  OP_FSYNC,
  OP_MADVISE,
  OP_MAP,
  OP_OPDONE,
  OP_PHASE,
  OP_READ,
  OP_STORE,
  OP_THINK,
  OP_UNMAP,
  OP_WRITE,
  PG_ACTIVE,
  PG_ANON,
  PG_DIRTY,
  PG_FILE,
  PG_ISOLATED,
  PG_LOCKED,
  PG_LRU,
  PG_MLOCKED,
  PG_RECLAIM,
  PG_REFERENCED,
  PG_SWAPBACKED,
  PG_SWAPCACHE,
  PG_UNEVICTABLE,
  PG_WORKINGSET,
  PG_WRITEBACK,
  PTE_DIRTY,
  PTE_YOUNG,
  Rng,
  type SimFile,
  type TaskSpec,
  VM_ANON,
  VM_EXEC,
  VM_LOCKED,
  VM_RAND_READ,
  VM_SEQ_READ,
  VM_SHARED,
  type Vma,
  type WorkloadInstance,
  ZERO_PAGE_PTE,
} from '@reclaim-lab/hw-model';
import {
  KIB_PER_PAGE,
  type LruSizes,
  type Lruvec,
  packShadow,
  type RmapResult,
  VM,
  World,
  type YoungPteVisitor,
} from '@reclaim-lab/mechanisms';
import { DirtyThrottle } from './dirty-throttle.js';
import { pageFault } from './fault.js';
import { fdRead, fdWrite } from './filemap.js';
import { Flusher } from './flusher.js';
import { checkKernelInvariants } from './invariants.js';
import { cull, lruAdd, markAccessed, placed, placeOnLru } from './lru-add.js';
import { OOM_SCORE_ADJ_MIN, oomBadness, oomTotalPages, policyInTheWay, selectOomVictim } from './oom.js';
import type {
  AddHow,
  Decision,
  EvictRequest,
  IsolateResult,
  PutbackOutcome,
  ReclaimCore,
  ReclaimOps,
  RefaultVerdict,
  ShadowInfo,
  ShrinkListResult,
} from './ops.js';
import {
  badLruSizes,
  badPayload,
  badScanControl,
  badTag,
  defaultHooks,
  duplicatePfn,
  LruvecCtx,
  type PolicySlot,
} from './policy-host.js';
import { calculateProtection } from './protection.js';
import { Psi } from './psi.js';
import { READ_DONE_TAG, READAHEAD_PAGES } from './readahead.js';
import { emptyTimeSeries, type OomKill, type PolicyExit, type RunResult, type TimeSeries } from './result.js';
import { Samples } from './samples.js';
import {
  DEF_PRIORITY,
  MAX_RECLAIM_RETRIES,
  MEMCG_CHARGE_BATCH,
  MIN_LRU_BATCH,
  type Reclaimer,
  ScanControl,
  SWAP_CLUSTER_MAX,
  WBT_INFLIGHT_PAGES,
  WBT_INFLIGHT_PAGES_KSWAPD,
} from './scan-control.js';
import { shmemRead, shmemWrite } from './shmem.js';
import { Task } from './task.js';
import { HOOK_FAILED, PolicyEjected, Watchdog, type WatchdogOptions } from './watchdog.js';
import { refault } from './workingset.js';

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

const QUANTUM_NS = 50_000;
const MAX_SAMPLES = 512;

interface KswapdState {
  node: number;
  active: boolean;
  t: number;
  failures: number;
  /** In a balance_pgdat run: its priority, reclaimed so far, and whether it is napping. */
  balancing: boolean;
  priority: number;
  reclaimedThisRun: number;
  napUntil: number;
  sc: ScanControl;
  /** Its CPU in the PSI accounting. */
  psiCpu: number;
}

/** Thrown inside the simulator for bad workload input, naming the task and event. */
export class WorkloadError extends Error {}

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
  readonly verdict: RefaultVerdict = { activate: false, restore: false };
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
  stallCount: number[] = [];
  shrinkEpoch = 0;
  /** The shadow `idealShrinkOne`'s insert found where it put the new page (0: none). */
  reusedShadow = 0;
  readonly zonelists: number[][] = [];
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
    this.seed = options.seed ?? 1;
    this.rng = new Rng(this.seed);
    this.fallback = options.fallback;
    this.latencyBudgetNs = options.latencyBudgetNs ?? 10 * NS_PER_MS;
    this.watchdog = new Watchdog(options.watchdog);
    this.watchdog.eject = (slot, exit) => this.ejectSlot(slot, exit);
    this.watchdog.recover = (slot) => this.recoverStrays(slot);
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
    this.world.onLruvecCreated = (lv) => this.attachLruvec(lv);
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

  slotFor(lv: Lruvec): PolicySlot {
    let best: PolicySlot | undefined;
    let bestRank = -1;
    for (const s of this.slots) {
      let rank = -1;
      if (s.scope === 'system') rank = 0;
      else if (s.scope === `node:${lv.node}`) rank = 1;
      else if (s.scope.startsWith('memcg:')) {
        const path = s.scope.slice(6);
        const m = this.machine.memcgs.find((x) => x.path === path);
        if (m?.isAncestorOf(lv.memcg)) rank = 2 + m.path.length;
      }
      if (rank > bestRank) {
        best = s;
        bestRank = rank;
      }
    }
    return best ?? this.slots[0];
  }

  attachLruvec(lv: Lruvec): void {
    const slot = this.slotFor(lv);
    lv.policySlot = slot.index;
    const ctx = new LruvecCtx(lv, this.world, this, this.rng.fork(lv.id), slot, (o) => this.ctxs[o.id]);
    this.ctxs[lv.id] = ctx;
    this.initPolicyState(ctx);
  }

  initPolicyState(ctx: LruvecCtx): void {
    const ops = ctx.slot.ops;
    for (const l of ctx.ownLists) this.world.lists.retire(l);
    ctx.ownLists = [];
    if (ops.init) {
      const NONE = {};
      const state = this.watchdog.guard(
        ctx,
        'init',
        () =>
          ops.init!({
            lruvec: ctx.lruvec,
            machine: this.machine,
            memoryPages: Math.min(this.machine.nodes[ctx.lruvec.node].pages, ctx.lruvec.memcg.max),
            createList: (name: string) => {
              const id = this.world.lists.create(ctx.lruvec.id, `${ops.name}:${name}`);
              ctx.ownLists.push(id);
              return id;
            },
          }),
        () => NONE,
      );
      // Ejected inside init: the ejection already initialised the fallback.
      if (ctx.slot.ops !== ops) return;
      ctx.state = state === NONE ? undefined : state;
    } else ctx.state = undefined;
    defaultHooks.init(ctx);
    if (!ops.init) ctx.state = { list: ctx.ownLists[0] };
  }

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
    for (;;) {
      let task: Task | null = null;
      let taskT = Number.POSITIVE_INFINITY;
      for (const t of this.tasks) {
        if (t.alive && t.t < taskT) {
          task = t;
          taskT = t.t;
        }
      }
      let ksw: KswapdState | null = null;
      let kswT = Number.POSITIVE_INFINITY;
      for (const k of this.kswapd) {
        if (k.active && k.t < kswT) {
          ksw = k;
          kswT = k.t;
        }
      }
      const timerT = this.world.timers.peekTime();
      const proT = this.proactive.length ? this.proactive[0].atNs : Number.POSITIVE_INFINITY;
      if (task === null) break;
      const next = Math.min(taskT, kswT, timerT, proT, this.nextFlushNs, this.nextSampleNs);
      if (next >= until) break;
      if (next === this.nextSampleNs) {
        this.now = this.world.now = next;
        this.sample();
        continue;
      }
      if (next === timerT) {
        this.now = this.world.now = timerT;
        this.completeIo();
        continue;
      }
      if (next === this.nextFlushNs) {
        this.now = this.world.now = next;
        this.flusher.run(this.now, false);
        this.nextFlushNs = next + this.machine.config.dirtyWritebackIntervalNs;
        continue;
      }
      if (next === proT) {
        const req = this.proactive.shift()!;
        this.now = this.world.now = req.atNs;
        this.proactiveReclaim(this.machine.memcg(req.memcg), req.pages, req.swappiness);
        continue;
      }
      if (ksw && kswT <= taskT) {
        this.now = this.world.now = ksw.t;
        this.kswapdStep(ksw);
        continue;
      }
      const horizon = Math.min(
        kswT,
        timerT,
        proT,
        this.nextFlushNs,
        this.nextSampleNs,
        this.secondTaskT(task) + QUANTUM_NS,
        until,
      );
      this.runTask(task, Math.max(horizon, taskT + 1));
    }
    this.sample();
    return this.result();
  }

  secondTaskT(except: Task): number {
    let m = Number.POSITIVE_INFINITY;
    for (const t of this.tasks) if (t !== except && t.alive && t.t < m) m = t.t;
    return m;
  }

  /** The hot path: page-table hits cost one typed-array read and one write. */
  runTask(task: Task, horizon: number): void {
    const chunk = task.chunk;
    const ops = chunk.op;
    const regions = chunk.region;
    const args = chunk.arg;
    const mm = task.mm;
    const pte = mm.pte;
    const bits = mm.pteBits;
    const pmd = mm.pmdYoung;
    const vmas = task.vmas;
    const regionPages = task.regionPages;
    const regionBase = task.regionBase;
    const nRegions = regionBase.length;
    const accessNs = this.machine.config.cost.accessNs;
    const ideal = this.mode === 'ideal';
    if (ideal && task.requestSource !== null && this.opts.idealLeanPaths !== false) {
      this.replayRequests(task, horizon);
      return;
    }
    let t = task.t;
    let accesses = 0;
    // The position lives in a local while hits run; it is written back before anything else sees the task.
    let pos = task.pos;
    let len = chunk.length;
    mm.usedNodes = 0xffffffff;
    this.preempt = false;
    while (t < horizon) {
      if (pos >= len) {
        task.t = t;
        task.pos = pos;
        if (!this.refill(task)) break;
        pos = task.pos;
        len = chunk.length;
      }
      const i = pos++;
      const op = ops[i];
      const r = regions[i];
      const a = args[i];
      if (op <= OP_STORE) {
        // regionBase is -1 for a region that is not mapped (or not a region at all).
        const base = r >= 0 && r < nRegions ? regionBase[r] : -1;
        if (base < 0 || a < 0 || a >= regionPages[r]) {
          task.t = t;
          task.pos = pos;
          this.badAccess(task, op, r, a);
        }
        const vpn = base + a;
        accesses++;
        // A store to a write-protected PTE (PTE_WRPROTECT === OP_STORE << 2) faults.
        if (pte[vpn] > 0 && (bits[vpn] & (op << 2)) === 0) {
          bits[vpn] |= 1 | (op << 1);
          pmd[vpn >> 9] = 1;
          t += accessNs;
          continue;
        }
        task.t = t;
        task.pos = pos;
        pageFault(this, task, vmas[r], vpn, op === OP_STORE);
        pos = task.pos;
        t = task.t;
        // A fault may have woken kswapd or queued I/O: let the loop run them in time order.
        if (task.killed || this.preempt || this.world.timers.peekTime() < t) break;
        continue;
      }
      if (ideal && (op === OP_READ || op === OP_WRITE || op === OP_OPDONE)) {
        // Ideal mode serves fd hits (and op counts) in a tight loop of its own.
        task.pos = i;
        task.t = t;
        accesses += this.idealHits(task);
        t = task.t;
        pos = task.pos;
        len = chunk.length;
        if (pos !== i) continue;
        // Event i needs the general path: a miss.
        pos = i + 1;
      }
      task.t = t;
      task.pos = pos;
      this.slowOp(task, op, r, a);
      t = task.t;
      pos = task.pos;
      len = chunk.length;
      if (task.killed || this.preempt || this.world.timers.peekTime() < t) break;
    }
    this.preempt = false;
    task.pos = pos;
    task.t = t;
    task.accesses += accesses;
    this.requests += accesses;
  }

  badAccess(task: Task, op: number, r: number, a: number): never {
    const vma = task.vmas[r];
    if (vma === undefined)
      throw new WorkloadError(`task ${task.name}: event names region ${r}, which does not exist`);
    if (!vma.mapped)
      throw new WorkloadError(
        `task ${task.name}: ${op === OP_STORE ? 'store' : 'load'} to region ${r} before it is mapped`,
      );
    throw new WorkloadError(
      `task ${task.name}: page ${a} is outside region ${r} (${task.regionPages[r]} pages)`,
    );
  }

  refill(task: Task): boolean {
    task.pos = 0;
    const n = task.source.fill(task.chunk);
    task.chunk.length = n;
    this.events += n;
    if (n === 0) {
      this.exitTask(task, false);
      return false;
    }
    return true;
  }

  slowOp(task: Task, op: number, r: number, a: number): void {
    const vma = task.vmas[r];
    if (op === OP_THINK) {
      this.psi.idle(task.psiCpu, task.t, task.t + a);
      task.t += a;
      return;
    }
    if (op === OP_OPDONE) {
      task.ops++;
      return;
    }
    if (op === OP_PHASE) {
      task.phase = a;
      return;
    }
    if (op === OP_APPSTATE) return;
    if (vma === undefined)
      throw new WorkloadError(`task ${task.name}: event names region ${r}, which does not exist`);
    switch (op) {
      case OP_READ:
      case OP_WRITE: {
        if (vma.file < 0)
          throw new WorkloadError(
            `task ${task.name}: ${op === OP_READ ? 'read' : 'write'} on anon region ${r}`,
          );
        if (a < 0 || a >= vma.pages)
          throw new WorkloadError(`task ${task.name}: page ${a} is outside region ${r} (${vma.pages} pages)`);
        this.requests++;
        task.accesses++;
        if (this.machine.files[vma.file].shmem) {
          if (op === OP_READ) shmemRead(this, task, vma, r, a);
          else shmemWrite(this, task, vma, a);
        } else if (op === OP_READ) fdRead(this, task, vma, r, a);
        else fdWrite(this, task, vma, a);
        return;
      }
      case OP_MAP:
        this.mapVma(task, vma);
        return;
      case OP_UNMAP:
        this.unmapVma(task, vma);
        return;
      case OP_MADVISE:
        this.madvise(task, vma, a);
        return;
      case OP_FSYNC:
        if (vma.file >= 0) this.fsync(task, this.machine.files[vma.file]);
        return;
      default:
        throw new WorkloadError(`task ${task.name}: unknown event op ${op}`);
    }
  }

  // ---- faults and the fd path -----------------------------------------------------

  // ---- shmem ----------------------------------------------------------------------

  /**
   * Ideal mode's hit path: from `task.pos`, serve fd reads and writes whose
   * page is cached (what fdRead and fdWrite do for a hit there: count it, and
   * `markAccessed` with the hook guarded inline) and count OP_OPDONE, until
   * the chunk ends or an event needs the general path; `task.pos` is left at
   * that event. Returns the requests served. A separate small function, so
   * that it is optimised as a whole rather than as an on-stack replacement
   * inside the long-running `runTask` loop.
   */
  idealHits(task: Task): number {
    const chunk = task.chunk;
    const ops = chunk.op;
    const regions = chunk.region;
    const args = chunk.arg;
    const end = chunk.length;
    const vmas = task.vmas;
    const files = this.machine.files;
    const ctxs = this.ctxs;
    const frameFlags = this.machine.frames.flags;
    const frameLruvec = this.machine.frames.lruvec;
    // Locals, not imported bindings: tsx and vitest compile those to getters, a call per use.
    const READ = OP_READ;
    const WRITE = OP_WRITE;
    const OPDONE = OP_OPDONE;
    const LRU_EVICTABLE = PG_LRU | PG_UNEVICTABLE;
    const LRU_ONLY = PG_LRU;
    let i = task.pos;
    let served = 0;
    let opsDone = 0;
    // The last region's page cache and the last lruvec's hook, kept while they repeat.
    let region = -1;
    let cache: Int32Array | null = null;
    let pgoff = 0;
    let pages = 0;
    let lruvec = -1;
    let ctx: LruvecCtx | null = null;
    for (; i < end; i++) {
      const op = ops[i];
      if (op === OPDONE) {
        opsDone++;
        continue;
      }
      if (op !== READ && op !== WRITE) break;
      if (regions[i] !== region) {
        const vma = vmas[regions[i]];
        if (vma === undefined || vma.file < 0) break;
        region = regions[i];
        cache = files[vma.file].cache;
        pgoff = vma.pgoff;
        pages = vma.pages;
      }
      const a = args[i];
      if (a < 0 || a >= pages) break;
      const p = (cache as Int32Array)[pgoff + a];
      if (p === 0) break;
      const pfn = p - 1;
      served++;
      if (frameLruvec[pfn] !== lruvec) {
        lruvec = frameLruvec[pfn];
        ctx = ctxs[lruvec];
      }
      const c = ctx as LruvecCtx;
      const slot = c.slot;
      const policy = slot.ops;
      const hook = policy.folioAccessed;
      if ((frameFlags[pfn] & LRU_EVICTABLE) !== LRU_ONLY || hook === undefined || slot.ejected) {
        markAccessed(this, pfn);
        continue;
      }
      this.accessGuarded(c, policy, hook, pfn);
    }
    task.pos = i;
    task.ops += opsDone;
    task.t += served * this.machine.config.cost.fdAccessNs;
    return served;
  }

  /**
   * Ideal mode's loop over a request source (a trace replay): each request
   * is an fd read or write of a page of region 0 followed by a finished op,
   * exactly the events the source's `fill` would give. A hit is served here
   * as in `idealHits`; a miss, or a folio the inline guard does not cover,
   * takes the general path (`slowOp`, `markAccessed`).
   */
  replayRequests(task: Task, horizon: number): void {
    const buf = (task.requestBuf ??= new Int32Array(CHUNK_CAPACITY));
    const vma = task.vmas[0];
    const cache = this.machine.files[vma.file].cache;
    // leanMiss reads a regular file; shmem misses take the general path.
    const leanFile = !this.machine.files[vma.file].shmem;
    const pgoff = vma.pgoff;
    const pages = vma.pages;
    const ctxs = this.ctxs;
    const frameFlags = this.machine.frames.flags;
    const frameLruvec = this.machine.frames.lruvec;
    const fdAccessNs = this.machine.config.cost.fdAccessNs;
    const timers = this.world.timers;
    const LRU_EVICTABLE = PG_LRU | PG_UNEVICTABLE;
    const LRU_ONLY = PG_LRU;
    let hits = 0;
    let lruvec = -1;
    let ctx: LruvecCtx | null = null;
    const lvs = this.world.lruvecs;
    // Lruvecs are made as memcgs and tasks are loaded, never while requests run.
    const single = lvs.length === 1 ? ctxs[lvs[0].id] : null;
    // Between requests every cached page of an unlocked region is on its
    // lruvec's lists and evictable: pages are isolated only inside reclaim,
    // and only VM_LOCKED culls them. On one lruvec the check can go.
    const settled = single !== null && (vma.vmFlags & VM_LOCKED) === 0;
    // A miss evicts and inserts in `leanMiss` while this policy stays
    // attached (the scope is fixed while requests run: nothing else does).
    const lean = leanFile && settled && this.leanMemcg(task.memcg) ? this.idealLeanCtx() : null;
    if (lean !== null && this.replayLean(task, horizon, lean)) return;
    const leanOps = lean === null ? null : lean.slot.ops;
    // After `replayLean` gave up part way: what it wrote back.
    let t = task.t;
    let pos = task.requestPos;
    let len = task.requestLen;
    if (task.killed || !task.alive) return;
    this.preempt = false;
    while (t < horizon) {
      if (pos >= len) {
        pos = 0;
        len = this.refillRequests(task, buf, t);
        if (len === 0) break;
      }
      const req = buf[pos++];
      const a = req < 0 ? ~req : req;
      const p = a < pages ? cache[pgoff + a] : 0;
      if (p !== 0) {
        const pfn = p - 1;
        // Each hit is an op too: `task.ops` gets them with the other totals at the end.
        hits++;
        t += fdAccessNs;
        // One lruvec: no need to look up the folio's.
        if (single === null && frameLruvec[pfn] !== lruvec) {
          lruvec = frameLruvec[pfn];
          ctx = ctxs[lruvec];
        }
        const c = single ?? (ctx as LruvecCtx);
        const slot = c.slot;
        const policy = slot.ops;
        const hook = policy.folioAccessed;
        if (
          hook === undefined ||
          slot.ejected ||
          (!settled && (frameFlags[pfn] & LRU_EVICTABLE) !== LRU_ONLY)
        ) {
          markAccessed(this, pfn);
          continue;
        }
        this.accessGuarded(c, policy, hook, pfn);
        continue;
      }
      task.t = t;
      task.requestPos = pos;
      task.requestLen = len;
      if (a < pages && lean !== null && lean.slot.ops === leanOps && !lean.slot.ejected)
        this.leanMiss(task, vma, a, req < 0, lean);
      else this.slowOp(task, req < 0 ? OP_WRITE : OP_READ, 0, a);
      if (task.killed) break;
      task.ops++;
      t = task.t;
      if (this.preempt || timers.peekTime() < t) break;
    }
    this.replayStopped(task, t, pos, len, hits);
  }

  /**
   * `replayRequests` on the machine of `idealLeanCtx`: a hit as there, a
   * miss by `leanMiss`. The hit loop holds only what a hit needs, so V8
   * keeps it in registers. Returns false, with the task's position and time
   * written back, when the machine is no longer lean (the policy was
   * ejected, a request is out of range): the caller goes on with the
   * general loop. The lean-paths property test holds it to the general
   * path's results.
   */
  replayLean(task: Task, horizon: number, ctx: LruvecCtx): boolean {
    const slot = ctx.slot;
    const ops = slot.ops;
    const accessed = ops.folioAccessed;
    if (accessed === undefined || ops.folioAdded === undefined || ops.evictCandidates === undefined)
      return false;
    const buf = (task.requestBuf ??= new Int32Array(CHUNK_CAPACITY));
    const vma = task.vmas[0];
    const cache = this.machine.files[vma.file].cache;
    const pgoff = vma.pgoff;
    const pages = vma.pages;
    const lists = this.world.lists;
    const fdAccessNs = this.machine.config.cost.fdAccessNs;
    const budget = this.watchdog.options.stepBudget;
    const timers = this.world.timers;
    let t = task.t;
    let pos = task.requestPos;
    let len = task.requestLen;
    let hits = 0;
    let lean = true;
    this.preempt = false;
    // The hits' step budget stays set while the loop runs (the kernel makes no
    // list operation between two hits); anything else runs without it.
    lists.stepLimit = budget;
    while (t < horizon) {
      if (pos >= len) {
        lists.stepLimit = Number.POSITIVE_INFINITY;
        pos = 0;
        len = this.refillRequests(task, buf, t);
        if (len === 0) break;
        lists.stepLimit = budget;
      }
      const r = buf[pos];
      const a = r < 0 ? ~r : r;
      if (a >= pages) {
        lean = false;
        break;
      }
      pos++;
      const p = cache[pgoff + a];
      if (p !== 0) {
        // Each hit is an op too: `task.ops` gets them with the other totals at the end.
        hits++;
        t += fdAccessNs;
        // `accessGuarded`, written out.
        lists.steps = 0;
        try {
          (ops.folioAccessed as typeof accessed)(ctx, p - 1);
        } catch (e) {
          lists.stepLimit = Number.POSITIVE_INFINITY;
          this.accessFailed(ctx, p - 1, e);
          lean = false;
          break;
        }
        if (slot.ops !== ops) {
          lists.stepLimit = Number.POSITIVE_INFINITY;
          this.recoverStrays(slot);
          lean = false;
          break;
        }
        continue;
      }
      task.t = t;
      task.requestPos = pos;
      task.requestLen = len;
      lists.stepLimit = Number.POSITIVE_INFINITY;
      this.leanMiss(task, vma, a, r < 0, ctx);
      lists.stepLimit = budget;
      if (task.killed) break;
      task.ops++;
      t = task.t;
      if (slot.ops !== ops) {
        lean = false;
        break;
      }
      if (this.preempt || timers.peekTime() < t) break;
    }
    lists.stepLimit = Number.POSITIVE_INFINITY;
    this.replayStopped(task, t, pos, len, hits);
    return lean;
  }

  /** A replay loop stops: the task's time and place written back, its hits counted as accesses and ops. */
  replayStopped(task: Task, t: number, pos: number, len: number, hits: number): void {
    this.preempt = false;
    if (!task.killed) task.t = t;
    task.requestPos = pos;
    task.requestLen = len;
    task.accesses += hits;
    task.ops += hits;
    this.requests += hits;
  }

  /**
   * A miss of a trace replay on the machine of `idealLeanCtx` (`ctx`),
   * charged to a `leanMemcg`, for a regular file in an unlocked mapping:
   * what slowOp → fdRead or fdWrite → readPages → allocPage → `lruAdd` →
   * `markAccessed` do for one page in ideal mode, in one place, with
   * `allocIdeal` written out and the evicted page's frame taken straight
   * back (`idealShrinkOne`). Its hooks are called directly between
   * `hookOpen` and `hookClose`. Where the miss parts from the common case (a
   * hook fails or leaves something unusual, nothing could be reclaimed) it
   * goes on with the general functions from there. The property that ideal
   * mode gives the same results with `idealLeanPaths` off holds it to them.
   */
  leanMiss(task: Task, vma: Vma, a: number, write: boolean, ctx: LruvecCtx): void {
    const slot = ctx.slot;
    const ops = slot.ops;
    const file = this.machine.files[vma.file];
    const index = vma.pgoff + a;
    const memcg = task.memcg;
    const lv = ctx.lruvec;
    const lvId = lv.id;
    const f = this.machine.frames;
    const flags = f.flags;
    const lists = this.world.lists;
    const c = this.world.counters.v;
    const cost = this.machine.config.cost;
    const zone = this.machine.nodes[0].zone;
    const wd = this.watchdog;
    this.requests++;
    task.accesses++;
    task.t += cost.fdAccessNs;
    this.misses++;
    if (!write) task.raWindow[0] = 1;
    memcg.usage++;
    let pfn = -1;
    let shadow = 0;
    // `allocIdeal`: evict exactly one page when memory is full.
    if (zone.free === 0) {
      const sc = this.directSc.reset('direct', null, 0, 1, task.t);
      sc.batch = 1;
      sc.priority = 0;
      pfn = this.idealShrinkOne(ctx, sc, file, index, memcg);
      shadow = this.reusedShadow;
      let tries = 0;
      while (pfn < 0 && zone.free === 0 && tries++ < 3) {
        sc.resetPass();
        this.shrinkNode(sc, 0);
      }
      if (pfn < 0 && zone.free === 0) {
        // An ejection instead of a kill: try again under the fallback.
        while (this.oom('global', null, task) && zone.free === 0) {
          sc.resetPass();
          this.shrinkNode(sc, 0);
          if (zone.free !== 0) break;
        }
        if (task.killed || zone.free === 0) {
          this.world.uncharge(memcg.id, 1);
          return;
        }
      }
    }
    if (pfn < 0) {
      pfn = this.machine.allocFrame(0);
      f.memcg[pfn] = memcg.id;
      shadow = this.world.pageCacheInsert(file, index, pfn, memcg);
    }
    c[VM.pgalloc_normal]++;
    task.t += cost.allocNs;
    let active = false;
    if (shadow !== 0) {
      // `refault` counts a refault and stops there for a policy with no refault hook.
      if (slot.ops === ops && ops.refault === undefined) c[VM.workingset_refault_file]++;
      else active = refault(this, pfn, shadow, false);
    }
    if (ops.folioAdded !== undefined && slot.ops === ops) {
      // `lruAdd` → `placeOnLru`, on the one lruvec: the folio's own.
      f.lruvec[pfn] = lvId;
      const how = this.addHow;
      how.reason = write ? 'write' : 'read';
      how.active = active;
      how.inFault = false;
      how.vmFlags = vma.vmFlags;
      if (active) flags[pfn] |= PG_ACTIVE;
      this.hookOpen(slot, ops);
      try {
        (ops.folioAdded as NonNullable<ReclaimOps<unknown>['folioAdded']>)(ctx, pfn, how);
      } catch (e) {
        wd.failed(ctx, 'folioAdded', e);
      }
      this.hookClose(slot);
      const list = lists.listOf[pfn];
      if (slot.ops === ops && list >= 0 && lists.lruvecOf(list) === lvId && list !== lv.unevictableList) {
        flags[pfn] |= PG_LRU;
        lv.nrPages[LRU_FILE]++;
      } else placed(this, ctx, ops, pfn, 'folioAdded');
    } else lruAdd(this, pfn, vma.vmFlags, write ? 'write' : 'read', active, false);
    if (!write) {
      c[VM.pgpgin] += KIB_PER_PAGE;
      const done = this.machine.devices[file.device].submit(
        task.t,
        1,
        false,
        true,
        fileSector(file.id, index),
      );
      task.ioWaitNs += done - task.t;
      task.t = done + cost.majorFaultNs;
      task.readMisses++;
    }
    const accessed = ops.folioAccessed;
    if (
      accessed !== undefined &&
      slot.ops === ops &&
      (flags[pfn] & (PG_LRU | PG_UNEVICTABLE)) === PG_LRU &&
      f.lruvec[pfn] === lvId
    )
      this.accessGuarded(ctx, ops, accessed, pfn);
    else markAccessed(this, pfn);
    if (!write) task.raPrev[0] = a;
  }

  /**
   * The replay's next requests into `buf`: how many, or 0 when the source
   * is done and the task has exited at `t`.
   */
  refillRequests(task: Task, buf: Int32Array, t: number): number {
    const n = (task.requestSource as (out: Int32Array) => number)(buf);
    // The events these requests stand for: a read or write, and an op done.
    this.events += 2 * n;
    if (n === 0) {
      task.t = t;
      this.exitTask(task, false);
    }
    return n;
  }

  /** A memcg whose charges never reclaim: the root, with no limits. */
  leanMemcg(memcg: Memcg): boolean {
    return (
      memcg.parent === null &&
      memcg.max === Number.POSITIVE_INFINITY &&
      memcg.high === Number.POSITIVE_INFINITY
    );
  }

  /**
   * `Watchdog.begin` for an outermost call (hook depth 0) of `ops`, the
   * policy now in `slot`: what it records, without the call into it. With
   * `hookClose`, the guard of ideal mode's miss path, whose hooks are
   * called directly so that their call sites see one function each.
   */
  hookOpen(slot: PolicySlot, ops: ReclaimOps<unknown>): void {
    const wd = this.watchdog;
    const lists = this.world.lists;
    wd.depth = 1;
    wd.calledOps[0] = ops;
    // The fallback policy is trusted; only an attached policy runs on a budget.
    wd.budgeted = !slot.ejected;
    lists.steps = 0;
    lists.stepLimit = wd.budgeted ? wd.options.stepBudget : Number.POSITIVE_INFINITY;
  }

  /** `Watchdog.end` for `hookOpen`'s call: recover what a nested ejection left behind. */
  hookClose(slot: PolicySlot): void {
    const wd = this.watchdog;
    wd.depth = 0;
    if (wd.budgeted && this.world.lists.stepLimit !== wd.options.stepBudget) wd.budgetTampered(slot);
    this.world.lists.stepLimit = Number.POSITIVE_INFINITY;
    if (slot.ops !== wd.calledOps[0]) wd.recoverAt(0, slot);
  }

  /**
   * `markAccessed`'s guard without its bookkeeping, for the ideal-mode hit
   * loops: the hook runs on its step budget, and a failure is handed to the
   * watchdog as usual. Small, so the loops get it inlined.
   */
  accessGuarded(
    c: LruvecCtx,
    policy: ReclaimOps<unknown>,
    hook: NonNullable<ReclaimOps<unknown>['folioAccessed']>,
    pfn: number,
  ): void {
    const lists = this.world.lists;
    lists.steps = 0;
    lists.stepLimit = this.watchdog.options.stepBudget;
    try {
      // A method call: its site's feedback names the hook, so it can be inlined (`hook.call` cannot).
      (policy.folioAccessed as typeof hook)(c, pfn);
    } catch (e) {
      lists.stepLimit = Number.POSITIVE_INFINITY;
      this.accessFailed(c, pfn, e);
      return;
    }
    lists.stepLimit = Number.POSITIVE_INFINITY;
    // Ejected by a nested call while the hook went on: what `watchdog.end` would put right.
    if (c.slot.ops !== policy) this.recoverStrays(c.slot);
  }

  /** `idealHits`' hook threw: eject as `markAccessed` would, then redo the access under the fallback. */
  accessFailed(ctx: LruvecCtx, pfn: number, e: unknown): void {
    const wd = this.watchdog;
    const outer = wd.begin(ctx);
    try {
      wd.failed(ctx, 'folioAccessed', e);
    } finally {
      wd.end(outer);
    }
    markAccessed(this, pfn);
  }

  // ---- LRU membership --------------------------------------------------------------

  // ---- workingset -------------------------------------------------------------------

  // ---- allocation ----------------------------------------------------------------------

  /**
   * Allocate one page for `task`, charged to `memcg` (its own, or the owner
   * of a swap entry read ahead for it), reclaiming as needed; -1 if the task
   * was killed. With `noRetry` (`__GFP_NORETRY`, readahead's mask) one round
   * of reclaim is all it tries: -1 then also means "no memory", with no OOM kill.
   */
  allocPage(task: Task, noRetry = false, memcg: Memcg = task.memcg): number {
    if (!this.chargeMemcg(task, 1, noRetry, memcg)) return -1;
    const pfn = this.allocFrame(task, noRetry);
    if (pfn < 0) {
      this.world.uncharge(memcg.id, 1);
      return -1;
    }
    const f = this.machine.frames;
    f.memcg[pfn] = memcg.id;
    this.world.counters.v[VM.pgalloc_normal]++;
    task.t += this.machine.config.cost.allocNs;
    return pfn;
  }

  /** Nodes in allocation order for a task: its own first, then the others (cached per node). */
  zonelist(task: Task): number[] {
    let zl = this.zonelists[task.node];
    if (!zl) {
      zl = [task.node];
      for (const n of this.machine.nodes) if (n.id !== task.node) zl.push(n.id);
      this.zonelists[task.node] = zl;
    }
    return zl;
  }

  /** The allocator slow path: low watermark, wake kswapd, min watermark, direct reclaim, OOM. */
  allocFrame(task: Task, noRetry = false): number {
    if (this.mode === 'ideal') return this.allocIdeal(task);
    const nodes = this.machine.nodes;
    const zl = this.zonelist(task);
    for (const n of zl) if (nodes[n].zone.free > nodes[n].zone.low) return this.machine.allocFrame(n);
    for (const n of zl) this.wakeKswapd(n, task.t);
    for (const n of zl) if (nodes[n].zone.free > nodes[n].zone.min) return this.machine.allocFrame(n);
    let noProgress = 0;
    for (;;) {
      this.throttleDirectReclaim(task, zl[0]);
      const reclaimed = this.directReclaim(task, zl);
      if (task.killed) return -1;
      for (const n of zl) if (nodes[n].zone.free > nodes[n].zone.min) return this.machine.allocFrame(n);
      // __GFP_NORETRY gives up after one round of direct reclaim, before any retry or OOM.
      if (noRetry) return -1;
      // `should_reclaim_retry`
      if (reclaimed > 0) noProgress = 0;
      else if (this.waitForWriteback(task)) continue;
      else noProgress++;
      if (noProgress > MAX_RECLAIM_RETRIES || !this.anythingReclaimable(zl)) {
        this.oom('global', null, task);
        if (task.killed) return -1;
        // `goto retry` after a kill: the allocation still honours the min
        // watermark (only the victim may dip below it, and it has exited).
        noProgress = 0;
        for (const n of zl) if (nodes[n].zone.free > nodes[n].zone.min) return this.machine.allocFrame(n);
      }
    }
  }

  /**
   * `reclaim_throttle(VMSCAN_THROTTLE_WRITEBACK)` for a reclaimer that found
   * nothing freeable while writeback is in flight: sleep until the next
   * completion (at most HZ/10) and complete the I/O that is due by then, so
   * the folios it frees can be reclaimed on the retry. False if nothing is in flight.
   */
  waitForWriteback(task: Task): boolean {
    if (this.world.nrWriteback === 0) return false;
    const next = this.world.timers.peekTime();
    if (!Number.isFinite(next)) return false;
    const wake = Math.min(Math.max(next, task.t), task.t + NS_PER_SEC / 10);
    this.world.counters.v[VM.throttle_writeback]++;
    task.directReclaimNs += wake - task.t;
    this.psi.stall(task.psiCpu, task.t, wake);
    task.t = wake;
    while (this.world.timers.peekTime() <= task.t) {
      this.now = this.world.now = this.world.timers.peekTime();
      this.completeIo();
    }
    this.now = this.world.now = task.t;
    return true;
  }

  /** Ideal mode: evict exactly one page when memory is full. */
  allocIdeal(task: Task, leanCtx?: LruvecCtx): number {
    const node = this.machine.nodes[0];
    if (node.zone.free === 0) {
      const sc = this.directSc.reset('direct', null, 0, 1, task.t);
      sc.batch = 1;
      sc.priority = 0;
      const lean = leanCtx ?? this.idealLeanCtx();
      // Its hooks open the watchdog's outermost section themselves.
      if (lean !== null && this.watchdog.depth === 0) this.idealShrinkOne(lean, sc, null, 0, null);
      else this.shrinkNode(sc, 0);
      let tries = 0;
      while (node.zone.free === 0 && tries++ < 3) {
        sc.resetPass();
        this.shrinkNode(sc, 0);
      }
      if (node.zone.free === 0) {
        // An ejection instead of a kill: try again under the fallback.
        while (this.oom('global', null, task)) {
          sc.resetPass();
          this.shrinkNode(sc, 0);
          if (node.zone.free !== 0) break;
        }
        if (task.killed || node.zone.free === 0) return -1;
      }
    }
    return this.machine.allocFrame(0);
  }

  /**
   * The lruvec ideal mode evicts from without the general walk: the
   * machine's only one (one memcg, one node), under a healthy policy that
   * proposes candidates (no `shrink`, no `prepare`). Null otherwise.
   */
  idealLeanCtx(): LruvecCtx | null {
    if (this.opts.idealLeanPaths === false) return null;
    if (this.world.lruvecs.length !== 1 || this.machine.memcgs.length !== 1) return null;
    const ctx = this.ctxs[this.world.lruvecs[0].id];
    const ops = ctx.slot.ops;
    if (ctx.slot.ejected || !ops.evictCandidates || ops.shrink || ops.prepare) return null;
    return ctx;
  }

  /**
   * `shrinkNode(sc, 0)` for the lruvec of `idealLeanCtx`, called at hook
   * depth 0, with its effects on the scan control, the counters and the
   * memcg cursor, but none of the walk: ask the policy for one candidate
   * and, when it is a clean, unmapped file folio — every page of a trace
   * replay — reclaim it here as `shrinkFolioList` would: isolated, its
   * references checked (an unmapped folio's rmap walk finds nothing and
   * costs nothing), its shadow made, its page freed. Anything else takes
   * the general functions from where it parts. Hooks run between
   * `hookOpen` and `hookClose`. Given `into`, the freed frame — the one `allocFrame` would hand
   * back next — is taken at once as page `index` of `into` charged to
   * `memcg` (`World.replaceIsolatedCleanFile`): the frame is returned and
   * the shadow its insert found left in `reusedShadow`. Else -1.
   */
  idealShrinkOne(
    ctx: LruvecCtx,
    sc: ScanControl,
    into: SimFile | null,
    index: number,
    memcg: Memcg | null,
  ): number {
    // `allocIdeal` has just reset `sc`: no pass to reset.
    const lv = ctx.lruvec;
    const lvId = lv.id;
    const slot = ctx.slot;
    const ops = slot.ops;
    const wd = this.watchdog;
    const lists = this.world.lists;
    const f = this.machine.frames;
    const flags = f.flags;
    const c = this.world.counters.v;
    sc.nodePassBase = 0;
    const epoch = ++this.shrinkEpoch;
    if (!(sc.isKswapd || sc.memcgFullWalk)) this.memcgIterCursor++;
    // `calculateProtection` of the reclaim target itself (the root): none.
    lv.memcg.emin = 0;
    lv.memcg.elow = 0;
    if (lv.nrPages[LRU_ANON] + lv.nrPages[LRU_FILE] === 0) {
      this.congestionAndProgress(sc, 0, lv, 0);
      return -1;
    }
    slot.preparedEpoch = epoch;
    const buf = this.evictBuf;
    const want = Math.min(
      buf.length,
      Math.max(sc.batch, Math.min(sc.nrToReclaim - sc.nrReclaimed, buf.length)),
    );
    const req = this.evictReq;
    req.nr = want;
    req.sc = sc;
    let got: number | typeof HOOK_FAILED;
    this.hookOpen(slot, ops);
    try {
      got = (ops.evictCandidates as NonNullable<ReclaimOps<unknown>['evictCandidates']>)(ctx, req, buf);
    } catch (e) {
      wd.failed(ctx, 'evictCandidates', e);
      got = HOOK_FAILED;
    }
    this.hookClose(slot);
    const pfn = buf[0];
    const list = pfn >= 0 && pfn < f.count ? lists.listOf[pfn] : -1;
    if (
      !(
        got === 1 &&
        want === 1 &&
        slot.ops === ops &&
        list >= 0 &&
        f.lruvec[pfn] === lvId &&
        (flags[pfn] & (PG_LRU | PG_UNEVICTABLE | PG_SWAPBACKED | PG_DIRTY | PG_WRITEBACK | PG_MLOCKED)) ===
          PG_LRU &&
        f.mapcount[pfn] === 0 &&
        lists.lruvecOf(list) === lvId &&
        list !== lv.unevictableList &&
        sc.mayUnmap
      )
    ) {
      this.evictProposed(ctx, ops, sc, want, got);
      this.congestionAndProgress(sc, 0, lv, 0);
      return -1;
    }
    // `isolateOne` and `accountScan`, for the one folio.
    if (this.isoLogging) this.isolateFolio(lv, pfn);
    else {
      lists.remove(pfn);
      lv.nrPages[LRU_FILE]--;
      lv.nrIsolated[LRU_FILE]++;
      flags[pfn] = (flags[pfn] & ~PG_LRU) | PG_ISOLATED;
    }
    sc.costNs += this.machine.config.cost.scanPageNs;
    if (!sc.cgroupReclaim) c[sc.isKswapd ? VM.pgscan_kswapd : VM.pgscan_direct]++;
    c[VM.pgscan_file]++;
    sc.nrScanned++;
    sc.nrTaken++;
    sc.nrFileTaken++;
    const wasWorkingset = (flags[pfn] & PG_WORKINGSET) !== 0;
    const rmap = this.rmapScratch;
    rmap.refs = 0;
    rmap.vmFlags = 0;
    rmap.mappings = 0;
    // `decide`, with no references to find.
    let decision: Decision | typeof HOOK_FAILED = 'reclaim';
    const check = ops.checkReferences;
    if (check !== undefined) {
      this.hookOpen(slot, ops);
      try {
        decision = (ops.checkReferences as typeof check)(ctx, pfn, rmap, sc);
      } catch (e) {
        wd.failed(ctx, 'checkReferences', e);
        decision = HOOK_FAILED;
      }
      this.hookClose(slot);
      if (decision !== 'reclaim') decision = this.decision(ctx, decision);
    }
    if (decision === 'activate' || decision === 'keep') {
      // `survive`, the accounting at the end of the list, and the putback.
      if (decision === 'activate') c[VM.pgactivate]++;
      this.putback(ctx, pfn, decision);
      this.congestionAndProgress(sc, 0, lv, 0);
      return -1;
    }
    // `removeMapping` for a clean file folio: its shadow, then the page.
    let payload = 0;
    const evicted = ops.evicted;
    if (evicted !== undefined) {
      this.hookOpen(slot, ops);
      try {
        payload = (ops.evicted as typeof evicted)(ctx, pfn, sc);
      } catch (e) {
        wd.failed(ctx, 'evicted', e);
        payload = 0;
      }
      this.hookClose(slot);
      if (payload >>> 0 !== payload) payload = this.rejectPayload(ctx, payload);
    }
    const shadowLv =
      ops.shadowScope === 'target' ? this.world.lruvec(sc.target ?? this.machine.rootMemcg, lv.node) : lv;
    const shadow =
      slot.ops === ops || evicted === undefined ? packShadow(payload >>> 0, shadowLv.id, wasWorkingset) : 0;
    let reused = -1;
    if (into !== null) {
      this.reusedShadow = this.world.replaceIsolatedCleanFile(pfn, shadow, into, index, memcg as Memcg);
      if (this.reusedShadow >= 0) reused = pfn;
    }
    if (reused < 0) this.world.dropIsolatedCleanFile(pfn, shadow);
    sc.costNs += this.machine.config.cost.freeNs;
    sc.nrReclaimed++;
    if (!sc.cgroupReclaim) c[sc.isKswapd ? VM.pgsteal_kswapd : VM.pgsteal_direct]++;
    c[VM.pgsteal_file]++;
    // `congestionAndProgress`: no dirty folio met, one reclaimed.
    if (lv.congested || lv.cgroupCongested) this.congestionAndProgress(sc, 0, lv, 0);
    else this.kswapd[0].failures = 0;
    return reused;
  }

  anythingReclaimable(zl: number[]): boolean {
    for (const n of zl) {
      for (const lv of this.world.lruvecs) {
        if (lv.node !== n) continue;
        if (lv.nrPages[LRU_FILE] > 0) return true;
        if (lv.nrPages[LRU_ANON] > 0 && this.machine.swap && this.machine.swap.free > 0) return true;
      }
    }
    return this.world.nrWriteback > 0;
  }

  /** `throttle_direct_reclaim`: wait for kswapd while free pages are below half the min watermark. */
  throttleDirectReclaim(task: Task, node: number): void {
    const zone = this.machine.nodes[node].zone;
    const k = this.kswapd[node];
    let waited = 0;
    while (zone.free < zone.min / 2 && k.failures < MAX_RECLAIM_RETRIES && waited < HZ) {
      if (waited === 0) this.world.counters.v[VM.pgscan_direct_throttle]++;
      this.wakeKswapd(node, task.t);
      // Let kswapd run up to our new time: it runs as its own thread.
      const until = task.t + NS_PER_JIFFY;
      while (k.active && k.t < until && zone.free < zone.min / 2) {
        this.now = this.world.now = k.t;
        this.kswapdStep(k);
      }
      // Inside `__perform_reclaim`'s memstall section, as the reclaim it waits to do.
      this.psi.stall(task.psiCpu, task.t, until);
      task.t = until;
      task.directReclaimNs += NS_PER_JIFFY;
      waited++;
    }
  }

  chargeMemcg(task: Task, pages: number, noRetry = false, memcg: Memcg = task.memcg): boolean {
    for (let retries = 0; ; retries++) {
      let over: Memcg | null = null;
      for (let m: Memcg | null = memcg; m; m = m.parent) {
        if (m.usage + pages > m.max) {
          over = m;
          break;
        }
      }
      if (!over) break;
      over.events.max++;
      if (retries < MAX_RECLAIM_RETRIES) {
        const reclaimed = this.memcgReclaim(task, over, pages, 'memcg');
        if (task.killed) return false;
        // `try_charge_memcg` with __GFP_NORETRY: one reclaim, then fail without OOM.
        if (noRetry) {
          let fits = true;
          for (let m: Memcg | null = memcg; m; m = m.parent) if (m.usage + pages > m.max) fits = false;
          if (!fits) return false;
          continue;
        }
        // `try_charge_memcg` retries without spending a retry when reclaim made
        // progress; folios under writeback will be freeable soon: wait for them too.
        if (reclaimed > 0 || this.waitForWriteback(task)) retries--;
        continue;
      }
      // `mem_cgroup_oom`
      over.events.oom++;
      this.oom('memcg', over, task);
      if (task.killed) return false;
      retries = 0;
    }
    this.world.charge(memcg, pages);
    // memory.high: accumulate debt; reclaim it on "return to user". The debt is
    // the charging task's (`current->memcg_nr_pages_over_high`), whichever memcg was charged.
    for (let m: Memcg | null = memcg; m; m = m.parent) {
      if (m.usage > m.high) {
        task.memcg.overHighDebt += pages;
        if (task.memcg.overHighDebt >= MEMCG_CHARGE_BATCH) this.handleOverHigh(task);
        break;
      }
    }
    return true;
  }

  /**
   * Models `mem_cgroup_handle_over_high`: reclaim the debt from every
   * ancestor over its memory.high (`reclaim_high`, which counts the high
   * event), and keep reclaiming a batch at a time while that makes progress
   * (or for MAX_RECLAIM_RETRIES tries); only when reclaim cannot keep up
   * does the task sleep the penalty of its worst overage.
   */
  handleOverHigh(task: Task): void {
    const debt = task.memcg.overHighDebt;
    task.memcg.overHighDebt = 0;
    let retries = MAX_RECLAIM_RETRIES;
    for (let inRetry = false; ; inRetry = true) {
      let reclaimed = 0;
      for (let m: Memcg | null = task.memcg; m; m = m.parent) {
        if (m.usage <= m.high) continue;
        m.events.high++;
        reclaimed += this.memcgReclaim(task, m, inRetry ? SWAP_CLUSTER_MAX : debt, 'memcg');
        if (task.killed) return;
      }
      // `mem_find_max_overage` and `calculate_high_delay`: overage^2 * HZ
      // >> 20 >> 14, scaled by the batch, clamped to 2 s.
      let overage = 0;
      for (let m: Memcg | null = task.memcg; m; m = m.parent)
        if (m.usage > m.high) overage = Math.max(overage, ((m.usage - m.high) * 2 ** 20) / m.high);
      let penaltyJiffies = ((overage * overage * HZ) / 2 ** 20 / 2 ** 14) * (debt / MEMCG_CHARGE_BATCH);
      penaltyJiffies = Math.min(penaltyJiffies, 2 * HZ);
      if (penaltyJiffies <= HZ / 100) return;
      // Reclaim is making progress: encourage it rather than throttle.
      if (reclaimed > 0 || retries-- > 0) continue;
      const ns = penaltyJiffies * NS_PER_JIFFY;
      this.world.counters.v[VM.memcg_high_throttle]++;
      task.t += ns;
      task.directReclaimNs += ns;
      this.psi.stall(task.psiCpu, task.t - ns, task.t);
      return;
    }
  }

  // ---- reclaim entry points ---------------------------------------------------------------

  wakeKswapd(node: number, t: number): void {
    const k = this.kswapd[node];
    if (k.failures >= MAX_RECLAIM_RETRIES) return;
    if (k.active) {
      if (k.napUntil > t) {
        // Woken during the short nap: kswapd went to sleep too early.
        this.world.counters.v[VM.kswapd_low_wmark_hit_quickly]++;
        k.napUntil = 0;
        k.t = Math.max(t, this.now);
        this.preempt = true;
      }
      return;
    }
    k.active = true;
    k.t = Math.max(k.t, t);
    this.preempt = true;
  }

  /** One step of kswapd (`balance_pgdat` at one priority, or the nap/sleep check). */
  kswapdStep(k: KswapdState): void {
    const node = this.machine.nodes[k.node];
    const zone = node.zone;
    const balanced = zone.free > zone.high;
    if (k.napUntil > 0) {
      // Back from the short nap (`kswapd_try_to_sleep`).
      k.napUntil = 0;
      if (balanced) {
        k.active = false;
        return;
      }
      this.world.counters.v[VM.kswapd_high_wmark_hit_quickly]++;
    }
    if (!k.balancing) {
      if (balanced) {
        this.kswapdSleep(k);
        return;
      }
      k.balancing = true;
      k.priority = DEF_PRIORITY;
      k.reclaimedThisRun = 0;
      this.world.counters.v[VM.pageoutrun]++;
      k.sc.reset('kswapd', null, k.node, 0, k.t);
    }
    const sc = k.sc;
    sc.priority = k.priority;
    sc.nrScanned = 0;
    sc.costNs = 0;
    sc.waitNs = 0;
    sc.startNs = k.t;
    // `kswapd_age_node`
    for (const lv of this.world.lruvecs) {
      if (lv.node !== k.node) continue;
      const ctx = this.ctxs[lv.id];
      const ops = ctx.slot.ops;
      if (ops.age) {
        const r = this.watchdog.guard(
          ctx,
          'age',
          () => ops.age!(ctx, sc),
          () => undefined,
        );
        const bad = ctx.slot.ops === ops ? badTag('age', r) : null;
        if (bad !== null) this.watchdog.reject(ctx, 'age', 'invalid', bad);
        else if (r === 'oom') {
          this.oom('min_ttl', null, null);
        }
      }
    }
    if (sc.priority < DEF_PRIORITY - 2) sc.mayWritepage = true;
    sc.nrToReclaim = Math.max(zone.high, SWAP_CLUSTER_MAX);
    const before = sc.nrReclaimed;
    this.shrinkNode(sc, k.node);
    const reclaimed = sc.nrReclaimed - before;
    k.reclaimedThisRun += reclaimed;
    const cost = Math.max(sc.costNs, 1_000);
    const took = cost + sc.waitNs;
    this.kswapdLatency.push(took);
    this.world.counters.v[VM.reclaim_cpu_ns] += cost;
    // `balance_pgdat` runs inside a memstall section.
    this.psi.stall(k.psiCpu, k.t, k.t + took);
    k.t += took;
    if (this.opts.checkInvariants) this.checkInvariants(`kswapd node ${k.node} priority ${k.priority}`);
    if (zone.free > zone.high) {
      this.endBalance(k);
      return;
    }
    const raisePriority = !(Math.max(sc.nrScanned, reclaimed) >= sc.nrToReclaim);
    if (raisePriority || reclaimed === 0) k.priority--;
    if (k.priority < 1) {
      // `balance_pgdat` restarts once without cache-trim mode when a whole
      // priority loop reclaimed nothing and trimming the page cache failed.
      if (k.reclaimedThisRun === 0 && !sc.noCacheTrimMode && sc.cacheTrimModeFailed) {
        sc.noCacheTrimMode = true;
        k.priority = DEF_PRIORITY;
        return;
      }
      this.endBalance(k);
    }
  }

  endBalance(k: KswapdState): void {
    k.balancing = false;
    if (k.reclaimedThisRun === 0) k.failures++;
    this.snapshotRefaults(k.node, null);
    const zone = this.machine.nodes[k.node].zone;
    if (zone.free > zone.high) this.kswapdSleep(k);
    else if (k.failures >= MAX_RECLAIM_RETRIES) k.active = false;
  }

  kswapdSleep(k: KswapdState): void {
    // Balanced: clear the congestion bits and take a short nap (HZ/10) first.
    this.pgdatDirty[k.node] = false;
    this.pgdatWriteback[k.node] = false;
    for (const lv of this.world.lruvecs) {
      if (lv.node !== k.node) continue;
      lv.congested = false;
      lv.cgroupCongested = false;
    }
    k.napUntil = k.t + NS_PER_SEC / 10;
    k.t = k.napUntil;
  }

  /** `snapshot_refaults`: the reclaim target's subtree activations, seen as of the end of this reclaim. */
  snapshotRefaults(node: number, target: Memcg | null): void {
    const lv = this.world.findLruvec(target ?? this.machine.rootMemcg, node);
    if (!lv) return;
    lv.refaultsSnapshot[0] = lv.workingsetActivate[0];
    lv.refaultsSnapshot[1] = lv.workingsetActivate[1];
  }

  /** `try_to_free_pages` → `do_try_to_free_pages` for a global allocation. */
  directReclaim(task: Task, zl: number[]): number {
    const sc = this.directSc.reset('direct', null, zl[0], SWAP_CLUSTER_MAX, task.t);
    this.world.counters.v[VM.allocstall_normal]++;
    const start = task.t;
    const r = this.doTryToFreePages(sc, zl, task);
    this.finishDirect(task, sc, start);
    return r;
  }

  finishDirect(task: Task, sc: ScanControl, start: number): void {
    task.t += sc.elapsedNs;
    const lat = task.t - start;
    task.directReclaimNs += lat;
    this.psi.stall(task.psiCpu, start, task.t);
    this.directLatency.push(lat);
    const c = this.world.counters.v;
    c[VM.direct_reclaim_ns] += lat;
    c[VM.reclaim_cpu_ns] += sc.costNs;
  }

  /**
   * `skip_throttle_noprogress`: no point sleeping when kswapd has given up
   * (near OOM), or when at most half the reclaimable pages wait on
   * write-back (they will throttle as they reach the LRU tail instead).
   */
  skipThrottleNoprogress(node: number): boolean {
    if (this.kswapd[node].failures >= MAX_RECLAIM_RETRIES) return true;
    let reclaimable = 0;
    const swapOk = this.machine.swap !== null && this.machine.swap.free > 0;
    for (const lv of this.world.lruvecs) {
      if (lv.node !== node) continue;
      reclaimable += lv.nrPages[LRU_FILE] + (swapOk ? lv.nrPages[LRU_ANON] : 0);
    }
    // Machine-wide dirty and write-back counts stand in for the node's.
    const writePending = this.world.nrFileDirty + this.world.nrWriteback;
    return 2 * writePending <= reclaimable;
  }

  doTryToFreePages(sc: ScanControl, zl: number[], task: Task | null): number {
    for (let attempt = 0; attempt < 4; attempt++) {
      for (sc.priority = DEF_PRIORITY; sc.priority >= 0; sc.priority--) {
        sc.nrScanned = 0;
        this.completeIoUntil(sc.clockNs);
        for (const n of zl) {
          sc.node = n;
          this.shrinkNode(sc, n);
        }
        if (this.opts.checkInvariants)
          this.checkInvariants(`${sc.reclaimer} reclaim priority ${sc.priority}`);
        if (sc.nrReclaimed >= sc.nrToReclaim) break;
        if (sc.priority < DEF_PRIORITY - 2) sc.mayWritepage = true;
        // `consider_reclaim_throttle`: no progress at priority 1 → sleep a jiffy,
        // unless `skip_throttle_noprogress` says waiting cannot help.
        if (
          sc.priority === 1 &&
          sc.nrReclaimed === 0 &&
          sc.reclaimer === 'direct' &&
          task &&
          !this.skipThrottleNoprogress(zl[0])
        ) {
          this.world.counters.v[VM.throttle_noprogress]++;
          task.t += NS_PER_JIFFY;
        }
      }
      for (const n of zl) {
        this.snapshotRefaults(n, sc.target);
        // The memcg's congestion tag lasts one reclaim (`do_try_to_free_pages`).
        if (sc.cgroupReclaim) {
          const lv = this.world.findLruvec(sc.target as Memcg, n);
          if (lv) lv.cgroupCongested = false;
        }
      }
      if (sc.nrReclaimed > 0) break;
      // The retry ladder of `do_try_to_free_pages`.
      if (!sc.memcgFullWalk) sc.memcgFullWalk = true;
      else if (sc.skippedDeactivate && !sc.forceDeactivate) sc.forceDeactivate = true;
      else if (sc.memcgLowSkipped && !sc.memcgLowReclaim) sc.memcgLowReclaim = true;
      else break;
      sc.skippedDeactivate = false;
    }
    if (sc.nrReclaimed > 0) for (const n of zl) this.kswapd[n].failures = 0;
    return sc.nrReclaimed;
  }

  /** `try_to_free_mem_cgroup_pages` */
  memcgReclaim(task: Task | null, memcg: Memcg, pages: number, why: Reclaimer, swappiness?: number): number {
    const sc = (why === 'proactive' ? this.proactiveSc : this.memcgSc).reset(
      why,
      memcg,
      task?.node ?? 0,
      Math.max(pages, SWAP_CLUSTER_MAX),
      task ? task.t : this.now,
    );
    if (why === 'proactive') {
      sc.proactive = true;
      if (swappiness !== undefined) sc.proactiveSwappiness = swappiness;
    }
    this.world.counters.v[VM.memcg_reclaim]++;
    const start = task ? task.t : this.now;
    const zl = task ? this.zonelist(task) : this.machine.nodes.map((n) => n.id);
    const r = this.doTryToFreePages(sc, zl, task);
    if (task) this.finishDirect(task, sc, start);
    return r;
  }

  /** memory.reclaim (`user_proactive_reclaim`). */
  proactiveReclaim(memcg: Memcg, pages: number, swappiness?: number): number {
    let reclaimed = 0;
    let failures = 0;
    while (reclaimed < pages && failures < MAX_RECLAIM_RETRIES) {
      // `memory_reclaim`: a quarter of what is left per call, which
      // try_to_free_mem_cgroup_pages raises to at least SWAP_CLUSTER_MAX.
      const batch = Math.floor((pages - reclaimed) / 4);
      const r = this.memcgReclaim(null, memcg, batch, 'proactive', swappiness);
      if (r === 0) failures++;
      reclaimed += r;
    }
    this.world.counters.v[VM.proactive_reclaimed] += reclaimed;
    return reclaimed;
  }

  // ---- shrink_node ------------------------------------------------------------------------

  /** Effective memory.min/low for reclaim aimed at `target` (`mem_cgroup_calculate_protection`). */
  protection(memcg: Memcg, target: Memcg): void {
    calculateProtection(memcg, target, this.machine.config.memoryRecursiveProt === true);
  }

  /** `shrink_node`: every memcg of the target's subtree on this node, then writeback bookkeeping. */
  shrinkNode(sc: ScanControl, node: number): void {
    sc.resetPass();
    const target = sc.target ?? this.machine.rootMemcg;
    const targetLv = this.world.lruvec(target, node);
    const reclaimedBefore = sc.nrReclaimed;
    sc.nodePassBase = reclaimedBefore;
    const memcgs = this.subtreeOf(target);
    const epoch = ++this.shrinkEpoch;
    const start = sc.isKswapd || sc.memcgFullWalk ? 0 : this.memcgIterCursor++ % memcgs.length;
    for (let i = 0; i < memcgs.length; i++) {
      const memcg = memcgs[(start + i) % memcgs.length];
      this.protection(memcg, target);
      if (memcg.usage <= memcg.emin && memcg.emin > 0) continue;
      if (memcg.usage <= memcg.elow && memcg.elow > 0) {
        if (!sc.memcgLowReclaim) {
          sc.memcgLowSkipped = true;
          continue;
        }
        memcg.events.low++;
      }
      const lv = this.world.findLruvec(memcg, node);
      if (!lv || lv.evictable === 0) continue;
      const ctx = this.ctxs[lv.id];
      const ops = ctx.slot.ops;
      if (ctx.slot.preparedEpoch !== epoch) {
        ctx.slot.preparedEpoch = epoch;
        if (ops.prepare) {
          const pctx = this.ctxs[targetLv.id].slot === ctx.slot ? this.ctxs[targetLv.id] : ctx;
          this.watchdog.guard(
            pctx,
            'prepare',
            () => ops.prepare!(pctx, sc),
            () => {},
          );
        }
      }
      this.shrinkLruvec(ctx, sc);
      if (!sc.isKswapd && !sc.memcgFullWalk && sc.nrReclaimed >= sc.nrToReclaim) break;
    }
    // A policy that runs root reclaim of a node whole (`lru_gen_shrink_node`)
    // returns before the write-back and congestion bookkeeping of shrink_node.
    if (sc.rootReclaim && this.ctxs[targetLv.id].slot.ops.shrinksNodeWhole) {
      if (sc.nrReclaimed > reclaimedBefore) this.kswapd[node].failures = 0;
      return;
    }
    // Writeback and congestion bookkeeping.
    if (sc.isKswapd) {
      if (sc.nrWriteback && sc.nrWriteback === sc.nrTaken) this.pgdatWriteback[node] = true;
      if (sc.nrUnqueuedDirty && sc.nrUnqueuedDirty === sc.nrFileTaken) this.pgdatDirty[node] = true;
      if (sc.nrImmediate) {
        // `reclaim_throttle(WRITEBACK)`: kswapd waits for writeback, up to HZ/10.
        this.world.counters.v[VM.throttle_writeback]++;
        sc.waitNs += Math.min(NS_PER_SEC / 10, Math.max(0, this.world.timers.peekTime() - sc.clockNs));
      }
    }
    this.congestionAndProgress(sc, node, targetLv, reclaimedBefore);
  }

  /** The end of `shrink_node`: congestion tags, the CONGESTED throttle, kswapd's failure count. */
  congestionAndProgress(sc: ScanControl, node: number, targetLv: Lruvec, reclaimedBefore: number): void {
    // Every dirty folio met was under write-back and tagged for immediate
    // reclaim: the node (kswapd) or the memcg (cgroup reclaim) is congested.
    if (sc.nrDirty && sc.nrDirty === sc.nrCongested) {
      if (sc.cgroupReclaim) targetLv.cgroupCongested = true;
      if (sc.isKswapd) targetLv.congested = true;
    }
    // `reclaim_throttle(CONGESTED)`: other reclaimers of a congested target
    // sleep a jiffy, unless `skip_throttle_noprogress` says waiting cannot help.
    if (
      !sc.isKswapd &&
      (targetLv.congested || targetLv.cgroupCongested) &&
      !this.skipThrottleNoprogress(node)
    ) {
      this.world.counters.v[VM.throttle_congested]++;
      sc.waitNs += NS_PER_JIFFY;
    }
    if (sc.nrReclaimed > reclaimedBefore) this.kswapd[node].failures = 0;
    else if (sc.cacheTrimMode) sc.cacheTrimModeFailed = true;
  }

  shrinkLruvec(ctx: LruvecCtx, sc: ScanControl): void {
    const ops = ctx.slot.ops;
    if (ops.shrink) {
      this.isoLogging = true;
      this.isoLogLen = 0;
      let ejected = false;
      const goal = sc.nrToReclaim;
      const r = this.watchdog.guard(
        ctx,
        'shrink',
        () => ops.shrink!(ctx, sc),
        () => {
          ejected = true;
          return undefined;
        },
      );
      if (!ejected) {
        const bad = badTag('shrink', r) ?? badScanControl(goal, sc);
        if (bad !== null) {
          this.watchdog.reject(ctx, 'shrink', 'invalid', bad);
          // Put right what it did to scan control; the fallback goes on with the same goal.
          sc.nrToReclaim = goal;
          if (!(sc.priority >= 0 && sc.priority <= DEF_PRIORITY)) sc.priority = 0;
          sc.priority = Math.trunc(sc.priority);
          ejected = true;
        }
      }
      this.isoLogging = false;
      const isolatedAny = this.isoLogLen > 0;
      this.restoreIsolated(ctx);
      if (ejected) this.shrinkLruvec(ctx, sc);
      else this.watchStall(ctx, sc, isolatedAny);
      return;
    }
    // cache_ext-style batch eviction: ask for candidates, make up any shortfall.
    const buf = this.evictBuf;
    let want = Math.min(
      buf.length,
      Math.max(sc.batch, Math.min(sc.nrToReclaim - sc.nrReclaimed, buf.length)),
    );
    // The priority's scan target, as `get_scan_count` sizes it (the evictable
    // pages >> priority), so a priority-0 pass covers the whole lruvec; at
    // least the one batch asked for. Ideal mode evicts one page per call.
    const lv = ctx.lruvec;
    const anonOk = sc.maySwap && this.canReclaimAnon(lv, sc);
    const target =
      this.mode === 'ideal' ? 0 : (lv.nrPages[LRU_FILE] + (anonOk ? lv.nrPages[LRU_ANON] : 0)) >> sc.priority;
    let scanned = 0;
    for (;;) {
      const taken = this.evictBatch(ctx, ops, sc, want);
      // Nothing left to isolate, or the policy was ejected and the fallback ran the pass.
      if (taken <= 0 || ctx.slot.ops !== ops) return;
      scanned += taken;
      if (scanned >= target || sc.nrReclaimed >= sc.nrToReclaim) return;
      want = Math.min(buf.length, SWAP_CLUSTER_MAX, target - scanned);
    }
  }

  /** One batch of candidate eviction: ask the policy for `want` candidates; the number isolated. */
  private evictBatch(ctx: LruvecCtx, ops: ReclaimOps<unknown>, sc: ScanControl, want: number): number {
    if (!ops.evictCandidates) return this.evictProposed(ctx, ops, sc, want, 0);
    // The allocation-free guard: this runs on every ideal-mode miss.
    const req = this.evictReq;
    req.nr = want;
    req.sc = sc;
    const got = this.watchdog.call(
      ctx,
      'evictCandidates',
      ops.evictCandidates,
      req,
      this.evictBuf,
      undefined,
    );
    return this.evictProposed(ctx, ops, sc, want, got);
  }

  /**
   * The rest of `shrinkLruvec` for a policy that proposes candidates: check
   * the `got` it proposed in `evictBuf` (0 when it has no such hook), make up
   * any shortfall, isolate, `shrinkFolioList`, put the survivors back.
   */
  evictProposed(
    ctx: LruvecCtx,
    ops: ReclaimOps<unknown>,
    sc: ScanControl,
    want: number,
    got: number | typeof HOOK_FAILED,
  ): number {
    const buf = this.evictBuf;
    let n = 0;
    if (ops.evictCandidates) {
      n = got === HOOK_FAILED || ctx.slot.ops !== ops ? -1 : got;
      if (n === -1 && ctx.slot.ops !== ops) {
        this.shrinkLruvec(ctx, sc);
        return -1;
      }
      if (!Number.isInteger(n) || n < 0 || n > want) {
        this.watchdog.reject(ctx, 'evictCandidates', 'invalid', `returned ${n} for a request of ${want}`);
        n = 0;
      }
      const f = this.machine.frames;
      for (let i = 0; i < n; i++) {
        const pfn = buf[i];
        if (
          !(pfn >= 0 && pfn < f.count) ||
          f.lruvec[pfn] !== ctx.lruvec.id ||
          (f.flags[pfn] & (PG_LRU | PG_UNEVICTABLE)) !== PG_LRU ||
          !ctx.owns(this.world.lists.listOf[pfn])
        ) {
          this.watchdog.reject(
            ctx,
            'evictCandidates',
            'invalid',
            `proposed pfn ${pfn}, which is not an evictable folio on its lists`,
          );
          n = 0;
          break;
        }
      }
      const dup = n > 1 ? duplicatePfn(buf, n, this.candidateMark()) : -1;
      if (dup >= 0) {
        this.watchdog.reject(ctx, 'evictCandidates', 'invalid', `proposed pfn ${dup} twice in one batch`);
        n = 0;
      }
    }
    const activeCtx = this.ctxs[ctx.lruvec.id];
    if (n < want) n = defaultHooks.fillCandidates(activeCtx, buf, n, want, null);
    let taken = 0;
    let anon = 0;
    const flags = this.machine.frames.flags;
    for (let i = 0; i < n; i++) {
      const pfn = buf[i];
      if (this.isolateOne(activeCtx, pfn, sc)) {
        buf[taken++] = pfn;
        if (flags[pfn] & PG_SWAPBACKED) anon++;
      }
    }
    // pgscan_anon/pgscan_file by the isolated folio's LRU type, as shrink_inactive_list counts them.
    this.accountScan(sc, LRU_ANON, anon);
    this.accountScan(sc, LRU_FILE, taken - anon);
    const res = this.shrinkFolioList(activeCtx, buf, taken, sc, this.evictOutcome);
    for (let i = 0; i < res.survivors; i++)
      this.putback(activeCtx, buf[i], this.evictOutcome[i] === 1 ? 'activate' : 'keep');
    return taken;
  }

  /** Put back anything a `shrink` hook left isolated (counted as a core override). */
  restoreIsolated(ctx: LruvecCtx): void {
    const f = this.machine.frames;
    for (let i = 0; i < this.isoLogLen; i++) {
      const pfn = this.isoLog[i];
      if (f.flags[pfn] & PG_ISOLATED && f.lruvec[pfn] === ctx.lruvec.id) {
        this.world.counters.v[VM.policy_overrides]++;
        this.putback(ctx, pfn, 'keep');
      }
    }
    this.isoLogLen = 0;
  }

  /**
   * No progress under pressure: at priority 0, with reclaimable folios on
   * its lists, `shrink` does not even isolate one, again and again. (A policy
   * that scans and finds nothing freeable is not stalling: that is OOM.)
   */
  watchStall(ctx: LruvecCtx, sc: ScanControl, isolatedAny: boolean): void {
    const id = ctx.lruvec.id;
    if (sc.priority > 0 || ctx.slot.ejected || this.mode === 'ideal') return;
    const lv = ctx.lruvec;
    // Swappiness 0 lets a policy leave anon alone entirely (the kernel's
    // own may never scan it then): that is no stall.
    const anonOk = this.canReclaimAnon(lv, sc) && sc.maySwap && this.swappiness(lv, sc) > 0;
    const reclaimable = lv.nrPages[LRU_FILE] + (anonOk ? lv.nrPages[LRU_ANON] : 0);
    // A handful of folios may legitimately round down to no scan at all.
    if (isolatedAny || reclaimable < MIN_LRU_BATCH) {
      this.stallCount[id] = 0;
      return;
    }
    this.stallCount[id] = (this.stallCount[id] ?? 0) + 1;
    if (this.stallCount[id] >= this.watchdog.options.stallBudget) {
      this.stallCount[id] = 0;
      this.watchdog.reject(
        ctx,
        'shrink',
        'stall',
        `isolated nothing in ${this.watchdog.options.stallBudget} passes at priority 0 with ${reclaimable} reclaimable pages`,
      );
    }
  }

  // ---- ReclaimCore services -----------------------------------------------------------------

  isolate(ctx: LruvecCtx, list: number, nr: number, buf: Int32Array, sc: ScanControl): IsolateResult {
    const res = this.isoResult;
    res.scanned = 0;
    res.taken = 0;
    const lists = this.world.lists;
    const f = this.machine.frames;
    while (res.taken < nr && res.taken < buf.length) {
      const pfn = lists.last(list);
      if (pfn === -1) break;
      res.scanned++;
      if (!sc.mayUnmap && f.mapcount[pfn] > 0) {
        lists.moveHead(list, pfn);
        continue;
      }
      this.isolateFolio(ctx.lruvec, pfn);
      buf[res.taken++] = pfn;
    }
    sc.costNs += res.scanned * this.machine.config.cost.scanPageNs;
    return res;
  }

  isolateOne(ctx: LruvecCtx, pfn: number, sc: ScanControl): boolean {
    const f = this.machine.frames;
    if ((f.flags[pfn] & PG_LRU) === 0 || f.lruvec[pfn] !== ctx.lruvec.id) return false;
    if (!sc.mayUnmap && f.mapcount[pfn] > 0) return false;
    this.isolateFolio(ctx.lruvec, pfn);
    sc.costNs += this.machine.config.cost.scanPageNs;
    return true;
  }

  isolateFolio(lv: Lruvec, pfn: number): void {
    const f = this.machine.frames;
    if (this.isoLogging) {
      if (this.isoLogLen === this.isoLog.length) {
        const g = new Int32Array(this.isoLog.length * 2);
        g.set(this.isoLog);
        this.isoLog = g;
      }
      this.isoLog[this.isoLogLen++] = pfn;
    }
    this.world.lists.remove(pfn);
    const type = f.flags[pfn] & PG_SWAPBACKED ? LRU_ANON : LRU_FILE;
    lv.nrPages[type]--;
    lv.nrIsolated[type]++;
    f.flags[pfn] = (f.flags[pfn] & ~PG_LRU) | PG_ISOLATED;
  }

  accountScan(sc: ScanControl, type: number, n: number): void {
    if (n === 0) return;
    const c = this.world.counters.v;
    if (!sc.cgroupReclaim) c[sc.isKswapd ? VM.pgscan_kswapd : VM.pgscan_direct] += n;
    if (type === LRU_ANON) c[VM.pgscan_anon] += n;
    else if (type === LRU_FILE) c[VM.pgscan_file] += n;
  }

  referenced(pfn: number, sc: ScanControl, visitor: YoungPteVisitor | null = null): RmapResult {
    const r = this.world.folioReferenced(pfn, visitor);
    sc.costNs += this.world.rmapCost(r);
    const out = this.rmapScratch;
    out.refs = r.refs;
    out.vmFlags = r.vmFlags;
    out.mappings = r.mappings;
    return out;
  }

  noteCost(lv: Lruvec, type: number, nrIo: number, nrRotated: number): void {
    const cost = nrIo * SWAP_CLUSTER_MAX + nrRotated;
    if (cost === 0) return;
    // Adds to this lruvec and its ancestors on the node, halving both when they outgrow a quarter of the LRU.
    for (let m: Memcg | null = lv.memcg; m; m = m.parent) {
      const l = this.world.findLruvec(m, lv.node);
      if (!l) continue;
      if (type === LRU_FILE) l.fileCost += cost;
      else l.anonCost += cost;
      // `lruvec_page_state` of a memcg counts its whole subtree.
      if (l.anonCost + l.fileCost > this.subtreeLruPages(m, lv.node) / 4) {
        l.anonCost /= 2;
        l.fileCost /= 2;
      }
    }
  }

  /** Evictable LRU pages of a memcg's subtree on a node. */
  subtreeLruPages(memcg: Memcg, node: number): number {
    let size = 0;
    for (const m of this.subtreeOf(memcg)) {
      const l = this.world.findLruvec(m, node);
      if (l) size += l.nrPages[0] + l.nrPages[1];
    }
    return size;
  }

  ageNonresident(lv: Lruvec, n: number): void {
    for (let m: Memcg | null = lv.memcg; m; m = m.parent) {
      const l = this.world.findLruvec(m, lv.node);
      if (l) l.nonresidentAge += n;
    }
  }

  chargeNs(sc: ScanControl, ns: number): void {
    sc.costNs += ns;
  }

  canReclaimAnon(lv: Lruvec, _sc: ScanControl): boolean {
    const swap = this.machine.swap;
    if (!swap || swap.free === 0) return false;
    return this.world.swapAllowed(lv.memcg.id);
  }

  /**
   * Models MGLRU's `should_abort_scan` for root reclaim: the goal is met, or
   * kswapd sees the node above its high watermark by a batch. kswapd's goal
   * is per node pass, as `lru_gen_shrink_node` restarts sc->nr_reclaimed
   * for it; a direct reclaimer's counts since its reclaim began.
   */
  shouldAbortScan(_ctx: LruvecCtx, sc: ScanControl): boolean {
    const reclaimed = sc.isKswapd ? sc.nrReclaimed - sc.nodePassBase : sc.nrReclaimed;
    if (reclaimed >= sc.nrToReclaim) return true;
    if (sc.isKswapd) {
      const z = this.machine.nodes[sc.node].zone;
      return z.free > z.high + MIN_LRU_BATCH;
    }
    return false;
  }

  swappiness(lv: Lruvec, sc: ScanControl): number {
    if (sc.proactive && sc.proactiveSwappiness >= 0) return sc.proactiveSwappiness;
    return lv.memcg.swappiness ?? this.machine.config.swappiness;
  }

  wakeFlushers(): void {
    this.flusher.wakeAll(this.now);
  }

  markDirty(pfn: number): void {
    this.world.markDirty(pfn);
    if ((this.machine.frames.flags[pfn] & (PG_FILE | PG_SWAPBACKED)) === PG_FILE)
      this.flusher.queue(pfn, this.now);
  }

  lruSizes(lv: Lruvec): LruSizes {
    const ctx = this.ctxs[lv.id];
    const out = this.sizesScratch;
    const ops = ctx.slot.ops;
    if (ops.lruSizes) {
      // Ejected: the fallback reports the sizes.
      if (this.watchdog.call(ctx, 'lruSizes', ops.lruSizes, out, undefined, undefined) === HOOK_FAILED) {
        return this.lruSizes(lv);
      }
      const bad = badLruSizes(out, this.machine.frames.count);
      if (bad !== null) {
        this.watchdog.reject(ctx, 'lruSizes', 'invalid', bad);
        return this.lruSizes(lv);
      }
    } else defaultHooks.lruSizes(ctx, out);
    return out;
  }

  /**
   * Models `shrink_folio_list()`: for each isolated folio, the writeback
   * checks, the policy's reference decision, swap allocation, unmap,
   * pageout, shadow and free. Survivors are compacted to the front of `buf`
   * with `outcome[i]` 1 = activate, 0 = keep.
   */
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
    const ideal = this.mode === 'ideal';
    // Writes started earlier in this reclaim may have finished by now: their
    // folios rotate to the tail before this batch is judged.
    if (!ideal) this.completeIoUntil(sc.clockNs);
    const res = this.shrinkResult;
    res.reclaimed = 0;
    res.survivors = 0;
    res.activated = 0;
    res.pageout = 0;
    const f = this.machine.frames;
    const cost = this.machine.config.cost;
    const c = this.world.counters.v;
    let unmapped = 0;
    let reclaimedAnon = 0;
    let reclaimedFile = 0;
    for (let i = 0; i < n; i++) {
      const pfn = buf[i];
      // Ideal mode evicts exactly what was asked: the rest of a batch survives untouched.
      if (ideal && sc.nrReclaimed + res.reclaimed >= sc.nrToReclaim) {
        c[VM.policy_overrides]++;
        this.survive(buf, outcome, res, pfn, 0);
        continue;
      }
      // Re-read per folio: an ejection mid-list hands the rest to the fallback.
      const ops = ctx.slot.ops;
      let flags = f.flags[pfn];
      // `folio_trylock` fails on a folio still being read in: kept, and not counted as scanned.
      if (flags & PG_LOCKED) {
        this.survive(buf, outcome, res, pfn, 0);
        continue;
      }
      const isFile = (flags & PG_SWAPBACKED) === 0;
      sc.nrScanned++;
      let decision: Decision | 'activate-cull' = 'reclaim';
      // Dirty/writeback classification of file folios.
      if (isFile) {
        const dirty = (flags & PG_DIRTY) !== 0;
        const wb = (flags & PG_WRITEBACK) !== 0;
        if (dirty || wb) sc.nrDirty++;
        if (dirty && !wb) sc.nrUnqueuedDirty++;
        if (wb && flags & PG_RECLAIM) sc.nrCongested++;
        sc.nrTaken++;
        sc.nrFileTaken++;
      } else sc.nrTaken++;
      if (flags & PG_WRITEBACK) {
        if (sc.isKswapd && flags & PG_RECLAIM && this.pgdatWriteback[sc.node]) sc.nrImmediate++;
        else {
          f.flags[pfn] |= PG_RECLAIM;
          sc.nrWriteback++;
        }
        this.survive(buf, outcome, res, pfn, 1);
        continue;
      }
      // Without rmap (a policy that learns references from page-table walks), or
      // with references ignored, only the VMA flags are read, so VM_LOCKED still
      // reaches the core; no PTE is tested.
      const rmap =
        rmapWalk && !ignoreReferences
          ? this.referenced(pfn, sc, visitor)
          : this.world.folioReferenced(pfn, null, false);
      if (rmap.vmFlags & VM_LOCKED) {
        f.flags[pfn] |= PG_MLOCKED;
        this.survive(buf, outcome, res, pfn, 2);
        continue;
      }
      decision = ignoreReferences ? 'reclaim' : this.decide(ctx, ops, pfn, rmap, sc);
      if (decision === 'activate') {
        this.survive(buf, outcome, res, pfn, 1);
        continue;
      }
      if (decision === 'keep') {
        this.survive(buf, outcome, res, pfn, 0);
        continue;
      }
      // Anon folio not yet in swap: give it a slot (`add_to_swap`). A shmem
      // folio gets one only if it is dirty, when it is written (below).
      if ((flags & (PG_ANON | PG_SWAPCACHE)) === PG_ANON) {
        if (!sc.maySwap || !this.world.addToSwap(pfn)) {
          this.survive(buf, outcome, res, pfn, 1);
          continue;
        }
        flags = f.flags[pfn];
      }
      if (f.mapcount[pfn] > 0) {
        const m = this.world.tryToUnmap(pfn);
        if (m < 0) {
          f.flags[pfn] |= PG_MLOCKED;
          this.survive(buf, outcome, res, pfn, 2);
          continue;
        }
        unmapped += m;
        sc.costNs += m * cost.unmapNs;
        // A dirty PTE made the page cache folio dirty: the flushers must hear of it.
        if (isFile && (flags & PG_DIRTY) === 0 && f.flags[pfn] & PG_DIRTY) this.flusher.queue(pfn, this.now);
        flags = f.flags[pfn];
      }
      if (flags & PG_DIRTY && !ideal) {
        // File folios are written by the flushers, not by reclaim, unless
        // kswapd sees the node clogged with dirty folios it met before.
        if (isFile && !(sc.isKswapd && flags & PG_RECLAIM && this.pgdatDirty[sc.node])) {
          f.flags[pfn] |= PG_RECLAIM;
          c[VM.nr_vmscan_immediate_reclaim]++;
          this.survive(buf, outcome, res, pfn, 1);
          continue;
        }
        if (decision === 'reclaim-clean' || !sc.mayWritepage) {
          this.survive(buf, outcome, res, pfn, 0);
          continue;
        }
        // `pageout()`: shmem's writepage first moves the folio to the swap cache.
        if (!this.shmemWriteout(pfn, flags, sc)) {
          this.survive(buf, outcome, res, pfn, 1);
          continue;
        }
        flags = f.flags[pfn];
        if (unmapped > 0) {
          c[VM.tlb_flushes]++;
          sc.costNs += cost.tlbFlushNs;
          unmapped = 0;
        }
        c[VM.nr_vmscan_write]++;
        c[VM.writeback_requests]++;
        res.pageout++;
        this.waitForWriteSlot(pfn, sc);
        const sync = this.world.startWriteback(pfn, sc.clockNs, true);
        if (!sync) {
          this.survive(buf, outcome, res, pfn, 0);
          continue;
        }
        flags = f.flags[pfn];
      } else if (flags & PG_DIRTY) {
        // Ideal mode has no writeback: a dirty page is dropped as if written
        // (a shmem one from the swap cache, where writing would have put it).
        if (!this.shmemWriteout(pfn, flags, sc)) {
          this.survive(buf, outcome, res, pfn, 1);
          continue;
        }
        this.world.clearDirty(pfn);
        flags = f.flags[pfn];
      }
      this.removeMapping(ctx, ops, pfn, flags, sc);
      if (isFile) reclaimedFile++;
      else reclaimedAnon++;
      res.reclaimed++;
    }
    if (unmapped > 0) {
      c[VM.tlb_flushes]++;
      sc.costNs += cost.tlbFlushNs;
    }
    const reclaimed = reclaimedAnon + reclaimedFile;
    sc.nrReclaimed += reclaimed;
    if (sc.accountSteal) {
      if (!sc.cgroupReclaim) c[sc.isKswapd ? VM.pgsteal_kswapd : VM.pgsteal_direct] += reclaimed;
      c[VM.pgsteal_anon] += reclaimedAnon;
      c[VM.pgsteal_file] += reclaimedFile;
    }
    c[VM.pgactivate] += res.activated;
    return res;
  }

  /**
   * The block layer's write throttle (blk-wbt): with as many of reclaim's
   * page writes in flight to the device as it allows, the reclaimer sleeps
   * until the oldest completes, and the I/O due by then completes. This is
   * what keeps reclaim from writing far more than it frees on a slow swap
   * device: it runs at the device's pace. Synchronous devices (zram) have none.
   */
  private waitForWriteSlot(pfn: number, sc: ScanControl): void {
    const dev = this.world.writebackDevice(pfn);
    if (dev.spec.synchronous) return;
    const at = dev.writeSlotAt(sc.isKswapd ? WBT_INFLIGHT_PAGES_KSWAPD : WBT_INFLIGHT_PAGES);
    if (at <= sc.clockNs) return;
    sc.waitNs += at - sc.clockNs;
    this.completeIoUntil(sc.clockNs);
  }

  /**
   * shmem's writepage (`shmem_writeout`): a dirty shmem folio still in its
   * file's page cache moves to the swap cache to be written. False — the
   * caller re-dirties and activates it — when reclaim may not swap or there
   * is no slot; true for every other folio.
   */
  shmemWriteout(pfn: number, flags: number, sc: ScanControl): boolean {
    if ((flags & (PG_FILE | PG_SWAPBACKED)) !== (PG_FILE | PG_SWAPBACKED)) return true;
    return sc.maySwap && this.world.shmemWriteout(pfn);
  }

  /**
   * `__remove_mapping`: leave a shadow and free the folio. The kernel leaves
   * a shadow for every reclaimed cache folio, so refaults are counted alike
   * under every policy; the payload is the policy's (`evicted`), and none is
   * left if that hook failed and ejected the policy.
   */
  removeMapping(ctx: LruvecCtx, ops: ReclaimOps<unknown>, pfn: number, flags: number, sc: ScanControl): void {
    // A clean shmem folio dropped from its page cache is zeros: no shadow is left (`__remove_mapping`
    // asks workingset_eviction only for swap-cache and file-LRU folios).
    if ((flags & (PG_FILE | PG_SWAPBACKED)) === (PG_FILE | PG_SWAPBACKED)) {
      this.world.lruDel(pfn);
      this.world.releaseFrame(pfn, 0, true);
      sc.costNs += this.machine.config.cost.freeNs;
      return;
    }
    let payload = 0;
    if (ops.evicted) {
      const p = this.watchdog.call(ctx, 'evicted', ops.evicted, pfn, sc, undefined);
      payload = p === HOOK_FAILED ? 0 : p >>> 0 === p ? p : this.rejectPayload(ctx, p);
    }
    const lv =
      ops.shadowScope === 'target'
        ? this.world.lruvec(sc.target ?? this.machine.rootMemcg, ctx.lruvec.node)
        : ctx.lruvec;
    const shadow =
      ctx.slot.ops === ops || !ops.evicted
        ? packShadow(payload >>> 0, lv.id, (flags & PG_WORKINGSET) !== 0)
        : 0;
    this.world.lruDel(pfn);
    this.world.releaseFrame(pfn, shadow, true);
    sc.costNs += this.machine.config.cost.freeNs;
  }

  /**
   * The reference decision for one isolated folio (`folio_check_references`
   * or the policy's own): a failed hook keeps the folio, an invalid answer
   * ejects the policy and keeps it; no hook keeps a referenced folio.
   */
  decide(ctx: LruvecCtx, ops: ReclaimOps<unknown>, pfn: number, rmap: RmapResult, sc: ScanControl): Decision {
    if (!ops.checkReferences) return rmap.refs > 0 ? 'keep' : 'reclaim';
    return this.decision(ctx, this.watchdog.call(ctx, 'checkReferences', ops.checkReferences, pfn, rmap, sc));
  }

  /** What `checkReferences` returned, checked: a failure or an unknown answer keeps the folio. */
  decision(ctx: LruvecCtx, d: Decision | typeof HOOK_FAILED): Decision {
    if (d === HOOK_FAILED) return 'keep';
    if (d !== 'activate' && d !== 'keep' && d !== 'reclaim' && d !== 'reclaim-clean') {
      this.watchdog.reject(ctx, 'checkReferences', 'invalid', `returned ${String(d)}`);
      return 'keep';
    }
    return d;
  }

  /** Keep a survivor at the front of the buffer. kind 0 keep, 1 activate, 2 mlocked (cull). */
  survive(buf: Int32Array, outcome: Uint8Array, res: ShrinkListResult, pfn: number, kind: number): void {
    const f = this.machine.frames;
    if (kind === 1) {
      res.activated++;
      // `activate_locked`: a swap slot is dropped when swap is getting full (`mem_cgroup_swap_full`).
      if (
        f.flags[pfn] & PG_SWAPCACHE &&
        this.world.swapFull(f.memcg[pfn]) &&
        f.mapcount[pfn] > 0 &&
        (f.flags[pfn] & PG_WRITEBACK) === 0
      ) {
        this.world.freeSwapSlot(pfn);
      }
    }
    buf[res.survivors] = pfn;
    outcome[res.survivors] = kind;
    res.survivors++;
  }

  putback(ctx: LruvecCtx, pfn: number, outcome: PutbackOutcome | 'cull'): void {
    const f = this.machine.frames;
    const lv = ctx.lruvec;
    if ((f.flags[pfn] & PG_ISOLATED) === 0) throw new Error(`putback of pfn ${pfn}, which is not isolated`);
    const type = f.flags[pfn] & PG_SWAPBACKED ? LRU_ANON : LRU_FILE;
    lv.nrIsolated[type]--;
    f.flags[pfn] &= ~PG_ISOLATED;
    if (outcome === 'cull' || f.flags[pfn] & PG_MLOCKED) {
      this.world.counters.v[VM.unevictable_pgs_mlocked]++;
      cull(this, lv, pfn);
      return;
    }
    const active = this.ctxs[lv.id];
    placeOnLru(this, active, pfn, 'putback', outcome);
  }

  // ---- writeback completion and the flusher ---------------------------------------------------

  /**
   * Complete the I/O due by `t`, a reclaimer's own clock, while it runs:
   * the device works during reclaim, so a write it started a few batches
   * ago ends (`folio_end_writeback`, rotating the folio to the tail) before
   * the next batch, instead of after the whole call. The loop's clock is
   * left as it was; only the completions move ahead of it, by at most the
   * length of one reclaim call (a deviation from strict event order).
   */
  private completeIoUntil(t: number): void {
    const timers = this.world.timers;
    if (timers.peekTime() > t) return;
    const now = this.now;
    while (timers.peekTime() <= t) {
      this.now = this.world.now = timers.peekTime();
      this.completeIo();
    }
    this.now = this.world.now = now;
  }

  completeIo(): void {
    const out = this.timerOut;
    this.world.timers.pop(out);
    const pfn = out[1];
    const seq = out[2];
    const f = this.machine.frames;
    if (seq === READ_DONE_TAG) {
      // The async read is over: `folio_end_read` unlocks the folio.
      if (this.readDoneAt !== null && this.readDoneAt[pfn] === out[0]) f.flags[pfn] &= ~PG_LOCKED;
      return;
    }
    if (this.world.wbSeq[pfn] !== seq || (f.flags[pfn] & PG_WRITEBACK) === 0) return;
    if (!this.world.endWriteback(pfn)) return;
    // `folio_rotate_reclaimable`: clean, still on an LRU, evictable.
    if ((f.flags[pfn] & (PG_LRU | PG_DIRTY | PG_UNEVICTABLE)) !== PG_LRU) return;
    const ctx = this.ctxs[f.lruvec[pfn]];
    const ops = ctx.slot.ops;
    if (ops.rotate)
      this.watchdog.guard(
        ctx,
        'rotate',
        () => ops.rotate!(ctx, pfn),
        () => {},
      );
    else this.world.lists.moveTail(this.world.lists.listOf[pfn], pfn);
    if (!ctx.owns(this.world.lists.listOf[pfn]))
      this.watchdog.reject(ctx, 'rotate', 'invalid', `left pfn ${pfn} off its lists`);
    this.world.counters.v[VM.pgrotated]++;
  }

  /**
   * Models `file_write_and_wait_range` over the whole file: write every
   * dirty folio not already under writeback, then wait until the last
   * write-back of the file's folios completes, ours or one in flight before.
   */
  fsync(task: Task, file: SimFile): void {
    const f = this.machine.frames;
    for (let i = 0; i < file.pages && file.nrDirty > 0; i++) {
      const p = file.cache[i];
      if (p === 0) continue;
      const pfn = p - 1;
      if (f.flags[pfn] & PG_DIRTY && (f.flags[pfn] & PG_WRITEBACK) === 0) {
        this.world.startWriteback(pfn, task.t, false);
        // `folio_mkclean`'s rmap walk runs in the fsync caller.
        task.t += this.world.lastMkcleanSteps * this.machine.config.cost.rmapNs;
      }
    }
    const wbSeq = this.world.wbSeq;
    // A completion still counts if its folio is the same write-back of this file (not a stale one).
    const last = this.world.timers.latest(
      (pfn, seq) =>
        wbSeq[pfn] === seq &&
        (f.flags[pfn] & (PG_WRITEBACK | PG_FILE)) === (PG_WRITEBACK | PG_FILE) &&
        f.owner[pfn] === file.id,
    );
    if (last > task.t) {
      task.ioWaitNs += last - task.t;
      task.t = last;
    }
  }

  // ---- unmap, madvise, exit, OOM ----------------------------------------------------------------

  unmapVma(task: Task, vma: Vma): void {
    if (!vma.mapped) return;
    const mm = task.mm;
    const f = this.machine.frames;
    const swap = this.machine.swap;
    for (let vpn = vma.start; vpn < vma.start + vma.pages; vpn++) {
      const p = mm.pte[vpn];
      if (p === 0) continue;
      if (vma.file >= 0) {
        if (p > 0) {
          const pfn = p - 1;
          if (mm.pteBits[vpn] & PTE_DIRTY) {
            this.world.markDirty(pfn);
            if ((f.flags[pfn] & PG_SWAPBACKED) === 0) this.flusher.queue(pfn, this.now);
          }
          f.mapcount[pfn]--;
          mm.rssFile--;
        }
      } else if (p === ZERO_PAGE_PTE) {
        // The zero page is no one's: nothing to free.
      } else if (p > 0) {
        this.freeAnon(p - 1);
        mm.rssAnon--;
      } else {
        const slot = -p - 1;
        const pfn = swap!.frame[slot];
        if (pfn >= 0) this.freeAnon(pfn);
        else this.world.releaseSwapEntry(slot);
        mm.swapEnts--;
      }
      mm.pte[vpn] = 0;
      mm.pteBits[vpn] = 0;
    }
    vma.mapped = false;
    task.regionBase[vma.region] = -1;
    if (vma.file >= 0) {
      const maps = this.machine.files[vma.file].mappings;
      const i = maps.findIndex((m) => m.mm === mm.id && m.start === vma.start);
      if (i >= 0) maps.splice(i, 1);
    }
  }

  freeAnon(pfn: number): void {
    const f = this.machine.frames;
    const lvId = f.lruvec[pfn];
    if (lvId >= 0 && f.flags[pfn] & (PG_LRU | PG_ISOLATED)) {
      const ctx = this.ctxs[lvId];
      const unevictable = (f.flags[pfn] & PG_UNEVICTABLE) !== 0;
      this.world.lruDel(pfn);
      const ops = ctx.slot.ops;
      if (!unevictable && ops.folioRemoved)
        this.watchdog.guard(
          ctx,
          'folioRemoved',
          () => ops.folioRemoved!(ctx, pfn),
          () => {},
        );
    }
    if (f.flags[pfn] & PG_SWAPCACHE) {
      this.world.swapCacheDrop(f.swapSlot[pfn], f.memcg[pfn]);
      this.world.freeSwapSlot(pfn);
    }
    f.mapcount[pfn] = 0;
    f.flags[pfn] &= ~PG_DIRTY;
    this.world.releaseFrame(pfn, 0);
  }

  madvise(task: Task, vma: Vma, advice: number): void {
    if (advice === MADV_COLD || advice === MADV_PAGEOUT) {
      const mm = task.mm;
      const f = this.machine.frames;
      for (let vpn = vma.start; vpn < vma.start + vma.pages; vpn++) {
        const p = mm.pte[vpn];
        if (p <= 0 || p === ZERO_PAGE_PTE) continue;
        const pfn = p - 1;
        // `folio_likely_mapped_shared`: a folio others map too is left alone.
        if ((f.flags[pfn] & (PG_LRU | PG_UNEVICTABLE)) !== PG_LRU || f.mapcount[pfn] !== 1) continue;
        mm.pteBits[vpn] &= ~PTE_YOUNG;
        if (advice === MADV_PAGEOUT) continue;
        const ctx = this.ctxs[f.lruvec[pfn]];
        const ops = ctx.slot.ops;
        if (ops.deactivate)
          this.watchdog.guard(
            ctx,
            'deactivate',
            () => ops.deactivate!(ctx, pfn, 'cold'),
            () => {},
          );
        else this.world.lists.moveTail(this.world.lists.listOf[pfn], pfn);
        this.world.counters.v[VM.pgdeactivate]++;
      }
      if (advice === MADV_PAGEOUT) this.pageoutRange(task, vma);
      return;
    }
    // MADV_NORMAL / RANDOM / SEQUENTIAL change the VMA's recency flags.
    vma.vmFlags &= ~(VM_SEQ_READ | VM_RAND_READ);
    if (advice === 1) vma.vmFlags |= VM_RAND_READ;
    if (advice === 2) vma.vmFlags |= VM_SEQ_READ;
    if (vma.file >= 0) {
      for (const m of this.machine.files[vma.file].mappings)
        if (m.mm === task.mm.id && m.start === vma.start) m.vmFlags = vma.vmFlags;
    }
  }

  /**
   * Models MADV_PAGEOUT (`madvise_cold_or_pageout_pte_range` then
   * `reclaim_pages`): every folio of the range mapped only here has lost its
   * young bit and PG_referenced above; each is isolated and goes through
   * shrink_folio_list with references ignored, per lruvec, and the
   * survivors (dirty file folios, locked ones) are put back. Policy
   * choice plays no part, as in the kernel.
   */
  pageoutRange(task: Task, vma: Vma): void {
    const f = this.machine.frames;
    const mm = task.mm;
    const byLruvec = new Map<LruvecCtx, number[]>();
    for (let vpn = vma.start; vpn < vma.start + vma.pages; vpn++) {
      const p = mm.pte[vpn];
      if (p <= 0 || p === ZERO_PAGE_PTE) continue;
      const pfn = p - 1;
      if ((f.flags[pfn] & (PG_LRU | PG_UNEVICTABLE)) !== PG_LRU || f.mapcount[pfn] !== 1) continue;
      f.flags[pfn] &= ~PG_REFERENCED;
      const ctx = this.ctxs[f.lruvec[pfn]];
      this.isolateFolio(ctx.lruvec, pfn);
      const ops = ctx.slot.ops;
      if (ops.folioIsolated)
        this.watchdog.guard(
          ctx,
          'folioIsolated',
          () => ops.folioIsolated!(ctx, pfn),
          () => {},
        );
      const list = byLruvec.get(ctx);
      if (list) list.push(pfn);
      else byLruvec.set(ctx, [pfn]);
    }
    const sc = this.proactiveSc.reset('proactive', null, 0, 0, task.t);
    sc.accountSteal = false;
    const buf = this.evictBuf;
    const outcome = this.evictOutcome;
    for (const [ctx, pfns] of byLruvec) {
      for (let from = 0; from < pfns.length; from += buf.length) {
        const n = Math.min(buf.length, pfns.length - from);
        for (let i = 0; i < n; i++) buf[i] = pfns[from + i];
        sc.node = ctx.lruvec.node;
        sc.nrToReclaim += n;
        const res = this.shrinkFolioList(ctx, buf, n, sc, outcome, null, true, true);
        for (let i = 0; i < res.survivors; i++)
          this.putback(ctx, buf[i], outcome[i] === 1 ? 'activate' : 'keep');
      }
    }
    task.t += sc.elapsedNs;
    this.world.counters.v[VM.reclaim_cpu_ns] += sc.costNs;
  }

  exitTask(task: Task, killed: boolean): void {
    if (!task.alive) return;
    if (killed) task.killed = true;
    else task.finished = true;
    task.endNs = task.t;
    this.psi.exit(task.psiCpu, task.t);
    for (const vma of task.mm.vmas) this.unmapVma(task, vma);
    task.mm.exited = true;
  }

  /**
   * The OOM killer: pick the task with the highest `oom_badness` in scope
   * and kill it. True instead when an attached policy stood in the way and
   * was ejected (see `policyInTheWay`): the caller retries under the fallback.
   */
  oom(kind: OomKill['kind'], scope: Memcg | null, current: Task | null): boolean {
    if (kind !== 'min_ttl' && this.ejectStarver(scope, current)) return true;
    const total = oomTotalPages(
      scope,
      this.machine.totalPages,
      this.machine.swap?.slots ?? 0,
      this.machine.config.swappiness,
    );
    let victim = selectOomVictim(this.tasks, scope, total);
    if (!victim) {
      // Nothing killable: the allocating task cannot proceed.
      if (current?.alive) victim = current;
      else return false;
    }
    // `mem_cgroup_get_oom_group`: the highest memcg with memory.oom.group
    // set, from the victim's up to the OOM domain.
    const domain = scope ?? this.machine.rootMemcg;
    let group: Memcg | null = null;
    for (let m: Memcg | null = victim.memcg; m; m = m.parent) {
      if (m.oomGroup) group = m;
      if (m === domain) break;
    }
    const at = current ? current.t : this.now;
    this.oomKill(victim, kind, at, null);
    if (group === null) return false;
    for (let m: Memcg | null = group; m?.parent; m = m.parent) m.events.oom_group_kill++;
    // `oom_kill_memcg_member`: every other task of the group, but those exempt (oom_score_adj -1000).
    for (const t of this.tasks)
      if (t.alive && group.isAncestorOf(t.memcg) && t.oomScoreAdj !== OOM_SCORE_ADJ_MIN)
        this.oomKill(t, kind, at, group);
    return false;
  }

  /** `evicted` handed back no valid payload: eject its policy, store no shadow. */
  private rejectPayload(ctx: LruvecCtx, p: unknown): number {
    this.watchdog.reject(ctx, 'evicted', 'invalid', badPayload(p) as string);
    return 0;
  }

  private candidateMarks: Uint8Array | null = null;

  /** One byte per frame for `duplicatePfn`, made on first use. */
  private candidateMark(): Uint8Array {
    if (this.candidateMarks === null) this.candidateMarks = new Uint8Array(this.machine.frames.count);
    return this.candidateMarks;
  }

  /** Before a kill: eject an attached policy that keeps reclaimable pages from the fallback. */
  private ejectStarver(scope: Memcg | null, current: Task | null): boolean {
    if (!this.fallback) return false;
    const node = this.machine.nodes[current?.node ?? 0].zone;
    const shortfall = scope === null ? node.min + 1 - node.free : scope.usage + 1 - scope.max;
    const s = policyInTheWay(
      this.machine.frames,
      this.ctxs,
      (lv) => scope === null || scope.isAncestorOf(lv.memcg),
      (lv) => this.canReclaimAnon(lv, this.directSc),
      shortfall,
    );
    if (s === null) return false;
    this.watchdog.reject(
      s.ctx,
      'shrink',
      'stall',
      `OOM (${scope === null ? 'global' : `memcg ${scope.path}`}) with ${s.pages} pages the fallback can reclaim`,
      'starved reclaim',
    );
    return true;
  }

  /** `__oom_kill_process`: kill `victim`, count it, record it. */
  oomKill(victim: Task, kind: OomKill['kind'], at: number, group: Memcg | null): void {
    const before = this.machine.freePages();
    const badness = oomBadness(victim);
    this.exitTask(victim, true);
    this.world.counters.v[VM.oom_kill]++;
    // memory.events oom_kill: the victim's memcg and its ancestors, the root aside.
    for (let m: Memcg | null = victim.memcg; m?.parent; m = m.parent) m.events.oom_kill++;
    this.oomKills.push({
      timeNs: at,
      kind,
      task: victim.name,
      memcg: victim.memcg.path,
      badnessPages: badness,
      freedPages: this.machine.freePages() - before,
      ...(group === null ? {} : { oomGroup: group.path }),
    });
  }

  // ---- sampling, invariants, results --------------------------------------------------------------

  sample(): void {
    const s = this.series;
    const c = this.world.counters;
    if (s.timeNs.length >= MAX_SAMPLES) {
      // Keep every other sample and halve the rate: bounded memory on any run length.
      const thin = (a: number[]) => {
        for (let i = 0; i < a.length / 2; i++) a[i] = a[2 * i];
        a.length = Math.floor(a.length / 2);
      };
      for (const k of [
        'timeNs',
        'freePages',
        'refaults',
        'majorFaults',
        'pgscan',
        'pgsteal',
        'activeAnon',
        'inactiveAnon',
        'activeFile',
        'inactiveFile',
      ] as const)
        thin(s[k]);
      for (const k of Object.keys(s.policyLists)) thin(s.policyLists[k]);
      this.sampleIntervalNs *= 2;
      s.intervalNs = this.sampleIntervalNs;
    }
    s.timeNs.push(this.now);
    s.freePages.push(this.machine.freePages());
    s.refaults.push(c.get('workingset_refault_anon') + c.get('workingset_refault_file'));
    s.majorFaults.push(c.get('pgmajfault'));
    s.pgscan.push(c.get('pgscan_anon') + c.get('pgscan_file'));
    s.pgsteal.push(c.get('pgsteal_anon') + c.get('pgsteal_file'));
    let aa = 0;
    let ia = 0;
    let af = 0;
    let inf = 0;
    const named: Record<string, number> = {};
    for (const lv of this.world.lruvecs) {
      const z = this.lruSizes(lv);
      aa += z.activeAnon;
      ia += z.inactiveAnon;
      af += z.activeFile;
      inf += z.inactiveFile;
      const ctx = this.ctxs[lv.id];
      const ops = ctx.slot.ops;
      if (ops.policyLists)
        this.watchdog.guard(
          ctx,
          'policyLists',
          () => ops.policyLists!(ctx, named),
          () => {},
        );
      else
        for (const l of ctx.ownLists)
          named[this.world.lists.name(l)] =
            (named[this.world.lists.name(l)] ?? 0) + this.world.lists.length(l);
    }
    s.activeAnon.push(aa);
    s.inactiveAnon.push(ia);
    s.activeFile.push(af);
    s.inactiveFile.push(inf);
    const n = s.timeNs.length;
    for (const [k, v] of Object.entries(named)) {
      let arr = s.policyLists[k];
      if (!arr) {
        arr = new Array(n - 1).fill(0);
        s.policyLists[k] = arr;
      }
      arr.push(v);
    }
    for (const arr of Object.values(s.policyLists)) while (arr.length < n) arr.push(0);
    this.nextSampleNs = this.now + this.sampleIntervalNs;
  }

  /** Conservation and mapping invariants of ARCHITECTURE.md; throws with a description. */
  checkInvariants(where: string): void {
    checkKernelInvariants(this.machine, this.world, this.ctxs, where);
  }

  result(): RunResult {
    const counters = this.world.counters.toRecord();
    const end = Math.max(this.now, ...this.tasks.map((t) => (t.alive ? t.t : t.endNs)));
    const pageStateBits: Record<string, number> = {};
    for (const s of this.slots) pageStateBits[s.attached.name] = s.attached.pageStateBits ?? 0;
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
      pageStateBits,
      events: this.events,
    };
  }

  /** Used by the watchdog on ejection: move every folio of the scope to the fallback policy. */
  ejectSlot(slot: PolicySlot, exit: PolicyExit): void {
    this.policyExits.push(exit);
    if (!this.fallback) throw new PolicyEjected(exit);
    slot.ops = this.fallback;
    slot.ejected = true;
    const f = this.machine.frames;
    const lists = this.world.lists;
    const strays = this.takeStrays(slot);
    for (const ctx of this.ctxs) {
      if (!ctx || ctx.slot !== slot) continue;
      // `drain_evictable` then `fill_evictable`: unlink from the old lists, re-add through the fallback.
      const pfns: number[] = strays.get(ctx) ?? [];
      for (const l of ctx.ownLists) {
        for (let p = lists.last(l); p !== -1; p = lists.last(l)) {
          lists.remove(p);
          pfns.push(p);
        }
      }
      for (const p of pfns) f.flags[p] &= ~(PG_ACTIVE | PG_LRU);
      ctx.lruvec.nrPages[0] = 0;
      ctx.lruvec.nrPages[1] = 0;
      for (const p of pfns) f.policy[p] = 0;
      this.initPolicyState(ctx);
      for (const p of pfns.reverse()) {
        this.addHow.reason = 'migrate';
        this.addHow.active = false;
        this.addHow.inFault = false;
        this.addHow.vmFlags = 0;
        placeOnLru(this, ctx, p, 'folioAdded');
      }
    }
  }

  /**
   * A hook stopped between two list operations (it threw, ran out of budget,
   * or went on after its policy was ejected) can leave a folio of its scope
   * on no list, or on a list its lruvec does not own. Take each one off
   * whatever list holds it (PG_lru stays set), grouped by lruvec, counted in
   * `policy_overrides`.
   */
  takeStrays(slot: PolicySlot): Map<LruvecCtx, number[]> {
    const f = this.machine.frames;
    const lists = this.world.lists;
    const strays = new Map<LruvecCtx, number[]>();
    for (let pfn = 0; pfn < f.count; pfn++) {
      if ((f.flags[pfn] & (PG_LRU | PG_UNEVICTABLE)) !== PG_LRU) continue;
      const ctx = this.ctxs[f.lruvec[pfn]];
      if (ctx?.slot !== slot || ctx.owns(lists.listOf[pfn])) continue;
      if (lists.listOf[pfn] !== -1) lists.remove(pfn);
      this.world.counters.v[VM.policy_overrides]++;
      const list = strays.get(ctx);
      if (list) list.push(pfn);
      else strays.set(ctx, [pfn]);
    }
    return strays;
  }

  /** After an ejection by a nested hook: re-add what the rest of the old policy's hook left astray. */
  recoverStrays(slot: PolicySlot): void {
    const f = this.machine.frames;
    for (const [ctx, pfns] of this.takeStrays(slot)) {
      for (const pfn of pfns) {
        f.flags[pfn] &= ~(PG_ACTIVE | PG_LRU);
        ctx.lruvec.nrPages[f.flags[pfn] & PG_SWAPBACKED ? LRU_ANON : LRU_FILE]--;
        this.addHow.reason = 'migrate';
        this.addHow.active = false;
        this.addHow.inFault = false;
        this.addHow.vmFlags = 0;
        placeOnLru(this, this.ctxs[ctx.lruvec.id], pfn, 'folioAdded');
      }
    }
  }

  get kswapdFailures(): number[] {
    return this.kswapd.map((k) => k.failures);
  }
}
