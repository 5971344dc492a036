/**
 * NUMA balancing in memory-tiering mode (`kernel.numa_balancing = 2`):
 * kernel/sched/fair.c `task_numa_work` (the scanner that turns a window of a
 * task's PTEs into hint PTEs, `change_prot_numa`) and mm/memory.c
 * `do_numa_page` with `should_numa_migrate_memory`'s tiering branch (hot if
 * the hint fault came within `numa_balancing_hot_threshold_ms` of the scan;
 * `numa_promotion_rate_limited`) and `numamigrate_isolate_folio`'s
 * `migrate_balanced_pgdat` check, which wakes the fast node's kswapd to
 * reclaim up to WMARK_PROMO instead of promoting into a full node (the
 * kernel's newer rule: kswapd aims at WMARK_PROMO only while promotion
 * into the node is failing for room).
 *
 * Deviations: the scanner runs from the task's own time slices rather than
 * task_work on a tick, with a fixed period (no adaptive scan period); in
 * tiering mode only pages on slow nodes are marked, as the kernel does
 * without NUMA_BALANCING_NORMAL; the hot threshold is fixed (no
 * `numa_promotion_adjust_threshold`).
 *
 * State: `Tiering` (on the kernel context). May call: migrate, kswapd.
 */
import { NS_PER_MS, NS_PER_SEC, PTE_NUMA, PTE_YOUNG, ZERO_PAGE_PTE } from '@reclaim-lab/hw-model';
import { VM } from '@reclaim-lab/mechanisms';
import type { Kernel } from './kernel.js';
import { wakeKswapd } from './kswapd-wake.js';
import { copyPageNs, migratable, migrateFolio } from './migrate.js';
import type { Task } from './task.js';

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

  constructor(kern: Kernel) {
    const c = kern.machine.config;
    const n = kern.machine.nodes.length;
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
    this.scanTime = new Float64Array(kern.machine.frames.count);
    this.rlStart = new Float64Array(n);
    this.rlCand = new Float64Array(n);
    this.promoWanted = new Uint8Array(n);
  }
}

/**
 * Models `task_numa_work`: once per scan period, mark the next window of
 * the task's address space (wrapping) — present PTEs of pages on slow
 * nodes become hint PTEs, stamped with the scan time.
 */
export function taskNumaWork(kern: Kernel, tier: Tiering, task: Task): void {
  if (task.t < task.numaNextScan) return;
  task.numaNextScan = task.t + tier.scanPeriodNs;
  const mm = task.mm;
  const pte = mm.pte;
  const bits = mm.pteBits;
  const node = kern.machine.frames.node;
  const total = pte.length;
  if (total === 0) return;
  let vpn = task.numaScanOffset % total;
  let updated = 0;
  for (let i = 0; i < tier.scanPages && i < total; i++, vpn = vpn + 1 === total ? 0 : vpn + 1) {
    const e = pte[vpn];
    if (e <= 0 || e === ZERO_PAGE_PTE || bits[vpn] & PTE_NUMA) continue;
    if (tier.toptier[node[e - 1]]) continue;
    bits[vpn] |= PTE_NUMA;
    tier.scanTime[e - 1] = task.t;
    updated++;
  }
  task.numaScanOffset = vpn;
  kern.world.counters.v[VM.numa_pte_updates] += updated;
  // `change_prot_numa` rewrites each PTE and flushes the TLB once.
  const cost = kern.machine.config.cost;
  task.t += Math.min(tier.scanPages, total) * cost.pteNs + (updated > 0 ? cost.tlbFlushNs : 0);
}

/**
 * Models `do_numa_page` for an access to a hint PTE: the PTE is made
 * accessible again (young), and in tiering mode a page on a slow node that
 * is hot enough is promoted to the fast node — unless the rate limit is
 * spent, or the fast node is not above its high watermark, which wakes its
 * kswapd (`pgdat_balanced` then aims at WMARK_PROMO) and fails this time.
 */
export function doNumaPage(kern: Kernel, tier: Tiering, task: Task, vpn: number): void {
  const mm = task.mm;
  const c = kern.world.counters.v;
  const cost = kern.machine.config.cost;
  c[VM.numa_hint_faults]++;
  task.minorFaults++;
  task.t += cost.minorFaultNs;
  mm.pteBits[vpn] = (mm.pteBits[vpn] & ~PTE_NUMA) | PTE_YOUNG;
  mm.pmdYoung[vpn >> 9] = 1;
  if (!tier.promote) return;
  const pfn = mm.pte[vpn] - 1;
  const f = kern.machine.frames;
  const from = f.node[pfn];
  if (tier.toptier[from]) return;
  // `should_numa_migrate_memory`: a hint fault long after the scan is a cold page.
  if (task.t - tier.scanTime[pfn] > tier.hotThresholdNs) return;
  const to = tier.fastNode;
  // `numa_promotion_rate_limited`: candidates per second on the target node.
  if (task.t - tier.rlStart[to] > NS_PER_SEC) {
    tier.rlStart[to] = task.t;
    tier.rlCand[to] = 0;
  }
  c[VM.pgpromote_candidate]++;
  if (++tier.rlCand[to] > tier.rateLimitPages) return;
  if (!migratable(kern, pfn)) return;
  // `migrate_balanced_pgdat`: promote only into a node above its high watermark.
  const zone = kern.machine.nodes[to].zone;
  if (zone.free <= zone.high + 1) {
    tier.promoWanted[to] = 1;
    wakeKswapd(kern, to, task.t);
    return;
  }
  if (migrateFolio(kern, pfn, to, task.t) < 0) return;
  c[VM.pgpromote_success]++;
  task.t += copyPageNs(kern, from, to) + cost.unmapNs + cost.allocNs;
}
