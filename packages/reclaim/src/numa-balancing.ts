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
 * State: `Tiering` (tiering-state.ts, on the kernel context). May call: migrate, kswapd.
 */
import { NS_PER_SEC, PTE_NUMA, PTE_YOUNG, ZERO_PAGE_PTE } from '@reclaim-lab/hw-model';
import { VM } from '@reclaim-lab/mechanisms';
import type { KernelState } from './kernel-state.js';
import { wakeKswapd } from './kswapd-wake.js';
import { copyPageNs, migratable, migrateFolio } from './migrate.js';
import type { Task } from './task.js';
import type { Tiering } from './tiering-state.js';

/**
 * Models `task_numa_work`: once per scan period, mark the next window of
 * the task's address space (wrapping) — present PTEs of pages on slow
 * nodes become hint PTEs, stamped with the scan time.
 */
export function taskNumaWork(kern: KernelState, tier: Tiering, task: Task): void {
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
export function doNumaPage(kern: KernelState, tier: Tiering, task: Task, vpn: number): void {
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
