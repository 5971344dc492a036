import type { Memcg } from '@reclaim-lab/hw-model';
import { VM } from '@reclaim-lab/mechanisms';
import type { KernelState } from './kernel-state.js';
import { OOM_SCORE_ADJ_MIN, oomBadness, oomTotalPages, policyInTheWay, selectOomVictim } from './oom.js';
import { endPhase } from './phase-log.js';
import { reclaimableAnonRoom } from './reclaim-core.js';
import type { OomKill } from './result.js';
import type { Task } from './task.js';
import { unmapVma } from './unmap.js';

/**
 * The OOM killer: pick the task with the highest `oom_badness` in scope
 * and kill it. True instead when an attached policy stood in the way and
 * was ejected (see `policyInTheWay`): the caller retries under the fallback.
 */
export function oom(
  kern: KernelState,
  kind: OomKill['kind'],
  scope: Memcg | null,
  current: Task | null,
): boolean {
  if (kind !== 'min_ttl' && ejectStarver(kern, scope, current)) return true;
  const total = oomTotalPages(
    scope,
    kern.machine.totalPages,
    kern.machine.swap?.slots ?? 0,
    kern.machine.config.swappiness,
  );
  let victim = selectOomVictim(kern.tasks, scope, total);
  if (!victim) {
    // Nothing killable: the allocating task cannot proceed.
    if (current?.alive) victim = current;
    else return false;
  }
  // `mem_cgroup_get_oom_group`: the highest memcg with memory.oom.group
  // set, from the victim's up to the OOM domain.
  const domain = scope ?? kern.machine.rootMemcg;
  let group: Memcg | null = null;
  for (let m: Memcg | null = victim.memcg; m; m = m.parent) {
    if (m.oomGroup) group = m;
    if (m === domain) break;
  }
  const at = current ? current.t : kern.now;
  oomKill(kern, victim, kind, at, null);
  if (group === null) return false;
  for (let m: Memcg | null = group; m?.parent; m = m.parent) m.events.oom_group_kill++;
  // `oom_kill_memcg_member`: every other task of the group, but those exempt (oom_score_adj -1000).
  for (const t of kern.tasks)
    if (t.alive && group.isAncestorOf(t.memcg) && t.oomScoreAdj !== OOM_SCORE_ADJ_MIN)
      oomKill(kern, t, kind, at, group);
  return false;
}

/** Before a kill: eject an attached policy that keeps reclaimable pages from the fallback. */
function ejectStarver(kern: KernelState, scope: Memcg | null, current: Task | null): boolean {
  if (!kern.fallback) return false;
  const node = kern.machine.nodes[current?.node ?? 0].zone;
  const shortfall = scope === null ? node.min + 1 - node.free : scope.usage + 1 - scope.max;
  const s = policyInTheWay(
    kern.machine.frames,
    kern.ctxs,
    (lv) => scope === null || scope.isAncestorOf(lv.memcg),
    (lv) => reclaimableAnonRoom(kern, lv, kern.directSc),
    shortfall,
  );
  if (s === null) return false;
  kern.watchdog.reject(
    s.ctx,
    'shrink',
    'stall',
    `OOM (${scope === null ? 'global' : `memcg ${scope.path}`}) with ${s.pages} pages the fallback can reclaim`,
    'starved reclaim',
  );
  return true;
}

/** `__oom_kill_process`: kill `victim`, count it, record it. */
export function oomKill(
  kern: KernelState,
  victim: Task,
  kind: OomKill['kind'],
  at: number,
  group: Memcg | null,
): void {
  const before = kern.machine.freePages();
  const badness = oomBadness(victim);
  exitTask(kern, victim, true);
  kern.world.counters.v[VM.oom_kill]++;
  // memory.events oom_kill: the victim's memcg and its ancestors, the root aside.
  for (let m: Memcg | null = victim.memcg; m?.parent; m = m.parent) m.events.oom_kill++;
  kern.oomKills.push({
    timeNs: at,
    kind,
    task: victim.name,
    memcg: victim.memcg.path,
    badnessPages: badness,
    freedPages: kern.machine.freePages() - before,
    ...(group === null ? {} : { oomGroup: group.path }),
  });
}

export function exitTask(kern: KernelState, task: Task, killed: boolean): void {
  if (!task.alive) return;
  if (killed) task.killed = true;
  else task.finished = true;
  task.endNs = task.t;
  endPhase(kern, task);
  kern.psi.exit(task.psiCpu, task.t);
  for (const vma of task.mm.vmas) unmapVma(kern, task, vma);
  task.mm.exited = true;
}
