/**
 * The event loop's choice of what runs next: the earliest of the alive
 * tasks, the active kswapd threads, the I/O completion timers, proactive
 * reclaim requests, the flusher's period, the sampling period and lmkd's
 * poll. Ties go in that order (sample, I/O, flusher, proactive, lmkd,
 * kswapd, task), which is part of what makes a run deterministic.
 *
 * Owns no state. May call: task-exec (the second task's time).
 */
import type { KernelState } from './kernel-state.js';
import type { KswapdState } from './kswapd.js';
import type { Task } from './task.js';
import { QUANTUM_NS, secondTaskT } from './task-exec.js';

export const EV_DONE = 0;
export const EV_SAMPLE = 1;
export const EV_IO = 2;
export const EV_FLUSH = 3;
export const EV_PROACTIVE = 4;
export const EV_LMKD = 5;
export const EV_KSWAPD = 6;
export const EV_TASK = 7;

/** The next event, reused from pick to pick (the loop allocates nothing). */
export class NextEvent {
  kind = EV_DONE;
  task: Task | null = null;
  kswapd: KswapdState | null = null;
  /** For EV_TASK: run the task until this time (the next other event, or its quantum). */
  horizon = 0;
}

/**
 * Fills `ev` with the earliest event before `until` and moves the clock to it
 * (a task moves the clock itself as it runs). EV_DONE: no task is alive, or
 * the next event is at or after `until`.
 */
export function pickNextEvent(kern: KernelState, until: number, ev: NextEvent): void {
  let task: Task | null = null;
  let taskT = Number.POSITIVE_INFINITY;
  for (const t of kern.tasks) {
    if (t.alive && t.t < taskT) {
      task = t;
      taskT = t.t;
    }
  }
  let ksw: KswapdState | null = null;
  let kswT = Number.POSITIVE_INFINITY;
  for (const k of kern.kswapd) {
    if (k.active && k.t < kswT) {
      ksw = k;
      kswT = k.t;
    }
  }
  ev.kind = EV_DONE;
  if (task === null) return;
  const timerT = kern.world.timers.peekTime();
  const proT = kern.proactive.length ? kern.proactive[0].atNs : Number.POSITIVE_INFINITY;
  const lmkT = kern.apps.nextPollNs;
  const next = Math.min(taskT, kswT, timerT, proT, kern.nextFlushNs, kern.nextSampleNs, lmkT);
  if (next >= until) return;
  if (next === kern.nextSampleNs) ev.kind = EV_SAMPLE;
  else if (next === timerT) ev.kind = EV_IO;
  else if (next === kern.nextFlushNs) ev.kind = EV_FLUSH;
  else if (next === proT) ev.kind = EV_PROACTIVE;
  else if (next === lmkT) ev.kind = EV_LMKD;
  else if (ksw && kswT <= taskT) {
    ev.kind = EV_KSWAPD;
    ev.kswapd = ksw;
  } else {
    ev.kind = EV_TASK;
    ev.task = task;
    const horizon = Math.min(
      kswT,
      timerT,
      proT,
      kern.nextFlushNs,
      kern.nextSampleNs,
      lmkT,
      secondTaskT(kern, task) + QUANTUM_NS,
      until,
    );
    ev.horizon = Math.max(horizon, taskT + 1);
    return;
  }
  kern.now = kern.world.now = next;
}
