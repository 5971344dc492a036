/**
 * Tearing mappings down, as `zap_pte_range` (mm/memory.c) and munmap do:
 * unmapVma drops every PTE of a VMA, frees anonymous folios whose last
 * mapping went (freeAnon) and leaves page-cache folios to reclaim.
 *
 * Owns no state. May call: the frame and swap tables, lru lists; no
 * allocation or reclaim.
 */
import {
  PG_DIRTY,
  PG_ISOLATED,
  PG_LRU,
  PG_SWAPBACKED,
  PG_SWAPCACHE,
  PTE_DIRTY,
  type Vma,
  ZERO_PAGE_PTE,
} from '@reclaim-lab/hw-model';
import type { KernelState } from './kernel-state.js';
import { lruDelFolio } from './lru-add.js';
import type { Task } from './task.js';

export function unmapVma(kern: KernelState, task: Task, vma: Vma): void {
  if (!vma.mapped) return;
  const mm = task.mm;
  const f = kern.machine.frames;
  const swap = kern.machine.swap;
  for (let vpn = vma.start; vpn < vma.start + vma.pages; vpn++) {
    const p = mm.pte[vpn];
    if (p === 0) continue;
    if (vma.file >= 0) {
      if (p > 0) {
        const pfn = p - 1;
        if (mm.pteBits[vpn] & PTE_DIRTY) {
          kern.world.markDirty(pfn);
          if ((f.flags[pfn] & PG_SWAPBACKED) === 0) kern.flusher.queue(pfn, kern.now);
        }
        f.mapcount[pfn]--;
        mm.rssFile--;
      }
    } else if (p === ZERO_PAGE_PTE) {
      // The zero page is no one's: nothing to free.
    } else if (p > 0) {
      freeAnon(kern, p - 1);
      mm.rssAnon--;
    } else {
      const slot = -p - 1;
      const pfn = swap!.frame[slot];
      if (pfn >= 0) freeAnon(kern, pfn);
      else kern.world.releaseSwapEntry(slot);
      mm.swapEnts--;
    }
    mm.pte[vpn] = 0;
    mm.pteBits[vpn] = 0;
  }
  vma.mapped = false;
  task.regionBase[vma.region] = -1;
  if (vma.file >= 0) {
    const maps = kern.machine.files[vma.file].mappings;
    const i = maps.findIndex((m) => m.mm === mm.id && m.start === vma.start);
    if (i >= 0) maps.splice(i, 1);
  }
}

export function freeAnon(kern: KernelState, pfn: number): void {
  const f = kern.machine.frames;
  const lvId = f.lruvec[pfn];
  if (lvId >= 0 && f.flags[pfn] & (PG_LRU | PG_ISOLATED)) {
    lruDelFolio(kern, pfn);
  }
  if (f.flags[pfn] & PG_SWAPCACHE) {
    kern.world.swapCacheDrop(f.swapSlot[pfn], f.memcg[pfn]);
    kern.world.freeSwapSlot(pfn);
  }
  f.mapcount[pfn] = 0;
  f.flags[pfn] &= ~PG_DIRTY;
  kern.world.releaseFrame(pfn, 0);
}
