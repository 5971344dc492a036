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
/**
 * Page writes a reclaimer may have in flight to one device before it waits
 * for one to complete. Models blk-wbt's `rq_qos_throttle` at its default
 * depth of 16 requests: a direct or memcg reclaimer gets `wb_normal` (half of
 * it), kswapd all of it; a batch's swap writes go to consecutive slots and
 * merge in the plug into about one request of SWAP_CLUSTER_MAX pages.
 */
export const WBT_INFLIGHT_PAGES = 8 * 32;
export const WBT_INFLIGHT_PAGES_KSWAPD = 16 * 32;

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
  /**
   * Virtual time the invocation (or, for kswapd, this step) began. Reclaim
   * takes the time it costs: its clock is `startNs + costNs`, and I/O due by
   * then completes inside the call, as the device works while reclaim runs.
   */
  startNs = 0;
  /** Time this invocation slept (throttled, or waiting for the device to take a write): not CPU. */
  waitNs = 0;

  /** The reclaimer's own virtual clock. */
  get clockNs(): number {
    return this.startNs + this.costNs + this.waitNs;
  }

  /** What the invocation took, CPU and sleep. */
  get elapsedNs(): number {
    return this.costNs + this.waitNs;
  }

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

  reset(reclaimer: Reclaimer, target: Memcg | null, node: number, nrToReclaim: number, startNs = 0): this {
    this.reclaimer = reclaimer;
    this.startNs = startNs;
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
    this.waitNs = 0;
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
