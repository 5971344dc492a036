/**
 * The apps' state (app.ts acts on it): each memcg's importance class,
 * launches, frames, and lmkd's poll clock. A leaf module so the kernel
 * context can hold it without importing app.ts.
 */
import type { LmkdSpec, Memcg } from '@reclaim-lab/hw-model';
import type { AppKill, LaunchRecord } from './result.js';

/** Not an app: a task that never sent OP_APPSTATE (a server process, a daemon). */
export const NOT_AN_APP = -1;

/** The kernel's record of apps: per-memcg class, launches, frames, lmkd's state. */
export class AppModel {
  /** Importance class of each memcg (by id): the most important class of its live app tasks, or NOT_AN_APP. */
  memcgClass = new Int8Array(64).fill(NOT_AN_APP);
  readonly launches: LaunchRecord[] = [];
  readonly kills: AppKill[] = [];
  frames = 0;
  missedFrames = 0;
  jankyFrames = 0;
  readonly jankTimesNs: number[] = [];
  /** The last frame period seen (ns): the budget phone engineers hold reclaim to. */
  framePeriodNs = 0;
  readonly lmkd: LmkdSpec | null;
  nextPollNs = Number.POSITIVE_INFINITY;
  /** Tasks' memory stall total at the last poll, and when lmkd may kill again. */
  lastStallNs = 0;
  quietUntilNs = 0;

  constructor(lmkd: LmkdSpec | undefined) {
    this.lmkd = lmkd ?? null;
    if (this.lmkd) this.nextPollNs = this.lmkd.pollNs;
  }

  classOf(memcg: Memcg): number {
    return memcg.id < this.memcgClass.length ? this.memcgClass[memcg.id] : NOT_AN_APP;
  }
}
