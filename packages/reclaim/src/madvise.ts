/**
 * mm/madvise.c: MADV_COLD deactivates a range, MADV_PAGEOUT reclaims it
 * on the spot (`madvise_cold_or_pageout_pte_range` then
 * `reclaim_pages`), MADV_DONTNEED zaps it.
 *
 * Owns no state. May call: unmap, and the isolate/shrink_folio_list
 * services on the kernel.
 */
import {
  APP_CACHED,
  MADV_COLD,
  MADV_PAGEOUT,
  PG_LRU,
  PG_REFERENCED,
  PG_UNEVICTABLE,
  PTE_YOUNG,
  VM_RAND_READ,
  VM_SEQ_READ,
  type Vma,
  ZERO_PAGE_PTE,
} from '@reclaim-lab/hw-model';
import { VM } from '@reclaim-lab/mechanisms';
import type { KernelState } from './kernel-state.js';
import type { LruvecCtx } from './policy-host.js';
import { isolateFolio, putback } from './reclaim-core.js';
import { shrinkFolioList } from './shrink-folio-list.js';
import type { Task } from './task.js';

export function madvise(kern: KernelState, task: Task, vma: Vma, advice: number): void {
  if (advice === MADV_COLD || advice === MADV_PAGEOUT) {
    const mm = task.mm;
    const f = kern.machine.frames;
    for (let vpn = vma.start; vpn < vma.start + vma.pages; vpn++) {
      const p = mm.pte[vpn];
      if (p <= 0 || p === ZERO_PAGE_PTE) continue;
      const pfn = p - 1;
      // `folio_likely_mapped_shared`: a folio others map too is left alone.
      if ((f.flags[pfn] & (PG_LRU | PG_UNEVICTABLE)) !== PG_LRU || f.mapcount[pfn] !== 1) continue;
      mm.pteBits[vpn] &= ~PTE_YOUNG;
      if (advice === MADV_PAGEOUT) continue;
      const ctx = kern.ctxs[f.lruvec[pfn]];
      const ops = ctx.slot.ops;
      if (ops.deactivate)
        kern.watchdog.guard(
          ctx,
          'deactivate',
          () => ops.deactivate!(ctx, pfn, 'cold'),
          () => {},
        );
      else kern.world.lists.moveTail(kern.world.lists.listOf[pfn], pfn);
      kern.world.counters.v[VM.pgdeactivate]++;
    }
    if (advice === MADV_PAGEOUT) pageoutRange(kern, task, vma);
    return;
  }
  // MADV_NORMAL / RANDOM / SEQUENTIAL change the VMA's recency flags.
  vma.vmFlags &= ~(VM_SEQ_READ | VM_RAND_READ);
  if (advice === 1) vma.vmFlags |= VM_RAND_READ;
  if (advice === 2) vma.vmFlags |= VM_SEQ_READ;
  if (vma.file >= 0) {
    for (const m of kern.machine.files[vma.file].mappings)
      if (m.mm === task.mm.id && m.start === vma.start) m.vmFlags = vma.vmFlags;
  }
}

/**
 * Models MADV_PAGEOUT (`madvise_cold_or_pageout_pte_range` then
 * `reclaim_pages`): every folio of the range mapped only here has lost its
 * young bit and PG_referenced above; each is isolated and goes through
 * shrink_folio_list with references ignored, per lruvec, and the
 * survivors (dirty file folios, locked ones) are put back. Policy
 * choice plays no part, as in the kernel.
 */
export function pageoutRange(kern: KernelState, task: Task, vma: Vma): void {
  const f = kern.machine.frames;
  const mm = task.mm;
  const byLruvec = new Map<LruvecCtx, number[]>();
  for (let vpn = vma.start; vpn < vma.start + vma.pages; vpn++) {
    const p = mm.pte[vpn];
    if (p <= 0 || p === ZERO_PAGE_PTE) continue;
    const pfn = p - 1;
    if ((f.flags[pfn] & (PG_LRU | PG_UNEVICTABLE)) !== PG_LRU || f.mapcount[pfn] !== 1) continue;
    f.flags[pfn] &= ~PG_REFERENCED;
    const ctx = kern.ctxs[f.lruvec[pfn]];
    isolateFolio(kern, ctx.lruvec, pfn);
    const ops = ctx.slot.ops;
    if (ops.folioIsolated)
      kern.watchdog.guard(
        ctx,
        'folioIsolated',
        () => ops.folioIsolated!(ctx, pfn),
        () => {},
      );
    const list = byLruvec.get(ctx);
    if (list) list.push(pfn);
    else byLruvec.set(ctx, [pfn]);
  }
  const sc = kern.proactiveSc.reset('proactive', null, 0, 0, task.t);
  sc.accountSteal = false;
  const buf = kern.evictBuf;
  const outcome = kern.evictOutcome;
  for (const [ctx, pfns] of byLruvec) {
    for (let from = 0; from < pfns.length; from += buf.length) {
      const n = Math.min(buf.length, pfns.length - from);
      for (let i = 0; i < n; i++) buf[i] = pfns[from + i];
      sc.node = ctx.lruvec.node;
      sc.nrToReclaim += n;
      const res = shrinkFolioList(kern, ctx, buf, n, sc, outcome, null, true, true);
      for (let i = 0; i < res.survivors; i++)
        putback(kern, ctx, buf[i], outcome[i] === 1 ? 'activate' : 'keep');
    }
  }
  // A cached app's pages are paged out by ActivityManager's app compaction
  // (process_madvise from system_server): the CPU is system_server's, so the
  // frozen app's clock does not move. Deviation: system_server is not modelled.
  if (task.appClass !== APP_CACHED) task.t += sc.elapsedNs;
  kern.world.counters.v[VM.reclaim_cpu_ns] += sc.costNs;
}
