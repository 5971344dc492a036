/**
 * The hook points Android's vendor hooks attach to in mm/vmscan.c
 * (`trace_android_vh_*`), as ReclaimOps version 2 offers them: ask the
 * policy whether a reclaim invocation may stop now (`reclaimDone`),
 * whether to pass over a lruvec (`protectLruvec`), at which priority to
 * scan it (`scanPriority`), and tell it that its memcg's importance class
 * changed (`classChanged`, which may ask for the lruvec to be deactivated
 * or aged, `ageLruvec`). Each absent hook is version 1's behaviour.
 *
 * Owns no state. May call: madvise (MADV_COLD of an app's mappings), the
 * policy's `deactivate` and `ageLruvec` through the watchdog.
 */
import { MADV_COLD, type Memcg, PG_LRU, PG_UNEVICTABLE } from '@reclaim-lab/hw-model';
import { VM } from '@reclaim-lab/mechanisms';
import type { KernelState } from './kernel-state.js';
import { madvise } from './madvise.js';
import type { ClassChange } from './ops.js';
import type { LruvecCtx } from './policy-host.js';
import { DEF_PRIORITY, ScanControl } from './scan-control.js';

/** `reclaimDone`: may this invocation stop now? */
export function stopRequested(kern: KernelState, ctx: LruvecCtx, sc: ScanControl): boolean {
  const ops = ctx.slot.ops;
  if (!ops.reclaimDone) return false;
  return (
    kern.watchdog.guard(
      ctx,
      'reclaimDone',
      () => ops.reclaimDone!(ctx, sc),
      () => false,
    ) === true
  );
}

/** `protectLruvec`: pass over this lruvec in this reclaim pass? */
export function lruvecProtected(kern: KernelState, ctx: LruvecCtx, sc: ScanControl): boolean {
  const ops = ctx.slot.ops;
  if (!ops.protectLruvec || sc.memcgLowReclaim) return false;
  return (
    kern.watchdog.guard(
      ctx,
      'protectLruvec',
      () => ops.protectLruvec!(ctx, sc),
      () => false,
    ) === true
  );
}

/** `scanPriority`: the priority this lruvec is scanned at (the pass's own without the hook). */
export function lruvecPriority(kern: KernelState, ctx: LruvecCtx, sc: ScanControl): number {
  const ops = ctx.slot.ops;
  if (!ops.scanPriority) return sc.priority;
  const p = kern.watchdog.guard(
    ctx,
    'scanPriority',
    () => ops.scanPriority!(ctx, sc),
    () => sc.priority,
  );
  if (ctx.slot.ops !== ops) return sc.priority;
  if (!(Number.isInteger(p) && p >= 0 && p <= DEF_PRIORITY)) {
    kern.watchdog.reject(
      ctx,
      'scanPriority',
      'invalid',
      `returned ${String(p)}; priorities are integers 0..${DEF_PRIORITY}`,
    );
    return sc.priority;
  }
  return p;
}

const change: ClassChange = { from: -1, to: -1 };
/** The invocation `ageLruvec` runs in: proactive, aimed at the app's memcg (what it is charged to goes nowhere). */
const ageSc = new ScanControl();

/**
 * A memcg's importance class changed: tell each of its lruvecs' policies;
 * a 'cold' answer ages the app now — MADV_COLD over every mapping of the
 * memcg's tasks, and `deactivate` for its page cache that no one maps —
 * and 'age' has the policy age the lruvec its own way (`ageLruvec`, else
 * as 'cold'). Deviation: the framework's thread that would do this is not
 * charged.
 */
export function classChanged(kern: KernelState, memcg: Memcg, from: number, to: number): void {
  for (const n of kern.machine.nodes) {
    const lv = kern.world.findLruvec(memcg, n.id);
    if (!lv) continue;
    const ctx = kern.ctxs[lv.id];
    const ops = ctx.slot.ops;
    if (!ops.classChanged) continue;
    change.from = from;
    change.to = to;
    const r = kern.watchdog.guard(
      ctx,
      'classChanged',
      () => ops.classChanged!(ctx, change),
      () => undefined,
    );
    if (ctx.slot.ops !== ops) continue;
    if (r !== undefined && r !== 'cold' && r !== 'age') {
      kern.watchdog.reject(
        ctx,
        'classChanged',
        'invalid',
        `returned ${String(r)}; allowed: 'cold', 'age' or nothing`,
      );
      continue;
    }
    if (r === 'age' && ops.ageLruvec) {
      ageSc.reset('proactive', memcg, n.id, 0, kern.now);
      ageSc.proactive = true;
      kern.watchdog.guard(
        ctx,
        'ageLruvec',
        () => ops.ageLruvec!(ctx, ageSc),
        () => {},
      );
    } else if (r !== undefined) deactivateLruvec(kern, ctx);
  }
}

/** Deactivate every folio of a lruvec: its tasks' mappings by MADV_COLD, then its unmapped page cache. */
function deactivateLruvec(kern: KernelState, ctx: LruvecCtx): void {
  const lv = ctx.lruvec;
  for (const t of kern.tasks) {
    if (t.memcg !== lv.memcg || !t.alive) continue;
    for (const vma of t.mm.vmas) if (vma.mapped) madvise(kern, t, vma, MADV_COLD);
  }
  const f = kern.machine.frames;
  const lists = kern.world.lists;
  const pfns: number[] = [];
  for (let list = 0; list < lists.lists; list++) {
    if (!ctx.owns(list)) continue;
    lists.forEach(list, (pfn) => {
      if (f.mapcount[pfn] === 0 && (f.flags[pfn] & (PG_LRU | PG_UNEVICTABLE)) === PG_LRU) pfns.push(pfn);
      return undefined;
    });
  }
  const ops = ctx.slot.ops;
  for (const pfn of pfns) {
    if (ctx.slot.ops !== ops) break;
    if (ops.deactivate)
      kern.watchdog.guard(
        ctx,
        'deactivate',
        () => ops.deactivate!(ctx, pfn, 'cold'),
        () => {},
      );
    else lists.moveTail(lists.listOf[pfn], pfn);
    kern.world.counters.v[VM.pgdeactivate]++;
  }
}
