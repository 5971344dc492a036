import type { Memcg } from '@reclaim-lab/hw-model';
import type { Task } from './task.js';

/** `oom_badness` without the adjustment: rss + swap entries + page-table pages. */
export function oomBadness(task: Task): number {
  const mm = task.mm;
  return mm.rssAnon + mm.rssFile + mm.swapEnts + mm.pageTablePages();
}

/**
 * `select_bad_process`: the live task in scope (a memcg subtree, or all) with
 * the highest badness plus `oom_score_adj * totalpages / 1000`; tasks at
 * -1000 are never chosen; ties go to the first task started.
 */
export function selectOomVictim(
  tasks: readonly Task[],
  scope: Memcg | null,
  totalPages: number,
): Task | null {
  let victim: Task | null = null;
  let best = Number.NEGATIVE_INFINITY;
  for (const t of tasks) {
    if (!t.alive || t.oomScoreAdj <= -1000) continue;
    if (scope && !scope.isAncestorOf(t.memcg)) continue;
    const points = oomBadness(t) + (t.oomScoreAdj * totalPages) / 1000;
    if (points > best) {
      best = points;
      victim = t;
    }
  }
  return victim;
}
