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
 * - lmkd (`lmkdPoll`): PSI-driven kills of the least important app.
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
  MEMCG_STAT,
  type Memcg,
} from '@reclaim-lab/hw-model';
import { NOT_AN_APP } from './app-model.js';
import type { KernelState } from './kernel-state.js';
import { mapVma } from './mmap.js';
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

/**
 * lmkd's poll (PSI monitor): the stall share of the window since the last
 * poll. Above `someThreshold` — or with free memory below the low
 * watermark and swap nearly full (`swapFreeLow`) — it kills the least
 * important cached or background app, above `criticalThreshold` a visible
 * one too; never the foreground app. Least important: the highest class, then the app that
 * has been in it longest (ActivityManager's LRU of cached apps), then the
 * largest. Deviation: lmkd reads PSI "some" of the window; the model sums
 * the tasks' stall times, the same when stalls do not overlap and more
 * when they do.
 */
export function lmkdPoll(kern: KernelState): void {
  const apps = kern.apps;
  const spec = apps.lmkd;
  if (!spec) return;
  const now = apps.nextPollNs;
  apps.nextPollNs = now + spec.pollNs;
  const stall = kern.psi.taskStallNs;
  const share = (stall - apps.lastStallNs) / spec.pollNs;
  apps.lastStallNs = stall;
  if (now < apps.quietUntilNs) return;
  // lmkd's second reason: swap nearly full and free memory low. Deviation:
  // lmkd checks free memory against the high watermark when a PSI event
  // wakes it; polled, the model checks against twice that, since kswapd
  // keeps free memory just above the high watermark between polls.
  const swap = kern.machine.swap;
  const swapLow = swap !== null && swap.free < swap.slots * spec.swapFreeLow;
  const lowMemory = swapLow && kern.machine.nodes.every((n) => n.zone.free < 2 * n.zone.high);
  if (share < spec.someThreshold && !lowMemory) return;
  const lowest = share >= spec.criticalThreshold ? APP_VISIBLE : APP_BACKGROUND;
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
  lmkdKill(kern, victim, now, share, share >= spec.someThreshold ? 'pressure' : 'low-swap');
  apps.quietUntilNs = now + spec.killTimeoutNs;
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
    kills: apps.kills,
  };
}
