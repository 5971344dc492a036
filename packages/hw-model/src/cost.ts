/**
 * Virtual-time cost of each kind of work, in nanoseconds. Defaults are round
 * figures for a current x86 server core; a scenario may override any of them.
 */
export interface CostModel {
  /** A load or store that hits a present PTE. */
  accessNs: number;
  /** read()/write() of one cached page (syscall + 4 KiB copy). */
  fdAccessNs: number;
  /** Minor fault: zero-fill or map a cached page. */
  minorFaultNs: number;
  /** CPU part of a major fault (the device latency comes on top). */
  majorFaultNs: number;
  /** Looking at one folio on an LRU list (isolation, sorting). */
  scanPageNs: number;
  /** One rmap walk step: one mapping's PTE tested and cleared. */
  rmapNs: number;
  /** One PTE visited by a page-table walk. */
  pteNs: number;
  /** One page-table page (PMD entry) visited by a page-table walk. */
  pmdNs: number;
  /** Unmapping one PTE. */
  unmapNs: number;
  /** One batched TLB flush. */
  tlbFlushNs: number;
  /** Freeing one folio (remove from cache, uncharge, free). */
  freeNs: number;
  /** Allocating one page from the buddy allocator. */
  allocNs: number;
}

export const DEFAULT_COST: CostModel = {
  accessNs: 2,
  fdAccessNs: 600,
  minorFaultNs: 1_000,
  majorFaultNs: 2_000,
  scanPageNs: 40,
  rmapNs: 150,
  pteNs: 3,
  pmdNs: 30,
  unmapNs: 120,
  tlbFlushNs: 1_500,
  freeNs: 80,
  allocNs: 60,
};

/** Ideal mode charges nothing: the policy alone is measured. */
export const ZERO_COST: CostModel = {
  accessNs: 1,
  fdAccessNs: 1,
  minorFaultNs: 0,
  majorFaultNs: 0,
  scanPageNs: 0,
  rmapNs: 0,
  pteNs: 0,
  pmdNs: 0,
  unmapNs: 0,
  tlbFlushNs: 0,
  freeNs: 0,
  allocNs: 0,
};
