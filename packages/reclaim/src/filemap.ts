/**
 * mm/filemap.c: the page cache seen from a task. fileFault is
 * `filemap_fault` (find the folio, read it synchronously or with
 * read-around, start async readahead on a PG_readahead hit), faultAround
 * is `filemap_map_pages`, fdRead/fdWrite are `filemap_read` and
 * `generic_perform_write` for read(2) and write(2).
 *
 * Owns no state. May call: readahead, memory (mapFilePage), lru-add,
 * workingset, page allocation on the kernel.
 */
import {
  MEMCG_STAT,
  PG_LOCKED,
  PG_READAHEAD,
  PG_WORKINGSET,
  PTRS_PER_PTE,
  type SimFile,
  VM_LOCKED,
  VM_RAND_READ,
  VM_SEQ_READ,
  type Vma,
} from '@reclaim-lab/hw-model';
import { VM } from '@reclaim-lab/mechanisms';
import type { KernelState } from './kernel-state.js';
import { lruAdd, markAccessed } from './lru-add.js';
import { dirtyFilePage, mapFilePage } from './memory.js';
import { allocPage } from './page-alloc.js';
import {
  asyncReadahead,
  READAHEAD_PAGES,
  raOpen,
  readPages,
  syncReadahead,
  unchargeAndFree,
  waitForRead,
} from './readahead.js';
import { shmemFault } from './shmem.js';
import type { Task } from './task.js';
import { refault } from './workingset.js';

/** `MMAP_LOTSAMISS`: mmap read-around stops when faults miss this much more than they hit. */
export const MMAP_LOTSAMISS = 100;

/** `fault_around_bytes`' default, 64 KiB, in pages. */
export const DEFAULT_FAULT_AROUND_PAGES = 16;

export function fileFault(kern: KernelState, task: Task, vma: Vma, vpn: number, write: boolean): void {
  const file = kern.machine.files[vma.file];
  const index = vma.pgoff + vpn - vma.start;
  // `do_read_fault`: map what the page cache already holds around the
  // fault first; a cached faulting page needs nothing more.
  if (!write && faultAround(kern, task, vma, vpn, file)) {
    task.minorFaults++;
    task.t += kern.machine.config.cost.minorFaultNs;
    return;
  }
  if (file.shmem) {
    shmemFault(kern, task, vma, vpn, index, write);
    return;
  }
  let p = file.cache[index];
  const r = vma.region;
  if (p === 0) {
    // Major fault with read-around (`do_sync_mmap_readahead`): a window of
    // ra_pages around the fault, ahead of it under MADV_SEQUENTIAL, none
    // under MADV_RANDOM, and none once faults miss far more than they hit
    // (`mmap_miss` above MMAP_LOTSAMISS): it would only hurt.
    let start = index;
    let count = 1;
    if (vma.vmFlags & VM_SEQ_READ) count = READAHEAD_PAGES;
    else if ((vma.vmFlags & VM_RAND_READ) === 0) {
      if (task.mmapMiss[r] < MMAP_LOTSAMISS * 10) task.mmapMiss[r]++;
      if (task.mmapMiss[r] <= MMAP_LOTSAMISS) {
        count = READAHEAD_PAGES;
        start = Math.max(0, index - (READAHEAD_PAGES >> 1));
      }
    }
    if (start + count > file.pages) count = file.pages - start;
    // The window's last quarter (half under MADV_SEQUENTIAL) is its async
    // tail: a fault on its marked first page reads the next window ahead.
    let mark = -1;
    if (count > 1) {
      const async = vma.vmFlags & VM_SEQ_READ ? count >> 1 : count >> 2;
      mark = raOpen(task, r, start, count, async);
    }
    if (!readPages(kern, task, file, start, count, index, vma.vmFlags, true, mark)) return;
    task.majorFaults++;
    kern.world.counters.v[VM.pgmajfault]++;
    task.memcg.stat[MEMCG_STAT.pgmajfault]++;
    p = file.cache[index];
    if (p === 0) return;
  } else {
    task.minorFaults++;
    task.t += kern.machine.config.cost.minorFaultNs;
    const f = kern.machine.frames;
    // `do_async_mmap_readahead`: a page-cache hit makes up for a miss, and
    // a marked folio (fault-around leaves those to the fault) reads ahead.
    if ((vma.vmFlags & VM_RAND_READ) === 0 && task.mmapMiss[r] > 0) task.mmapMiss[r]--;
    if (f.flags[p - 1] & PG_READAHEAD && !asyncReadahead(kern, task, vma, r, index - vma.pgoff, p - 1))
      return;
    p = file.cache[index];
    if (p === 0) return;
    // `lock_folio_maybe_drop_mmap`: a folio still being read ahead is waited for.
    if (f.flags[p - 1] & PG_LOCKED) waitForRead(kern, task, p - 1);
  }
  mapFilePage(kern, task, vpn, p - 1, write);
}

/**
 * Models `do_fault_around()` → `filemap_map_pages()` for a read fault on
 * `vpn`: map every page of the aligned block of `faultAroundPages` around
 * it (clamped to the VMA and its page table) that is in the page cache,
 * unlocked and not a readahead marker, where no PTE is yet. The PTEs are
 * young, as x86 and arm64 with a hardware access flag make them. Pages
 * not in the workingset count as mmap hits (`mmap_miss`). True if the
 * faulting page itself was mapped.
 */
export function faultAround(kern: KernelState, task: Task, vma: Vma, vpn: number, file: SimFile): boolean {
  const nr = kern.machine.config.faultAroundPages ?? DEFAULT_FAULT_AROUND_PAGES;
  if (nr <= 1 || kern.mode === 'ideal' || vma.vmFlags & VM_LOCKED) return false;
  const mm = task.mm;
  const f = kern.machine.frames;
  const pteOff = vpn % PTRS_PER_PTE;
  const vmaOff = vpn - vma.start;
  const from = Math.max(pteOff - (pteOff % nr), pteOff - Math.min(pteOff, vmaOff));
  const to = Math.min(from + nr, PTRS_PER_PTE, pteOff + vma.pages - vmaOff);
  const base = vpn - pteOff;
  let mapped = false;
  let hits = 0;
  for (let o = from; o < to; o++) {
    const v = base + o;
    const index = vma.pgoff + v - vma.start;
    if (index >= file.pages) break;
    const p = file.cache[index];
    if (p === 0) continue;
    const pfn = p - 1;
    if (f.flags[pfn] & (PG_LOCKED | PG_READAHEAD)) continue;
    if ((f.flags[pfn] & PG_WORKINGSET) === 0) hits++;
    if (mm.pte[v] !== 0) continue;
    mapFilePage(kern, task, v, pfn, false);
    if (v === vpn) mapped = true;
  }
  const r = vma.region;
  task.mmapMiss[r] = Math.max(0, task.mmapMiss[r] - hits);
  return mapped;
}

export function fdRead(kern: KernelState, task: Task, vma: Vma, r: number, a: number): void {
  const file = kern.machine.files[vma.file];
  const index = vma.pgoff + a;
  const prev = task.raPrev[r];
  let p = file.cache[index];
  task.t += kern.machine.config.cost.fdAccessNs;
  if (p === 0) {
    kern.misses++;
    // A read(2) that waits for the disk is not a fault: no pgmajfault (see pgpgin).
    if (!syncReadahead(kern, task, vma, r, a)) return;
    task.readMisses++;
    p = file.cache[index];
    if (p === 0) return;
  } else {
    const f = kern.machine.frames;
    // `filemap_readahead` at a marker, then `filemap_update_page` waits out a read in flight.
    if (f.flags[p - 1] & PG_READAHEAD && !asyncReadahead(kern, task, vma, r, a, p - 1)) return;
    if (f.flags[p - 1] & PG_LOCKED) waitForRead(kern, task, p - 1);
  }
  // `filemap_read` marks each folio once per read, not when re-reading the
  // previous position; ideal mode counts every request as an access.
  if (a !== prev || kern.mode === 'ideal') markAccessed(kern, p - 1);
  task.raPrev[r] = a;
}

export function fdWrite(kern: KernelState, task: Task, vma: Vma, a: number): void {
  const file = kern.machine.files[vma.file];
  const index = vma.pgoff + a;
  let p = file.cache[index];
  task.t += kern.machine.config.cost.fdAccessNs;
  if (p === 0) {
    // A full-page write needs no read.
    kern.misses++;
    const pfn = allocPage(kern, task);
    if (pfn < 0) return;
    if (file.cache[index] !== 0) unchargeAndFree(kern, pfn);
    else {
      const shadow = kern.world.pageCacheInsert(file, index, pfn, task.memcg);
      const active = refault(kern, pfn, shadow, false);
      lruAdd(kern, pfn, vma.vmFlags, 'write', active, false);
    }
    p = file.cache[index];
  } else if (kern.machine.frames.flags[p - 1] & PG_LOCKED) waitForRead(kern, task, p - 1);
  const pfn = p - 1;
  markAccessed(kern, pfn);
  // Ideal mode has no writeback: a write is an access like a read.
  if (kern.mode === 'ideal') return;
  dirtyFilePage(kern, task, pfn);
}
