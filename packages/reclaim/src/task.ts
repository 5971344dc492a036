import {
  EventChunk,
  type EventSource,
  type Memcg,
  type Mm,
  type TaskSpec,
  type Vma,
} from '@reclaim-lab/hw-model';
import { INITIAL_DIRTIED_PAUSE } from './dirty-throttle.js';

/** A phase in progress: where the task's counters and vmstat stood when it began (phase-log.ts). */
export interface OpenPhase {
  index: number;
  startNs: number;
  accesses: number;
  ops: number;
  minorFaults: number;
  majorFaults: number;
  directReclaimNs: number;
  ioWaitNs: number;
  vmstat: Float64Array;
}

/** A simulated process: its address space, event stream and clock. */
export class Task {
  readonly id: number;
  readonly name: string;
  readonly spec: TaskSpec;
  readonly memcg: Memcg;
  readonly node: number;
  readonly mm: Mm;
  readonly source: EventSource;
  readonly chunk = new EventChunk();
  pos = 0;
  /** Virtual time (ns). */
  t: number;
  readonly startNs: number;
  finished = false;
  killed = false;
  endNs = 0;
  /** Region index → VMA; region pages for bounds checks. */
  readonly vmas: Vma[];
  readonly regionPages: Int32Array;
  /** First virtual page of each region while it is mapped through the page table, else -1 (the hot path's view). */
  readonly regionBase: Int32Array;
  /**
   * Per-region readahead state (`file_ra_state`): previous page index read,
   * and the current window's first page, size and async tail (the part
   * whose first page carries the PG_readahead marker).
   */
  readonly raPrev: Float64Array;
  readonly raStart: Float64Array;
  readonly raWindow: Int32Array;
  readonly raAsync: Int32Array;
  /** Per-region `file_ra_state.mmap_miss`: major faults less page-cache hits, capped at 10 × MMAP_LOTSAMISS. */
  readonly mmapMiss: Int32Array;
  /**
   * Set when the source offers its requests as they are (`fillRequests`)
   * and they can only mean fd reads and writes of region 0: ideal mode then
   * replays them without expanding them into events.
   */
  readonly requestSource: ((out: Int32Array) => number) | null;
  /** Requests of the current batch, and the next one to run. */
  requestBuf: Int32Array | null = null;
  requestPos = 0;
  requestLen = 0;
  ops = 0;
  accesses = 0;
  majorFaults = 0;
  /** NUMA balancing's scanner (`mm->numa_next_scan`, `mm->numa_scan_offset`), per task here. */
  numaNextScan = 0;
  numaScanOffset = 0;
  /** Pages this task dirtied since `balance_dirty_pages` last looked (`current->nr_dirtied`). */
  nrDirtied = 0;
  /** Dirtied pages between two looks (`current->nr_dirtied_pause`). */
  nrDirtiedPause = INITIAL_DIRTIED_PAUSE;
  /** When the last dirty-throttle pause ended (`current->dirty_paused_when`). */
  dirtyPausedWhen = 0;
  /** read(2) calls that waited for the disk: not faults, so not in majorFaults. */
  readMisses = 0;
  minorFaults = 0;
  directReclaimNs = 0;
  ioWaitNs = 0;
  /** Its CPU in the PSI accounting (each task has one). */
  psiCpu = -1;
  phase = 0;
  /** The phase in progress, for per-phase results (`phase-log.ts`). */
  openPhase: OpenPhase | null = null;
  oomScoreAdj: number;
  /** App importance class (`app.ts`), NOT_AN_APP (-1) until the task sends OP_APPSTATE. */
  appClass = -1;
  classSinceNs = 0;
  /** Killed by lmkd and not yet launched again: its events are skipped. */
  appDead = false;
  launchedOnce = false;
  /** The launch in progress: its start (-1: none), kind, and the memcg counters at its start. */
  launchStartNs = -1;
  launchCold = false;
  launchRelaunch = false;
  launchRefaultBase = 0;
  launchStealBase = 0;
  /**
   * A relaunch's cold start (`app.ts`): while set, events come from it; the
   * events it displaced wait in `displaced`, and once it ends the rest of
   * the launch's own events are dropped (`task-exec.ts` refill).
   */
  coldStart: EventSource | null = null;
  displaced: EventChunk | null = null;
  /** The frame in progress began here (-1: no frame clock), with the task's memory stall then. */
  frameStartNs = -1;
  frameStallNs = 0;

  constructor(id: number, spec: TaskSpec, memcg: Memcg, mm: Mm) {
    this.id = id;
    this.name = spec.name;
    this.spec = spec;
    this.memcg = memcg;
    this.node = spec.node ?? 0;
    this.mm = mm;
    this.source = spec.source;
    const fillRequests = spec.source.fillRequests;
    this.requestSource =
      fillRequests !== undefined && spec.regions.length === 1 && spec.regions[0].kind === 'file-fd'
        ? (out) => fillRequests.call(spec.source, out)
        : null;
    this.startNs = spec.startNs ?? 0;
    this.t = this.startNs;
    this.vmas = mm.vmas;
    this.regionPages = Int32Array.from(spec.regions.map((r) => r.pages));
    this.regionBase = new Int32Array(spec.regions.length).fill(-1);
    this.raPrev = new Float64Array(spec.regions.length).fill(-2);
    this.raStart = new Float64Array(spec.regions.length).fill(-1);
    this.raWindow = new Int32Array(spec.regions.length);
    this.raAsync = new Int32Array(spec.regions.length);
    this.mmapMiss = new Int32Array(spec.regions.length);
    this.oomScoreAdj = spec.oomScoreAdj ?? 0;
  }

  get alive(): boolean {
    return !this.finished && !this.killed;
  }
}
