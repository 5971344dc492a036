/**
 * mm/memory-tiers.c: which node demotes to which (`next_demotion_node`,
 * from `machine.demotionTarget`) and whether a reclaim may demote
 * (`can_demote` in mm/vmscan.c).
 *
 * Owns no state. May call: nothing.
 */
import type { KernelState } from './kernel-state.js';
import type { ScanControl } from './scan-control.js';

/**
 * `can_demote`: the node has a demotion target, and this reclaim may use it.
 * Deviation: memcg limit, memory.high and proactive reclaim do not demote
 * (a demoted folio stays charged, so it frees nothing in the memcg), nor does
 * MADV_PAGEOUT (`reclaim_pages` sets `no_demotion`).
 */
export function canDemote(kern: KernelState, node: number, sc: ScanControl | null): boolean {
  const t = kern.machine.config.demotionTarget;
  if (t === undefined || (t[node] ?? -1) < 0) return false;
  return sc === null || !sc.cgroupReclaim;
}

/**
 * Can the node's demotion target take a folio now: above its min
 * watermark, where `alloc_demote_folio` (no reclaim, no reserves) could get
 * a frame. Deviation: the kernel's `can_reclaim_anon_pages` asks only
 * `can_demote`, so with no swap and the slow node full, the fast node's
 * anon keeps being scanned and every demotion keeps failing until OOM; we
 * count anon as unreclaimable there (see `canReclaimAnon`), which bounds the
 * scanning and lets the OOM killer act.
 */
export function demotionTargetHasRoom(kern: KernelState, node: number): boolean {
  const target = kern.machine.config.demotionTarget?.[node] ?? -1;
  if (target < 0) return false;
  const zone = kern.machine.nodes[target].zone;
  return zone.free > zone.min;
}
