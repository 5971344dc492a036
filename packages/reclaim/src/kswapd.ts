/**
 * kswapd (mm/vmscan.c): wakeKswapd (`wakeup_kswapd`), kswapdStep runs one
 * reclaim batch of `balance_pgdat` at a time so tasks interleave with it,
 * endBalance and kswapdSleep (`kswapd_try_to_sleep`) put it back to sleep
 * once the node is balanced.
 *
 * Owns no state: each node's KswapdState lives in the kernel context.
 * May call: shrink-node, writeback (completions during reclaim), oom-kill
 * (MGLRU min_ttl).
 */
import { NS_PER_SEC } from '@reclaim-lab/hw-model';
import { VM } from '@reclaim-lab/mechanisms';
import { checkKernelInvariants } from './invariants.js';
import type { KernelState, KswapdState } from './kernel-state.js';
import { oom } from './oom-kill.js';
import { badTag } from './policy-host.js';
import { DEF_PRIORITY, MAX_RECLAIM_RETRIES, SWAP_CLUSTER_MAX } from './scan-control.js';
import { shrinkNode, snapshotRefaults } from './shrink-node.js';

export type { KswapdState } from './kernel-state.js';
export { wakeKswapd } from './kswapd-wake.js';

/** One step of kswapd (`balance_pgdat` at one priority, or the nap/sleep check). */
export function kswapdStep(kern: KernelState, k: KswapdState): void {
  const node = kern.machine.nodes[k.node];
  const zone = node.zone;
  const mark = balanceMark(kern, k.node);
  const balanced = zone.free > mark;
  if (balanced && kern.tiering !== null) kern.tiering.promoWanted[k.node] = 0;
  if (k.napUntil > 0) {
    // Back from the short nap (`kswapd_try_to_sleep`).
    k.napUntil = 0;
    if (balanced) {
      k.active = false;
      return;
    }
    kern.world.counters.v[VM.kswapd_high_wmark_hit_quickly]++;
  }
  if (!k.balancing) {
    if (balanced) {
      kswapdSleep(kern, k);
      return;
    }
    k.balancing = true;
    k.priority = DEF_PRIORITY;
    k.reclaimedThisRun = 0;
    kern.world.counters.v[VM.pageoutrun]++;
    k.sc.reset('kswapd', null, k.node, 0, k.t);
  }
  const sc = k.sc;
  sc.priority = k.priority;
  sc.nrScanned = 0;
  sc.costNs = 0;
  sc.waitNs = 0;
  sc.startNs = k.t;
  // `kswapd_age_node`
  for (const lv of kern.world.lruvecs) {
    if (lv.node !== k.node) continue;
    const ctx = kern.ctxs[lv.id];
    const ops = ctx.slot.ops;
    if (ops.age) {
      const r = kern.watchdog.guard(
        ctx,
        'age',
        () => ops.age!(ctx, sc),
        () => undefined,
      );
      const bad = ctx.slot.ops === ops ? badTag('age', r) : null;
      if (bad !== null) kern.watchdog.reject(ctx, 'age', 'invalid', bad);
      else if (r === 'oom') {
        oom(kern, 'min_ttl', null, null);
      }
    }
  }
  if (sc.priority < DEF_PRIORITY - 2) sc.mayWritepage = true;
  sc.nrToReclaim = Math.max(zone.high, SWAP_CLUSTER_MAX);
  const before = sc.nrReclaimed;
  shrinkNode(kern, sc, k.node);
  const reclaimed = sc.nrReclaimed - before;
  k.reclaimedThisRun += reclaimed;
  const cost = Math.max(sc.costNs, 1_000);
  const took = cost + sc.waitNs;
  kern.kswapdLatency.push(took);
  kern.world.counters.v[VM.reclaim_cpu_ns] += cost;
  // `balance_pgdat` runs inside a memstall section.
  kern.psi.stall(k.psiCpu, k.t, k.t + took);
  k.t += took;
  if (kern.opts.checkInvariants && kern.passPrint.changed(kern.machine, kern.world))
    checkKernelInvariants(
      kern.machine,
      kern.world,
      kern.ctxs,
      `kswapd node ${k.node} priority ${k.priority}`,
    );
  if (zone.free > mark) {
    endBalance(kern, k);
    return;
  }
  const raisePriority = !(Math.max(sc.nrScanned, reclaimed) >= sc.nrToReclaim);
  if (raisePriority || reclaimed === 0) k.priority--;
  if (k.priority < 1) {
    // `balance_pgdat` restarts once without cache-trim mode when a whole
    // priority loop reclaimed nothing and trimming the page cache failed.
    if (k.reclaimedThisRun === 0 && !sc.noCacheTrimMode && sc.cacheTrimModeFailed) {
      sc.noCacheTrimMode = true;
      k.priority = DEF_PRIORITY;
      return;
    }
    endBalance(kern, k);
  }
}

/**
 * `pgdat_balanced`'s watermark: high, or WMARK_PROMO in tiering mode while
 * promotion into this node is failing for room (kswapd then demotes enough
 * to let hot pages in).
 */
export function balanceMark(kern: KernelState, node: number): number {
  const zone = kern.machine.nodes[node].zone;
  const tier = kern.tiering;
  return tier?.promoWanted[node] ? zone.promo : zone.high;
}

export function endBalance(kern: KernelState, k: KswapdState): void {
  k.balancing = false;
  if (k.reclaimedThisRun === 0) k.failures++;
  snapshotRefaults(kern, k.node, null);
  const zone = kern.machine.nodes[k.node].zone;
  const mark = balanceMark(kern, k.node);
  if (zone.free > mark && kern.tiering !== null) kern.tiering.promoWanted[k.node] = 0;
  if (zone.free > mark) kswapdSleep(kern, k);
  else if (k.failures >= MAX_RECLAIM_RETRIES) k.active = false;
}

export function kswapdSleep(kern: KernelState, k: KswapdState): void {
  // Balanced: clear the congestion bits and take a short nap (HZ/10) first.
  kern.pgdatDirty[k.node] = false;
  kern.pgdatWriteback[k.node] = false;
  for (const lv of kern.world.lruvecs) {
    if (lv.node !== k.node) continue;
    lv.congested = false;
    lv.cgroupCongested = false;
  }
  k.napUntil = k.t + NS_PER_SEC / 10;
  k.t = k.napUntil;
}
