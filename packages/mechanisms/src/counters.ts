/**
 * vmstat-named event counters. Indices are constants so the hot path bumps a
 * Float64Array slot; `toRecord` gives the /proc/vmstat view.
 */
/**
 * /proc/vmstat reports pgpgin and pgpgout in KiB (`vmstat_start` halves the
 * 512-byte sectors `submit_bio` counts): a 4 KiB page is 4.
 */
export const KIB_PER_PAGE = 4;

export const VMSTAT_NAMES = [
  'pgfault',
  'pgmajfault',
  'pgscan_kswapd',
  'pgscan_direct',
  'pgscan_anon',
  'pgscan_file',
  'pgsteal_kswapd',
  'pgsteal_direct',
  'pgsteal_anon',
  'pgsteal_file',
  'pgrefill',
  'pgactivate',
  'pgdeactivate',
  'pgrotated',
  'pgpgin',
  'pgpgout',
  'pswpin',
  'pswpout',
  'pgscan_direct_throttle',
  'pageoutrun',
  // One zone per node (ZONE_NORMAL): the kernel's per-zone names.
  'allocstall_normal',
  'kswapd_low_wmark_hit_quickly',
  'kswapd_high_wmark_hit_quickly',
  'workingset_refault_anon',
  'workingset_refault_file',
  'workingset_activate_anon',
  'workingset_activate_file',
  'workingset_restore_anon',
  'workingset_restore_file',
  'workingset_nodereclaim',
  'nr_vmscan_write',
  'nr_vmscan_immediate_reclaim',
  'pgdemote_kswapd',
  'pgdemote_direct',
  'oom_kill',
  'unevictable_pgs_culled',
  'unevictable_pgs_rescued',
  'unevictable_pgs_mlocked',
  'pglazyfree',
  'pglazyfreed',
  'pgfree',
  'pgalloc_normal',
  'thp_swpout',
  // Mechanism costs (not in /proc/vmstat; named after what they count).
  'rmap_walks',
  'rmap_ptes',
  'pt_walk_ptes',
  'pt_walk_pmds',
  'pt_walk_pmds_bloom_skipped',
  'pt_walk_pmds_nonleaf_skipped',
  'lookaround_ptes',
  'lookaround_young',
  'tlb_flushes',
  'writeback_requests',
  'writeback_pages',
  'flusher_pages',
  'throttle_writeback',
  'throttle_isolated',
  'throttle_congested',
  'throttle_noprogress',
  'dirty_throttle',
  'memcg_high_throttle',
  'memcg_reclaim',
  'proactive_reclaimed',
  'reclaim_cpu_ns',
  'direct_reclaim_ns',
  'lru_gen_aging',
  'lru_gen_walks',
  'policy_fallback_folios',
  'policy_overrides',
  // /proc/vmstat node stats that only grow: page-cache pages newly dirtied
  // (`folio_account_dirtied`) and write-backs completed, swap included.
  'nr_dirtied',
  'nr_written',
  // Swap readahead: pages read ahead, and those a later fault found (/proc/vmstat's swap_ra, swap_ra_hit).
  'swap_ra',
  'swap_ra_hit',
  // Memory tiering (/proc/vmstat names); reported only on a tiered machine, so other results keep their shape.
  'pgpromote_success',
  'pgpromote_candidate',
  'numa_hint_faults',
  'numa_pte_updates',
  'pgmigrate_success',
  'pgmigrate_fail',
] as const;

/** Counters from here on are the tiering ones (`Counters.tiering`). */
const FIRST_TIERING = 73;

export type VmstatName = (typeof VMSTAT_NAMES)[number];

// A literal (not built with Object.fromEntries) so V8 gives it fast
// properties: counters are bumped on every hot path.
export const VM = {
  pgfault: 0,
  pgmajfault: 1,
  pgscan_kswapd: 2,
  pgscan_direct: 3,
  pgscan_anon: 4,
  pgscan_file: 5,
  pgsteal_kswapd: 6,
  pgsteal_direct: 7,
  pgsteal_anon: 8,
  pgsteal_file: 9,
  pgrefill: 10,
  pgactivate: 11,
  pgdeactivate: 12,
  pgrotated: 13,
  pgpgin: 14,
  pgpgout: 15,
  pswpin: 16,
  pswpout: 17,
  pgscan_direct_throttle: 18,
  pageoutrun: 19,
  allocstall_normal: 20,
  kswapd_low_wmark_hit_quickly: 21,
  kswapd_high_wmark_hit_quickly: 22,
  workingset_refault_anon: 23,
  workingset_refault_file: 24,
  workingset_activate_anon: 25,
  workingset_activate_file: 26,
  workingset_restore_anon: 27,
  workingset_restore_file: 28,
  workingset_nodereclaim: 29,
  nr_vmscan_write: 30,
  nr_vmscan_immediate_reclaim: 31,
  pgdemote_kswapd: 32,
  pgdemote_direct: 33,
  oom_kill: 34,
  unevictable_pgs_culled: 35,
  unevictable_pgs_rescued: 36,
  unevictable_pgs_mlocked: 37,
  pglazyfree: 38,
  pglazyfreed: 39,
  pgfree: 40,
  pgalloc_normal: 41,
  thp_swpout: 42,
  rmap_walks: 43,
  rmap_ptes: 44,
  pt_walk_ptes: 45,
  pt_walk_pmds: 46,
  pt_walk_pmds_bloom_skipped: 47,
  pt_walk_pmds_nonleaf_skipped: 48,
  lookaround_ptes: 49,
  lookaround_young: 50,
  tlb_flushes: 51,
  writeback_requests: 52,
  writeback_pages: 53,
  flusher_pages: 54,
  throttle_writeback: 55,
  throttle_isolated: 56,
  throttle_congested: 57,
  throttle_noprogress: 58,
  dirty_throttle: 59,
  memcg_high_throttle: 60,
  memcg_reclaim: 61,
  proactive_reclaimed: 62,
  reclaim_cpu_ns: 63,
  direct_reclaim_ns: 64,
  lru_gen_aging: 65,
  lru_gen_walks: 66,
  policy_fallback_folios: 67,
  policy_overrides: 68,
  nr_dirtied: 69,
  nr_written: 70,
  swap_ra: 71,
  swap_ra_hit: 72,
  pgpromote_success: 73,
  pgpromote_candidate: 74,
  numa_hint_faults: 75,
  numa_pte_updates: 76,
  pgmigrate_success: 77,
  pgmigrate_fail: 78,
} as const satisfies { readonly [K in VmstatName]: number };

export class Counters {
  readonly v = new Float64Array(VMSTAT_NAMES.length);
  /** The machine has memory tiers: report the tiering counters too. */
  tiering = false;

  add(i: number, n = 1): void {
    this.v[i] += n;
  }

  get(name: VmstatName): number {
    return this.v[VM[name]];
  }

  toRecord(): Record<string, number> {
    const out: Record<string, number> = {};
    const n = this.tiering ? VMSTAT_NAMES.length : FIRST_TIERING;
    for (let i = 0; i < n; i++) out[VMSTAT_NAMES[i]] = this.v[i];
    return out;
  }
}
