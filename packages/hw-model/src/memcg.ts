/**
 * A memory cgroup (v2): a node of the hierarchy with its limits, usage and
 * events. Limits are in pages; Infinity means "max".
 */
/**
 * The memory.stat event counters kept per memcg, named as the kernel names
 * them. Each memcg counts its own (memory.stat's local view); memory.stat
 * reports the subtree's sum, and `pgscan`/`pgsteal` are the sums over
 * reclaimers. A cgroup's limit reclaim counts here as `direct` (it runs in
 * the charging task), though /proc/vmstat leaves it out.
 */
export const MEMCG_STAT_NAMES = [
  'pgscan_kswapd',
  'pgscan_direct',
  'pgsteal_kswapd',
  'pgsteal_direct',
  'pgfault',
  'pgmajfault',
  'workingset_refault_anon',
  'workingset_refault_file',
  'workingset_activate_anon',
  'workingset_activate_file',
  'workingset_restore_anon',
  'workingset_restore_file',
  'pswpin',
  'pswpout',
] as const;

export type MemcgStatName = (typeof MEMCG_STAT_NAMES)[number];

/** Index of each memory.stat counter in `Memcg.stat`. */
export const MEMCG_STAT = Object.fromEntries(MEMCG_STAT_NAMES.map((n, i) => [n, i])) as Record<
  MemcgStatName,
  number
>;

export class Memcg {
  readonly id: number;
  readonly path: string;
  readonly parent: Memcg | null;
  readonly children: Memcg[] = [];
  max = Number.POSITIVE_INFINITY;
  high = Number.POSITIVE_INFINITY;
  min = 0;
  low = 0;
  swapMax = Number.POSITIVE_INFINITY;
  /** Per-group swappiness override (cgroup v1 style); null = vm.swappiness. */
  swappiness: number | null = null;
  /** memory.oom.group. */
  oomGroup = false;
  /** Pages charged (memory.current). */
  usage = 0;
  /** Swap slots charged (memory.swap.current). */
  swapUsage = 0;
  /** memory.stat file_dirty and file_writeback of the subtree (pages), read by the memcg dirty domain. */
  nrFileDirty = 0;
  nrWriteback = 0;
  /** Effective protections, recomputed at each reclaim (mem_cgroup_calculate_protection). */
  emin = 0;
  elow = 0;
  /** memory.events */
  events = { low: 0, high: 0, max: 0, oom: 0, oom_kill: 0, oom_group_kill: 0 };
  /** memory.stat event counters of this memcg alone, indexed by `MEMCG_STAT`. */
  readonly stat = new Float64Array(MEMCG_STAT_NAMES.length);
  /** Reclaim debt above memory.high, paid on return to user space. */
  overHighDebt = 0;
  online = true;

  constructor(id: number, path: string, parent: Memcg | null) {
    this.id = id;
    this.path = path;
    this.parent = parent;
    parent?.children.push(this);
  }

  isAncestorOf(other: Memcg): boolean {
    for (let m: Memcg | null = other; m; m = m.parent) if (m === this) return true;
    return false;
  }

  /** Pre-order walk of this subtree (the order `mem_cgroup_iter` visits). */
  subtree(out: Memcg[] = []): Memcg[] {
    out.push(this);
    for (const c of this.children) c.subtree(out);
    return out;
  }
}
