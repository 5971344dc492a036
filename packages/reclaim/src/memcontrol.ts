/**
 * mm/memcontrol.c: charging a memcg (`try_charge_memcg`: reclaim from the
 * memcg over memory.max, retry, OOM within it) and memory.high
 * (`mem_cgroup_handle_over_high`: reclaim and throttle on return to user).
 *
 * Owns no state. May call: vmscan-direct (memcg reclaim), oom-kill.
 */
import { HZ, type Memcg, NS_PER_JIFFY } from '@reclaim-lab/hw-model';
import { VM } from '@reclaim-lab/mechanisms';
import type { KernelState } from './kernel-state.js';
import { oom } from './oom-kill.js';
import { MAX_RECLAIM_RETRIES, MEMCG_CHARGE_BATCH, SWAP_CLUSTER_MAX } from './scan-control.js';
import type { Task } from './task.js';
import { memcgReclaim } from './vmscan-direct.js';
import { waitForWriteback } from './writeback.js';

export function chargeMemcg(
  kern: KernelState,
  task: Task,
  pages: number,
  noRetry = false,
  memcg: Memcg = task.memcg,
): boolean {
  for (let retries = 0; ; retries++) {
    let over: Memcg | null = null;
    for (let m: Memcg | null = memcg; m; m = m.parent) {
      if (m.usage + pages > m.max) {
        over = m;
        break;
      }
    }
    if (!over) break;
    over.events.max++;
    if (retries < MAX_RECLAIM_RETRIES) {
      const reclaimed = memcgReclaim(kern, task, over, pages, 'memcg');
      if (task.killed) return false;
      // `try_charge_memcg` with __GFP_NORETRY: one reclaim, then fail without OOM.
      if (noRetry) {
        let fits = true;
        for (let m: Memcg | null = memcg; m; m = m.parent) if (m.usage + pages > m.max) fits = false;
        if (!fits) return false;
        continue;
      }
      // `try_charge_memcg` retries without spending a retry when reclaim made
      // progress; folios under writeback will be freeable soon: wait for them too.
      if (reclaimed > 0 || waitForWriteback(kern, task)) retries--;
      continue;
    }
    // `mem_cgroup_oom`. Not in the kernel: oom() may eject a policy that kept
    // reclaimable pages from the fallback instead; that declares no OOM, so
    // memory.events oom is not counted, and the charge retries under the fallback.
    retries = 0;
    if (oom(kern, 'memcg', over, task)) continue;
    over.events.oom++;
    if (task.killed) return false;
  }
  kern.world.charge(memcg, pages);
  // memory.high: accumulate debt; reclaim it on "return to user". The debt is
  // the charging task's (`current->memcg_nr_pages_over_high`), whichever memcg was charged.
  for (let m: Memcg | null = memcg; m; m = m.parent) {
    if (m.usage > m.high) {
      task.memcg.overHighDebt += pages;
      if (task.memcg.overHighDebt >= MEMCG_CHARGE_BATCH) handleOverHigh(kern, task);
      break;
    }
  }
  return true;
}

/**
 * Models `mem_cgroup_handle_over_high`: reclaim the debt from every
 * ancestor over its memory.high (`reclaim_high`, which counts the high
 * event), and keep reclaiming a batch at a time while that makes progress
 * (or for MAX_RECLAIM_RETRIES tries); only when reclaim cannot keep up
 * does the task sleep the penalty of its worst overage.
 */
export function handleOverHigh(kern: KernelState, task: Task): void {
  const debt = task.memcg.overHighDebt;
  task.memcg.overHighDebt = 0;
  let retries = MAX_RECLAIM_RETRIES;
  for (let inRetry = false; ; inRetry = true) {
    let reclaimed = 0;
    for (let m: Memcg | null = task.memcg; m; m = m.parent) {
      if (m.usage <= m.high) continue;
      m.events.high++;
      reclaimed += memcgReclaim(kern, task, m, inRetry ? SWAP_CLUSTER_MAX : debt, 'memcg');
      if (task.killed) return;
    }
    // `mem_find_max_overage` and `calculate_high_delay`: overage^2 * HZ
    // >> 20 >> 14, scaled by the batch, clamped to 2 s.
    let overage = 0;
    for (let m: Memcg | null = task.memcg; m; m = m.parent)
      if (m.usage > m.high) overage = Math.max(overage, ((m.usage - m.high) * 2 ** 20) / m.high);
    let penaltyJiffies = ((overage * overage * HZ) / 2 ** 20 / 2 ** 14) * (debt / MEMCG_CHARGE_BATCH);
    penaltyJiffies = Math.min(penaltyJiffies, 2 * HZ);
    if (penaltyJiffies <= HZ / 100) return;
    // Reclaim is making progress: encourage it rather than throttle.
    if (reclaimed > 0 || retries-- > 0) continue;
    const ns = penaltyJiffies * NS_PER_JIFFY;
    kern.world.counters.v[VM.memcg_high_throttle]++;
    task.t += ns;
    task.directReclaimNs += ns;
    kern.psi.stall(task.psiCpu, task.t - ns, task.t);
    return;
  }
}
