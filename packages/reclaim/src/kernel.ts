import {
  type Memcg,
  type TaskSpec,
  VM_ANON,
  VM_EXEC,
  VM_LOCKED,
  VM_RAND_READ,
  VM_SEQ_READ,
  VM_SHARED,
  type WorkloadInstance,
} from '@reclaim-lab/hw-model';
import type { LruSizes, Lruvec, RmapResult, YoungPteVisitor } from '@reclaim-lab/mechanisms';
import { AppModel, appsResult, lmkdPoll } from './app.js';
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
import { checkKernelInvariants } from './invariants.js';
import { type KernelOptions, KernelState } from './kernel-state.js';
import { kswapdStep } from './kswapd.js';
import { mapVma } from './mmap.js';
import type { IsolateResult, PutbackOutcome, ReclaimCore, ShrinkListResult } from './ops.js';
import { endPhase } from './phase-log.js';
import { attachLruvec, ejectSlot, recoverStrays } from './policy-attach.js';
import type { LruvecCtx } from './policy-host.js';
import {
  accountScan,
  ageNonresident,
  canDemoteFrom,
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
import { memcgResult, type RunResult } from './result.js';
import type { ScanControl } from './scan-control.js';
import { shrinkFolioList } from './shrink-folio-list.js';
import { shrinkNode } from './shrink-node.js';
import { Task } from './task.js';
import { runTask } from './task-exec.js';
import { classChanged, stopRequested } from './vendor-hooks.js';
import { proactiveReclaim } from './vmscan-direct.js';
import { sample } from './vmstat-sample.js';
import { WorkloadError } from './workload-error.js';
import { completeIo } from './writeback.js';

export type { KernelOptions, KswapdState, PolicyAttachment } from './kernel-state.js';

/**
 * The simulated kernel: one reclaim path (kswapd, direct, memcg limit,
 * memory.high, proactive reclaim, OOM), the fault and fd paths, and the
 * discrete-event loop that interleaves tasks, kswapd, I/O completions and
 * the flusher. Policies plug in through `ReclaimOps`; this file names none.
 *
 * The state lives in `KernelState` (kernel-state.ts), which every module
 * receives; this class adds loading a workload, the event loop (`run()`,
 * a dispatcher over the next event's kind) and the `ReclaimCore` services
 * a policy calls, each forwarding to the function of its module.
 */
export class Kernel extends KernelState implements ReclaimCore {
  /** The event loop's next event, reused from pick to pick. */
  private readonly nextEvent = new NextEvent();

  constructor(options: KernelOptions) {
    super(options, attachLruvec);
    this.watchdog.eject = (slot, exit) => ejectSlot(this, slot, exit);
    this.watchdog.recover = (slot) => recoverStrays(this, slot);
  }

  get core(): ReclaimCore {
    return this;
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
      if (r.kind !== 'file-fd' && r.mapAtStart !== false) mapVma(this, task, mm.vmas[i]);
    });
    this.tasks.push(task);
    return task;
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

  canDemote(lv: Lruvec, sc: ScanControl): boolean {
    return canDemoteFrom(this, lv, sc);
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
      ...(this.machine.zram === null ? {} : { zram: this.machine.zram.stat() }),
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
