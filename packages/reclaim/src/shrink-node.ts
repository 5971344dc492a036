/**
 * shrink_node and shrink_lruvec (mm/vmscan.c): walk the memcg tree of a
 * node with each memcg's protection (memory.min/low), ask the policy for a
 * batch of candidates (evictBatch, the policy's evictCandidates), run
 * them through shrink_folio_list (evictProposed), restore what it left
 * isolated, and apply the congestion and no-progress checks.
 *
 * Owns no state. May call: shrink-folio-list, reclaim-core, writeback.
 */
import {
  LRU_ANON,
  LRU_FILE,
  type Memcg,
  NS_PER_JIFFY,
  NS_PER_SEC,
  PG_ISOLATED,
  PG_LRU,
  PG_SWAPBACKED,
  PG_UNEVICTABLE,
} from '@reclaim-lab/hw-model';
import { type Lruvec, VM } from '@reclaim-lab/mechanisms';
import type { KernelState } from './kernel-state.js';
import type { ReclaimOps } from './ops.js';
import { badScanControl, badTag, defaultHooks, duplicatePfn, type LruvecCtx } from './policy-host.js';
import { calculateProtection } from './protection.js';
import {
  accountScan,
  canReclaimAnon,
  isolateOne,
  putback,
  reclaimableAnonRoom,
  swappiness,
  wakeFlushers,
} from './reclaim-core.js';
import {
  DEF_PRIORITY,
  MAX_RECLAIM_RETRIES,
  MIN_LRU_BATCH,
  type ScanControl,
  SWAP_CLUSTER_MAX,
} from './scan-control.js';
import { shrinkFolioList } from './shrink-folio-list.js';
import { lruvecPriority, lruvecProtected, stopRequested } from './vendor-hooks.js';
import { HOOK_FAILED } from './watchdog.js';

/** Effective memory.min/low for reclaim aimed at `target` (`mem_cgroup_calculate_protection`). */
export function protection(kern: KernelState, memcg: Memcg, target: Memcg): void {
  calculateProtection(memcg, target, kern.machine.config.memoryRecursiveProt === true);
}

/** `shrink_node`: every memcg of the target's subtree on this node, then writeback bookkeeping. */
export function shrinkNode(kern: KernelState, sc: ScanControl, node: number): void {
  sc.resetPass();
  const target = sc.target ?? kern.machine.rootMemcg;
  const targetLv = kern.world.lruvec(target, node);
  const reclaimedBefore = sc.nrReclaimed;
  sc.nodePassBase = reclaimedBefore;
  const memcgs = kern.subtreeOf(target);
  const epoch = ++kern.shrinkEpoch;
  // kswapd walks the whole tree from the top, but a walk that a vendor stop
  // ended early resumes after the memcg it stopped on: the kernel's memcg LRU
  // (`lru_gen_rotate_memcg`) sends a shrunk memcg behind the others, so early
  // stops do not keep draining the first memcgs. Deviation: a plain rotation.
  const start = sc.isKswapd
    ? kern.kswapd[node].memcgStart % memcgs.length
    : sc.memcgFullWalk
      ? 0
      : kern.memcgIterCursor++ % memcgs.length;
  for (let i = 0; i < memcgs.length; i++) {
    const memcg = memcgs[(start + i) % memcgs.length];
    protection(kern, memcg, target);
    if (memcg.usage <= memcg.emin && memcg.emin > 0) continue;
    if (memcg.usage <= memcg.elow && memcg.elow > 0) {
      if (!sc.memcgLowReclaim) {
        sc.memcgLowSkipped = true;
        continue;
      }
      memcg.events.low++;
    }
    const lv = kern.world.findLruvec(memcg, node);
    if (!lv || lv.evictable === 0) continue;
    const ctx = kern.ctxs[lv.id];
    const ops = ctx.slot.ops;
    if (ctx.slot.preparedEpoch !== epoch) {
      ctx.slot.preparedEpoch = epoch;
      if (ops.prepare) {
        const pctx = kern.ctxs[targetLv.id].slot === ctx.slot ? kern.ctxs[targetLv.id] : ctx;
        kern.watchdog.guard(
          pctx,
          'prepare',
          () => ops.prepare!(pctx, sc),
          () => {},
        );
      }
    }
    // Vendor hook points (ReclaimOps v2): pass over the lruvec, or scan it at its own priority.
    if (lruvecProtected(kern, ctx, sc)) {
      sc.memcgLowSkipped = true;
      continue;
    }
    const priority = sc.priority;
    sc.priority = lruvecPriority(kern, ctx, sc);
    shrinkLruvec(kern, ctx, sc);
    sc.priority = priority;
    if (!sc.isKswapd && !sc.memcgFullWalk && sc.nrReclaimed >= sc.nrToReclaim) break;
    if (stopRequested(kern, ctx, sc)) {
      if (sc.isKswapd) kern.kswapd[node].memcgStart = (start + i + 1) % memcgs.length;
      break;
    }
  }
  // A policy that runs root reclaim of a node whole (`lru_gen_shrink_node`)
  // returns before the write-back and congestion bookkeeping of shrink_node.
  if (sc.rootReclaim && kern.ctxs[targetLv.id].slot.ops.shrinksNodeWhole) {
    if (sc.nrReclaimed > reclaimedBefore) kern.kswapd[node].failures = 0;
    return;
  }
  // Writeback and congestion bookkeeping.
  if (sc.isKswapd) {
    if (sc.nrWriteback && sc.nrWriteback === sc.nrTaken) kern.pgdatWriteback[node] = true;
    if (sc.nrUnqueuedDirty && sc.nrUnqueuedDirty === sc.nrFileTaken) kern.pgdatDirty[node] = true;
    if (sc.nrImmediate) {
      // `reclaim_throttle(WRITEBACK)`: kswapd waits for writeback, up to HZ/10.
      kern.world.counters.v[VM.throttle_writeback]++;
      sc.waitNs += Math.min(NS_PER_SEC / 10, Math.max(0, kern.world.timers.peekTime() - sc.clockNs));
    }
  }
  congestionAndProgress(kern, sc, node, targetLv, reclaimedBefore);
}

/** The end of `shrink_node`: congestion tags, the CONGESTED throttle, kswapd's failure count. */
export function congestionAndProgress(
  kern: KernelState,
  sc: ScanControl,
  node: number,
  targetLv: Lruvec,
  reclaimedBefore: number,
): void {
  // Every dirty folio met was under write-back and tagged for immediate
  // reclaim: the node (kswapd) or the memcg (cgroup reclaim) is congested.
  if (sc.nrDirty && sc.nrDirty === sc.nrCongested) {
    if (sc.cgroupReclaim) targetLv.cgroupCongested = true;
    if (sc.isKswapd) targetLv.congested = true;
  }
  // `reclaim_throttle(CONGESTED)`: other reclaimers of a congested target
  // sleep a jiffy, unless `skip_throttle_noprogress` says waiting cannot help.
  if (
    !sc.isKswapd &&
    (targetLv.congested || targetLv.cgroupCongested) &&
    !skipThrottleNoprogress(kern, node)
  ) {
    kern.world.counters.v[VM.throttle_congested]++;
    sc.waitNs += NS_PER_JIFFY;
  }
  if (sc.nrReclaimed > reclaimedBefore) kern.kswapd[node].failures = 0;
  else if (sc.cacheTrimMode) sc.cacheTrimModeFailed = true;
}

export function shrinkLruvec(kern: KernelState, ctx: LruvecCtx, sc: ScanControl): void {
  const ops = ctx.slot.ops;
  kern.scanMemcg = ctx.lruvec.memcg;
  if (ops.shrink) {
    kern.isoLogging = true;
    kern.isoLogLen = 0;
    let ejected = false;
    const goal = sc.nrToReclaim;
    const r = kern.watchdog.guard(
      ctx,
      'shrink',
      () => ops.shrink!(ctx, sc),
      () => {
        ejected = true;
        return undefined;
      },
    );
    if (!ejected) {
      const bad = badTag('shrink', r) ?? badScanControl(goal, sc);
      if (bad !== null) {
        kern.watchdog.reject(ctx, 'shrink', 'invalid', bad);
        // Put right what it did to scan control; the fallback goes on with the same goal.
        sc.nrToReclaim = goal;
        if (!(sc.priority >= 0 && sc.priority <= DEF_PRIORITY)) sc.priority = 0;
        sc.priority = Math.trunc(sc.priority);
        ejected = true;
      }
    }
    kern.isoLogging = false;
    const isolatedAny = kern.isoLogLen > 0;
    restoreIsolated(kern, ctx);
    if (ejected) shrinkLruvec(kern, ctx, sc);
    else watchStall(kern, ctx, sc, isolatedAny);
    return;
  }
  // cache_ext-style batch eviction: ask for candidates, make up any shortfall.
  const buf = kern.evictBuf;
  let want = Math.min(buf.length, Math.max(sc.batch, Math.min(sc.nrToReclaim - sc.nrReclaimed, buf.length)));
  // The priority's scan target, as `get_scan_count` sizes it (the evictable
  // pages >> priority), so a priority-0 pass covers the whole lruvec; at
  // least the one batch asked for. Ideal mode evicts one page per call.
  const lv = ctx.lruvec;
  const anonOk = sc.maySwap && canReclaimAnon(kern, lv, sc);
  const target =
    kern.mode === 'ideal' ? 0 : (lv.nrPages[LRU_FILE] + (anonOk ? lv.nrPages[LRU_ANON] : 0)) >> sc.priority;
  let scanned = 0;
  for (;;) {
    const taken = evictBatch(kern, ctx, ops, sc, want);
    // Nothing left to isolate, or the policy was ejected and the fallback ran the pass.
    if (taken <= 0 || ctx.slot.ops !== ops) return;
    scanned += taken;
    if (scanned >= target || sc.nrReclaimed >= sc.nrToReclaim) return;
    want = Math.min(buf.length, SWAP_CLUSTER_MAX, target - scanned);
  }
}

/** One batch of candidate eviction: ask the policy for `want` candidates; the number isolated. */
export function evictBatch(
  kern: KernelState,
  ctx: LruvecCtx,
  ops: ReclaimOps<unknown>,
  sc: ScanControl,
  want: number,
): number {
  if (!ops.evictCandidates) return evictProposed(kern, ctx, ops, sc, want, 0);
  // The allocation-free guard: this runs on every ideal-mode miss.
  const req = kern.evictReq;
  req.nr = want;
  req.sc = sc;
  const got = kern.watchdog.call(ctx, 'evictCandidates', ops.evictCandidates, req, kern.evictBuf, undefined);
  return evictProposed(kern, ctx, ops, sc, want, got);
}

/**
 * The rest of `shrinkLruvec` for a policy that proposes candidates: check
 * the `got` it proposed in `evictBuf` (0 when it has no such hook), make up
 * any shortfall, isolate, `shrinkFolioList`, put the survivors back.
 */
export function evictProposed(
  kern: KernelState,
  ctx: LruvecCtx,
  ops: ReclaimOps<unknown>,
  sc: ScanControl,
  want: number,
  got: number | typeof HOOK_FAILED,
): number {
  const buf = kern.evictBuf;
  let n = 0;
  if (ops.evictCandidates) {
    n = got === HOOK_FAILED || ctx.slot.ops !== ops ? -1 : got;
    if (n === -1 && ctx.slot.ops !== ops) {
      shrinkLruvec(kern, ctx, sc);
      return -1;
    }
    if (!Number.isInteger(n) || n < 0 || n > want) {
      kern.watchdog.reject(ctx, 'evictCandidates', 'invalid', `returned ${n} for a request of ${want}`);
      n = 0;
    }
    const f = kern.machine.frames;
    for (let i = 0; i < n; i++) {
      const pfn = buf[i];
      if (
        !(pfn >= 0 && pfn < f.count) ||
        f.lruvec[pfn] !== ctx.lruvec.id ||
        (f.flags[pfn] & (PG_LRU | PG_UNEVICTABLE)) !== PG_LRU ||
        !ctx.owns(kern.world.lists.listOf[pfn])
      ) {
        kern.watchdog.reject(
          ctx,
          'evictCandidates',
          'invalid',
          `proposed pfn ${pfn}, which is not an evictable folio on its lists`,
        );
        n = 0;
        break;
      }
    }
    const dup = n > 1 ? duplicatePfn(buf, n, candidateMark(kern)) : -1;
    if (dup >= 0) {
      kern.watchdog.reject(ctx, 'evictCandidates', 'invalid', `proposed pfn ${dup} twice in one batch`);
      n = 0;
    }
  }
  const activeCtx = kern.ctxs[ctx.lruvec.id];
  if (n < want) n = defaultHooks.fillCandidates(activeCtx, buf, n, want, null);
  let taken = 0;
  let anon = 0;
  const flags = kern.machine.frames.flags;
  for (let i = 0; i < n; i++) {
    const pfn = buf[i];
    if (isolateOne(kern, activeCtx, pfn, sc)) {
      buf[taken++] = pfn;
      if (flags[pfn] & PG_SWAPBACKED) anon++;
    }
  }
  // pgscan_anon/pgscan_file by the isolated folio's LRU type, as shrink_inactive_list counts them.
  accountScan(kern, sc, LRU_ANON, anon);
  accountScan(kern, sc, LRU_FILE, taken - anon);
  const unqueuedBefore = sc.nrUnqueuedDirty;
  const res = shrinkFolioList(kern, activeCtx, buf, taken, sc, kern.evictOutcome);
  for (let i = 0; i < res.survivors; i++)
    putback(kern, activeCtx, buf[i], kern.evictOutcome[i] === 1 ? 'activate' : 'keep');
  // As shrink_inactive_list: a batch of dirty file folios no flusher has
  // queued nudges the flushers, so memcg reclaim (which writes no file
  // folio itself) finds them written when it retries.
  if (taken > 0 && sc.nrUnqueuedDirty - unqueuedBefore === taken) wakeFlushers(kern);
  return taken;
}

/** Put back anything a `shrink` hook left isolated (counted as a core override). */
export function restoreIsolated(kern: KernelState, ctx: LruvecCtx): void {
  const f = kern.machine.frames;
  for (let i = 0; i < kern.isoLogLen; i++) {
    const pfn = kern.isoLog[i];
    if (f.flags[pfn] & PG_ISOLATED && f.lruvec[pfn] === ctx.lruvec.id) {
      kern.world.counters.v[VM.policy_overrides]++;
      putback(kern, ctx, pfn, 'keep');
    }
  }
  kern.isoLogLen = 0;
}

/**
 * No progress under pressure: at priority 0, with reclaimable folios on
 * its lists, `shrink` does not even isolate one, again and again. (A policy
 * that scans and finds nothing freeable is not stalling: that is OOM.)
 */
export function watchStall(kern: KernelState, ctx: LruvecCtx, sc: ScanControl, isolatedAny: boolean): void {
  const id = ctx.lruvec.id;
  if (sc.priority > 0 || ctx.slot.ejected || kern.mode === 'ideal') return;
  const lv = ctx.lruvec;
  // Swappiness 0 lets a policy leave anon alone entirely (the kernel's
  // own may never scan it then): that is no stall.
  const anonOk = canReclaimAnon(kern, lv, sc) && sc.maySwap && swappiness(kern, lv, sc) > 0;
  const reclaimable =
    lv.nrPages[LRU_FILE] + (anonOk ? Math.min(lv.nrPages[LRU_ANON], reclaimableAnonRoom(kern, lv, sc)) : 0);
  // A handful of folios may legitimately round down to no scan at all.
  if (isolatedAny || reclaimable < MIN_LRU_BATCH) {
    kern.stallCount[id] = 0;
    return;
  }
  kern.stallCount[id] = (kern.stallCount[id] ?? 0) + 1;
  if (kern.stallCount[id] >= kern.watchdog.options.stallBudget) {
    kern.stallCount[id] = 0;
    kern.watchdog.reject(
      ctx,
      'shrink',
      'stall',
      `isolated nothing in ${kern.watchdog.options.stallBudget} passes at priority 0 with ${reclaimable} reclaimable pages`,
    );
  }
}

/** `snapshot_refaults`: the reclaim target's subtree activations, seen as of the end of this reclaim. */
export function snapshotRefaults(kern: KernelState, node: number, target: Memcg | null): void {
  const lv = kern.world.findLruvec(target ?? kern.machine.rootMemcg, node);
  if (!lv) return;
  lv.refaultsSnapshot[0] = lv.workingsetActivate[0];
  lv.refaultsSnapshot[1] = lv.workingsetActivate[1];
}

/**
 * `skip_throttle_noprogress`: no point sleeping when kswapd has given up
 * (near OOM), or when at most half the reclaimable pages wait on
 * write-back (they will throttle as they reach the LRU tail instead).
 */
export function skipThrottleNoprogress(kern: KernelState, node: number): boolean {
  if (kern.kswapd[node].failures >= MAX_RECLAIM_RETRIES) return true;
  let reclaimable = 0;
  const swapOk = kern.machine.swap !== null && kern.machine.swap.free > 0;
  for (const lv of kern.world.lruvecs) {
    if (lv.node !== node) continue;
    reclaimable += lv.nrPages[LRU_FILE] + (swapOk ? lv.nrPages[LRU_ANON] : 0);
  }
  // Machine-wide dirty and write-back counts stand in for the node's.
  const writePending = kern.world.nrFileDirty + kern.world.nrWriteback;
  return 2 * writePending <= reclaimable;
}

/** One byte per frame for `duplicatePfn`, made on first use. */
function candidateMark(kern: KernelState): Uint8Array {
  if (kern.candidateMarks === null) kern.candidateMarks = new Uint8Array(kern.machine.frames.count);
  return kern.candidateMarks;
}
