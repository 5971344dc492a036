/**
 * The ReclaimCore services a policy calls from its hooks: isolate a batch
 * or one folio (`isolate_lru_folios`), putback (`move_folios_to_lru`),
 * referenced (`folio_referenced`, the rmap walk), scan accounting and cost
 * (`lru_note_cost`), the anon/swappiness checks, lruSizes. The KernelState
 * class exposes each as a method that calls the function here.
 *
 * Owns no state. May call: lru-add, the policy hooks through the watchdog.
 */
import {
  LRU_ANON,
  LRU_FILE,
  MEMCG_STAT,
  type Memcg,
  PG_FILE,
  PG_ISOLATED,
  PG_LRU,
  PG_MLOCKED,
  PG_SWAPBACKED,
} from '@reclaim-lab/hw-model';
import {
  type LruSizes,
  type Lruvec,
  type RmapResult,
  VM,
  type YoungPteVisitor,
} from '@reclaim-lab/mechanisms';
import type { KernelState } from './kernel-state.js';
import { cull, placeOnLru } from './lru-add.js';
import { canDemote, demotionTargetHasRoom } from './memory-tiers.js';
import type { IsolateResult, PutbackOutcome } from './ops.js';
import { badLruSizes, defaultHooks, type LruvecCtx } from './policy-host.js';
import { MIN_LRU_BATCH, type ScanControl, SWAP_CLUSTER_MAX } from './scan-control.js';
import { HOOK_FAILED } from './watchdog.js';

export function isolate(
  kern: KernelState,
  ctx: LruvecCtx,
  list: number,
  nr: number,
  buf: Int32Array,
  sc: ScanControl,
): IsolateResult {
  const res = kern.isoResult;
  res.scanned = 0;
  res.taken = 0;
  const lists = kern.world.lists;
  const f = kern.machine.frames;
  while (res.taken < nr && res.taken < buf.length) {
    const pfn = lists.last(list);
    if (pfn === -1) break;
    res.scanned++;
    if (!sc.mayUnmap && f.mapcount[pfn] > 0) {
      lists.moveHead(list, pfn);
      continue;
    }
    isolateFolio(kern, ctx.lruvec, pfn);
    buf[res.taken++] = pfn;
  }
  sc.costNs += res.scanned * kern.machine.config.cost.scanPageNs;
  return res;
}

export function isolateOne(kern: KernelState, ctx: LruvecCtx, pfn: number, sc: ScanControl): boolean {
  const f = kern.machine.frames;
  if ((f.flags[pfn] & PG_LRU) === 0 || f.lruvec[pfn] !== ctx.lruvec.id) return false;
  if (!sc.mayUnmap && f.mapcount[pfn] > 0) return false;
  isolateFolio(kern, ctx.lruvec, pfn);
  sc.costNs += kern.machine.config.cost.scanPageNs;
  return true;
}

export function isolateFolio(kern: KernelState, lv: Lruvec, pfn: number): void {
  const f = kern.machine.frames;
  if (kern.isoLogging) {
    if (kern.isoLogLen === kern.isoLog.length) {
      const g = new Int32Array(kern.isoLog.length * 2);
      g.set(kern.isoLog);
      kern.isoLog = g;
    }
    kern.isoLog[kern.isoLogLen++] = pfn;
  }
  kern.world.lists.remove(pfn);
  const type = f.flags[pfn] & PG_SWAPBACKED ? LRU_ANON : LRU_FILE;
  lv.nrPages[type]--;
  lv.nrIsolated[type]++;
  f.flags[pfn] = (f.flags[pfn] & ~PG_LRU) | PG_ISOLATED;
}

export function accountScan(kern: KernelState, sc: ScanControl, type: number, n: number): void {
  if (n === 0) return;
  const c = kern.world.counters.v;
  if (!sc.cgroupReclaim) c[sc.isKswapd ? VM.pgscan_kswapd : VM.pgscan_direct] += n;
  // memory.stat counts every reclaimer, cgroup reclaim too, in the memcg whose lruvec was scanned.
  kern.scanMemcg.stat[sc.isKswapd ? MEMCG_STAT.pgscan_kswapd : MEMCG_STAT.pgscan_direct] += n;
  if (type === LRU_ANON) c[VM.pgscan_anon] += n;
  else if (type === LRU_FILE) c[VM.pgscan_file] += n;
}

export function referenced(
  kern: KernelState,
  pfn: number,
  sc: ScanControl,
  visitor: YoungPteVisitor | null = null,
): RmapResult {
  const r = kern.world.folioReferenced(pfn, visitor);
  sc.costNs += kern.world.rmapCost(r);
  const out = kern.rmapScratch;
  out.refs = r.refs;
  out.vmFlags = r.vmFlags;
  out.mappings = r.mappings;
  return out;
}

export function noteCost(kern: KernelState, lv: Lruvec, type: number, nrIo: number, nrRotated: number): void {
  const cost = nrIo * SWAP_CLUSTER_MAX + nrRotated;
  if (cost === 0) return;
  // Adds to this lruvec and its ancestors on the node, halving both when they outgrow a quarter of the LRU.
  for (let m: Memcg | null = lv.memcg; m; m = m.parent) {
    const l = kern.world.findLruvec(m, lv.node);
    if (!l) continue;
    if (type === LRU_FILE) l.fileCost += cost;
    else l.anonCost += cost;
    // `lruvec_page_state` of a memcg counts its whole subtree.
    if (l.anonCost + l.fileCost > subtreeLruPages(kern, m, lv.node) / 4) {
      l.anonCost /= 2;
      l.fileCost /= 2;
    }
  }
}

/** Evictable LRU pages of a memcg's subtree on a node. */
export function subtreeLruPages(kern: KernelState, memcg: Memcg, node: number): number {
  let size = 0;
  for (const m of kern.subtreeOf(memcg)) {
    const l = kern.world.findLruvec(m, node);
    if (l) size += l.nrPages[0] + l.nrPages[1];
  }
  return size;
}

export function ageNonresident(kern: KernelState, lv: Lruvec, n: number): void {
  for (let m: Memcg | null = lv.memcg; m; m = m.parent) {
    const l = kern.world.findLruvec(m, lv.node);
    if (l) l.nonresidentAge += n;
  }
}

export function chargeNs(_kern: KernelState, sc: ScanControl, ns: number): void {
  sc.costNs += ns;
}

/**
 * `can_demote` for `lv`'s node and this reclaim — and (our deviation, see
 * `demotionTargetHasRoom`) its target has room. The one rule every "is
 * anon reclaimable" check shares: `can_reclaim_anon_pages`,
 * `can_age_anon_pages` and MGLRU's `get_swappiness` all accept demotion
 * in place of swap.
 */
export function canDemoteFrom(kern: KernelState, lv: Lruvec, sc: ScanControl): boolean {
  return kern.tiering !== null && canDemote(kern, lv.node, sc) && demotionTargetHasRoom(kern, lv.node);
}

/** Models `can_reclaim_anon_pages`: swap has room for this memcg, or the node can demote (`canDemoteFrom`). */
export function canReclaimAnon(kern: KernelState, lv: Lruvec, sc: ScanControl): boolean {
  const swap = kern.machine.swap;
  if (swap && swap.free > 0 && kern.world.swapAllowed(lv.memcg.id)) return true;
  return canDemoteFrom(kern, lv, sc);
}

/**
 * How many of `lv`'s anon pages reclaim could free now, for the watchdog's
 * stall and starvation checks: all of them where they can be demoted, else
 * no more than the swap slots its memcg (and each ancestor, by swap.max)
 * may still take, and none when that is less than a batch. A policy that
 * declines to swap into the last batch of slots starves nobody: MGLRU's
 * `get_swappiness` does the same in the kernel.
 */
export function reclaimableAnonRoom(kern: KernelState, lv: Lruvec, sc: ScanControl): number {
  if (canDemoteFrom(kern, lv, sc)) return Number.POSITIVE_INFINITY;
  const swap = kern.machine.swap;
  if (swap === null || !kern.world.swapAllowed(lv.memcg.id)) return 0;
  let room = swap.free;
  for (let m: Memcg | null = lv.memcg; m; m = m.parent) room = Math.min(room, m.swapMax - m.swapUsage);
  return room < MIN_LRU_BATCH ? 0 : room;
}

/**
 * Models MGLRU's `should_abort_scan` for root reclaim: the goal is met, or
 * kswapd sees the node above its high watermark by a batch. kswapd's goal
 * is per node pass, as `lru_gen_shrink_node` restarts sc->nr_reclaimed
 * for it; a direct reclaimer's counts since its reclaim began.
 */
export function shouldAbortScan(kern: KernelState, _ctx: LruvecCtx, sc: ScanControl): boolean {
  const reclaimed = sc.isKswapd ? sc.nrReclaimed - sc.nodePassBase : sc.nrReclaimed;
  if (reclaimed >= sc.nrToReclaim) return true;
  if (sc.isKswapd) {
    const z = kern.machine.nodes[sc.node].zone;
    return z.free > z.high + MIN_LRU_BATCH;
  }
  return false;
}

export function swappiness(kern: KernelState, lv: Lruvec, sc: ScanControl): number {
  if (sc.proactive && sc.proactiveSwappiness >= 0) return sc.proactiveSwappiness;
  return lv.memcg.swappiness ?? kern.machine.config.swappiness;
}

export function wakeFlushers(kern: KernelState): void {
  kern.flusher.wakeAll(kern.now);
}

export function markDirty(kern: KernelState, pfn: number): void {
  kern.world.markDirty(pfn);
  if ((kern.machine.frames.flags[pfn] & (PG_FILE | PG_SWAPBACKED)) === PG_FILE)
    kern.flusher.queue(pfn, kern.now);
}

export function lruSizes(kern: KernelState, lv: Lruvec): LruSizes {
  const ctx = kern.ctxs[lv.id];
  const out = kern.sizesScratch;
  const ops = ctx.slot.ops;
  if (ops.lruSizes) {
    // Ejected: the fallback reports the sizes.
    if (kern.watchdog.call(ctx, 'lruSizes', ops.lruSizes, out, undefined, undefined) === HOOK_FAILED) {
      return lruSizes(kern, lv);
    }
    const bad = badLruSizes(out, kern.machine.frames.count);
    if (bad !== null) {
      kern.watchdog.reject(ctx, 'lruSizes', 'invalid', bad);
      return lruSizes(kern, lv);
    }
  } else defaultHooks.lruSizes(ctx, out);
  return out;
}

export function putback(
  kern: KernelState,
  ctx: LruvecCtx,
  pfn: number,
  outcome: PutbackOutcome | 'cull',
): void {
  const f = kern.machine.frames;
  const lv = ctx.lruvec;
  if ((f.flags[pfn] & PG_ISOLATED) === 0) throw new Error(`putback of pfn ${pfn}, which is not isolated`);
  const type = f.flags[pfn] & PG_SWAPBACKED ? LRU_ANON : LRU_FILE;
  lv.nrIsolated[type]--;
  f.flags[pfn] &= ~PG_ISOLATED;
  if (outcome === 'cull' || f.flags[pfn] & PG_MLOCKED) {
    kern.world.counters.v[VM.unevictable_pgs_mlocked]++;
    cull(kern, lv, pfn);
    return;
  }
  const active = kern.ctxs[lv.id];
  placeOnLru(kern, active, pfn, 'putback', outcome);
}
