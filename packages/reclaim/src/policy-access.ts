/**
 * The policy's access hook on the hot path (`folio_mark_accessed` and
 * the lean replay's hits): hookOpen/hookClose bracket a run of calls with
 * one watchdog budget instead of a guard per call, accessGuarded calls the
 * hook under that budget and accessFailed ejects the policy when it throws.
 *
 * Owns no state. May call: the watchdog; nothing else.
 */

import type { KernelState } from './kernel-state.js';
import { markAccessed } from './lru-add.js';
import type { ReclaimOps } from './ops.js';
import { recoverStrays } from './policy-attach.js';
import type { LruvecCtx, PolicySlot } from './policy-host.js';

/**
 * `Watchdog.begin` for an outermost call (hook depth 0) of `ops`, the
 * policy now in `slot`: what it records, without the call into it. With
 * `hookClose`, the guard of ideal mode's miss path, whose hooks are
 * called directly so that their call sites see one function each.
 */
export function hookOpen(kern: KernelState, slot: PolicySlot, ops: ReclaimOps<unknown>): void {
  const wd = kern.watchdog;
  const lists = kern.world.lists;
  wd.depth = 1;
  wd.calledOps[0] = ops;
  // The fallback policy is trusted; only an attached policy runs on a budget.
  wd.budgeted = !slot.ejected;
  lists.steps = 0;
  lists.stepLimit = wd.budgeted ? wd.options.stepBudget : Number.POSITIVE_INFINITY;
}

/** `Watchdog.end` for `hookOpen`'s call: recover what a nested ejection left behind. */
export function hookClose(kern: KernelState, slot: PolicySlot): void {
  const wd = kern.watchdog;
  wd.depth = 0;
  if (wd.budgeted && kern.world.lists.stepLimit !== wd.options.stepBudget) wd.budgetTampered(slot);
  kern.world.lists.stepLimit = Number.POSITIVE_INFINITY;
  if (slot.ops !== wd.calledOps[0]) wd.recoverAt(0, slot);
}

/**
 * `markAccessed`'s guard without its bookkeeping, for the ideal-mode hit
 * loops: the hook runs on its step budget, and a failure is handed to the
 * watchdog as usual. Small, so the loops get it inlined.
 */
export function accessGuarded(
  kern: KernelState,
  c: LruvecCtx,
  policy: ReclaimOps<unknown>,
  hook: NonNullable<ReclaimOps<unknown>['folioAccessed']>,
  pfn: number,
): void {
  const lists = kern.world.lists;
  lists.steps = 0;
  lists.stepLimit = kern.watchdog.options.stepBudget;
  try {
    // A method call: its site's feedback names the hook, so it can be inlined (`hook.call` cannot).
    (policy.folioAccessed as typeof hook)(c, pfn);
  } catch (e) {
    lists.stepLimit = Number.POSITIVE_INFINITY;
    accessFailed(kern, c, pfn, e);
    return;
  }
  lists.stepLimit = Number.POSITIVE_INFINITY;
  // Ejected by a nested call while the hook went on: what `watchdog.end` would put right.
  if (c.slot.ops !== policy) recoverStrays(kern, c.slot);
}

/** `idealHits`' hook threw: eject as `markAccessed` would, then redo the access under the fallback. */
export function accessFailed(kern: KernelState, ctx: LruvecCtx, pfn: number, e: unknown): void {
  const wd = kern.watchdog;
  const outer = wd.begin(ctx);
  try {
    wd.failed(ctx, 'folioAccessed', e);
  } finally {
    wd.end(outer);
  }
  markAccessed(kern, pfn);
}
