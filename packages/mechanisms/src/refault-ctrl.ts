/**
 * The refault feedback loop of MGLRU (mm/vmscan.c "PID controller":
 * `read_ctrl_pos`, `reset_ctrl_pos`, `positive_ctrl_err`,
 * `get_type_to_scan`), shared so a policy without tiers can balance anon
 * against file by it too (`lru:balance=pid`).
 *
 * For each type and tier a lruvec counts, in the generation being evicted,
 * folios evicted, folios protected and folios that refaulted; when the
 * oldest generation retires these fold into an exponential moving average
 * (factor 1/2). The P term is refaulted/total of the current generation, the
 * I term the average; there is no D term. One history slot
 * (NR_HIST_GENS = 1, no CONFIG_LRU_GEN_STATS).
 */

/** MIN_LRU_BATCH (BITS_PER_LONG): below this many refaults a side is noise. */
const MIN_LRU_BATCH = 64;
const MAX_SWAPPINESS = 200;

const ANON = 0;
const FILE = 1;

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

/** `get_type_to_scan`: file unless file refaults relatively more than anon (weighted by swappiness). */
export function getTypeToScan(s: CtrlStats, swappiness: number, sp: CtrlPos, pv: CtrlPos): number {
  if (swappiness <= 1) return FILE;
  if (swappiness >= MAX_SWAPPINESS) return ANON;
  readCtrlPos(s, ANON, s.tiers, swappiness, sp);
  readCtrlPos(s, FILE, s.tiers, MAX_SWAPPINESS - swappiness, pv);
  return positiveCtrlErr(sp, pv) ? FILE : ANON;
}

/**
 * The anon and file weights `get_scan_count` gives the two types in its
 * SCAN_FRACT case, from the lruvec's costs (`lru_note_cost`) and swappiness:
 * adding the total to each side gives each at least ~1/3 of the pressure
 * before swappiness weights it. `out[0]` = anon, `out[1]` = file.
 */
export function costWeights(anonCost: number, fileCost: number, swappiness: number, out: Float64Array): void {
  const total = anonCost + fileCost;
  const a = total + anonCost;
  const fi = total + fileCost;
  const t = a + fi;
  out[0] = Math.floor((swappiness * (t + 1)) / (a + 1));
  out[1] = Math.floor(((MAX_SWAPPINESS - swappiness) * (t + 1)) / (fi + 1));
}

/** The type to isolate next so that isolations follow the weights (anon first on a tie). */
export function typeByWeights(isolatedByType: ArrayLike<number>, wAnon: number, wFile: number): number {
  if (wAnon <= 0) return FILE;
  if (wFile <= 0) return ANON;
  return isolatedByType[ANON] * wFile <= isolatedByType[FILE] * wAnon ? ANON : FILE;
}
