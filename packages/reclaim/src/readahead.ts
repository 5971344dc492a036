/**
 * mm/readahead.c: page-cache readahead. readPages assembles one read
 * (`page_cache_ra_unbounded` + `read_pages`), syncReadahead and
 * asyncReadahead open and advance a stream's window (`ondemand_readahead`,
 * `get_init_ra_size`, `get_next_ra_size`), and a read in flight is waited
 * for or completed by tag.
 *
 * Owns no state: the window lives on each task's per-file ra state, the
 * scratch arrays on the kernel context. May call: page allocation and the
 * memcg charge on the kernel, lru-add and workingset.
 */
import {
  fileSector,
  PG_LOCKED,
  PG_READAHEAD,
  type SimFile,
  VM_RAND_READ,
  VM_SEQ_READ,
  type Vma,
} from '@reclaim-lab/hw-model';
import { KIB_PER_PAGE, VM } from '@reclaim-lab/mechanisms';
import { type KernelState, READAHEAD_PAGES } from './kernel-state.js';

export { READAHEAD_PAGES };

import { hasRecency, lruAdd } from './lru-add.js';
import { allocPage } from './page-alloc.js';
import type { Task } from './task.js';
import { refault, thrashingStall } from './workingset.js';
import { READ_DONE_TAG } from './writeback.js';

/** `ra_pages` of a read: POSIX_FADV_SEQUENTIAL (the region's sequential advice) doubles it. */
export function raMaxPages(vmFlags: number): number {
  return vmFlags & VM_SEQ_READ ? 2 * READAHEAD_PAGES : READAHEAD_PAGES;
}

/** `get_init_ra_size`: the first window of a stream, for a read of `req` pages. */
export function initRaSize(req: number, max: number): number {
  let size = 1;
  while (size < req) size *= 2;
  if (size <= max / 32) return size * 4;
  if (size <= max / 4) return size * 2;
  return max;
}

/** `get_next_ra_size`: each window four times, then twice, the last, up to `max`. */
export function nextRaSize(cur: number, max: number): number {
  if (cur < max / 16) return 4 * cur;
  if (cur <= max / 2) return 2 * cur;
  return max;
}

/**
 * Read `count` pages of `file` from `start` into the page cache in one I/O
 * (readahead). Pages already cached are skipped; the page at `mark`, if
 * this read brings it in, gets PG_readahead. The task waits for the read,
 * unless it is `background` (async readahead, no demanded page: `demand`
 * -1): then the folios stay locked on the LRU until the read completes.
 * Returns false if the task was killed while allocating.
 */
export function readPages(
  kern: KernelState,
  task: Task,
  file: SimFile,
  start: number,
  count: number,
  demand: number,
  vmFlags: number,
  inFault: boolean,
  mark = -1,
  background = false,
): boolean {
  // `page_cache_ra_unbounded` allocates the window with __GFP_NORETRY and
  // stops at the first failure; the demanded page, if that left it out, is
  // then allocated with the caller's full mask (`filemap_create_folio`,
  // `__filemap_get_folio` in the fault path), which may OOM. The folios stay
  // locked (PG_LOCKED here: off the LRU) until the read is issued, so
  // reclaim for the rest of the window cannot take the first of it.
  const f = kern.machine.frames;
  const pfns = kern.raPfns;
  const indices = kern.raIndices;
  const noRetry = count > 1 || background;
  let got = 0;
  let haveDemand = demand < 0;
  for (let i = start; i < start + count; i++) {
    if (file.cache[i] !== 0) continue;
    const pfn = allocPage(kern, task, noRetry);
    if (pfn < 0) {
      if (task.killed) return dropLocked(kern, got);
      break;
    }
    f.flags[pfn] |= PG_LOCKED;
    pfns[got] = pfn;
    indices[got++] = i;
    if (i === demand) haveDemand = true;
  }
  if (!haveDemand) {
    const pfn = allocPage(kern, task);
    if (pfn < 0) return dropLocked(kern, got);
    f.flags[pfn] |= PG_LOCKED;
    pfns[got] = pfn;
    indices[got++] = demand;
  }
  let n = 0;
  let demandPfn = -1;
  let first = Number.POSITIVE_INFINITY;
  for (let j = 0; j < got; j++) {
    const pfn = pfns[j];
    f.flags[pfn] &= ~PG_LOCKED;
    if (file.cache[indices[j]] !== 0) {
      unchargeAndFree(kern, pfn);
      continue;
    }
    addReadPage(kern, task, file, indices[j], pfn, demand, vmFlags, inFault);
    if (indices[j] < first) first = indices[j];
    if (indices[j] === mark) f.flags[pfn] |= PG_READAHEAD;
    if (indices[j] === demand) demandPfn = pfn;
    pfns[n++] = pfn;
  }
  if (n > 0) {
    const c = kern.world.counters.v;
    c[VM.pgpgin] += n * KIB_PER_PAGE;
    const done = kern.machine.devices[file.device].submit(task.t, n, false, true, fileSector(file.id, first));
    if (background) {
      // Locked until the read completes: reclaim keeps them, readers wait.
      const readDone = (kern.readDoneAt ??= new Float64Array(f.count));
      for (let j = 0; j < n; j++) {
        f.flags[pfns[j]] |= PG_LOCKED;
        readDone[pfns[j]] = done;
        kern.world.timers.push(done, pfns[j], READ_DONE_TAG);
      }
      return true;
    }
    task.ioWaitNs += done - task.t;
    if (demandPfn >= 0) thrashingStall(kern, task, demandPfn, task.t, done);
    task.t = done + kern.machine.config.cost.majorFaultNs;
  }
  return true;
}

/**
 * Models `page_cache_sync_ra()` for a read(2) that missed page `a` of
 * region `r`: a read from the start of the file or right after the
 * previous one starts a window of `get_init_ra_size` pages whose tail is
 * read ahead asynchronously (marked); otherwise the cached pages just
 * before it tell whether a stream is running (`page_cache_prev_miss`),
 * and a lone random read reads just its page and leaves the state alone.
 * MADV_RANDOM, and ideal mode, read just the page. Returns false if the
 * task was killed.
 */
export function syncReadahead(kern: KernelState, task: Task, vma: Vma, r: number, a: number): boolean {
  const file = kern.machine.files[vma.file];
  const index = vma.pgoff + a;
  if (vma.vmFlags & VM_RAND_READ || kern.mode === 'ideal') {
    task.raWindow[r] = 1;
    return readPages(kern, task, file, index, 1, index, vma.vmFlags, false);
  }
  const max = raMaxPages(vma.vmFlags);
  const prev = task.raPrev[r];
  let size: number;
  let async: number;
  if (index === 0 || (a >= prev && a - prev <= 1)) {
    size = initRaSize(1, max);
    async = size - 1;
  } else {
    let contig = 0;
    while (contig < max && index - contig - 1 >= 0 && file.cache[index - contig - 1] !== 0) contig++;
    if (contig <= 1) return readPages(kern, task, file, index, 1, index, vma.vmFlags, false);
    // Cached from the start of the file: a long stream, or a whole-file read.
    if (contig === index) contig *= 2;
    size = Math.min(contig + 1, max);
    async = 1;
  }
  const mark = raOpen(task, r, index, size, async);
  // The window stops at end of file, not at the part of it this task reads: the kernel cannot know that.
  const count = Math.min(size, file.pages - index);
  return readPages(kern, task, file, index, count, index, vma.vmFlags, false, mark);
}

/** Region `r`'s readahead state (`file_ra_state`) becomes this window; returns the page its marker goes on. */
export function raOpen(task: Task, r: number, start: number, size: number, async: number): number {
  task.raStart[r] = start;
  task.raWindow[r] = size;
  task.raAsync[r] = async;
  return start + size - async;
}

/**
 * Models `page_cache_async_ra()`: a read found the PG_readahead marker on
 * page `a` of region `r` (frame `pfn`). At the marker the state expects,
 * the next window (`get_next_ra_size`) is read without waiting; at any
 * other (interleaved streams, lost state), the cached run after the
 * marker stands for the last window and the next one follows it.
 * Returns false if the task was killed.
 */
export function asyncReadahead(
  kern: KernelState,
  task: Task,
  vma: Vma,
  r: number,
  a: number,
  pfn: number,
): boolean {
  const f = kern.machine.frames;
  f.flags[pfn] &= ~PG_READAHEAD;
  if (vma.vmFlags & VM_RAND_READ) return true;
  const file = kern.machine.files[vma.file];
  const index = vma.pgoff + a;
  const end = file.pages;
  const max = raMaxPages(vma.vmFlags);
  let start: number;
  let size: number;
  if (task.raStart[r] >= 0 && index === task.raStart[r] + task.raWindow[r] - task.raAsync[r]) {
    start = task.raStart[r] + task.raWindow[r];
    size = nextRaSize(task.raWindow[r], max);
  } else {
    start = index + 1;
    while (start < end && start - index <= max && file.cache[start] !== 0) start++;
    if (start - index > max) return true;
    size = nextRaSize(start - index + 1, max);
  }
  // The whole window is async: its marker is its first page.
  const mark = raOpen(task, r, start, size, size);
  if (start >= end) return true;
  // The folio being read is held (a reference, here its lock) while the window is allocated.
  const held = f.flags[pfn] & PG_LOCKED;
  f.flags[pfn] |= PG_LOCKED;
  const ok = readPages(
    kern,
    task,
    file,
    start,
    Math.min(size, end - start),
    -1,
    vma.vmFlags,
    false,
    mark,
    true,
  );
  if (!held) f.flags[pfn] &= ~PG_LOCKED;
  return ok;
}

/** `folio_wait_locked` on a folio an async readahead is still reading. */
export function waitForRead(kern: KernelState, task: Task, pfn: number): void {
  const done = kern.readDoneAt === null ? 0 : kern.readDoneAt[pfn];
  if (done <= task.t) return;
  task.ioWaitNs += done - task.t;
  thrashingStall(kern, task, pfn, task.t, done);
  task.t = done;
}

/** The task was killed while a read's folios were being allocated: give them back. */
export function dropLocked(kern: KernelState, got: number): false {
  for (let j = 0; j < got; j++) unchargeAndFree(kern, kern.raPfns[j]);
  return false;
}

/** A page read from `file` into the page cache and onto the LRU. */
export function addReadPage(
  kern: KernelState,
  task: Task,
  file: SimFile,
  index: number,
  pfn: number,
  demand: number,
  vmFlags: number,
  inFault: boolean,
): void {
  const shadow = kern.world.pageCacheInsert(file, index, pfn, task.memcg);
  // Every folio added while the fault runs is "in fault" (the task flag of
  // `lru_gen_enter_fault`), the read-around as well as the demanded page.
  const active = refault(kern, pfn, shadow, inFault && hasRecency(vmFlags));
  lruAdd(kern, pfn, vmFlags, index === demand ? (inFault ? 'fault' : 'read') : 'readahead', active, inFault);
}

export function unchargeAndFree(kern: KernelState, pfn: number): void {
  kern.world.uncharge(kern.machine.frames.memcg[pfn], 1);
  kern.machine.freeFrame(pfn);
}
