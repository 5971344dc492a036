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
 * Android's lmkd as the model runs it: every `pollNs` it reads how long
 * tasks stalled on memory in the last poll window and, above a threshold
 * (or with memory low and swap nearly full), kills the least important app (cached first, then background; visible
 * only above the critical one; never the foreground app).
 */
export interface LmkdSpec {
  pollNs: number;
  /** Stall share of the window (0..1) above which cached and background apps may be killed. */
  someThreshold: number;
  /** Stall share above which visible apps may be killed too. */
  criticalThreshold: number;
  /** After a kill, wait this long before the next (lmkd waits for the victim's memory to be freed). */
  killTimeoutNs: number;
  /** Free swap share below which swap counts as low (lmkd's swap_free_low_percentage, 10%). */
  swapFreeLow: number;
}
