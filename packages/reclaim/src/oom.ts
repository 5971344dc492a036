import type { Memcg } from '@reclaim-lab/hw-model';
import type { Task } from './task.js';

/** `OOM_SCORE_ADJ_MIN`: a task at this oom_score_adj is never killed. */
export const OOM_SCORE_ADJ_MIN = -1000;

/** `oom_badness` without the adjustment: rss + swap entries + page-table pages. */
export function oomBadness(task: Task): number {
  const mm = task.mm;
  return mm.rssAnon + mm.rssFile + mm.swapEnts + mm.pageTablePages();
}

/**
 * `oc->totalpages`, the scale of oom_score_adj: RAM plus swap for a global
 * OOM; for a memcg OOM `mem_cgroup_get_max` — memory.max plus, when the
 * group may swap, min(memory.swap.max, swap size) — and at least 1.
 */
export function oomTotalPages(
  scope: Memcg | null,
  ramPages: number,
  swapPages: number,
  swappiness: number,
): number {
  if (scope === null || !Number.isFinite(scope.max)) return ramPages + swapPages;
  const swap = (scope.swappiness ?? swappiness) > 0 ? Math.min(scope.swapMax, swapPages) : 0;
  return scope.max + swap || 1;
}

/**
 * `select_bad_process`: the live task in scope with the highest
 * `oom_badness` — its pages plus `oom_score_adj * (totalpages / 1000)`, the
 * quotient truncated first as the kernel's integer arithmetic does. Tasks
 * at -1000 are never chosen. Tasks are evaluated in `for_each_process`
 * order (creation), or for a memcg OOM in `mem_cgroup_scan_tasks` order
 * (the subtree pre-order, then each group's tasks); a later task with
 * equal points replaces the one chosen (`points < chosen_points` skips).
 */
export function selectOomVictim(
  tasks: readonly Task[],
  scope: Memcg | null,
  totalPages: number,
): Task | null {
  const perAdj = Math.trunc(totalPages / 1000);
  let victim: Task | null = null;
  let best = Number.NEGATIVE_INFINITY;
  const consider = (t: Task) => {
    if (!t.alive || t.oomScoreAdj <= OOM_SCORE_ADJ_MIN) return;
    const points = oomBadness(t) + t.oomScoreAdj * perAdj;
    if (points >= best) {
      best = points;
      victim = t;
    }
  };
  if (scope === null) for (const t of tasks) consider(t);
  else for (const m of scope.subtree()) for (const t of tasks) if (t.memcg === m) consider(t);
  return victim;
}
