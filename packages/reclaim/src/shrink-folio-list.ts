/**
 * shrink_folio_list (mm/vmscan.c): for each isolated folio, the
 * write-back checks, the policy's reference decision (decide), swap-slot
 * allocation, unmap (removeMapping, rmap's try_to_unmap), pageout of dirty
 * folios (shmemWriteout for tmpfs), the shadow entry and the free; the
 * survivors are kept for putback.
 *
 * Owns no state. May call: reclaim-core (putback), workingset, writeback.
 */
import {
  MEMCG_STAT,
  PG_ANON,
  PG_DIRTY,
  PG_FILE,
  PG_LOCKED,
  PG_MLOCKED,
  PG_RECLAIM,
  PG_SWAPBACKED,
  PG_SWAPCACHE,
  PG_WORKINGSET,
  PG_WRITEBACK,
  VM_LOCKED,
} from '@reclaim-lab/hw-model';
import { packShadow, type RmapResult, VM, type YoungPteVisitor } from '@reclaim-lab/mechanisms';
import type { KernelState } from './kernel-state.js';
import { DEMOTE_NO_ROOM, DEMOTED, demoteFolio } from './migrate.js';
import type { Decision, ReclaimOps, ShrinkListResult } from './ops.js';
import { badPayload, type LruvecCtx } from './policy-host.js';
import { referenced } from './reclaim-core.js';
import type { ScanControl } from './scan-control.js';
import { HOOK_FAILED } from './watchdog.js';
import { completeIoUntil, waitForWriteSlot } from './writeback.js';

/**
 * Models `shrink_folio_list()`: for each isolated folio, the writeback
 * checks, the policy's reference decision, swap allocation, unmap,
 * pageout, shadow and free. Survivors are compacted to the front of `buf`
 * with `outcome[i]` 1 = activate, 0 = keep.
 */
export function shrinkFolioList(
  kern: KernelState,
  ctx: LruvecCtx,
  buf: Int32Array,
  n: number,
  sc: ScanControl,
  outcome: Uint8Array,
  visitor: YoungPteVisitor | null = null,
  rmapWalk = true,
  ignoreReferences = false,
): ShrinkListResult {
  const ideal = kern.mode === 'ideal';
  // Writes started earlier in this reclaim may have finished by now: their
  // folios rotate to the tail before this batch is judged.
  if (!ideal) completeIoUntil(kern, sc.clockNs);
  const res = kern.shrinkResult;
  res.reclaimed = 0;
  res.survivors = 0;
  res.activated = 0;
  res.pageout = 0;
  const f = kern.machine.frames;
  const cost = kern.machine.config.cost;
  const c = kern.world.counters.v;
  let unmapped = 0;
  let reclaimedAnon = 0;
  // `do_demote_pass`: after a demotion fails for room, the rest of the list goes the normal way (swap or back).
  let demotePass = kern.tiering !== null && !ignoreReferences;
  let reclaimedFile = 0;
  for (let i = 0; i < n; i++) {
    const pfn = buf[i];
    // Ideal mode evicts exactly what was asked: the rest of a batch survives untouched.
    if (ideal && sc.nrReclaimed + res.reclaimed >= sc.nrToReclaim) {
      c[VM.policy_overrides]++;
      survive(kern, buf, outcome, res, pfn, 0);
      continue;
    }
    // Re-read per folio: an ejection mid-list hands the rest to the fallback.
    const ops = ctx.slot.ops;
    let flags = f.flags[pfn];
    // `folio_trylock` fails on a folio still being read in: kept, and not counted as scanned.
    if (flags & PG_LOCKED) {
      survive(kern, buf, outcome, res, pfn, 0);
      continue;
    }
    const isFile = (flags & PG_SWAPBACKED) === 0;
    sc.nrScanned++;
    let decision: Decision | 'activate-cull' = 'reclaim';
    // Dirty/writeback classification of file folios.
    if (isFile) {
      const dirty = (flags & PG_DIRTY) !== 0;
      const wb = (flags & PG_WRITEBACK) !== 0;
      if (dirty || wb) sc.nrDirty++;
      if (dirty && !wb) sc.nrUnqueuedDirty++;
      if (wb && flags & PG_RECLAIM) sc.nrCongested++;
      sc.nrTaken++;
      sc.nrFileTaken++;
    } else sc.nrTaken++;
    if (flags & PG_WRITEBACK) {
      if (sc.isKswapd && flags & PG_RECLAIM && kern.pgdatWriteback[sc.node]) sc.nrImmediate++;
      else {
        f.flags[pfn] |= PG_RECLAIM;
        sc.nrWriteback++;
      }
      survive(kern, buf, outcome, res, pfn, 1);
      continue;
    }
    // Without rmap (a policy that learns references from page-table walks), or
    // with references ignored, only the VMA flags are read, so VM_LOCKED still
    // reaches the core; no PTE is tested.
    const rmap =
      rmapWalk && !ignoreReferences
        ? referenced(kern, pfn, sc, visitor)
        : kern.world.folioReferenced(pfn, null, false);
    if (rmap.vmFlags & VM_LOCKED) {
      f.flags[pfn] |= PG_MLOCKED;
      survive(kern, buf, outcome, res, pfn, 2);
      continue;
    }
    decision = ignoreReferences ? 'reclaim' : decide(kern, ctx, ops, pfn, rmap, sc);
    if (decision === 'activate') {
      survive(kern, buf, outcome, res, pfn, 1);
      continue;
    }
    if (decision === 'keep') {
      survive(kern, buf, outcome, res, pfn, 0);
      continue;
    }
    // A node with a demotion target moves the folio down a tier instead (`demote_folio_list`);
    // one that cannot move goes on to swap, as the kernel's retry pass does.
    if (demotePass) {
      const d = demoteFolio(kern, pfn, sc);
      if (d === DEMOTED) {
        if (isFile) reclaimedFile++;
        else reclaimedAnon++;
        res.reclaimed++;
        continue;
      }
      if (d === DEMOTE_NO_ROOM) demotePass = false;
    }
    // Anon folio not yet in swap: give it a slot (`add_to_swap`). A shmem
    // folio gets one only if it is dirty, when it is written (below).
    if ((flags & (PG_ANON | PG_SWAPCACHE)) === PG_ANON) {
      if (!sc.maySwap || !kern.world.addToSwap(pfn)) {
        survive(kern, buf, outcome, res, pfn, 1);
        continue;
      }
      flags = f.flags[pfn];
    }
    if (f.mapcount[pfn] > 0) {
      const m = kern.world.tryToUnmap(pfn);
      if (m < 0) {
        f.flags[pfn] |= PG_MLOCKED;
        survive(kern, buf, outcome, res, pfn, 2);
        continue;
      }
      unmapped += m;
      sc.costNs += m * cost.unmapNs;
      // A dirty PTE made the page cache folio dirty: the flushers must hear of it.
      if (isFile && (flags & PG_DIRTY) === 0 && f.flags[pfn] & PG_DIRTY) kern.flusher.queue(pfn, kern.now);
      flags = f.flags[pfn];
    }
    if (flags & PG_DIRTY && !ideal) {
      // File folios are written by the flushers, not by reclaim, unless
      // kswapd sees the node clogged with dirty folios it met before.
      if (isFile && !(sc.isKswapd && flags & PG_RECLAIM && kern.pgdatDirty[sc.node])) {
        f.flags[pfn] |= PG_RECLAIM;
        c[VM.nr_vmscan_immediate_reclaim]++;
        survive(kern, buf, outcome, res, pfn, 1);
        continue;
      }
      if (decision === 'reclaim-clean' || !sc.mayWritepage) {
        survive(kern, buf, outcome, res, pfn, 0);
        continue;
      }
      // `pageout()`: shmem's writepage first moves the folio to the swap cache.
      if (!shmemWriteout(kern, pfn, flags, sc)) {
        survive(kern, buf, outcome, res, pfn, 1);
        continue;
      }
      flags = f.flags[pfn];
      if (unmapped > 0) {
        c[VM.tlb_flushes]++;
        sc.costNs += cost.tlbFlushNs;
        unmapped = 0;
      }
      c[VM.nr_vmscan_write]++;
      c[VM.writeback_requests]++;
      res.pageout++;
      waitForWriteSlot(kern, pfn, sc);
      const sync = kern.world.startWriteback(pfn, sc.clockNs, true);
      // zram writes inside `pageout()`: compressing the page is the
      // reclaimer's CPU, kswapd's or a direct reclaimer's (0 elsewhere).
      sc.costNs += kern.world.lastSyncWriteNs;
      if (!sync) {
        survive(kern, buf, outcome, res, pfn, 0);
        continue;
      }
      flags = f.flags[pfn];
    } else if (flags & PG_DIRTY) {
      // Ideal mode has no writeback: a dirty page is dropped as if written
      // (a shmem one from the swap cache, where writing would have put it).
      if (!shmemWriteout(kern, pfn, flags, sc)) {
        survive(kern, buf, outcome, res, pfn, 1);
        continue;
      }
      kern.world.clearDirty(pfn);
      flags = f.flags[pfn];
    }
    removeMapping(kern, ctx, ops, pfn, flags, sc);
    if (isFile) reclaimedFile++;
    else reclaimedAnon++;
    res.reclaimed++;
  }
  if (unmapped > 0) {
    c[VM.tlb_flushes]++;
    sc.costNs += cost.tlbFlushNs;
  }
  const reclaimed = reclaimedAnon + reclaimedFile;
  sc.nrReclaimed += reclaimed;
  if (sc.accountSteal) {
    if (!sc.cgroupReclaim) c[sc.isKswapd ? VM.pgsteal_kswapd : VM.pgsteal_direct] += reclaimed;
    ctx.lruvec.memcg.stat[sc.isKswapd ? MEMCG_STAT.pgsteal_kswapd : MEMCG_STAT.pgsteal_direct] += reclaimed;
    c[VM.pgsteal_anon] += reclaimedAnon;
    c[VM.pgsteal_file] += reclaimedFile;
  }
  c[VM.pgactivate] += res.activated;
  return res;
}

/**
 * shmem's writepage (`shmem_writeout`): a dirty shmem folio still in its
 * file's page cache moves to the swap cache to be written. False — the
 * caller re-dirties and activates it — when reclaim may not swap or there
 * is no slot; true for every other folio.
 */
export function shmemWriteout(kern: KernelState, pfn: number, flags: number, sc: ScanControl): boolean {
  if ((flags & (PG_FILE | PG_SWAPBACKED)) !== (PG_FILE | PG_SWAPBACKED)) return true;
  return sc.maySwap && kern.world.shmemWriteout(pfn);
}

/**
 * `__remove_mapping`: leave a shadow and free the folio. The kernel leaves
 * a shadow for every reclaimed cache folio, so refaults are counted alike
 * under every policy; the payload is the policy's (`evicted`), and none is
 * left if that hook failed and ejected the policy.
 */
export function removeMapping(
  kern: KernelState,
  ctx: LruvecCtx,
  ops: ReclaimOps<unknown>,
  pfn: number,
  flags: number,
  sc: ScanControl,
): void {
  // A clean shmem folio dropped from its page cache is zeros: no shadow is left (`__remove_mapping`
  // asks workingset_eviction only for swap-cache and file-LRU folios).
  if ((flags & (PG_FILE | PG_SWAPBACKED)) === (PG_FILE | PG_SWAPBACKED)) {
    kern.world.lruDel(pfn);
    kern.world.releaseFrame(pfn, 0, true);
    sc.costNs += kern.machine.config.cost.freeNs;
    return;
  }
  let payload = 0;
  if (ops.evicted) {
    const p = kern.watchdog.call(ctx, 'evicted', ops.evicted, pfn, sc, undefined);
    payload = p === HOOK_FAILED ? 0 : p >>> 0 === p ? p : rejectPayload(kern, ctx, p);
  }
  const lv =
    ops.shadowScope === 'target'
      ? kern.world.lruvec(sc.target ?? kern.machine.rootMemcg, ctx.lruvec.node)
      : ctx.lruvec;
  const shadow =
    ctx.slot.ops === ops || !ops.evicted
      ? packShadow(payload >>> 0, lv.id, (flags & PG_WORKINGSET) !== 0)
      : 0;
  kern.world.lruDel(pfn);
  kern.world.releaseFrame(pfn, shadow, true);
  sc.costNs += kern.machine.config.cost.freeNs;
}

/**
 * The reference decision for one isolated folio (`folio_check_references`
 * or the policy's own): a failed hook keeps the folio, an invalid answer
 * ejects the policy and keeps it; no hook keeps a referenced folio.
 */
export function decide(
  kern: KernelState,
  ctx: LruvecCtx,
  ops: ReclaimOps<unknown>,
  pfn: number,
  rmap: RmapResult,
  sc: ScanControl,
): Decision {
  if (!ops.checkReferences) return rmap.refs > 0 ? 'keep' : 'reclaim';
  return decisionOf(
    kern,
    ctx,
    kern.watchdog.call(ctx, 'checkReferences', ops.checkReferences, pfn, rmap, sc),
  );
}

/** What `checkReferences` returned, checked: a failure or an unknown answer keeps the folio. */
export function decisionOf(kern: KernelState, ctx: LruvecCtx, d: Decision | typeof HOOK_FAILED): Decision {
  if (d === HOOK_FAILED) return 'keep';
  if (d !== 'activate' && d !== 'keep' && d !== 'reclaim' && d !== 'reclaim-clean') {
    kern.watchdog.reject(ctx, 'checkReferences', 'invalid', `returned ${String(d)}`);
    return 'keep';
  }
  return d;
}

/** Keep a survivor at the front of the buffer. kind 0 keep, 1 activate, 2 mlocked (cull). */
export function survive(
  kern: KernelState,
  buf: Int32Array,
  outcome: Uint8Array,
  res: ShrinkListResult,
  pfn: number,
  kind: number,
): void {
  const f = kern.machine.frames;
  if (kind === 1) {
    res.activated++;
    // `activate_locked`: a swap slot is dropped when swap is getting full (`mem_cgroup_swap_full`).
    if (
      f.flags[pfn] & PG_SWAPCACHE &&
      kern.world.swapFull(f.memcg[pfn]) &&
      f.mapcount[pfn] > 0 &&
      (f.flags[pfn] & PG_WRITEBACK) === 0
    ) {
      kern.world.freeSwapSlot(pfn);
    }
  }
  buf[res.survivors] = pfn;
  outcome[res.survivors] = kind;
  res.survivors++;
}

/** `evicted` handed back no valid payload: eject its policy, store no shadow. */
export function rejectPayload(kern: KernelState, ctx: LruvecCtx, p: unknown): number {
  kern.watchdog.reject(ctx, 'evicted', 'invalid', badPayload(p) as string);
  return 0;
}
