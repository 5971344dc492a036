/**
 * The apps' state (app.ts acts on it): each memcg's importance class,
 * launches, frames, and lmkd's poll clock. A leaf module so the kernel
 * context can hold it without importing app.ts.
 */
import type { LmkdSpec, Memcg } from '@reclaim-lab/hw-model';
import { PSI_TICK_NS } from './psi.js';
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
  /** lmkd's next run: the next PSI trigger update, or sooner while it polls after an event. */
  nextPollNs = Number.POSITIVE_INFINITY;
  /** The next PSI trigger update (every PSI_TICK_NS), and the window's "some" it read (ns). */
  nextTickNs = Number.POSITIVE_INFINITY;
  windowSomeNs = 0;
  /** When each trigger last fired ("some", "full"): one event per window. */
  lastSomeEventNs = Number.NEGATIVE_INFINITY;
  lastFullEventNs = Number.NEGATIVE_INFINITY;
  /** lmkd is awake (polling after a PSI event) until then; the latest event's time. */
  awakeUntilNs = Number.NEGATIVE_INFINITY;
  eventNs = 0;
  /** lmkd killed during this wake-up (`cycle_after_kill`). */
  killedThisWake = false;
  /** File refaults and file LRU size when lmkd woke: the base of its thrashing figure. */
  refaultBase = 0;
  fileLruBase = 0;
  /** When lmkd may kill again. */
  quietUntilNs = 0;
  /** PSI events that woke lmkd ("some" or "full"), and the largest window "some" seen (ns). */
  psiEvents = 0;
  peakWindowSomeNs = 0;

  constructor(lmkd: LmkdSpec | undefined) {
    this.lmkd = lmkd ?? null;
    if (this.lmkd) this.nextPollNs = this.nextTickNs = PSI_TICK_NS;
  }

  classOf(memcg: Memcg): number {
    return memcg.id < this.memcgClass.length ? this.memcgClass[memcg.id] : NOT_AN_APP;
  }
}
