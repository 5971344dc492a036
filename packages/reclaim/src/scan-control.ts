import type { Memcg } from '@reclaim-lab/hw-model';

export const DEF_PRIORITY = 12;
export const SWAP_CLUSTER_MAX = 32;
export const MAX_RECLAIM_RETRIES = 16;
export const MIN_LRU_BATCH = 64;
export const MAX_LRU_BATCH = 4096;
export const MAX_SWAPPINESS = 200;
/** memory.reclaim "swappiness=max": anon only. */
export const SWAPPINESS_ANON_ONLY = 201;
export const MEMCG_CHARGE_BATCH = 64;

export type Reclaimer = 'kswapd' | 'direct' | 'memcg' | 'proactive';

/**
 * `struct scan_control`: one reclaim invocation's request and running
 * totals. Reused between invocations (reset) so reclaim allocates nothing.
 */
export class ScanControl {
  reclaimer: Reclaimer = 'direct';
  /** NULL = global reclaim. */
  target: Memcg | null = null;
  node = 0;
  nrToReclaim = SWAP_CLUSTER_MAX;
  priority = DEF_PRIORITY;
  mayWritepage = true;
  mayUnmap = true;
  maySwap = true;
  /** Bit 1: anon, bit 2: file (`may_deactivate`). */
  mayDeactivate = 0;
  forceDeactivate = false;
  skippedDeactivate = false;
  cacheTrimMode = false;
  noCacheTrimMode = false;
  cacheTrimModeFailed = false;
  fileIsTiny = false;
  proactive = false;
  proactiveSwappiness = -1;
  memcgLowReclaim = false;
  memcgLowSkipped = false;
  memcgFullWalk = false;
  /** Isolation batch: SWAP_CLUSTER_MAX in kernel mode, 1 in ideal mode. */
  batch = SWAP_CLUSTER_MAX;
  nrScanned = 0;
  nrReclaimed = 0;
  /**
   * `nrReclaimed` when the current node pass began. MGLRU's kswapd counts
   * only this pass toward its goal (`lru_gen_shrink_node` zeroes
   * sc->nr_reclaimed for kswapd around the pass); see `shouldAbortScan`.
   */
  nodePassBase = 0;
  /**
   * `shrinkFolioList` counts PGSTEAL (as shrink_inactive_list and
   * evict_folios do around it); `reclaim_pages` (MADV_PAGEOUT) does not.
   */
  accountSteal = true;
  /** `sc->nr`, reset per shrink_node pass. */
  nrDirty = 0;
  nrUnqueuedDirty = 0;
  nrCongested = 0;
  nrWriteback = 0;
  nrImmediate = 0;
  nrTaken = 0;
  nrFileTaken = 0;
  /** Virtual CPU time this invocation has cost so far. */
  costNs = 0;

  get isKswapd(): boolean {
    return this.reclaimer === 'kswapd';
  }

  /** `cgroup_reclaim(sc)`: reclaim on behalf of a memcg, the root's memory.reclaim included. */
  get cgroupReclaim(): boolean {
    return this.target !== null;
  }

  /** `root_reclaim(sc)`: global reclaim, or reclaim aimed at the root memcg. */
  get rootReclaim(): boolean {
    return this.target === null || this.target.parent === null;
  }

  reset(reclaimer: Reclaimer, target: Memcg | null, node: number, nrToReclaim: number): this {
    this.reclaimer = reclaimer;
    this.target = target;
    this.node = node;
    this.nrToReclaim = nrToReclaim;
    this.priority = DEF_PRIORITY;
    this.mayWritepage = true;
    this.mayUnmap = true;
    this.maySwap = true;
    this.mayDeactivate = 0;
    this.forceDeactivate = false;
    this.skippedDeactivate = false;
    this.cacheTrimMode = false;
    this.noCacheTrimMode = false;
    this.cacheTrimModeFailed = false;
    this.fileIsTiny = false;
    this.proactive = false;
    this.proactiveSwappiness = -1;
    this.memcgLowReclaim = false;
    this.memcgLowSkipped = false;
    this.memcgFullWalk = false;
    this.nrScanned = 0;
    this.nrReclaimed = 0;
    this.nodePassBase = 0;
    this.accountSteal = true;
    this.costNs = 0;
    this.resetPass();
    return this;
  }

  resetPass(): void {
    this.nrDirty = 0;
    this.nrUnqueuedDirty = 0;
    this.nrCongested = 0;
    this.nrWriteback = 0;
    this.nrImmediate = 0;
    this.nrTaken = 0;
    this.nrFileTaken = 0;
  }
}
