import {
  HZ,
  LRU_FILE,
  type Machine,
  type Memcg,
  NS_PER_JIFFY,
  NS_PER_MS,
  NS_PER_SEC,
} from '@reclaim-lab/hw-model';
import { VM, type World } from '@reclaim-lab/mechanisms';
import { type Flusher, INIT_BW_PAGES } from './flusher.js';

/** `BANDWIDTH_INTERVAL`: how often the bandwidth and the rate limit are re-estimated. */
const BANDWIDTH_INTERVAL_NS = 200 * NS_PER_MS;
/** `MAX_PAUSE`: HZ/5. */
const MAX_PAUSE_NS = 200 * NS_PER_MS;
/** `wb_min_pause` aims at pauses of about 10 ms for a lone dirtier. */
const TARGET_PAUSE_NS = 10 * NS_PER_MS;
/**
 * The per-task fields `balance_dirty_pages` reads and writes (in the kernel,
 * `current->nr_dirtied` and friends in task_struct). Declared here rather
 * than imported from task.ts, which itself needs INITIAL_DIRTIED_PAUSE, so
 * the two modules do not import each other.
 */
export interface DirtyingTask {
  /** The task's virtual clock: a pause moves it on. */
  t: number;
  ioWaitNs: number;
  memcg: Memcg;
  nrDirtied: number;
  nrDirtiedPause: number;
  dirtyPausedWhen: number;
}

/** A task calls into the throttle every this many newly dirtied pages at first (32 KiB). */
export const INITIAL_DIRTIED_PAUSE = 8;
/** `roundup_pow_of_two(1 + HZ / 8)`: `wb_max_pause` keeps a pause under an eighth of the pool's drain time. */
const MAX_PAUSE_DIVISOR = 2 ** Math.ceil(Math.log2(1 + HZ / 8));

/**
 * Models `balance_dirty_pages()`: a dirtier runs free below the freerun
 * ceiling (halfway between the background and the hard threshold); above
 * it, it is paced at the estimated write-back
 * rate scaled by a position ratio that is 2 at freerun, 1 at the setpoint
 * (halfway between freerun and the limit) and 0 at the limit — the cubic of
 * `wb_position_ratio` — with pauses of at most 200 ms. The rate limit is
 * re-estimated every 200 ms from the rate pages are dirtied and written
 * (`wb_update_dirty_ratelimit`, smoothed by halves rather than the kernel's
 * bounded steps). A task in a memcg with a limit is also held to the
 * memcg's own domain, the stricter of the two pacing it. Deviations: no
 * per-bdi domain, no `hard_dirty_limit` smoothing, write bandwidth measured
 * as pages submitted to the disk, and one bandwidth and rate-limit estimate
 * for all memcgs (the kernel keeps them per `bdi_writeback`).
 */
export class DirtyThrottle {
  private readonly machine: Machine;
  private readonly world: World;
  private readonly flusher: Flusher;
  /** `wb->dirty_ratelimit`, pages per second. */
  private dirtyRatelimit = INIT_BW_PAGES;
  /** `wb->avg_write_bandwidth`, pages per second. */
  private writeBw = INIT_BW_PAGES;
  private stampNs = 0;
  private dirtied = 0;
  private dirtiedStamp = 0;
  private writtenStamp = 0;
  /** The position ratio of the last throttled call, for the rate-limit update. */
  private lastPosRatio = 1;
  /** `struct dirty_throttle_control` of the global and the memcg domain, reused. */
  private readonly global: DirtyDomain = { thresh: 0, bgThresh: 0, dirty: 0, dirtyOnly: 0 };
  private readonly memcg: DirtyDomain = { thresh: 0, bgThresh: 0, dirty: 0, dirtyOnly: 0 };

  constructor(machine: Machine, world: World, flusher: Flusher) {
    this.machine = machine;
    this.world = world;
    this.flusher = flusher;
  }

  /**
   * A write by `task` dirtied a page-cache folio (`newly`: it was clean):
   * `balance_dirty_pages_ratelimited`. May pause the task (advancing its
   * clock, counted as I/O wait and `dirty_throttle`).
   */
  pageDirtied(task: DirtyingTask, newly: boolean): void {
    if (newly) {
      task.nrDirtied++;
      this.dirtied++;
    }
    // `ratelimit_pages` (the per-CPU `bdp_ratelimits` bound; each task has
    // its CPU here) keeps small machines from dirtying far past a small limit.
    const ratelimitPages = Math.max(16, Math.floor(this.flusher.hard / 32));
    if (task.nrDirtied < Math.min(task.nrDirtiedPause, ratelimitPages)) return;
    this.balance(task);
  }

  private balance(task: DirtyingTask): void {
    const flusher = this.flusher;
    const world = this.world;
    const now = task.t;
    flusher.updateLimits();
    const g = this.global;
    g.thresh = flusher.hard;
    g.bgThresh = flusher.background;
    g.dirty = world.nrFileDirty + world.nrWriteback;
    const m = this.memcgDomain(task, flusher.dirtyable, g.dirty) ? this.memcg : null;
    if (g.dirty <= freerunOf(g) && (m === null || m.dirty <= freerunOf(m))) {
      task.dirtyPausedWhen = now;
      task.nrDirtied = 0;
      const poll = dirtyPollInterval(g.dirty, g.thresh);
      task.nrDirtiedPause = m === null ? poll : Math.min(poll, dirtyPollInterval(m.dirty, m.thresh));
      return;
    }
    // `wb_start_background_writeback`; a memcg over its own background
    // threshold gets a chunk of its own pages written even when the machine
    // is under its own.
    if (m !== null && m.dirtyOnly > m.bgThresh) flusher.run(now, false, m.dirtyOnly - m.bgThresh, task.memcg);
    else if (world.nrFileDirty > g.bgThresh) flusher.run(now, false);
    this.updateRatelimit(now);
    // The stricter domain paces the task.
    const gPos = positionRatioOf(g);
    const mPos = m === null ? gPos : positionRatioOf(m);
    const pos = Math.min(gPos, mPos);
    const dirty = mPos < gPos ? (m as DirtyDomain).dirty : g.dirty;
    this.lastPosRatio = pos;
    const taskRatelimit = this.dirtyRatelimit * pos;
    // Pages to dirty between calls so that each pause is about TARGET_PAUSE_NS.
    const pausePages = Math.max(1, Math.floor((taskRatelimit * TARGET_PAUSE_NS) / NS_PER_SEC));
    // `wb_max_pause`: a long sleep over a small pool would let the disk go idle.
    const maxPause = Math.min(
      MAX_PAUSE_NS,
      (Math.floor(dirty / (1 + this.writeBw / MAX_PAUSE_DIVISOR)) + 1) * NS_PER_JIFFY,
    );
    let pause: number;
    if (taskRatelimit <= 0) {
      // Over the limit: sleep the longest pause and look again at the next page.
      pause = maxPause;
      task.nrDirtiedPause = 1;
    } else {
      const period = (task.nrDirtied * NS_PER_SEC) / taskRatelimit;
      pause = period - (now - task.dirtyPausedWhen);
      task.nrDirtiedPause = pausePages;
      if (pause < Math.min(TARGET_PAUSE_NS / 2, period)) {
        // Time the task spent elsewhere already paid for these pages.
        if (pause < -NS_PER_SEC) task.dirtyPausedWhen = now;
        else task.dirtyPausedWhen += period;
        task.nrDirtied = 0;
        return;
      }
      pause = Math.min(pause, maxPause);
    }
    task.t += pause;
    task.ioWaitNs += pause;
    task.dirtyPausedWhen = task.t;
    task.nrDirtied = 0;
    world.counters.v[VM.dirty_throttle]++;
  }

  /**
   * The memcg dirty domain of a task whose memcg (or an ancestor) has a
   * limit (`mem_cgroup_wb_stats`, `mdtc_calc_avail`): its file LRU pages
   * plus the headroom under the tightest ancestor's memory.max/high, as far
   * as clean pages elsewhere can make room. False for an unlimited memcg.
   */
  private memcgDomain(task: DirtyingTask, globalAvail: number, globalDirty: number): boolean {
    let headroom = Number.POSITIVE_INFINITY;
    for (let m: Memcg | null = task.memcg; m; m = m.parent) {
      const ceiling = Math.min(m.max, m.high);
      headroom = Math.min(headroom, ceiling - Math.min(ceiling, m.usage));
    }
    if (!Number.isFinite(headroom)) return false;
    const memcg = task.memcg;
    let filePages = 0;
    for (const lv of this.world.lruvecs) if (memcg.isAncestorOf(lv.memcg)) filePages += lv.nrPages[LRU_FILE];
    const d = this.memcg;
    d.dirtyOnly = memcg.nrFileDirty;
    d.dirty = memcg.nrFileDirty + memcg.nrWriteback;
    const clean = filePages - Math.min(filePages, d.dirty);
    const globalClean = globalAvail - Math.min(globalAvail, globalDirty);
    const otherClean = globalClean - Math.min(globalClean, clean);
    const avail = filePages + Math.min(headroom, otherClean);
    const cfg = this.machine.config;
    d.thresh = (avail * cfg.dirtyRatio) / 100;
    d.bgThresh = (avail * cfg.dirtyBackgroundRatio) / 100;
    return true;
  }

  /** `wb_update_dirty_ratelimit`: every BANDWIDTH_INTERVAL, move toward the rate that balances dirtying and writing. */
  private updateRatelimit(now: number): void {
    const elapsed = now - this.stampNs;
    if (elapsed < BANDWIDTH_INTERVAL_NS) return;
    let written = 0;
    // File write-back only: the disks, not the swap device.
    for (const dev of this.machine.devices) written += dev.pagesWritten;
    const writtenRate = ((written - this.writtenStamp) * NS_PER_SEC) / elapsed;
    const dirtyRate = ((this.dirtied - this.dirtiedStamp) * NS_PER_SEC) / elapsed;
    if (writtenRate > 0) this.writeBw = (this.writeBw + writtenRate) / 2;
    if (dirtyRate > 0) {
      // The rate at which the dirtiers, paced as they were, would match write-back.
      const balanced = Math.min(
        this.writeBw,
        ((this.dirtyRatelimit * this.lastPosRatio + 1) * this.writeBw) / dirtyRate,
      );
      this.dirtyRatelimit = Math.max(1, (this.dirtyRatelimit + balanced) / 2);
    }
    this.stampNs = now;
    this.writtenStamp = written;
    this.dirtiedStamp = this.dirtied;
  }
}

/** A dirty domain's limits and state, in pages. */
interface DirtyDomain {
  thresh: number;
  bgThresh: number;
  /** Dirty plus under write-back. */
  dirty: number;
  /** Dirty only (what background write-back looks at). */
  dirtyOnly: number;
}

/** `dirty_freerun_ceiling`: halfway between the background and the hard threshold. */
function freerunOf(d: DirtyDomain): number {
  return (d.thresh + d.bgThresh) / 2;
}

/** A domain's position ratio, its setpoint halfway between freerun and the limit. */
function positionRatioOf(d: DirtyDomain): number {
  const freerun = freerunOf(d);
  return positionRatio(d.dirty, (freerun + d.thresh) / 2, d.thresh);
}

/**
 * `pos_ratio` of `wb_position_ratio` for a domain:
 * 1 + ((setpoint - dirty) / (limit - setpoint))^3, clamped to [0, 2].
 */
export function positionRatio(dirty: number, setpoint: number, limit: number): number {
  if (dirty >= limit) return 0;
  const x = (setpoint - dirty) / Math.max(1, limit - setpoint);
  return Math.min(2, Math.max(0, 1 + x * x * x));
}

/** `dirty_poll_interval`: below freerun, call again after about sqrt(thresh - dirty) pages. */
export function dirtyPollInterval(dirty: number, thresh: number): number {
  if (thresh <= dirty) return 1;
  return 1 << (Math.floor(Math.log2(thresh - dirty)) >> 1);
}
