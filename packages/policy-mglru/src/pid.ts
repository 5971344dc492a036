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
import { MIN_LRU_BATCH } from '@reclaim-lab/reclaim';

const ANON = 0;
const FILE = 1;
const MAX_SWAPPINESS = 200;

/** Per-lruvec controller counters, indexed `type * tiers + tier`. */
export class CtrlStats {
  readonly tiers: number;
  readonly avgRefaulted: Float64Array;
  readonly avgTotal: Float64Array;
  readonly refaulted: Float64Array;
  readonly evicted: Float64Array;
  /** Tier 0 is never protected by tier, so its slot stays 0 except for the workingset fold-in. */
  readonly protected: Float64Array;

  constructor(tiers: number) {
    this.tiers = tiers;
    this.avgRefaulted = new Float64Array(2 * tiers);
    this.avgTotal = new Float64Array(2 * tiers);
    this.refaulted = new Float64Array(2 * tiers);
    this.evicted = new Float64Array(2 * tiers);
    this.protected = new Float64Array(2 * tiers);
  }
}

/** `struct ctrl_pos` */
export interface CtrlPos {
  refaulted: number;
  total: number;
  gain: number;
}

export function ctrlPos(): CtrlPos {
  return { refaulted: 0, total: 0, gain: 0 };
}

/** `read_ctrl_pos`: one tier, or every tier when `tier === tiers`. */
export function readCtrlPos(s: CtrlStats, type: number, tier: number, gain: number, pos: CtrlPos): CtrlPos {
  const T = s.tiers;
  pos.gain = gain;
  pos.refaulted = 0;
  pos.total = 0;
  for (let i = tier % T; i <= Math.min(tier, T - 1); i++) {
    const k = type * T + i;
    pos.refaulted += s.avgRefaulted[k] + s.refaulted[k];
    pos.total += s.avgTotal[k] + s.protected[k] + s.evicted[k];
  }
  return pos;
}

/**
 * `reset_ctrl_pos` with carryover, when a type's `min_seq` advances: fold the
 * generation's counts into the averages and clear them. (Without carryover,
 * at `max_seq` advances, it does nothing when there is one history slot.)
 */
export function carryOverCtrlPos(s: CtrlStats, type: number): void {
  const T = s.tiers;
  for (let tier = 0; tier < T; tier++) {
    const k = type * T + tier;
    s.avgRefaulted[k] = Math.floor((s.avgRefaulted[k] + s.refaulted[k]) / 2);
    s.avgTotal[k] = Math.floor((s.avgTotal[k] + s.protected[k] + s.evicted[k]) / 2);
    s.refaulted[k] = 0;
    s.evicted[k] = 0;
    s.protected[k] = 0;
  }
}

/** `positive_ctrl_err`: the PV refaults little, or (gain-weighted) no more than the SP. */
export function positiveCtrlErr(sp: CtrlPos, pv: CtrlPos): boolean {
  return (
    pv.refaulted < MIN_LRU_BATCH ||
    pv.refaulted * (sp.total + MIN_LRU_BATCH) * sp.gain <= (sp.refaulted + 1) * pv.total * pv.gain
  );
}

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

/** `get_type_to_scan`: file unless file refaults relatively more than anon (weighted by swappiness). */
export function getTypeToScan(s: CtrlStats, swappiness: number, sp: CtrlPos, pv: CtrlPos): number {
  if (swappiness <= 1) return FILE;
  if (swappiness >= MAX_SWAPPINESS) return ANON;
  readCtrlPos(s, ANON, s.tiers, swappiness, sp);
  readCtrlPos(s, FILE, s.tiers, MAX_SWAPPINESS - swappiness, pv);
  return positiveCtrlErr(sp, pv) ? FILE : ANON;
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
