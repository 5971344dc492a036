/**
 * The entry of a page fault, `handle_mm_fault`: pick the handler for the
 * VMA and the PTE — anonymous (memory), swap-in (memory), page cache
 * (filemap) or shmem — and count the fault.
 *
 * Owns no state. May call: memory, filemap, shmem.
 */
import {
  MEMCG_STAT,
  PTE_DIRTY,
  PTE_NUMA,
  PTE_WRPROTECT,
  type Vma,
  ZERO_PAGE_PTE,
} from '@reclaim-lab/hw-model';
import { VM } from '@reclaim-lab/mechanisms';
import { fileFault } from './filemap.js';
import type { KernelState } from './kernel-state.js';
import { anonFault, swapInFault, wpFault } from './memory.js';
import { doNumaPage } from './numa-balancing.js';
import type { Task } from './task.js';

export function pageFault(kern: KernelState, task: Task, vma: Vma, vpn: number, write: boolean): void {
  const mm = task.mm;
  const p = mm.pte[vpn];
  kern.world.counters.v[VM.pgfault]++;
  task.memcg.stat[MEMCG_STAT.pgfault]++;
  if (p === ZERO_PAGE_PTE) {
    // A store to the zero page: `wp_page_copy` into a new anon page.
    anonFault(kern, task, vma, vpn, true);
    return;
  }
  if (p > 0 && mm.pteBits[vpn] & PTE_NUMA) {
    // A hint fault (`do_numa_page`); a store to a write-protected PTE then faults again as `do_wp_page`.
    doNumaPage(kern, kern.tiering!, task, vpn);
    const q = mm.pte[vpn];
    if (write && q > 0 && mm.pteBits[vpn] & PTE_WRPROTECT) wpFault(kern, task, vpn, q - 1);
    else if (write && q > 0) mm.pteBits[vpn] |= PTE_DIRTY;
    return;
  }
  if (p > 0) {
    wpFault(kern, task, vpn, p - 1);
    return;
  }
  kern.misses++;
  if (p < 0) {
    swapInFault(kern, task, vma, vpn, -p - 1, write);
    return;
  }
  if (vma.file >= 0) {
    fileFault(kern, task, vma, vpn, write);
    return;
  }
  anonFault(kern, task, vma, vpn, write);
}
