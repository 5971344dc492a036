/**
 * The refault feedback loop (mm/vmscan.c "PID controller": `read_ctrl_pos`,
 * `reset_ctrl_pos`, `positive_ctrl_err`, `get_tier_idx`, `get_type_to_scan`).
 *
 * For each type and tier the lruvec counts, in the generation being evicted,
 * folios evicted, folios protected (moved on instead of evicted) and folios
 * that refaulted; when the oldest generation retires, these fold into an
 * exponential moving average (factor 1/2). The P term is refaulted/total of
 * the current generation, the I term the average; there is no D term.
 *
 * The set point is tier 0 of a type; the process variable is another tier of
 * the same type (which tiers to protect) or all tiers of the other type
 * (which type to scan). A tier that refaults more than tier 0 — by a 3:2
 * margin, to leave room for noise — is protected, and so is every tier above
 * it. We keep one history slot (NR_HIST_GENS = 1, no CONFIG_LRU_GEN_STATS).
 */
import {
  type CtrlPos,
  CtrlStats,
  carryOverCtrlPos,
  ctrlPos,
  getTypeToScan,
  positiveCtrlErr,
  readCtrlPos,
} from '@reclaim-lab/mechanisms';

// The controller itself is a shared mechanism; MGLRU's package keeps exporting it.
export { type CtrlPos, CtrlStats, carryOverCtrlPos, ctrlPos, getTypeToScan, positiveCtrlErr, readCtrlPos };

const ANON = 0;
const FILE = 1;
const MAX_SWAPPINESS = 200;

/** `get_tier_idx`: the highest tier still to be evicted; tiers above it are protected. */
export function getTierIdx(s: CtrlStats, type: number, sp: CtrlPos, pv: CtrlPos): number {
  readCtrlPos(s, type, 0, 2, sp);
  let tier = 1;
  for (; tier < s.tiers; tier++) {
    readCtrlPos(s, type, tier, 3, pv);
    if (!positiveCtrlErr(sp, pv)) break;
  }
  return tier - 1;
}

/**
 * Without the controller: keep the pages isolated from anon and file in the
 * ratio swappiness : (200 - swappiness), the same weights `get_type_to_scan`
 * gives the two types.
 */
export function typeBySwappiness(isolatedByType: readonly number[], swappiness: number): number {
  if (swappiness <= 1) return FILE;
  if (swappiness >= MAX_SWAPPINESS) return ANON;
  return isolatedByType[ANON] * (MAX_SWAPPINESS - swappiness) <= isolatedByType[FILE] * swappiness
    ? ANON
    : FILE;
}

/**
 * `get_type_to_scan` up to 6.13 (before 37a260870f2c "rework type
 * selection"): tier 0 of anon against tier 0 of file, weighted
 * swappiness : 200 - swappiness; then the tiers of the chosen type against
 * tier 0 of the other decide the last tier to evict. Returns the type and
 * leaves the tier index in `tierOut[0]`.
 */
export function getTypeToScanUpTo613(
  s: CtrlStats,
  swappiness: number,
  sp: CtrlPos,
  pv: CtrlPos,
  tierOut: Int32Array,
): number {
  const gain0 = swappiness;
  const gain1 = MAX_SWAPPINESS - swappiness;
  readCtrlPos(s, ANON, 0, gain0, sp);
  readCtrlPos(s, FILE, 0, gain1, pv);
  const type = positiveCtrlErr(sp, pv) ? FILE : ANON;
  readCtrlPos(s, 1 - type, 0, type === ANON ? gain1 : gain0, sp);
  let tier = 1;
  for (; tier < s.tiers; tier++) {
    readCtrlPos(s, type, tier, type === ANON ? gain0 : gain1, pv);
    if (!positiveCtrlErr(sp, pv)) break;
  }
  tierOut[0] = tier - 1;
  return type;
}
