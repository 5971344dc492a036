import {
  type FrameTable,
  type Memcg,
  PG_ALLOCATED,
  PG_DIRTY,
  PG_ISOLATED,
  PG_LOCKED,
  PG_LRU,
  PG_MLOCKED,
  PG_SWAPBACKED,
  PG_UNEVICTABLE,
  PG_WRITEBACK,
} from '@reclaim-lab/hw-model';
import type { Lruvec } from '@reclaim-lab/mechanisms';
import type { LruvecCtx } from './policy-host.js';
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

/** A policy standing between reclaim and the OOM killer, and the pages the fallback could free in its stead. */
export interface Starver {
  /** One lruvec of the policy's scope, the one holding the most such pages. */
  ctx: LruvecCtx;
  /** Pages of the whole scope the fallback could reclaim now. */
  pages: number;
}

/** Flags that keep a folio from being reclaimed now by any policy. */
const PINNED = PG_UNEVICTABLE | PG_MLOCKED | PG_WRITEBACK | PG_LOCKED;

/**
 * Before an OOM kill (not in the kernel: sched_ext's promise applied to
 * reclaim): is an attached policy what stands in the way? For each policy
 * slot still attached in the OOM scope, count the folios of its lruvecs
 * that the fallback could reclaim now: on an LRU or isolated, neither
 * pinned (mlocked, unevictable, locked, under writeback) nor a dirty file
 * folio (which waits for the flusher), and swap-backed only as many as
 * the lruvec may still swap. If those pages would cover `shortfall` (the pages
 * between the allocation and success, as `should_reclaim_retry` weighs
 * reclaimable against the watermark), the slot with the most is returned:
 * the core ejects it and retries under the fallback, and kills only if
 * that fails too. Null: kill. A healthy policy reaches OOM only when its
 * reclaim found nothing freeable, so this finds nothing for it (measured
 * over the built-in policies and workloads; see docs/containment.md).
 *
 * `ctxs` is indexed by lruvec id; `inScope` says which lruvecs the OOM
 * domain covers; `anonRoom` how many of a lruvec's swap-backed folios
 * could leave now (the swap slots its memcg may still take; all of them
 * where they can be demoted). One pass over the frames: OOM is rare.
 */
export function policyInTheWay(
  frames: FrameTable,
  ctxs: readonly (LruvecCtx | undefined)[],
  inScope: (lv: Lruvec) => boolean,
  anonRoom: (lv: Lruvec) => number,
  shortfall: number,
): Starver | null {
  const n = ctxs.length;
  const eligible = new Uint8Array(n);
  const room = new Float64Array(n);
  let any = false;
  for (let i = 0; i < n; i++) {
    const ctx = ctxs[i];
    if (!ctx || ctx.slot.ejected || !inScope(ctx.lruvec)) continue;
    eligible[i] = 1;
    room[i] = anonRoom(ctx.lruvec);
    any = true;
  }
  if (!any) return null;
  const perLruvec = new Float64Array(n);
  const anon = new Float64Array(n);
  const flags = frames.flags;
  const owner = frames.lruvec;
  for (let pfn = 0; pfn < frames.count; pfn++) {
    const lv = owner[pfn];
    if (lv < 0 || lv >= n || eligible[lv] === 0) continue;
    const fl = flags[pfn];
    if ((fl & PG_ALLOCATED) === 0 || (fl & (PG_LRU | PG_ISOLATED)) === 0 || fl & PINNED) continue;
    if (fl & PG_SWAPBACKED) anon[lv]++;
    else if ((fl & PG_DIRTY) === 0) perLruvec[lv]++;
  }
  // Swap-backed folios count only as far as swap (or demotion) can take them.
  for (let i = 0; i < n; i++) perLruvec[i] += Math.min(anon[i], room[i]);
  // Sum per slot; the slot with the most reclaimable pages is the one in the way.
  const perSlot = new Map<LruvecCtx['slot'], { ctx: LruvecCtx; best: number; pages: number }>();
  for (let i = 0; i < n; i++) {
    const ctx = ctxs[i];
    if (!ctx || eligible[i] === 0) continue;
    const e = perSlot.get(ctx.slot);
    if (!e) perSlot.set(ctx.slot, { ctx, best: perLruvec[i], pages: perLruvec[i] });
    else {
      e.pages += perLruvec[i];
      if (perLruvec[i] > e.best) {
        e.best = perLruvec[i];
        e.ctx = ctx;
      }
    }
  }
  let found: Starver | null = null;
  for (const e of perSlot.values()) {
    if (e.pages >= Math.max(1, shortfall) && (found === null || e.pages > found.pages))
      found = { ctx: e.ctx, pages: e.pages };
  }
  return found;
}
