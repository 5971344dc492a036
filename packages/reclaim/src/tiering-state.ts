/**
 * Memory tiering's state (numa-balancing.ts and memory-tiers.ts act on it):
 * per-node access costs, the top tier, the NUMA scanner's settings, the
 * promotion rate limit's window. A leaf module so the kernel context can
 * hold it without importing the modules that act on it.
 */
import { type Machine, NS_PER_MS } from '@reclaim-lab/hw-model';

/** `NUMA_BALANCING_MEMORY_TIERING`. */
export const NUMA_BALANCING_MEMORY_TIERING = 2;

/** The run's tiering state: per-node costs, the scanner's clock, the promotion rate window. */
export class Tiering {
  /** Load/store cost per node (ns): `cost.accessNs` × `nodeLatency`. */
  readonly accessNsByNode: Float64Array;
  /** Top-tier nodes (`node_is_toptier`): those no other node demotes to. */
  readonly toptier: Uint8Array;
  /** Promotion on (numa_balancing bit 2). */
  readonly promote: boolean;
  readonly scanPeriodNs: number;
  readonly scanPages: number;
  readonly hotThresholdNs: number;
  /** Promotion candidates allowed per second, in pages. */
  readonly rateLimitPages: number;
  /** When each frame's hint PTE was set (`folio_xchg_access_time`). */
  readonly scanTime: Float64Array;
  /** Per node: start of the current rate-limit window and candidates in it (`nbp_rl_start`, `nbp_rl_nr_cand`). */
  readonly rlStart: Float64Array;
  readonly rlCand: Float64Array;
  /** The node a promotion goes to: the first top-tier node. */
  readonly fastNode: number;
  /** Per node: a promotion failed for room, so its kswapd balances to WMARK_PROMO (cleared once it does). */
  readonly promoWanted: Uint8Array;

  constructor(machine: Machine) {
    const c = machine.config;
    const n = machine.nodes.length;
    this.accessNsByNode = new Float64Array(n);
    for (let i = 0; i < n; i++) this.accessNsByNode[i] = c.cost.accessNs * (c.nodeLatency?.[i] ?? 1);
    // A node some other node demotes to is a lower tier (`establish_demotion_targets`).
    this.toptier = new Uint8Array(n).fill(1);
    for (let i = 0; i < n; i++) {
      const t = c.demotionTarget?.[i] ?? -1;
      if (t >= 0) this.toptier[t] = 0;
    }
    this.fastNode = Math.max(0, this.toptier.indexOf(1));
    this.promote = ((c.numaBalancing ?? 0) & NUMA_BALANCING_MEMORY_TIERING) !== 0;
    this.scanPeriodNs = (c.numaScanPeriodMs ?? 1000) * NS_PER_MS;
    this.scanPages = Math.max(1, Math.floor(((c.numaScanSizeMB ?? 256) * 1048576) / 4096));
    this.hotThresholdNs = (c.numaHotThresholdMs ?? 1000) * NS_PER_MS;
    this.rateLimitPages = Math.floor(((c.numaPromoteRateLimitMBps ?? 65536) * 1048576) / 4096);
    this.scanTime = new Float64Array(machine.frames.count);
    this.rlStart = new Float64Array(n);
    this.rlCand = new Float64Array(n);
    this.promoWanted = new Uint8Array(n);
  }
}
