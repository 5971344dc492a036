/**
 * Ideal mode's allocation: a machine of exactly N frames where a miss
 * evicts exactly one page. allocIdeal takes a free frame or evicts one
 * (idealShrinkOne: one candidate from the policy, through the same
 * isolate/shrink_folio_list services as kernel reclaim); idealLeanCtx
 * says when the lean path may skip the general walk. Not a kernel file.
 *
 * Owns no state. May call: shrink-folio-list, the ReclaimCore services.
 */
import {
  LRU_ANON,
  LRU_FILE,
  MEMCG_STAT,
  type Memcg,
  PG_DIRTY,
  PG_ISOLATED,
  PG_LRU,
  PG_MLOCKED,
  PG_SWAPBACKED,
  PG_UNEVICTABLE,
  PG_WORKINGSET,
  PG_WRITEBACK,
  type SimFile,
} from '@reclaim-lab/hw-model';
import { packShadow, VM } from '@reclaim-lab/mechanisms';
import type { KernelState } from './kernel-state.js';
import { oom } from './oom-kill.js';
import type { Decision, ReclaimOps } from './ops.js';
import { hookClose, hookOpen } from './policy-access.js';
import type { LruvecCtx } from './policy-host.js';
import { isolateFolio, putback } from './reclaim-core.js';
import type { ScanControl } from './scan-control.js';
import { decisionOf, rejectPayload } from './shrink-folio-list.js';
import { congestionAndProgress, evictProposed, shrinkNode } from './shrink-node.js';
import type { Task } from './task.js';
import { HOOK_FAILED } from './watchdog.js';

/** Ideal mode: evict exactly one page when memory is full. */
export function allocIdeal(kern: KernelState, task: Task, leanCtx?: LruvecCtx): number {
  const node = kern.machine.nodes[0];
  if (node.zone.free === 0) {
    const sc = kern.directSc.reset('direct', null, 0, 1, task.t);
    sc.batch = 1;
    sc.priority = 0;
    const lean = leanCtx ?? idealLeanCtx(kern);
    // Its hooks open the watchdog's outermost section themselves.
    if (lean !== null && kern.watchdog.depth === 0) idealShrinkOne(kern, lean, sc, null, 0, null);
    else shrinkNode(kern, sc, 0);
    let tries = 0;
    while (node.zone.free === 0 && tries++ < 3) {
      sc.resetPass();
      shrinkNode(kern, sc, 0);
    }
    if (node.zone.free === 0) {
      // An ejection instead of a kill: try again under the fallback.
      while (oom(kern, 'global', null, task)) {
        sc.resetPass();
        shrinkNode(kern, sc, 0);
        if (node.zone.free !== 0) break;
      }
      if (task.killed || node.zone.free === 0) return -1;
    }
  }
  return kern.machine.allocFrame(0);
}

/**
 * The lruvec ideal mode evicts from without the general walk: the
 * machine's only one (one memcg, one node), under a healthy policy that
 * proposes candidates (no `shrink`, no `prepare`). Null otherwise.
 */
export function idealLeanCtx(kern: KernelState): LruvecCtx | null {
  if (kern.opts.idealLeanPaths === false) return null;
  if (kern.world.lruvecs.length !== 1 || kern.machine.memcgs.length !== 1) return null;
  const ctx = kern.ctxs[kern.world.lruvecs[0].id];
  const ops = ctx.slot.ops;
  if (ctx.slot.ejected || !ops.evictCandidates || ops.shrink || ops.prepare) return null;
  return ctx;
}

/**
 * `shrinkNode(sc, 0)` for the lruvec of `idealLeanCtx`, called at hook
 * depth 0, with its effects on the scan control, the counters and the
 * memcg cursor, but none of the walk: ask the policy for one candidate
 * and, when it is a clean, unmapped file folio — every page of a trace
 * replay — reclaim it here as `shrinkFolioList` would: isolated, its
 * references checked (an unmapped folio's rmap walk finds nothing and
 * costs nothing), its shadow made, its page freed. Anything else takes
 * the general functions from where it parts. Hooks run between
 * `hookOpen` and `hookClose`. Given `into`, the freed frame — the one `allocFrame` would hand
 * back next — is taken at once as page `index` of `into` charged to
 * `memcg` (`World.replaceIsolatedCleanFile`): the frame is returned and
 * the shadow its insert found left in `reusedShadow`. Else -1.
 */
export function idealShrinkOne(
  kern: KernelState,
  ctx: LruvecCtx,
  sc: ScanControl,
  into: SimFile | null,
  index: number,
  memcg: Memcg | null,
): number {
  // `allocIdeal` has just reset `sc`: no pass to reset.
  const lv = ctx.lruvec;
  const lvId = lv.id;
  const slot = ctx.slot;
  const ops = slot.ops;
  const wd = kern.watchdog;
  const lists = kern.world.lists;
  const f = kern.machine.frames;
  const flags = f.flags;
  const c = kern.world.counters.v;
  sc.nodePassBase = 0;
  // Read once: the getters compare strings, and this runs on every miss.
  const kswapd = sc.isKswapd;
  const cgroup = sc.cgroupReclaim;
  const epoch = ++kern.shrinkEpoch;
  if (!(kswapd || sc.memcgFullWalk)) kern.memcgIterCursor++;
  // `calculateProtection` of the reclaim target itself (the root): none.
  lv.memcg.emin = 0;
  lv.memcg.elow = 0;
  if (lv.nrPages[LRU_ANON] + lv.nrPages[LRU_FILE] === 0) {
    congestionAndProgress(kern, sc, 0, lv, 0);
    return -1;
  }
  slot.preparedEpoch = epoch;
  const buf = kern.evictBuf;
  const want = Math.min(
    buf.length,
    Math.max(sc.batch, Math.min(sc.nrToReclaim - sc.nrReclaimed, buf.length)),
  );
  const req = kern.evictReq;
  req.nr = want;
  req.sc = sc;
  let got: number | typeof HOOK_FAILED;
  hookOpen(kern, slot, ops);
  try {
    got = (ops.evictCandidates as NonNullable<ReclaimOps<unknown>['evictCandidates']>)(ctx, req, buf);
  } catch (e) {
    wd.failed(ctx, 'evictCandidates', e);
    got = HOOK_FAILED;
  }
  hookClose(kern, slot);
  const pfn = buf[0];
  const list = pfn >= 0 && pfn < f.count ? lists.listOf[pfn] : -1;
  if (
    !(
      got === 1 &&
      want === 1 &&
      slot.ops === ops &&
      list >= 0 &&
      f.lruvec[pfn] === lvId &&
      (flags[pfn] & (PG_LRU | PG_UNEVICTABLE | PG_SWAPBACKED | PG_DIRTY | PG_WRITEBACK | PG_MLOCKED)) ===
        PG_LRU &&
      f.mapcount[pfn] === 0 &&
      lists.lruvecOf(list) === lvId &&
      list !== lv.unevictableList &&
      sc.mayUnmap
    )
  ) {
    evictProposed(kern, ctx, ops, sc, want, got);
    congestionAndProgress(kern, sc, 0, lv, 0);
    return -1;
  }
  // `isolateOne` and `accountScan`, for the one folio.
  if (kern.isoLogging) isolateFolio(kern, lv, pfn);
  else {
    lists.remove(pfn);
    lv.nrPages[LRU_FILE]--;
    lv.nrIsolated[LRU_FILE]++;
    flags[pfn] = (flags[pfn] & ~PG_LRU) | PG_ISOLATED;
  }
  sc.costNs += kern.machine.config.cost.scanPageNs;
  if (!cgroup) c[kswapd ? VM.pgscan_kswapd : VM.pgscan_direct]++;
  c[VM.pgscan_file]++;
  lv.memcg.stat[kswapd ? MEMCG_STAT.pgscan_kswapd : MEMCG_STAT.pgscan_direct]++;
  sc.nrScanned++;
  sc.nrTaken++;
  sc.nrFileTaken++;
  const wasWorkingset = (flags[pfn] & PG_WORKINGSET) !== 0;
  const rmap = kern.rmapScratch;
  rmap.refs = 0;
  rmap.vmFlags = 0;
  rmap.mappings = 0;
  // `decide`, with no references to find.
  let decision: Decision | typeof HOOK_FAILED = 'reclaim';
  const check = ops.checkReferences;
  if (check !== undefined) {
    hookOpen(kern, slot, ops);
    try {
      decision = (ops.checkReferences as typeof check)(ctx, pfn, rmap, sc);
    } catch (e) {
      wd.failed(ctx, 'checkReferences', e);
      decision = HOOK_FAILED;
    }
    hookClose(kern, slot);
    if (decision !== 'reclaim') decision = decisionOf(kern, ctx, decision);
  }
  if (decision === 'activate' || decision === 'keep') {
    // `survive`, the accounting at the end of the list, and the putback.
    if (decision === 'activate') c[VM.pgactivate]++;
    putback(kern, ctx, pfn, decision);
    congestionAndProgress(kern, sc, 0, lv, 0);
    return -1;
  }
  // `removeMapping` for a clean file folio: its shadow, then the page.
  let payload = 0;
  const evicted = ops.evicted;
  if (evicted !== undefined) {
    hookOpen(kern, slot, ops);
    try {
      payload = (ops.evicted as typeof evicted)(ctx, pfn, sc);
    } catch (e) {
      wd.failed(ctx, 'evicted', e);
      payload = 0;
    }
    hookClose(kern, slot);
    if (payload >>> 0 !== payload) payload = rejectPayload(kern, ctx, payload);
  }
  const shadowLv =
    ops.shadowScope === 'target' ? kern.world.lruvec(sc.target ?? kern.machine.rootMemcg, lv.node) : lv;
  const shadow =
    slot.ops === ops || evicted === undefined ? packShadow(payload >>> 0, shadowLv.id, wasWorkingset) : 0;
  let reused = -1;
  if (into !== null) {
    kern.reusedShadow = kern.world.replaceIsolatedCleanFile(pfn, shadow, into, index, memcg as Memcg);
    if (kern.reusedShadow >= 0) reused = pfn;
  }
  if (reused < 0) kern.world.dropIsolatedCleanFile(pfn, shadow);
  sc.costNs += kern.machine.config.cost.freeNs;
  sc.nrReclaimed++;
  if (!cgroup) c[kswapd ? VM.pgsteal_kswapd : VM.pgsteal_direct]++;
  c[VM.pgsteal_file]++;
  lv.memcg.stat[kswapd ? MEMCG_STAT.pgsteal_kswapd : MEMCG_STAT.pgsteal_direct]++;
  // `congestionAndProgress`: no dirty folio met, one reclaimed.
  if (lv.congested || lv.cgroupCongested) congestionAndProgress(kern, sc, 0, lv, 0);
  else kern.kswapd[0].failures = 0;
  return reused;
}
