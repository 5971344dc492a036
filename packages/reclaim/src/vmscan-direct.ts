/**
 * The reclaim entry points of mm/vmscan.c besides kswapd: direct reclaim
 * (`try_to_free_pages` → `do_try_to_free_pages`, with
 * `throttle_direct_reclaim` and the no-progress throttle), memcg reclaim
 * (`try_to_free_mem_cgroup_pages`) and proactive reclaim (memory.reclaim).
 *
 * Owns no state. May call: shrink-node, writeback.
 */
import { HZ, LRU_ANON, LRU_FILE, type Memcg, NS_PER_JIFFY } from '@reclaim-lab/hw-model';
import { VM } from '@reclaim-lab/mechanisms';
import { checkKernelInvariants } from './invariants.js';
import type { KernelState } from './kernel-state.js';
import { kswapdStep, wakeKswapd } from './kswapd.js';
import { zonelist } from './mmzone.js';
import {
  DEF_PRIORITY,
  MAX_RECLAIM_RETRIES,
  type Reclaimer,
  type ScanControl,
  SWAP_CLUSTER_MAX,
} from './scan-control.js';
import { shrinkNode, skipThrottleNoprogress, snapshotRefaults } from './shrink-node.js';
import type { Task } from './task.js';
import { completeIoUntil } from './writeback.js';

/** `try_to_free_pages` → `do_try_to_free_pages` for a global allocation. */
export function directReclaim(kern: KernelState, task: Task, zl: number[]): number {
  const sc = kern.directSc.reset('direct', null, zl[0], SWAP_CLUSTER_MAX, task.t);
  kern.world.counters.v[VM.allocstall_normal]++;
  const start = task.t;
  const r = doTryToFreePages(kern, sc, zl, task);
  finishDirect(kern, task, sc, start);
  return r;
}

export function finishDirect(kern: KernelState, task: Task, sc: ScanControl, start: number): void {
  task.t += sc.elapsedNs;
  const lat = task.t - start;
  task.directReclaimNs += lat;
  kern.psi.stall(task.psiCpu, start, task.t);
  kern.directLatency.push(lat);
  const c = kern.world.counters.v;
  c[VM.direct_reclaim_ns] += lat;
  c[VM.reclaim_cpu_ns] += sc.costNs;
}

export function doTryToFreePages(
  kern: KernelState,
  sc: ScanControl,
  zl: number[],
  task: Task | null,
): number {
  for (let attempt = 0; attempt < 4; attempt++) {
    for (sc.priority = DEF_PRIORITY; sc.priority >= 0; sc.priority--) {
      sc.nrScanned = 0;
      completeIoUntil(kern, sc.clockNs);
      for (const n of zl) {
        sc.node = n;
        shrinkNode(kern, sc, n);
      }
      if (kern.opts.checkInvariants && kern.passPrint.changed(kern.machine, kern.world))
        checkKernelInvariants(
          kern.machine,
          kern.world,
          kern.ctxs,
          `${sc.reclaimer} reclaim priority ${sc.priority}`,
        );
      if (sc.nrReclaimed >= sc.nrToReclaim) break;
      if (sc.priority < DEF_PRIORITY - 2) sc.mayWritepage = true;
      // `consider_reclaim_throttle`: no progress at priority 1 → sleep a jiffy,
      // unless `skip_throttle_noprogress` says waiting cannot help.
      if (
        sc.priority === 1 &&
        sc.nrReclaimed === 0 &&
        sc.reclaimer === 'direct' &&
        task &&
        !skipThrottleNoprogress(kern, zl[0])
      ) {
        kern.world.counters.v[VM.throttle_noprogress]++;
        task.t += NS_PER_JIFFY;
      }
    }
    for (const n of zl) {
      snapshotRefaults(kern, n, sc.target);
      // The memcg's congestion tag lasts one reclaim (`do_try_to_free_pages`).
      if (sc.cgroupReclaim) {
        const lv = kern.world.findLruvec(sc.target as Memcg, n);
        if (lv) lv.cgroupCongested = false;
      }
    }
    if (sc.nrReclaimed > 0) break;
    // The retry ladder of `do_try_to_free_pages`.
    if (!sc.memcgFullWalk) sc.memcgFullWalk = true;
    else if (sc.skippedDeactivate && !sc.forceDeactivate) sc.forceDeactivate = true;
    else if (sc.memcgLowSkipped && !sc.memcgLowReclaim) sc.memcgLowReclaim = true;
    else break;
    sc.skippedDeactivate = false;
  }
  if (sc.nrReclaimed > 0) for (const n of zl) kern.kswapd[n].failures = 0;
  return sc.nrReclaimed;
}

/** `try_to_free_mem_cgroup_pages` */
export function memcgReclaim(
  kern: KernelState,
  task: Task | null,
  memcg: Memcg,
  pages: number,
  why: Reclaimer,
  swappiness?: number,
): number {
  const sc = (why === 'proactive' ? kern.proactiveSc : kern.memcgSc).reset(
    why,
    memcg,
    task?.node ?? 0,
    Math.max(pages, SWAP_CLUSTER_MAX),
    task ? task.t : kern.now,
  );
  if (why === 'proactive') {
    sc.proactive = true;
    if (swappiness !== undefined) sc.proactiveSwappiness = swappiness;
  }
  kern.world.counters.v[VM.memcg_reclaim]++;
  const start = task ? task.t : kern.now;
  const zl = task ? zonelist(kern, task) : kern.machine.nodes.map((n) => n.id);
  const r = doTryToFreePages(kern, sc, zl, task);
  if (task) finishDirect(kern, task, sc, start);
  return r;
}

/** memory.reclaim (`user_proactive_reclaim`). */
export function proactiveReclaim(
  kern: KernelState,
  memcg: Memcg,
  pages: number,
  swappiness?: number,
): number {
  let reclaimed = 0;
  let failures = 0;
  while (reclaimed < pages && failures < MAX_RECLAIM_RETRIES) {
    // `memory_reclaim`: a quarter of what is left per call, which
    // try_to_free_mem_cgroup_pages raises to at least SWAP_CLUSTER_MAX.
    const batch = Math.floor((pages - reclaimed) / 4);
    const r = memcgReclaim(kern, null, memcg, batch, 'proactive', swappiness);
    if (r === 0) failures++;
    reclaimed += r;
  }
  kern.world.counters.v[VM.proactive_reclaimed] += reclaimed;
  return reclaimed;
}

export function anythingReclaimable(kern: KernelState, zl: number[]): boolean {
  for (const n of zl) {
    for (const lv of kern.world.lruvecs) {
      if (lv.node !== n) continue;
      if (lv.nrPages[LRU_FILE] > 0) return true;
      if (lv.nrPages[LRU_ANON] > 0 && kern.machine.swap && kern.machine.swap.free > 0) return true;
    }
  }
  return kern.world.nrWriteback > 0;
}

/** `throttle_direct_reclaim`: wait for kswapd while free pages are below half the min watermark. */
export function throttleDirectReclaim(kern: KernelState, task: Task, node: number): void {
  const zone = kern.machine.nodes[node].zone;
  const k = kern.kswapd[node];
  let waited = 0;
  while (zone.free < zone.min / 2 && k.failures < MAX_RECLAIM_RETRIES && waited < HZ) {
    if (waited === 0) kern.world.counters.v[VM.pgscan_direct_throttle]++;
    wakeKswapd(kern, node, task.t);
    // Let kswapd run up to our new time: it runs as its own thread.
    const until = task.t + NS_PER_JIFFY;
    while (k.active && k.t < until && zone.free < zone.min / 2) {
      kern.now = kern.world.now = k.t;
      kswapdStep(kern, k);
    }
    // Inside `__perform_reclaim`'s memstall section, as the reclaim it waits to do.
    kern.psi.stall(task.psiCpu, task.t, until);
    task.t = until;
    task.directReclaimNs += NS_PER_JIFFY;
    waited++;
  }
}
