/**
 * mm/workingset.c: what a refault means. `refault` reads the shadow an
 * evicted folio left (workingset_refault) and asks the policy that wrote it
 * whether the folio comes back active; `thrashingStall` charges the wait
 * for a workingset folio to PSI as a memory stall.
 *
 * Owns no state. May call: the policy refault hook through the watchdog.
 */
import { MEMCG_STAT, type Memcg, PG_SWAPBACKED, PG_WORKINGSET } from '@reclaim-lab/hw-model';
import { shadowLruvec, shadowPayload, shadowWorkingset, VM } from '@reclaim-lab/mechanisms';
import type { KernelState } from './kernel-state.js';
import type { RefaultVerdict } from './ops.js';
import { badVerdict } from './policy-host.js';
import type { Task } from './task.js';
import { HOOK_FAILED } from './watchdog.js';

/**
 * Waiting [t0, t1) for the read of `pfn` is a memory stall when the folio
 * came back into the workingset (`folio_wait_bit_common` and
 * `swap_read_folio` enter a memstall section for a PG_workingset folio):
 * thrashing, not ordinary I/O.
 */
export function thrashingStall(kern: KernelState, task: Task, pfn: number, t0: number, t1: number): void {
  if (kern.machine.frames.flags[pfn] & PG_WORKINGSET) kern.psi.stall(task.psiCpu, t0, t1);
}

/**
 * Handle a shadow found where a folio is being added; returns "add as active".
 * The policy that wrote the shadow decides; the core counts what its
 * verdict says (classic LRU counts every refault in the folio's own memcg).
 */
export function refault(kern: KernelState, pfn: number, shadow: number, inFault: boolean): boolean {
  if (shadow === 0) return false;
  const f = kern.machine.frames;
  const lvId = shadowLruvec(shadow);
  const evictLv = kern.world.lruvecs[lvId];
  const own = kern.world.lruvec(kern.machine.memcgs[f.memcg[pfn]], f.node[pfn]);
  const isFile = (f.flags[pfn] & PG_SWAPBACKED) === 0;
  const v = kern.verdict;
  v.activate = false;
  v.restore = false;
  v.countRefault = true;
  v.countActivate = null;
  const ctx = kern.ctxs[own.id];
  // A shadow is read only by the policy that wrote it.
  if (evictLv && kern.ctxs[evictLv.id].slot === ctx.slot && ctx.slot.ops.refault) {
    const info = kern.shadowInfo;
    info.payload = shadowPayload(shadow);
    info.workingset = shadowWorkingset(shadow);
    info.isFile = isFile;
    info.evictionLruvec = evictLv;
    info.inFault = inFault;
    if (kern.watchdog.call(ctx, 'refault', ctx.slot.ops.refault, pfn, info, v) === HOOK_FAILED) {
      resetVerdict(v);
    } else {
      const bad = badVerdict(v);
      // A verdict is booleans; anything else is refused, not coerced.
      if (bad !== null) {
        kern.watchdog.reject(ctx, 'refault', 'invalid', bad);
        resetVerdict(v);
      }
    }
  }
  const c = kern.world.counters.v;
  // memory.stat counts it in the lruvec the folio is added to (its own memcg).
  const stat = own.memcg.stat;
  if (v.countRefault) {
    c[isFile ? VM.workingset_refault_file : VM.workingset_refault_anon]++;
    stat[isFile ? MEMCG_STAT.workingset_refault_file : MEMCG_STAT.workingset_refault_anon]++;
  }
  if (v.countActivate ?? v.activate) {
    c[isFile ? VM.workingset_activate_file : VM.workingset_activate_anon]++;
    stat[isFile ? MEMCG_STAT.workingset_activate_file : MEMCG_STAT.workingset_activate_anon]++;
    // A memcg statistic: reclaim of any ancestor reads it for its subtree.
    for (let m: Memcg | null = own.memcg; m; m = m.parent) {
      const l = kern.world.findLruvec(m, own.node);
      if (l) l.workingsetActivate[isFile ? 1 : 0]++;
    }
  }
  if (v.restore) {
    f.flags[pfn] |= PG_WORKINGSET;
    c[isFile ? VM.workingset_restore_file : VM.workingset_restore_anon]++;
    stat[isFile ? MEMCG_STAT.workingset_restore_file : MEMCG_STAT.workingset_restore_anon]++;
  }
  return v.activate;
}

/** What a failed or refused verdict counts as: an ordinary refault, not activated. */
function resetVerdict(v: RefaultVerdict): void {
  v.activate = false;
  v.restore = false;
  v.countRefault = true;
  v.countActivate = null;
}
