/**
 * vmstat-named event counters. Indices are constants so the hot path bumps a
 * Float64Array slot; `toRecord` gives the /proc/vmstat view.
 */
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
  'allocstall',
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
  'pgalloc',
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
] as const;

export type VmstatName = (typeof VMSTAT_NAMES)[number];

export const VM: { readonly [K in VmstatName]: number } = Object.fromEntries(
  VMSTAT_NAMES.map((n, i) => [n, i]),
) as { [K in VmstatName]: number };

export class Counters {
  readonly v = new Float64Array(VMSTAT_NAMES.length);

  add(i: number, n = 1): void {
    this.v[i] += n;
  }

  get(name: VmstatName): number {
    return this.v[VM[name]];
  }

  toRecord(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < VMSTAT_NAMES.length; i++) out[VMSTAT_NAMES[i]] = this.v[i];
    return out;
  }
}
