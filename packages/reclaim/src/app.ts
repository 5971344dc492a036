/**
 * Apps on a phone: what Android's ActivityManager and lmkd do around the
 * kernel, which the model needs to judge reclaim the way phone engineers
 * do. No kernel file models this; it is the userspace the kernel serves:
 *
 * - importance classes (foreground, visible, background, cached), changed
 *   by the workload's OP_APPSTATE events, written to oom_score_adj as
 *   ActivityManager does, and read by the killer, the vendor hooks
 *   (`ReclaimCore.importance`) and the metrics;
 * - launches (cold or warm, from OP_APPSTATE LAUNCH to the next state
 *   change) with their latency and the app's file pages reclaimed and
 *   refaulted inside them;
 * - frames (OP_FRAME): a UI thread that sleeps until the next vsync, and a
 *   frame that overran its period is missed; it is janky when the thread
 *   stalled on memory in it (reclaim, a refault or swap-in read);
 * - lmkd (`lmkdPoll`): woken by PSI triggers, kills of the least important app.
 *
 * Owns no state: it lives in the context's `AppModel` (app-model.ts). May call: unmap (a
 * kill frees the app's memory), the vendor `classChanged` hook.
 */
import {
  APP_BACKGROUND,
  APP_CLASS_NAMES,
  APP_FOREGROUND,
  APP_LAUNCH_COLD,
  APP_LAUNCH_WARM,
  APP_VISIBLE,
  EventChunk,
  LRU_FILE,
  MEMCG_STAT,
  type Memcg,
} from '@reclaim-lab/hw-model';
import { VM } from '@reclaim-lab/mechanisms';
import { NOT_AN_APP } from './app-model.js';
import type { KernelState } from './kernel-state.js';
import { mapVma } from './mmap.js';
import { PSI_TICK_NS } from './psi.js';
import type { AppKill, AppsResult } from './result.js';
import type { Task } from './task.js';
import { unmapVma } from './unmap.js';
import { classChanged } from './vendor-hooks.js';
import { WorkloadError } from './workload-error.js';

export { AppModel, NOT_AN_APP } from './app-model.js';

/** oom_score_adj per class, as ActivityManager writes them (FOREGROUND_APP_ADJ … CACHED_APP_MIN_ADJ). */
const CLASS_ADJ = [0, 100, 500, 900];

/** OP_APPSTATE: the task's app changes class, or begins a launch. */
export function appState(kern: KernelState, task: Task, arg: number): void {
  if (!(arg >= APP_FOREGROUND && arg <= APP_LAUNCH_WARM) || !Number.isInteger(arg))
    throw new WorkloadError(
      `task ${task.name}: app state ${arg} is not one of 0..${APP_LAUNCH_WARM} (foreground, visible, background, cached, launch-cold, launch-warm)`,
    );
  endLaunch(kern, task);
  if (arg === APP_LAUNCH_COLD || arg === APP_LAUNCH_WARM) {
    const relaunch = task.appDead;
    if (relaunch) revive(kern, task);
    const cold = arg === APP_LAUNCH_COLD || relaunch || !task.launchedOnce;
    task.launchedOnce = true;
    task.launchStartNs = task.t;
    task.launchCold = cold;
    task.launchRelaunch = relaunch;
    const s = task.memcg.stat;
    task.launchRefaultBase = s[MEMCG_STAT.workingset_refault_file];
    task.launchStealBase =
      s[MEMCG_STAT.pgsteal_kswapd] + s[MEMCG_STAT.pgsteal_direct] - s[MEMCG_STAT.pswpout];
    setClass(kern, task, APP_FOREGROUND);
  } else setClass(kern, task, arg);
  task.frameStartNs = -1;
}

/** The launch in progress ends: the app drew its first frame (the next state change). */
export function endLaunch(kern: KernelState, task: Task): void {
  if (task.launchStartNs < 0) return;
  const s = task.memcg.stat;
  const steal = s[MEMCG_STAT.pgsteal_kswapd] + s[MEMCG_STAT.pgsteal_direct] - s[MEMCG_STAT.pswpout];
  kern.apps.launches.push({
    task: task.name,
    startNs: task.launchStartNs,
    latencyNs: task.t - task.launchStartNs,
    kind: task.launchCold ? 'cold' : 'warm',
    relaunch: task.launchRelaunch,
    fileRefaults: s[MEMCG_STAT.workingset_refault_file] - task.launchRefaultBase,
    fileReclaimed: Math.max(0, steal - task.launchStealBase),
  });
  task.launchStartNs = -1;
}

/** Set a task's class: oom_score_adj follows, its memcg's class is recomputed, the policy hears of a change. */
export function setClass(kern: KernelState, task: Task, cls: number): void {
  if (task.appClass !== cls) task.classSinceNs = task.t;
  task.appClass = cls;
  task.oomScoreAdj = CLASS_ADJ[cls];
  updateMemcgClass(kern, task.memcg);
}

/** A memcg's class is that of its most important live app (ActivityManager ranks a process by its best component). */
export function updateMemcgClass(kern: KernelState, memcg: Memcg): void {
  const apps = kern.apps;
  let cls = NOT_AN_APP;
  for (const t of kern.tasks)
    if (t.memcg === memcg && t.alive && !t.appDead && t.appClass !== NOT_AN_APP)
      cls = cls === NOT_AN_APP ? t.appClass : Math.min(cls, t.appClass);
  if (memcg.id >= apps.memcgClass.length) {
    const grown = new Int8Array(Math.max(memcg.id + 1, apps.memcgClass.length * 2)).fill(NOT_AN_APP);
    grown.set(apps.memcgClass);
    apps.memcgClass = grown;
  }
  const before = apps.memcgClass[memcg.id];
  if (before === cls) return;
  apps.memcgClass[memcg.id] = cls;
  classChanged(kern, memcg, before, cls);
}

/**
 * OP_FRAME: the UI thread finished a frame and waits for the next vsync.
 * A frame longer than its period missed its deadline (the thread then
 * waits for the following vsync, as a late frame does); missed with a
 * memory stall inside it, it is janky.
 */
export function frame(kern: KernelState, task: Task, periodNs: number): void {
  const apps = kern.apps;
  const stall = task.directReclaimNs + task.ioWaitNs;
  if (periodNs <= 0 || task.frameStartNs < 0) {
    task.frameStartNs = task.t;
    task.frameStallNs = stall;
    return;
  }
  apps.framePeriodNs = periodNs;
  const work = task.t - task.frameStartNs;
  apps.frames++;
  if (work > periodNs) {
    apps.missedFrames++;
    if (stall > task.frameStallNs) {
      apps.jankyFrames++;
      apps.jankTimesNs.push(task.t);
    }
  }
  const next = task.frameStartNs + periodNs * Math.max(1, Math.ceil(work / periodNs));
  kern.psi.idle(task.psiCpu, task.t, next);
  task.t = next;
  task.frameStartNs = next;
  task.frameStallNs = stall;
}

/** lmkd's poll period while awake after a PSI event (PSI_POLL_PERIOD_SHORT_MS). */
const LMKD_POLL_NS = 10_000_000;

/**
 * lmkd, woken by PSI (`mp_event_psi`, our reading of AOSP's lmkd). Every
 * PSI_TICK_NS the kernel updates the triggers lmkd registered on
 * /proc/pressure/memory: "some" stall of `someNs` and "full" of `fullNs`
 * within `windowNs`, each at most once a window and only after new stall
 * (`update_triggers`). An event wakes lmkd, which then re-reads memory
 * every 10 ms for a window (lmkd polls for PSI_WINDOW_SIZE_MS after an
 * event) and kills when memory calls for it, in lmkd's order of reasons:
 * free memory still under the low watermark after a kill of this wake-up;
 * the "full" trigger (the device is not responding: visible apps too);
 * swap nearly full with the page cache thrashing or free memory under the
 * high watermark; free memory under the high watermark with the page
 * cache thrashing. Those kill down to background apps
 * (PERCEPTIBLE_APP_ADJ + 1). Never the foreground app. Without a PSI
 * event lmkd sleeps: nothing polls free memory.
 *
 * Deviations: lmkd polls every 10 ms for the whole window after an event
 * (the real one slows to 100 ms when no reclaim runs); the thrashing limit
 * does not decay after kills; "full" reads the same stall as "some"
 * (`psi.ts`: every thread has a CPU).
 */
export function lmkdPoll(kern: KernelState): void {
  const apps = kern.apps;
  const spec = apps.lmkd;
  if (!spec) return;
  const now = apps.nextPollNs;
  const root = kern.machine.rootMemcg;
  let level = 0;
  if (now >= apps.nextTickNs) {
    // The kernel's trigger update (`psi_rtpoll_work`).
    apps.nextTickNs = now + PSI_TICK_NS;
    const some = kern.psi.windowSome(root, now, Math.round(spec.windowNs / PSI_TICK_NS));
    apps.windowSomeNs = some;
    if (some > apps.peakWindowSomeNs) apps.peakWindowSomeNs = some;
    // A trigger fires only on new stall in this update.
    const fresh = kern.psi.windowSome(root, now, 1) > 0;
    if (fresh && some >= spec.fullNs && now - apps.lastFullEventNs >= spec.windowNs) {
      apps.lastFullEventNs = now;
      level = 2;
    }
    if (fresh && some >= spec.someNs && now - apps.lastSomeEventNs >= spec.windowNs) {
      apps.lastSomeEventNs = now;
      level = Math.max(level, 1);
    }
  }
  if (level > 0) {
    apps.psiEvents++;
    if (now >= apps.awakeUntilNs) {
      // A new wake-up: lmkd takes its thrashing base afresh.
      apps.killedThisWake = false;
      apps.refaultBase = kern.world.counters.v[VM.workingset_refault_file];
      apps.fileLruBase = fileLru(kern);
    }
    apps.awakeUntilNs = now + spec.windowNs;
    apps.eventNs = now;
  }
  // Awake, lmkd polls every LMKD_POLL_NS (PSI_POLL_PERIOD_SHORT_MS); asleep it waits for the next trigger update.
  const poll = now + LMKD_POLL_NS;
  apps.nextPollNs = poll < apps.awakeUntilNs && poll < apps.nextTickNs ? poll : apps.nextTickNs;
  if (now >= apps.awakeUntilNs || now < apps.quietUntilNs) return;
  let free = 0;
  let low = 0;
  let high = 0;
  for (const n of kern.machine.nodes) {
    free += n.zone.free;
    low += n.zone.low;
    high += n.zone.high;
  }
  const swap = kern.machine.swap;
  const swapLow = swap !== null && swap.free < swap.slots * spec.swapFreeLow;
  const thrashing =
    (kern.world.counters.v[VM.workingset_refault_file] - apps.refaultBase) / (apps.fileLruBase + 1);
  const thrash = thrashing > spec.thrashingLimit;
  let reason: AppKill['reason'] | null = null;
  if (apps.killedThisWake && free < low) reason = 'pressure-after-kill';
  else if (level === 2) reason = 'not-responding';
  else if (swapLow && thrash) reason = 'low-swap-and-thrashing';
  else if (swapLow && free < high) reason = 'low-mem-and-swap';
  else if (free < high && thrash) reason = 'low-mem-and-thrashing';
  if (reason === null) return;
  const lowest = reason === 'not-responding' ? APP_VISIBLE : APP_BACKGROUND;
  let victim: Task | null = null;
  for (const t of kern.tasks) {
    if (!t.alive || t.appDead || t.appClass < lowest) continue;
    if (
      victim === null ||
      t.appClass > victim.appClass ||
      (t.appClass === victim.appClass &&
        (t.classSinceNs < victim.classSinceNs ||
          (t.classSinceNs === victim.classSinceNs && rss(t) > rss(victim))))
    )
      victim = t;
  }
  if (victim === null) return;
  lmkdKill(kern, victim, now, apps.windowSomeNs / spec.windowNs, reason, apps.eventNs);
  apps.killedThisWake = true;
  apps.quietUntilNs = now + spec.killTimeoutNs;
}

/** Pages on the file LRUs, node-wide (lmkd's base_file_lru: Active(file) + Inactive(file)). */
function fileLru(kern: KernelState): number {
  let n = 0;
  for (const lv of kern.world.lruvecs) n += lv.nrPages[LRU_FILE];
  return n;
}

function rss(t: Task): number {
  return t.mm.rssAnon + t.mm.rssFile + t.mm.swapEnts;
}

/**
 * lmkd kills the app's process: its memory is freed as at exit (anon and
 * swap released, page cache left), and the app is dead until its next
 * launch, which is then a cold one. Deviation: the workload's task goes on
 * (its events are skipped while the app is dead), so the relaunch comes
 * when the user would have switched back to it.
 */
export function lmkdKill(
  kern: KernelState,
  task: Task,
  at: number,
  share: number,
  reason: AppKill['reason'],
  psiEventNs: number,
): void {
  const before = kern.machine.freePages();
  const pages = rss(task);
  endLaunch(kern, task);
  for (const vma of task.mm.vmas) unmapVma(kern, task, vma);
  task.raPrev.fill(-2);
  task.raStart.fill(-1);
  task.raWindow.fill(0);
  task.raAsync.fill(0);
  task.appDead = true;
  task.frameStartNs = -1;
  kern.apps.kills.push({
    timeNs: at,
    task: task.name,
    class: APP_CLASS_NAMES[task.appClass],
    oomScoreAdj: task.oomScoreAdj,
    rssPages: pages,
    freedPages: kern.machine.freePages() - before,
    pressure: share,
    psiEventNs,
    reason,
  });
  updateMemcgClass(kern, task.memcg);
}

/**
 * A dead app starts again: its process execs afresh, so its regions are
 * mapped anew and, when the workload gave the app's cold start, that runs
 * in place of this launch's events (the code read through the page cache
 * with read-around, a fresh anon heap written: zero-fill faults) — a true
 * cold start. The launch's displaced events wait in `task.displaced`.
 */
function revive(kern: KernelState, task: Task): void {
  task.appDead = false;
  task.spec.regions.forEach((r, i) => {
    if (r.kind !== 'file-fd' && r.mapAtStart !== false) mapVma(kern, task, task.mm.vmas[i]);
  });
  const relaunch = task.spec.relaunch;
  if (relaunch === undefined) return;
  const c = task.chunk;
  task.displaced ??= new EventChunk(c.capacity);
  const d = task.displaced;
  d.length = 0;
  for (let i = task.pos; i < c.length; i++) d.push(c.op[i], c.region[i], c.arg[i]);
  task.pos = c.length;
  task.coldStart = relaunch();
}

/** The apps section of a run's result (null when no task was an app). */
export function appsResult(kern: KernelState): AppsResult | null {
  const apps = kern.apps;
  if (!kern.tasks.some((t) => t.appClass !== NOT_AN_APP)) return null;
  const over = (v: Float64Array, n: number, budget: number) => {
    let c = 0;
    for (let i = 0; i < n; i++) if (v[i] > budget) c++;
    return c;
  };
  const budget = apps.framePeriodNs;
  return {
    launches: apps.launches,
    frames: apps.frames,
    missedFrames: apps.missedFrames,
    jankyFrames: apps.jankyFrames,
    jankTimesNs: apps.jankTimesNs,
    framePeriodNs: budget,
    kswapdOverFrame: budget > 0 ? over(kern.kswapdLatency.v, kern.kswapdLatency.n, budget) : 0,
    directOverFrame: budget > 0 ? over(kern.directLatency.v, kern.directLatency.n, budget) : 0,
    psiEvents: apps.psiEvents,
    peakWindowSomeNs: apps.peakWindowSomeNs,
    kills: apps.kills,
  };
}
