/**
 * LRU membership, as mm/swap.c does it: `folio_add_lru` (lruAdd), the
 * placement hooks a policy answers when a folio joins or returns to its
 * lists (placeOnLru, placed), `folio_mark_accessed` (markAccessed), the
 * unevictable cull, and a folio leaving its lists for good (lruDelFolio).
 *
 * Owns no state: it acts on the kernel context (`kern`) and its frames and
 * lists. May call: the policy hooks through the watchdog; nothing that
 * reclaims or allocates.
 */
import {
  LRU_ANON,
  LRU_FILE,
  PG_ACTIVE,
  PG_ISOLATED,
  PG_LRU,
  PG_MLOCKED,
  PG_REFERENCED,
  PG_SWAPBACKED,
  PG_UNEVICTABLE,
  VM_LOCKED,
  VM_RAND_READ,
  VM_SEQ_READ,
} from '@reclaim-lab/hw-model';
import { type Lruvec, VM } from '@reclaim-lab/mechanisms';
import type { KernelState } from './kernel-state.js';
import type { AddHow, PutbackOutcome, ReclaimOps } from './ops.js';
import { defaultHooks, type LruvecCtx } from './policy-host.js';
import { HOOK_FAILED } from './watchdog.js';

/** `vma_has_recency`: a fault marks its folios only where access order means something. */
export function hasRecency(vmFlags: number): boolean {
  return (vmFlags & (VM_SEQ_READ | VM_RAND_READ)) === 0;
}

/**
 * A folio leaves its lruvec for good (`lruvec_del_folio` on free or
 * migration): off the lists, and an evictable one off the policy's own
 * counts through `folioRemoved`.
 */
export function lruDelFolio(kern: KernelState, pfn: number): void {
  const ctx = kern.ctxs[kern.machine.frames.lruvec[pfn]];
  const unevictable = (kern.machine.frames.flags[pfn] & PG_UNEVICTABLE) !== 0;
  kern.world.lruDel(pfn);
  const ops = ctx.slot.ops;
  if (!unevictable && ops.folioRemoved)
    kern.watchdog.guard(
      ctx,
      'folioRemoved',
      () => ops.folioRemoved!(ctx, pfn),
      () => {},
    );
}

/** Add a new folio to its lruvec (`folio_add_lru` / `folio_add_lru_vma`). */
export function lruAdd(
  kern: KernelState,
  pfn: number,
  vmFlags: number,
  reason: AddHow['reason'],
  active: boolean,
  inFault: boolean,
): void {
  const f = kern.machine.frames;
  const memcg = kern.machine.memcgs[f.memcg[pfn]];
  const lv = kern.world.lruvec(memcg, f.node[pfn]);
  f.lruvec[pfn] = lv.id;
  if (vmFlags & VM_LOCKED) {
    f.flags[pfn] |= PG_MLOCKED;
    kern.world.counters.v[VM.unevictable_pgs_mlocked]++;
    cull(kern, lv, pfn);
    return;
  }
  const ctx = kern.ctxs[lv.id];
  const how = kern.addHow;
  how.reason = reason;
  how.active = active;
  how.inFault = inFault && hasRecency(vmFlags);
  how.vmFlags = vmFlags;
  if (active) f.flags[pfn] |= PG_ACTIVE;
  placeOnLru(kern, ctx, pfn, 'folioAdded');
}

/** Put a folio on the unevictable list (`UNEVICTABLE_PGCULLED`). */
export function cull(kern: KernelState, lv: Lruvec, pfn: number): void {
  const f = kern.machine.frames;
  f.flags[pfn] = (f.flags[pfn] | PG_UNEVICTABLE | PG_LRU) & ~(PG_ACTIVE | PG_ISOLATED);
  kern.world.lists.addHead(lv.unevictableList, pfn);
  lv.nrUnevictable++;
  kern.world.counters.v[VM.unevictable_pgs_culled]++;
}

/** Run a placement hook and check it left the folio on one of the lruvec's own lists. */
export function placeOnLru(
  kern: KernelState,
  ctx: LruvecCtx,
  pfn: number,
  hook: 'folioAdded' | 'putback' | 'rotate',
  outcome?: PutbackOutcome,
): void {
  const ops = ctx.slot.ops;
  const lists = kern.world.lists;
  const hasHook =
    hook === 'folioAdded' ? ops.folioAdded !== undefined : hook === 'putback' && ops.putback !== undefined;
  if (hasHook) {
    // A failure ejects the policy; the ownership check below then places the folio with the fallback.
    if (hook === 'folioAdded') kern.watchdog.call(ctx, hook, ops.folioAdded!, pfn, kern.addHow, undefined);
    else kern.watchdog.call(ctx, hook, ops.putback!, pfn, outcome!, undefined);
  } else if (hook !== 'rotate') {
    if (lists.listOf[pfn] !== -1) lists.remove(pfn);
    defaultHooks.folioAdded(ctx, pfn);
  }
  placed(kern, ctx, ops, pfn, hook, outcome);
}

/** After `placeOnLru`'s hook (`ops`'s): check where the folio went, then mark it on the LRU. */
export function placed(
  kern: KernelState,
  ctx: LruvecCtx,
  ops: ReclaimOps<unknown>,
  pfn: number,
  hook: 'folioAdded' | 'putback' | 'rotate',
  outcome?: PutbackOutcome,
): void {
  const f = kern.machine.frames;
  const lists = kern.world.lists;
  if (!ctx.owns(lists.listOf[pfn])) {
    if (ctx.slot.ops === ops) {
      const where = lists.listOf[pfn] === -1 ? 'on no list' : `on list ${lists.name(lists.listOf[pfn])}`;
      kern.watchdog.reject(ctx, hook, 'invalid', `left pfn ${pfn} ${where}, not on one of its own lists`);
    }
    // The policy was ejected: place the folio with the fallback.
    if (lists.listOf[pfn] !== -1) lists.remove(pfn);
    placeOnLru(kern, kern.ctxs[ctx.lruvec.id], pfn, hook === 'putback' ? 'folioAdded' : hook, outcome);
    return;
  }
  if ((f.flags[pfn] & PG_LRU) === 0) {
    f.flags[pfn] |= PG_LRU;
    ctx.lruvec.nrPages[f.flags[pfn] & PG_SWAPBACKED ? LRU_ANON : LRU_FILE]++;
  }
}

/** `folio_mark_accessed` → the policy's access hook (unevictable folios: nothing). */
export function markAccessed(kern: KernelState, pfn: number): void {
  const f = kern.machine.frames;
  if (f.flags[pfn] & PG_UNEVICTABLE || (f.flags[pfn] & PG_LRU) === 0) return;
  const ctx = kern.ctxs[f.lruvec[pfn]];
  const ops = ctx.slot.ops;
  if (ops.folioAccessed) {
    // Ejected: the access goes to the fallback policy.
    if (
      kern.watchdog.call(ctx, 'folioAccessed', ops.folioAccessed, pfn, undefined, undefined) === HOOK_FAILED
    ) {
      markAccessed(kern, pfn);
    }
  } else f.flags[pfn] |= PG_REFERENCED;
}
