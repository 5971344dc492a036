import { type AgeUpdate, isAgeUpdate, isRefaultFlavour, type RefaultFlavour } from '@reclaim-lab/mechanisms';
import type { OptionSpec } from '@reclaim-lab/reclaim';

/**
 * MGLRU's options: each one a kernel constant, capability bit or sysfs knob
 * (or, for `dirtyHandling`, a proposed patch series), so that ablations are
 * configurations: `mglru:bloom=off,gens=2`.
 */

/** Which mechanism picks the type to evict from. */
export type MglruBalance = 'pid' | 'cost';

/** Where `sort_folio` sends dirty and writeback folios. */
export type DirtyHandling = 'nextGen' | 'activate';

export interface MglruOptions extends Record<string, unknown> {
  /** MAX_NR_GENS: generations a type may have, 2..64 (kernel: 4). */
  gens: number;
  /** MAX_NR_TIERS: tiers of fd-access counts, 2..8 (kernel: 4); refs counter bits = tiers - 2. */
  tiers: number;
  /** Bloom filters that restrict page-table walks to PTE tables found dense before. */
  bloom: boolean;
  /** Look-around: scan the PTEs near a young one found by rmap during eviction. */
  lookaround: boolean;
  /** Page-table walks during aging (capability 0x0002); off = rmap only: aging just increments max_seq. */
  ptwalk: boolean;
  /** The refault feedback (PID) controller; off = always scan tier 0, pick the type by swappiness only. */
  pid: boolean;
  /** /sys/kernel/mm/lru_gen/min_ttl_ms: OOM-kill rather than evict a generation younger than this (0 = off). */
  minTtlMs: number;
  /** Dirty/writeback file folios: 'nextGen' = sort_folio moves them to the next gen (kernel); 'activate' = classic-style re-activation (Kairui Song, 2026). */
  dirtyHandling: DirtyHandling;
  /** A folio instantiated by a page fault is added active (`lru_gen_in_fault` in `folio_add_lru`); off = as a read would add it. */
  faultActivate: boolean;
  /** The classic LRU's VM_EXEC rule: a young executable file folio is activated at its first rmap sighting (kernel 6.14: off). */
  execProtection: boolean;
  /** How anon is balanced against file: the refault controller (`get_type_to_scan`, kernel) or the classic LRU's costs (`get_scan_count`). */
  balance: MglruBalance;
  /** Which refault distance a shadow carries: the generation token (kernel MGLRU) or the classic eviction counter. */
  refault: RefaultFlavour;
  /** Quick-refault handling: a refault found recent gets its refs (tier) or PG_workingset back, and counts as activated in a fault (kernel: on). */
  quickRefault: boolean;
  /** How a promotion by a page-table walk or look-around is priced: folio_update_gen's atomic (kernel) or list moves under lru_lock. */
  ageUpdate: AgeUpdate;
}

export const MGLRU_DEFAULTS: MglruOptions = {
  gens: 4,
  tiers: 4,
  bloom: true,
  lookaround: true,
  ptwalk: true,
  pid: true,
  minTtlMs: 0,
  dirtyHandling: 'nextGen',
  faultActivate: true,
  execProtection: false,
  balance: 'pid',
  refault: 'gen',
  quickRefault: true,
  ageUpdate: 'lockfree',
};

export const MGLRU_OPTION_DOCS: { [K in keyof MglruOptions]: string } = {
  gens: 'MAX_NR_GENS, generations per type, 2..64 (kernel: 4)',
  tiers: 'MAX_NR_TIERS, tiers of fd-access counts, 2..8 (kernel: 4)',
  bloom: 'Bloom filters limit page-table walks to PTE tables that were dense (kernel: on)',
  lookaround: 'scan up to 64 PTEs around a young PTE found by rmap during eviction (kernel: on)',
  ptwalk: 'page-table walks in aging (lru_gen/enabled 0x0002); off = rmap only (kernel: on)',
  pid: 'refault feedback (PID) controller picks tier and type; off = tier 0, type by swappiness',
  minTtlMs: 'min_ttl_ms: OOM-kill when every generation is younger than this, 0 = off (kernel: 0)',
  dirtyHandling:
    "'nextGen' (sort_folio moves dirty/writeback to the next gen) or 'activate' (Kairui Song 2026)",
  faultActivate: 'folios instantiated by a page fault are added active, lru_gen_in_fault (kernel: on)',
  execProtection:
    'activate a young VM_EXEC file folio at its first rmap sighting, as the classic LRU (kernel 6.14: off; up to 6.13 always)',
  balance:
    "anon vs file: pid (get_type_to_scan's refault controller, kernel) | cost (isolate in the classic LRU's get_scan_count cost fractions)",
  refault:
    'refault distance: gen (generation token, kernel MGLRU) | classic (eviction counter vs workingset size, as the LRU)',
  quickRefault:
    'a refault found recent gets its refs (tier) or PG_workingset back (workingset_restore, PSI memstall); off = added as a first-time folio, still fed to the controller (kernel: on)',
  ageUpdate:
    "how folio_update_gen's promotions (walk, look-around) are priced: lockfree (an atomic on folio->flags, kernel) | locked (list moves, one lru_lock hold per 31, as the classic LRU); only the charged time changes",
};

/** Allowed values, for the CLI's validation (`mglru:gens=2`) and `reclaim-lab list`. */
export const MGLRU_OPTION_SCHEMA: { [K in keyof MglruOptions]: OptionSpec } = {
  gens: { type: 'number', integer: true, min: 2, max: 64 },
  tiers: { type: 'number', integer: true, min: 2, max: 8 },
  bloom: { type: 'boolean' },
  lookaround: { type: 'boolean' },
  ptwalk: { type: 'boolean' },
  pid: { type: 'boolean' },
  minTtlMs: { type: 'number', min: 0 },
  dirtyHandling: { type: 'string', choices: ['nextGen', 'activate'] },
  faultActivate: { type: 'boolean' },
  execProtection: { type: 'boolean' },
  balance: { type: 'string', choices: ['pid', 'cost'] },
  refault: { type: 'string', choices: ['classic', 'gen'] },
  quickRefault: { type: 'boolean' },
  ageUpdate: { type: 'string', choices: ['lockfree', 'locked'] },
};

export const MGLRU_PRESETS: Record<string, Partial<MglruOptions>> = {
  kernel: {},
  '2gen': { gens: 2 },
  'no-bloom': { bloom: false },
  'rmap-only': { ptwalk: false },
  'lru-compat': { gens: 2, tiers: 2, ptwalk: false, lookaround: false },
  'classic-refault': { refault: 'classic' },
};

/** An option value out of range, naming the option. */
export class MglruOptionError extends Error {}

function integerIn(name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw new MglruOptionError(`mglru: option ${name} must be an integer ${lo}..${hi}, got ${String(v)}`);
  }
  return v;
}

function flag(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean')
    throw new MglruOptionError(`mglru: option ${name} must be on or off, got ${String(v)}`);
  return v;
}

/** Defaults filled in and every value checked. */
export function resolveMglruOptions(options: Partial<MglruOptions> = {}): MglruOptions {
  const o = { ...MGLRU_DEFAULTS, ...options };
  for (const key of Object.keys(o)) {
    if (!(key in MGLRU_DEFAULTS)) {
      throw new MglruOptionError(
        `mglru: unknown option ${key}; allowed: ${Object.keys(MGLRU_DEFAULTS).join(', ')}`,
      );
    }
  }
  if (typeof o.minTtlMs !== 'number' || !Number.isFinite(o.minTtlMs) || o.minTtlMs < 0) {
    throw new MglruOptionError(`mglru: option minTtlMs must be a number >= 0, got ${String(o.minTtlMs)}`);
  }
  if (o.dirtyHandling !== 'nextGen' && o.dirtyHandling !== 'activate') {
    throw new MglruOptionError(
      `mglru: option dirtyHandling must be nextGen or activate, got ${String(o.dirtyHandling)}`,
    );
  }
  if (o.balance !== 'pid' && o.balance !== 'cost') {
    throw new MglruOptionError(`mglru: option balance must be pid or cost, got ${String(o.balance)}`);
  }
  if (!isRefaultFlavour(o.refault)) {
    throw new MglruOptionError(`mglru: option refault must be classic or gen, got ${String(o.refault)}`);
  }
  if (!isAgeUpdate(o.ageUpdate)) {
    throw new MglruOptionError(
      `mglru: option ageUpdate must be lockfree or locked, got ${String(o.ageUpdate)}`,
    );
  }
  return {
    gens: integerIn('gens', o.gens, 2, 64),
    tiers: integerIn('tiers', o.tiers, 2, 8),
    bloom: flag('bloom', o.bloom),
    lookaround: flag('lookaround', o.lookaround),
    ptwalk: flag('ptwalk', o.ptwalk),
    pid: flag('pid', o.pid),
    minTtlMs: o.minTtlMs,
    dirtyHandling: o.dirtyHandling,
    faultActivate: flag('faultActivate', o.faultActivate),
    execProtection: flag('execProtection', o.execProtection),
    balance: o.balance,
    refault: o.refault,
    quickRefault: flag('quickRefault', o.quickRefault),
    ageUpdate: o.ageUpdate,
  };
}
