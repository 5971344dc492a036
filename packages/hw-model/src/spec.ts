import type { EventSource } from './events.js';

/** How a region is backed and touched. */
export type RegionKind = 'anon' | 'file-mapped' | 'file-fd';

export type Advice = 'normal' | 'sequential' | 'random';

export interface RegionSpec {
  kind: RegionKind;
  /** Length in pages. */
  pages: number;
  /** File id for file-backed regions (index into the workload's files). */
  file?: number;
  /** First page of the file this region covers (default 0). */
  filePageOffset?: number;
  /** VM_LOCKED: pages are unevictable once faulted. */
  mlock?: boolean;
  /** VM_EXEC: executable file mapping (classic LRU protects these). */
  exec?: boolean;
  /** madvise(MADV_SEQUENTIAL/RANDOM) → VM_SEQ_READ / VM_RAND_READ. */
  advice?: Advice;
  /** mmap at task start (default true); otherwise OP_MAP maps it. */
  mapAtStart?: boolean;
  /** shmem-backed mapping: swap-backed like anon, but shared through a file (default false). */
  shmem?: boolean;
}

export interface FileSpec {
  name: string;
  pages: number;
  /** Device the file lives on (index into the machine's block devices; default 0). */
  device?: number;
}

export interface MemcgSpec {
  /** Path such as "/", "/workload", "/workload/a". Parents are created as needed. */
  path: string;
  /** memory.max in pages (Infinity for none). */
  max?: number;
  /** memory.high in pages. */
  high?: number;
  /** memory.min in pages. */
  min?: number;
  /** memory.low in pages. */
  low?: number;
  /** memory.swap.max in pages. */
  swapMax?: number;
  /** memory.swappiness for this group (cgroup v2 has none; kept for cgroup-scoped experiments). */
  swappiness?: number;
  /** memory.oom.group: an OOM kill of one of its tasks kills every task of the group. */
  oomGroup?: boolean;
}

export interface TaskSpec {
  name: string;
  /** memcg path (default "/"). */
  memcg?: string;
  /** Preferred NUMA node (default 0). */
  node?: number;
  regions: RegionSpec[];
  source: EventSource;
  /** Virtual time at which the task starts (ns; default 0). */
  startNs?: number;
  /** oom_score_adj, -1000..1000. */
  oomScoreAdj?: number;
  /** Names of the task's phases, indexed like OP_PHASE's argument (results name phases by them). */
  phaseNames?: string[];
  /**
   * An app's cold start, for a relaunch after lmkd killed it: a fresh
   * stream of the events its process runs from exec (the code read, the
   * heap built), run in place of the launch's own events. Absent: the
   * relaunch runs the launch's events over the empty process.
   */
  relaunch?: () => EventSource;
}

/** One runnable workload instance: what the harness hands the kernel. */
export interface WorkloadInstance {
  files: FileSpec[];
  memcgs: MemcgSpec[];
  tasks: TaskSpec[];
  /** Proactive memory.reclaim requests: at time ns, reclaim `pages` from `memcg`. */
  proactive?: { atNs: number; memcg: string; pages: number; swappiness?: number }[];
  /** An lmkd-style low-memory killer watching PSI (absent: none, as on a server). */
  lmkd?: LmkdSpec;
}

/**
 * Android's lmkd as the model runs it: woken by PSI triggers on the
 * system's memory pressure ("some" or "full" stall within a window, at
 * most one event per trigger and window), it then looks at free memory,
 * swap and page-cache thrashing for a window and kills the least important
 * app when they call for it (cached first, then background; visible only
 * on the critical "full" level; never the foreground app).
 */
export interface LmkdSpec {
  /** PSI "some" trigger: stall within the window that wakes lmkd (ro.lmk.psi_partial_stall_ms, 70 ms). */
  someNs: number;
  /** PSI "full" trigger, the critical level (ro.lmk.psi_complete_stall_ms, 700 ms). */
  fullNs: number;
  /** The triggers' window (lmkd's PSI_WINDOW_SIZE_MS, 1 s): a multiple of 100 ms, 500 ms to 10 s. */
  windowNs: number;
  /** After a kill, wait this long before the next (lmkd waits for the victim's memory to be freed). */
  killTimeoutNs: number;
  /** Free swap share below which swap counts as low (lmkd's swap_free_low_percentage, 10%). */
  swapFreeLow: number;
  /** File refaults since the wake-up as a share of the file LRU above which the page cache thrashes (ro.lmk.thrashing_limit, 100% = 1). */
  thrashingLimit: number;
}
