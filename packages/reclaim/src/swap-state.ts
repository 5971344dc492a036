/**
 * Swap-in, as mm/swap_state.c and mm/page_io.c do it: the swap cache
 * (swapCacheAdd), reading a folio from swap (swapReadFolio), and both swap
 * readahead flavours — cluster readahead around the slot
 * (`swap_cluster_readahead`, window from `__swapin_nr_pages`) and VMA
 * readahead state (swapUpdateReadahead).
 *
 * Owns no state of its own: the readahead cursor lives in the kernel
 * context (swapRa* fields). May call: page allocation and memcg charge on
 * the kernel, lru-add, workingset; never the fault handlers.
 */
import {
  MEMCG_STAT,
  PG_ANON,
  PG_LOCKED,
  PG_READAHEAD,
  PG_SWAPBACKED,
  PG_SWAPCACHE,
  PTRS_PER_PTE,
  type SwapSpace,
  VM_LOCKED,
  type Vma,
} from '@reclaim-lab/hw-model';
import { KIB_PER_PAGE, VM } from '@reclaim-lab/mechanisms';
import type { KernelState } from './kernel-state.js';
import { hasRecency, lruAdd } from './lru-add.js';
import { allocPage } from './page-alloc.js';
import { unchargeAndFree } from './readahead.js';
import type { Task } from './task.js';
import { refault } from './workingset.js';

/** vm.page-cluster's default: swap readahead of up to 8 pages. */
export const DEFAULT_PAGE_CLUSTER = 3;

/** VMA-based swap readahead reads at most 2^5 pages whatever page-cluster says. */
export const SWAP_RA_ORDER_CEILING = 5;

/** Readahead hits a VMA remembers (they share a word with the window). */
export const SWAP_RA_HITS_MAX = 63;

/**
 * `__swapin_nr_pages`: the next swap readahead window. Two pages plus the
 * hits, rounded up to a power of two (at least 4); with no hits, two pages
 * for a fault next to the last one, else one; never above `maxPages` nor
 * below half the last window.
 */
export function swapinNrPages(
  prev: number,
  offset: number,
  hits: number,
  maxPages: number,
  prevWin: number,
): number {
  let pages = hits + 2;
  if (pages === 2) {
    if (offset !== prev + 1 && offset !== prev - 1) pages = 1;
  } else {
    let roundup = 4;
    while (roundup < pages) roundup <<= 1;
    pages = roundup;
  }
  if (pages > maxPages) pages = maxPages;
  const lastRa = prevWin >> 1;
  if (pages < lastRa) pages = lastRa;
  return pages;
}

/**
 * `swap_read_folio` into a new folio: put `pfn` in the swap cache for
 * `slot` as the page (`owner`, `index`) — an mm and vpn for anon, a shmem
 * file and index — read it from the swap device, and return the shadow
 * the slot kept.
 */
export function swapReadFolio(
  kern: KernelState,
  task: Task,
  pfn: number,
  slot: number,
  flags: number,
  owner: number,
  index: number,
  ahead = 0,
): number {
  const shadow = swapCacheAdd(kern, pfn, slot, flags, owner, index, kern.machine.frames.memcg[pfn]);
  const c = kern.world.counters.v;
  // The pages read ahead go in the same plugged request as this one.
  c[VM.pswpin] += 1 + ahead;
  // Each page read ahead counted in its own memcg as it was added (`swapReadahead`).
  kern.machine.memcgs[kern.machine.frames.memcg[pfn]].stat[MEMCG_STAT.pswpin]++;
  c[VM.pgpgin] += (1 + ahead) * KIB_PER_PAGE;
  // The plugged request starts at the window's lowest slot.
  const sector = ahead > 0 ? Math.min(slot, kern.swapRaFirst) : slot;
  const done = kern.machine.swapDevice.submit(task.t, 1 + ahead, false, true, sector);
  task.ioWaitNs += done - task.t;
  kern.swapWaitStart = task.t;
  kern.swapWaitEnd = done;
  task.t = done + kern.machine.config.cost.majorFaultNs;
  return shadow;
}

/** `folio_wait_writeback`: sleep until `pfn`'s write completes, and complete it (its timer then finds it done). */
export function waitForFolioWriteback(kern: KernelState, task: Task, pfn: number): void {
  const seq = kern.world.wbSeq[pfn];
  const done = kern.world.timers.latest((p, s) => p === pfn && s === seq);
  if (done > task.t) {
    task.ioWaitNs += done - task.t;
    task.t = done;
  }
  kern.world.endWriteback(pfn, false);
}

/** Put `pfn` in the swap cache for `slot` as the page (`owner`, `index`); returns the shadow the slot kept. */
export function swapCacheAdd(
  kern: KernelState,
  pfn: number,
  slot: number,
  flags: number,
  owner: number,
  index: number,
  memcg: number,
): number {
  const f = kern.machine.frames;
  f.flags[pfn] |= flags | PG_SWAPBACKED | PG_SWAPCACHE;
  f.owner[pfn] = owner;
  f.index[pfn] = index;
  f.memcg[pfn] = memcg;
  f.swapSlot[pfn] = slot;
  return kern.world.swapCacheInsert(pfn, slot);
}

/**
 * Models `swapin_readahead()` for the fault on `vpn` (swap entry `slot`)
 * of `task`, and, with no `vma`, `shmem_swapin_cluster()` for a shmem
 * swap-in: on a device that is not synchronous (zram and RAM disks skip
 * the swap cache), read the entries around it into the swap cache, clean,
 * unmapped and marked PG_READAHEAD, for their first fault or shmem lookup
 * to find. A rotational swap device, and shmem always, take the aligned
 * cluster of swap offsets around `slot` (`swap_cluster_readahead`); an
 * anon fault on any other device the PTEs around the fault address within
 * its VMA and page table (`swap_vma_readahead`); both size the window with
 * `__swapin_nr_pages` from readahead hits. Pages go in with one reclaim
 * round at most (`__GFP_NORETRY`, where the kernel uses the fault's mask).
 * Any entry of the cluster is read, anon or shmem, each charged to the
 * memcg it was swapped out from (`mem_cgroup_swapin_charge_folio`); one
 * that memcg cannot take without reclaim is skipped. Returns the pages
 * read ahead, whose I/O the caller submits with its own.
 */
export function swapReadahead(
  kern: KernelState,
  task: Task,
  vma: Vma | null,
  vpn: number,
  slot: number,
): number {
  const swap = kern.machine.swap as SwapSpace;
  const device = kern.machine.swapDevice.spec;
  const cluster = kern.machine.config.pageCluster ?? DEFAULT_PAGE_CLUSTER;
  if (device.synchronous || cluster <= 0) return 0;
  // File readahead's two buffers, idle during a swap fault: slots here, their new frames below.
  const slots = kern.raPfns;
  let n = 0;
  if (vma === null || device.rotational) {
    // `swapin_nr_pages`: one window for the whole swap device.
    const maxPages = 1 << cluster;
    const hits = kern.swapRaHits;
    kern.swapRaHits = 0;
    const pages = swapinNrPages(kern.swapRaPrevOffset, slot, hits, maxPages, kern.swapRaLastPages);
    if (hits === 0) kern.swapRaPrevOffset = slot;
    kern.swapRaLastPages = pages;
    const mask = pages - 1;
    const end = Math.min(slot | mask, swap.highWater - 1);
    for (let s = slot & ~mask; s <= end && n < slots.length; s++)
      if (s !== slot && raWanted(kern, s)) slots[n++] = s;
  } else {
    // `swap_vma_ra_win`
    const maxWin = 1 << Math.min(cluster, SWAP_RA_ORDER_CEILING);
    if (maxWin === 1) return 0;
    const prev = vma.swapRaVpn;
    const win = swapinNrPages(prev, vpn, vma.swapRaHits, maxWin, vma.swapRaWin);
    vma.swapRaVpn = vpn;
    vma.swapRaWin = win;
    vma.swapRaHits = 0;
    if (win === 1) return 0;
    let left: number;
    if (vpn === prev + 1) left = vpn;
    else if (prev === vpn + 1) left = vpn - win + 1;
    else left = vpn - ((win - 1) >> 1);
    const pmd = vpn - (vpn % PTRS_PER_PTE);
    const lo = Math.max(left, vma.start, pmd);
    const hi = Math.min(left + win, vma.start + vma.pages, pmd + PTRS_PER_PTE);
    const mm = task.mm;
    for (let v = lo; v < hi && n < slots.length; v++) {
      const p = mm.pte[v];
      if (p < 0 && v !== vpn && raWanted(kern, -p - 1)) slots[n++] = -p - 1;
    }
  }
  if (n === 0) return 0;
  // Allocate first, locked off the LRU, so reclaim for one cannot take another.
  const f = kern.machine.frames;
  const pfns = kern.raIndices;
  let got = 0;
  const memcgs = kern.machine.memcgs;
  for (; got < n; got++) {
    const pfn = allocPage(kern, task, true, memcgs[swap.memcg[slots[got]]]);
    if (pfn < 0) break;
    f.flags[pfn] |= PG_LOCKED;
    pfns[got] = pfn;
  }
  if (task.killed) {
    for (let i = 0; i < got; i++) {
      f.flags[pfns[i]] &= ~PG_LOCKED;
      unchargeAndFree(kern, pfns[i]);
    }
    return 0;
  }
  let read = 0;
  kern.swapRaFirst = slot;
  for (let i = 0; i < got; i++) {
    const pfn = pfns[i];
    const s = slots[i];
    f.flags[pfn] &= ~PG_LOCKED;
    // Reclaim while allocating may have freed or cached the entry meanwhile.
    if (swap.frame[s] >= 0 || !swapEntryHeld(kern, s)) {
      unchargeAndFree(kern, pfn);
      continue;
    }
    if (s < kern.swapRaFirst) kern.swapRaFirst = s;
    const owner = swap.ownerMm[s];
    const index = swap.ownerVpn[s];
    // A shmem folio read ahead waits in the swap cache, swap-backed and unmapped, for its lookup.
    const shmem = swap.shmem[s] === 1;
    const kind = shmem ? 0 : PG_ANON;
    const shadow = swapCacheAdd(kern, pfn, s, kind | PG_READAHEAD, owner, index, swap.memcg[s]);
    kern.machine.memcgs[swap.memcg[s]].stat[MEMCG_STAT.pswpin]++;
    const flags = shmem ? 0 : (kern.world.mms[owner].vmaAt(index)?.vmFlags ?? 0) & ~VM_LOCKED;
    const active = refault(kern, pfn, shadow, hasRecency(flags));
    lruAdd(kern, pfn, flags, 'swapin', active, true);
    read++;
  }
  kern.world.counters.v[VM.swap_ra] += read;
  return read;
}

/** A swap entry worth reading ahead: in use, not cached, still held by its owner (of any memcg and kind). */
export function raWanted(kern: KernelState, s: number): boolean {
  const swap = kern.machine.swap as SwapSpace;
  return swap.isUsed(s) && swap.frame[s] < 0 && swapEntryHeld(kern, s);
}

/** A used swap slot its owner still refers to: the anon PTE, or the shmem file's swap entry. */
export function swapEntryHeld(kern: KernelState, s: number): boolean {
  const swap = kern.machine.swap as SwapSpace;
  if (!swap.isUsed(s)) return false;
  const owner = swap.ownerMm[s];
  const index = swap.ownerVpn[s];
  return swap.shmem[s] === 1
    ? (kern.machine.files[owner].swapEntry as Int32Array)[index] === s + 1
    : kern.world.mms[owner].pte[index] === -(s + 1);
}

/** `swap_update_readahead`: a fault found `pfn` in the swap cache; count a readahead hit. */
export function swapUpdateReadahead(kern: KernelState, vma: Vma, vpn: number, pfn: number): void {
  const f = kern.machine.frames;
  const readahead = (f.flags[pfn] & PG_READAHEAD) !== 0;
  f.flags[pfn] &= ~PG_READAHEAD;
  const vmaRa = !kern.machine.swapDevice.spec.rotational;
  if (vmaRa) {
    vma.swapRaVpn = vpn;
    if (readahead) vma.swapRaHits = Math.min(vma.swapRaHits + 1, SWAP_RA_HITS_MAX);
  }
  if (readahead) {
    kern.world.counters.v[VM.swap_ra_hit]++;
    if (!vmaRa) kern.swapRaHits++;
  }
}
