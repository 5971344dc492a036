import type { Memcg } from '@reclaim-lab/hw-model';

/**
 * `struct lruvec`: the LRU state of one (memcg, node). The core keeps its
 * membership counts, cost and workingset clocks; the list order belongs to
 * the governing policy, whose per-lruvec state hangs off `policyState`.
 */
export class Lruvec {
  readonly id: number;
  readonly memcg: Memcg;
  readonly node: number;
  /** The core's unevictable list (mlocked folios never reach a policy). */
  readonly unevictableList: number;
  /** Evictable folios on the governing policy's lists, by type [anon, file]. */
  readonly nrPages = [0, 0];
  nrUnevictable = 0;
  /** Folios isolated from this lruvec by reclaim, by type. */
  readonly nrIsolated = [0, 0];
  /** Classic workingset clock (`nonresident_age`): evictions + activations. */
  nonresidentAge = 0;
  /** `lru_note_cost` accumulators. */
  anonCost = 0;
  fileCost = 0;
  /** WORKINGSET_ACTIVATE_{ANON,FILE} of this lruvec's memcg subtree on its node (a memcg statistic is hierarchical), and their snapshot at the end of the last reclaim this lruvec was the target of. */
  readonly workingsetActivate = [0, 0];
  readonly refaultsSnapshot = [0, 0];
  /** LRUVEC_NODE_CONGESTED: kswapd found every dirty folio it met already under write-back. */
  congested = false;
  /** LRUVEC_CGROUP_CONGESTED: the same, found by cgroup reclaim of this memcg; cleared when that reclaim ends. */
  cgroupCongested = false;
  /** Index of the policy slot governing this lruvec (see the kernel's scope table). */
  policySlot = 0;

  constructor(id: number, memcg: Memcg, node: number, unevictableList: number) {
    this.id = id;
    this.memcg = memcg;
    this.node = node;
    this.unevictableList = unevictableList;
  }

  get evictable(): number {
    return this.nrPages[0] + this.nrPages[1];
  }
}
