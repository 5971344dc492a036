/**
 * mm/memory.c: the page-fault handler. pageFault dispatches
 * (`handle_mm_fault`) to the anonymous fault (`do_anonymous_page`), the
 * swap-in fault (`do_swap_page`), the file fault (filemap) or shmem; a write
 * to a write-protected PTE is `do_wp_page`; mapFilePage installs a PTE for a
 * page-cache folio.
 *
 * Owns no state. May call: filemap, shmem, swap-state, lru-add,
 * workingset, page allocation on the kernel.
 */
import {
  MEMCG_STAT,
  PG_ANON,
  PG_DIRTY,
  PG_LOCKED,
  PG_SWAPBACKED,
  PG_WRITEBACK,
  PTE_DIRTY,
  PTE_WRPROTECT,
  PTE_YOUNG,
  VM_LOCKED,
  type Vma,
  ZERO_PAGE_PTE,
} from '@reclaim-lab/hw-model';
import { VM } from '@reclaim-lab/mechanisms';
import type { KernelState } from './kernel-state.js';
import { hasRecency, lruAdd } from './lru-add.js';
import { allocPage } from './page-alloc.js';
import { unchargeAndFree } from './readahead.js';
import { swapReadahead, swapReadFolio, swapUpdateReadahead } from './swap-state.js';
import type { Task } from './task.js';
import { refault, thrashingStall } from './workingset.js';

/**
 * Models `do_anonymous_page()`: a read maps the shared zero page
 * (write-protected, no memory); a write, or a store to the zero page,
 * gets a zeroed page of its own. Ideal mode gives every request a frame,
 * and an mlocked region holds real pages, as mlock's populate makes them.
 */
export function anonFault(kern: KernelState, task: Task, vma: Vma, vpn: number, write: boolean): void {
  const mm = task.mm;
  // mlock populates a private region with real pages (`populate_vma_page_range` writes).
  if (!write && kern.mode !== 'ideal' && (vma.vmFlags & VM_LOCKED) === 0) {
    mm.pte[vpn] = ZERO_PAGE_PTE;
    mm.pteBits[vpn] = PTE_YOUNG | PTE_WRPROTECT;
    mm.pmdYoung[vpn >> 9] = 1;
    task.minorFaults++;
    task.t += kern.machine.config.cost.minorFaultNs;
    return;
  }
  const pfn = allocPage(kern, task);
  if (pfn < 0) return;
  // Reclaim while allocating cannot touch this PTE: it maps no frame.
  const f = kern.machine.frames;
  f.flags[pfn] |= PG_ANON | PG_SWAPBACKED;
  f.owner[pfn] = mm.id;
  f.index[pfn] = vpn;
  f.memcg[pfn] = task.memcg.id;
  f.mapcount[pfn] = 1;
  mm.pte[vpn] = pfn + 1;
  mm.pteBits[vpn] = PTE_YOUNG | (write ? PTE_DIRTY : 0);
  mm.pmdYoung[vpn >> 9] = 1;
  mm.rssAnon++;
  task.minorFaults++;
  task.t += kern.machine.config.cost.minorFaultNs;
  lruAdd(kern, pfn, vma.vmFlags, 'fault', false, true);
}

export function swapInFault(
  kern: KernelState,
  task: Task,
  vma: Vma,
  vpn: number,
  slot: number,
  write: boolean,
): void {
  const swap = kern.machine.swap!;
  const mm = task.mm;
  const f = kern.machine.frames;
  let pfn = swap.frame[slot];
  if (pfn >= 0) {
    // Still in the swap cache (under writeback, or read ahead): a minor fault.
    swapUpdateReadahead(kern, vma, vpn, pfn);
    task.minorFaults++;
    task.t += kern.machine.config.cost.minorFaultNs;
    // `should_try_to_free_swap` and `folio_free_swap`: the same rule as a
    // swap-in, for a folio whose write-back is over.
    if (
      (write || vma.vmFlags & VM_LOCKED || kern.world.swapFull(f.memcg[pfn])) &&
      (f.flags[pfn] & PG_WRITEBACK) === 0
    )
      kern.world.freeSwapSlot(pfn);
  } else {
    // Charged to the memcg that swapped the page out (`mem_cgroup_swapin_charge_folio`).
    pfn = allocPage(kern, task, false, kern.machine.memcgs[swap.memcg[slot]]);
    if (pfn < 0) return;
    if (mm.pte[vpn] !== -(slot + 1)) {
      // Reclaim during the allocation cannot touch this swap entry; anything else is a bug.
      throw new Error(`swap entry of ${task.name} vpn ${vpn} changed during swap-in`);
    }
    // `swapin_readahead` around the entry, read in the same request; the
    // folio stays locked off the LRU while the window's pages are allocated.
    f.flags[pfn] |= PG_LOCKED;
    const ahead = swapReadahead(kern, task, vma, vpn, slot);
    f.flags[pfn] &= ~PG_LOCKED;
    if (task.killed) {
      unchargeAndFree(kern, pfn);
      return;
    }
    const shadow = swapReadFolio(kern, task, pfn, slot, PG_ANON, mm.id, vpn, ahead);
    kern.world.counters.v[VM.pgmajfault]++;
    task.memcg.stat[MEMCG_STAT.pgmajfault]++;
    task.majorFaults++;
    const active = refault(kern, pfn, shadow, hasRecency(vma.vmFlags));
    thrashingStall(kern, task, pfn, kern.swapWaitStart, kern.swapWaitEnd);
    // `should_try_to_free_swap`: drop the slot on a write fault, a locked
    // VMA, or a swap device more than half full; synchronous devices
    // (zram) bypass the swap cache entirely.
    if (
      write ||
      vma.vmFlags & VM_LOCKED ||
      kern.world.swapFull(f.memcg[pfn]) ||
      kern.machine.swapDevice.spec.synchronous
    ) {
      kern.world.freeSwapSlot(pfn);
    }
    f.mapcount[pfn] = 1;
    mm.pte[vpn] = pfn + 1;
    mm.pteBits[vpn] = PTE_YOUNG | (write ? PTE_DIRTY : 0);
    mm.pmdYoung[vpn >> 9] = 1;
    mm.rssAnon++;
    mm.swapEnts--;
    lruAdd(kern, pfn, vma.vmFlags, 'swapin', active, true);
    return;
  }
  f.mapcount[pfn] = 1;
  mm.pte[vpn] = pfn + 1;
  mm.pteBits[vpn] = PTE_YOUNG | (write ? PTE_DIRTY : 0);
  mm.pmdYoung[vpn >> 9] = 1;
  mm.rssAnon++;
  mm.swapEnts--;
}

/**
 * Install a PTE for a page-cache folio at `vpn` (`finish_fault`). A shared
 * mapping of a regular file tracks dirtying: a read fault maps the page
 * write-protected, and a write fault dirties the folio at once
 * (`fault_dirty_shared_page`). shmem accounts no dirt and needs neither;
 * ideal mode has no write-back.
 */
export function mapFilePage(kern: KernelState, task: Task, vpn: number, pfn: number, write: boolean): void {
  const mm = task.mm;
  const f = kern.machine.frames;
  f.mapcount[pfn]++;
  mm.pte[vpn] = pfn + 1;
  mm.pmdYoung[vpn >> 9] = 1;
  mm.rssFile++;
  if (kern.mode === 'ideal' || f.flags[pfn] & PG_SWAPBACKED) {
    mm.pteBits[vpn] = PTE_YOUNG | (write ? PTE_DIRTY : 0);
    return;
  }
  if (!write) {
    mm.pteBits[vpn] = PTE_YOUNG | PTE_WRPROTECT;
    return;
  }
  mm.pteBits[vpn] = PTE_YOUNG | PTE_DIRTY;
  dirtyFilePage(kern, task, pfn);
}

/** A store to a write-protected PTE (`do_wp_page` → `wp_page_shared`): a minor fault that dirties the folio. */
export function wpFault(kern: KernelState, task: Task, vpn: number, pfn: number): void {
  const mm = task.mm;
  task.minorFaults++;
  task.t += kern.machine.config.cost.minorFaultNs;
  mm.pteBits[vpn] = (mm.pteBits[vpn] & ~PTE_WRPROTECT) | PTE_YOUNG | PTE_DIRTY;
  mm.pmdYoung[vpn >> 9] = 1;
  dirtyFilePage(kern, task, pfn);
}

/**
 * A write dirtied a page-cache folio (`folio_mark_dirty`; for a mapping,
 * `fault_dirty_shared_page`): queue it for the flushers, then
 * `balance_dirty_pages_ratelimited`.
 */
export function dirtyFilePage(kern: KernelState, task: Task, pfn: number): void {
  const newly = (kern.machine.frames.flags[pfn] & PG_DIRTY) === 0;
  if (newly) {
    kern.world.markDirty(pfn);
    kern.flusher.queue(pfn, kern.now);
  }
  kern.dirtyThrottle.pageDirtied(task, newly);
}
