/**
 * mm/shmem.c: tmpfs and shared anonymous memory. shmemFault and
 * shmemRead/shmemWrite find or create the folio in the shmem mapping
 * (`shmem_get_folio`), swapping it back in from its swap entry
 * (`shmem_swapin_folio`) when it was written out.
 *
 * Owns no state. May call: swap-state, memory (mapFilePage), lru-add,
 * workingset, page allocation on the kernel.
 */
import {
  MEMCG_STAT,
  PG_LOCKED,
  PG_READAHEAD,
  PG_SWAPBACKED,
  PG_WRITEBACK,
  type SimFile,
  type SwapSpace,
  type Vma,
} from '@reclaim-lab/hw-model';
import { VM } from '@reclaim-lab/mechanisms';
import type { KernelState } from './kernel-state.js';
import { hasRecency, lruAdd, markAccessed } from './lru-add.js';
import { mapFilePage } from './memory.js';
import { allocPage } from './page-alloc.js';
import { unchargeAndFree } from './readahead.js';
import { swapReadahead, swapReadFolio, waitForFolioWriteback } from './swap-state.js';
import type { Task } from './task.js';
import { refault, thrashingStall } from './workingset.js';

/**
 * Models `shmem_fault()`: a cached folio is a minor fault; a swap entry
 * in the page cache is swapped in (major when read from the device); a
 * hole gets a new zero-filled folio, a minor fault with no I/O. No
 * read-around: shmem has no readahead.
 */
export function shmemFault(
  kern: KernelState,
  task: Task,
  vma: Vma,
  vpn: number,
  index: number,
  write: boolean,
): void {
  const file = kern.machine.files[vma.file];
  const entry = file.cache[index] === 0 ? (file.swapEntry as Int32Array)[index] : 0;
  const major = entry !== 0 && (kern.machine.swap as SwapSpace).frame[entry - 1] < 0;
  const pfn = shmemGetFolio(kern, task, file, index, vma.vmFlags, true, true);
  if (pfn < 0) return;
  if (major) {
    task.majorFaults++;
    kern.world.counters.v[VM.pgmajfault]++;
    task.memcg.stat[MEMCG_STAT.pgmajfault]++;
  } else {
    task.minorFaults++;
    task.t += kern.machine.config.cost.minorFaultNs;
  }
  mapFilePage(kern, task, vpn, pfn, write);
}

/**
 * Models `shmem_get_folio()`: the folio at `index` of a shmem file, swapped
 * in if the page cache holds a swap entry there, or — when `allocate` (a
 * fault or a write; reads of a hole return zeros without a folio) — a new
 * zero-filled one on the anon LRU. -1 if there is none or the task was killed.
 */
export function shmemGetFolio(
  kern: KernelState,
  task: Task,
  file: SimFile,
  index: number,
  vmFlags: number,
  inFault: boolean,
  allocate: boolean,
): number {
  const p = file.cache[index];
  if (p !== 0) return p - 1;
  const entry = (file.swapEntry as Int32Array)[index];
  if (entry !== 0) return shmemSwapin(kern, task, file, index, entry - 1, vmFlags, inFault);
  if (!allocate) return -1;
  const pfn = allocPage(kern, task);
  if (pfn < 0) return -1;
  // Reclaim while allocating cannot fill a hole: nothing else runs meanwhile.
  kern.machine.frames.flags[pfn] |= PG_SWAPBACKED;
  kern.world.pageCacheInsert(file, index, pfn, task.memcg);
  lruAdd(kern, pfn, vmFlags, inFault ? 'fault' : 'write', false, inFault);
  return pfn;
}

/**
 * Models `shmem_swapin_folio()`: take the folio from the swap cache, or
 * read it from the swap device (a refault, judged by the shadow the swap
 * cache kept); either way it goes back into the file's page cache dirty
 * and its swap slot is freed.
 */
export function shmemSwapin(
  kern: KernelState,
  task: Task,
  file: SimFile,
  index: number,
  slot: number,
  vmFlags: number,
  inFault: boolean,
): number {
  const swap = kern.machine.swap as SwapSpace;
  const f = kern.machine.frames;
  let pfn = swap.frame[slot];
  if (pfn >= 0) {
    // `swap_update_readahead` with no VMA: a hit counts for the device-wide window.
    if (f.flags[pfn] & PG_READAHEAD) {
      f.flags[pfn] &= ~PG_READAHEAD;
      kern.world.counters.v[VM.swap_ra_hit]++;
      kern.swapRaHits++;
    }
    // `shmem_swapin_folio` waits for a write to swap still in flight
    // before taking the folio out of the swap cache.
    if (f.flags[pfn] & PG_WRITEBACK) waitForFolioWriteback(kern, task, pfn);
    kern.world.shmemSwapinToCache(pfn);
    return pfn;
  }
  // Charged to the memcg that swapped the page out, whichever task faults it back.
  pfn = allocPage(kern, task, false, kern.machine.memcgs[swap.memcg[slot]]);
  if (pfn < 0) return -1;
  if ((file.swapEntry as Int32Array)[index] !== slot + 1)
    throw new Error(`swap entry of ${file.name} index ${index} changed during swap-in`);
  // `shmem_swapin_cluster`: the swap offsets around the entry, read in the
  // same request; the folio stays locked off the LRU meanwhile.
  f.flags[pfn] |= PG_LOCKED;
  const ahead = swapReadahead(kern, task, null, index, slot);
  f.flags[pfn] &= ~PG_LOCKED;
  if (task.killed) {
    unchargeAndFree(kern, pfn);
    return -1;
  }
  const shadow = swapReadFolio(kern, task, pfn, slot, 0, file.id, index, ahead);
  const active = refault(kern, pfn, shadow, inFault && hasRecency(vmFlags));
  thrashingStall(kern, task, pfn, kern.swapWaitStart, kern.swapWaitEnd);
  kern.world.shmemSwapinToCache(pfn);
  lruAdd(kern, pfn, vmFlags, 'swapin', active, inFault);
  return pfn;
}

/** `shmem_file_read_iter` for one page: a hole reads as zeros and allocates nothing. */
export function shmemRead(kern: KernelState, task: Task, vma: Vma, r: number, a: number): void {
  const file = kern.machine.files[vma.file];
  const index = vma.pgoff + a;
  task.t += kern.machine.config.cost.fdAccessNs;
  if (file.cache[index] === 0) kern.misses++;
  const pfn = shmemGetFolio(kern, task, file, index, vma.vmFlags, false, false);
  if (pfn >= 0 && (a !== task.raPrev[r] || kern.mode === 'ideal')) markAccessed(kern, pfn);
  task.raPrev[r] = a;
}

/** A write to a shmem file: the folio is dirtied, but no flusher writes it and nothing throttles. */
export function shmemWrite(kern: KernelState, task: Task, vma: Vma, a: number): void {
  const file = kern.machine.files[vma.file];
  const index = vma.pgoff + a;
  task.t += kern.machine.config.cost.fdAccessNs;
  if (file.cache[index] === 0) kern.misses++;
  const pfn = shmemGetFolio(kern, task, file, index, vma.vmFlags, false, true);
  if (pfn < 0) return;
  markAccessed(kern, pfn);
  if (kern.mode !== 'ideal') kern.world.markDirty(pfn);
}
