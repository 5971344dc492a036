import {
  type BlockDevice,
  type FileMapping,
  type FrameTable,
  isTieredMachine,
  LRU_ANON,
  LRU_FILE,
  type Machine,
  MEMCG_STAT,
  type Memcg,
  Mm,
  PG_ANON,
  PG_DIRTY,
  PG_FILE,
  PG_ISOLATED,
  PG_LOCKED,
  PG_LRU,
  PG_MLOCKED,
  PG_RECLAIM,
  PG_SWAPBACKED,
  PG_SWAPCACHE,
  PG_UNEVICTABLE,
  PG_WRITEBACK,
  PTE_DIRTY,
  PTE_WRPROTECT,
  PTE_YOUNG,
  type SimFile,
  type SwapSpace,
  VM_LOCKED,
  VM_RAND_READ,
  VM_SEQ_READ,
} from '@reclaim-lab/hw-model';
import { Counters, KIB_PER_PAGE, VM } from './counters.js';

/** Slots the swap allocator looks at for one to reclaim from the swap cache (a cluster's worth). */
const SWAP_RECLAIM_SCAN = 64;

import { ListSet } from './lists.js';
import { Lruvec } from './lruvec.js';
import { ShadowNodes } from './shadow-nodes.js';
import { TimerHeap } from './timer-heap.js';

/** Result of an rmap walk (`folio_referenced`). */
export interface RmapResult {
  /** Young PTEs found (and cleared); -1 models rmap contention / an exiting owner. */
  refs: number;
  /** OR of the VM_* flags of every mapping walked. */
  vmFlags: number;
  /** Mappings visited. */
  mappings: number;
}

/** Called for each young PTE an rmap walk finds, before it is cleared (the look-around hook). */
export type YoungPteVisitor = (mm: Mm, vpn: number, pfn: number) => void;

/**
 * The mechanisms' shared state: the machine plus the kernel-side structures
 * every policy works through (lists, lruvecs, counters, address spaces, the
 * I/O completion queue). Methods here act; none of them chooses a victim.
 */
export class World {
  readonly machine: Machine;
  readonly frames: FrameTable;
  readonly lists: ListSet;
  readonly counters = new Counters();
  /** The shadow-node shrinker's lists (kernel mode only). */
  readonly shadowNodes: ShadowNodes | null;
  readonly lruvecs: Lruvec[] = [];
  private readonly lruvecIndex: Int32Array[] = [];
  readonly mms: Mm[] = [];
  /** Write-back sequence per frame (mod 256): a completion for an older write is ignored. */
  readonly wbSeq: Uint8Array;
  /**
   * Rmap steps (mappings visited) of the `folio_mkclean` in the last
   * `startWriteback`: CPU time its caller pays (a task's fsync; the
   * flushers' kworkers have no modelled CPU).
   */
  lastMkcleanSteps = 0;
  /**
   * Time the last `startWriteback` to zram took (0 for any other device):
   * zram compresses in the writer's own context (`zram_write_page`), so
   * that time is CPU its caller pays. Other synchronous devices (a RAM
   * disk) are left uncharged, as before.
   */
  lastSyncWriteNs = 0;
  readonly timers = new TimerHeap();
  /** Virtual time of the thread currently running. */
  now = 0;
  /** Pages under writeback and dirty file pages, node-wide (NR_WRITEBACK, NR_FILE_DIRTY). */
  nrWriteback = 0;
  nrFileDirty = 0;
  /** Called when a lruvec is first needed, so the kernel can attach its policy. */
  onLruvecCreated: (lv: Lruvec) => void = () => {};
  private readonly rmapOut: RmapResult = { refs: 0, vmFlags: 0, mappings: 0 };
  /** Where the swap allocator's reclaim scan resumes (`reclaimSwapCacheSlot`). */
  private swapReclaimCursor = 0;

  constructor(machine: Machine) {
    this.machine = machine;
    this.frames = machine.frames;
    this.lists = new ListSet(machine.frames);
    this.wbSeq = new Uint8Array(machine.frames.count);
    this.counters.tiering = isTieredMachine(machine.config);
    // Ideal mode is the policy alone: its shadows (ghost entries) are not trimmed.
    this.shadowNodes = machine.config.mode === 'ideal' ? null : new ShadowNodes(machine, this.counters);
  }

  get cost() {
    return this.machine.config.cost;
  }

  lruvec(memcg: Memcg, node: number): Lruvec {
    let row = this.lruvecIndex[memcg.id];
    if (!row) {
      row = new Int32Array(this.machine.nodes.length).fill(-1);
      this.lruvecIndex[memcg.id] = row;
    }
    let id = row[node];
    if (id === -1) {
      id = this.lruvecs.length;
      const unevictable = this.lists.create(id, `${memcg.path}@${node}:unevictable`);
      const lv = new Lruvec(id, memcg, node, unevictable);
      this.lruvecs.push(lv);
      row[node] = id;
      this.onLruvecCreated(lv);
    }
    return this.lruvecs[id];
  }

  /** Existing lruvec or undefined (never creates). */
  findLruvec(memcg: Memcg, node: number): Lruvec | undefined {
    const id = this.lruvecIndex[memcg.id]?.[node] ?? -1;
    return id === -1 ? undefined : this.lruvecs[id];
  }

  createMm(memcg: number, regions: { pages: number; vmFlags: number; file: number; pgoff: number }[]): Mm {
    const mm = new Mm(this.mms.length, memcg, regions);
    this.mms.push(mm);
    return mm;
  }

  // ---- memcg charging -------------------------------------------------------

  charge(memcg: Memcg, pages: number): void {
    for (let m: Memcg | null = memcg; m; m = m.parent) m.usage += pages;
  }

  uncharge(memcgId: number, pages: number): void {
    for (let m: Memcg | null = this.machine.memcgs[memcgId]; m; m = m.parent) m.usage -= pages;
  }

  chargeSwap(memcgId: number, pages: number): void {
    for (let m: Memcg | null = this.machine.memcgs[memcgId]; m; m = m.parent) m.swapUsage += pages;
  }

  /**
   * `mem_cgroup_swap_full`: swap is getting full for a folio of this memcg —
   * the device more than half used (`vm_swap_full`), or the memcg or an
   * ancestor below the root at half its memory.swap.max. Reclaim and
   * swap-in then drop the swap copy of a folio that is back in use.
   */
  swapFull(memcgId: number): boolean {
    const swap = this.machine.swap;
    if (!swap) return false;
    if (swap.isFull()) return true;
    for (let m: Memcg | null = this.machine.memcgs[memcgId]; m?.parent; m = m.parent) {
      if (m.swapUsage * 2 >= m.swapMax) return true;
    }
    return false;
  }

  /**
   * `__try_to_reclaim_swap` from the slot allocator while `vm_swap_full`:
   * as it scans for a slot, the allocator drops one whose folio is resident
   * and mapped again, its swap copy needed by nothing (no PTE holds the
   * entry), so the slot can be taken. Looks at a bounded run of slots from
   * a cursor, as the allocator's scan does; skips folios under write-back,
   * locked or isolated, and shmem's slots (the page cache holds those).
   */
  private reclaimSwapCacheSlot(swap: SwapSpace): void {
    const f = this.frames;
    const end = swap.highWater;
    for (let i = 0; i < SWAP_RECLAIM_SCAN && end > 0; i++) {
      const slot = this.swapReclaimCursor++ % end;
      if (!swap.isUsed(slot) || swap.shmem[slot]) continue;
      const pfn = swap.frame[slot];
      if (pfn < 0 || f.mapcount[pfn] === 0 || f.flags[pfn] & (PG_WRITEBACK | PG_LOCKED | PG_ISOLATED))
        continue;
      this.freeSwapSlot(pfn);
      return;
    }
  }

  /** May this memcg (and its ancestors) take another swap slot? */
  swapAllowed(memcgId: number): boolean {
    for (let m: Memcg | null = this.machine.memcgs[memcgId]; m; m = m.parent) {
      if (m.swapUsage >= m.swapMax) return false;
    }
    return true;
  }

  // ---- the page cache --------------------------------------------------------

  /** Insert a freshly allocated frame as page `index` of `file`. Returns the shadow it replaced (0 = none). */
  pageCacheInsert(file: SimFile, index: number, pfn: number, memcg: Memcg): number {
    const f = this.frames;
    f.flags[pfn] |= PG_FILE;
    f.owner[pfn] = file.id;
    f.index[pfn] = index;
    f.memcg[pfn] = memcg.id;
    file.cache[index] = pfn + 1;
    file.nrCached++;
    const lean = file.leanShadow;
    if (lean !== null && lean[index] !== 0) {
      const shadow = file.leanShadowValue[lean[index] - 1];
      lean[index] = 0;
      file.nrShadows--;
      this.shadowNodes?.pageAdded(file, index, true);
      return shadow;
    }
    const shadow = file.shadow[index];
    if (shadow !== 0) {
      file.shadow[index] = 0;
      file.nrShadows--;
    }
    this.shadowNodes?.pageAdded(file, index, shadow !== 0);
    return shadow;
  }

  // ---- rmap ------------------------------------------------------------------

  /**
   * Models `folio_referenced()`: test and clear the accessed bit of every PTE
   * mapping the folio. Mappings without recency (MADV_SEQUENTIAL/RANDOM)
   * are skipped, as `vma_has_recency` makes the kernel do; a VM_LOCKED
   * mapping is reported at once. The result object is reused: copy what you keep.
   */
  folioReferenced(pfn: number, visitor: YoungPteVisitor | null = null, testYoung = true): RmapResult {
    const out = this.rmapOut;
    out.refs = 0;
    out.vmFlags = 0;
    out.mappings = 0;
    const f = this.frames;
    if (f.mapcount[pfn] === 0) return out;
    if (testYoung) this.counters.v[VM.rmap_walks]++;
    if (f.flags[pfn] & PG_ANON) {
      const mm = this.mms[f.owner[pfn]];
      const vpn = f.index[pfn];
      const vma = mm.vmaAt(vpn);
      out.mappings = 1;
      if (vma) {
        out.vmFlags |= vma.vmFlags;
        if (vma.vmFlags & VM_LOCKED) return out;
        if (testYoung && (vma.vmFlags & (VM_SEQ_READ | VM_RAND_READ)) === 0)
          this.testYoung(mm, vpn, pfn, visitor);
      }
    } else {
      const file = this.machine.files[f.owner[pfn]];
      const index = f.index[pfn];
      for (const map of file.mappings) {
        const vpn = this.vpnIn(map, index, pfn);
        if (vpn < 0) continue;
        const mm = this.mms[map.mm];
        out.mappings++;
        out.vmFlags |= map.vmFlags;
        if (map.vmFlags & VM_LOCKED) return out;
        if (testYoung && (map.vmFlags & (VM_SEQ_READ | VM_RAND_READ)) === 0)
          this.testYoung(mm, vpn, pfn, visitor);
      }
    }
    if (testYoung) this.counters.v[VM.rmap_ptes] += out.mappings;
    return out;
  }

  private testYoung(mm: Mm, vpn: number, pfn: number, visitor: YoungPteVisitor | null): void {
    const bits = mm.pteBits[vpn];
    if (bits & PTE_YOUNG) {
      if (visitor) visitor(mm, vpn, pfn);
      mm.pteBits[vpn] = bits & ~PTE_YOUNG;
      this.rmapOut.refs++;
    }
  }

  /** Cost in ns of the last rmap walk. */
  rmapCost(r: RmapResult): number {
    return r.mappings * this.cost.rmapNs;
  }

  // ---- unmap -----------------------------------------------------------------

  /**
   * Models `try_to_unmap()`: clear every PTE of the folio, moving PTE dirty
   * bits to PG_dirty; anon PTEs become swap entries (the folio must be in the
   * swap cache). Fails on a VM_LOCKED mapping. Returns PTEs unmapped, or -1.
   */
  tryToUnmap(pfn: number): number {
    const f = this.frames;
    if (f.mapcount[pfn] === 0) return 0;
    let n = 0;
    if (f.flags[pfn] & PG_ANON) {
      const mm = this.mms[f.owner[pfn]];
      const vpn = f.index[pfn];
      const vma = mm.vmaAt(vpn);
      if (vma && vma.vmFlags & VM_LOCKED) return -1;
      const slot = f.swapSlot[pfn];
      if (slot < 0) throw new Error(`unmapping anon pfn ${pfn} that has no swap slot`);
      if (mm.pteBits[vpn] & PTE_DIRTY) f.flags[pfn] |= PG_DIRTY;
      mm.pte[vpn] = -(slot + 1);
      mm.pteBits[vpn] = 0;
      mm.rssAnon--;
      mm.swapEnts++;
      n = 1;
    } else {
      const file = this.machine.files[f.owner[pfn]];
      const index = f.index[pfn];
      for (const map of file.mappings)
        if (map.vmFlags & VM_LOCKED && this.vpnIn(map, index, pfn) >= 0) return -1;
      for (const map of file.mappings) {
        const vpn = this.vpnIn(map, index, pfn);
        if (vpn < 0) continue;
        const mm = this.mms[map.mm];
        if (mm.pteBits[vpn] & PTE_DIRTY) this.markDirty(pfn);
        mm.pte[vpn] = 0;
        mm.pteBits[vpn] = 0;
        mm.rssFile--;
        n++;
      }
    }
    f.mapcount[pfn] = 0;
    return n;
  }

  /** Point every PTE that maps page-cache folio `from` at frame `to` (migration's `remove_migration_ptes`). */
  moveFilePtes(from: number, to: number): void {
    const f = this.frames;
    const file = this.machine.files[f.owner[from]];
    const index = f.index[from];
    for (const map of file.mappings) {
      const vpn = this.vpnIn(map, index, from);
      if (vpn >= 0) this.mms[map.mm].pte[vpn] = to + 1;
    }
  }

  /**
   * Models `folio_mkclean()`: clean and write-protect every PTE mapping a
   * file folio about to be written, so the next store faults and dirties it again.
   */
  mkclean(pfn: number): number {
    const f = this.frames;
    const file = this.machine.files[f.owner[pfn]];
    const index = f.index[pfn];
    let steps = 0;
    for (const map of file.mappings) {
      // The interval tree visits only mappings that cover the page.
      if (index >= map.pgoff && index < map.pgoff + map.pages) steps++;
      const vpn = this.vpnIn(map, index, pfn);
      if (vpn < 0) continue;
      const bits = this.mms[map.mm].pteBits;
      bits[vpn] = (bits[vpn] & ~PTE_DIRTY) | PTE_WRPROTECT;
    }
    this.counters.v[VM.rmap_walks]++;
    this.counters.v[VM.rmap_ptes] += steps;
    return steps;
  }

  /** The vpn at which `map` maps `pfn` (page `index` of the mapped file), or -1: one step of a file rmap walk. */
  vpnIn(map: FileMapping, index: number, pfn: number): number {
    if (index < map.pgoff || index >= map.pgoff + map.pages) return -1;
    const vpn = map.start + index - map.pgoff;
    return this.mms[map.mm].pte[vpn] === pfn + 1 ? vpn : -1;
  }

  /**
   * Set PG_dirty. A page-cache folio of a regular file is accounted
   * (NR_FILE_DIRTY, the file's count, its memcgs') for the flushers and
   * fsync; shmem's `noop_dirty_folio` accounts nothing — reclaim alone
   * writes it, to swap.
   */
  markDirty(pfn: number): void {
    const f = this.frames;
    if (f.flags[pfn] & PG_DIRTY) return;
    f.flags[pfn] |= PG_DIRTY;
    if ((f.flags[pfn] & (PG_FILE | PG_SWAPBACKED)) === PG_FILE) {
      this.nrFileDirty++;
      this.machine.files[f.owner[pfn]].nrDirty++;
      this.memcgDirty(pfn, 1, 0);
      this.counters.v[VM.nr_dirtied]++;
    }
  }

  /** memory.stat file_dirty / file_writeback of the folio's memcg and its ancestors. */
  private memcgDirty(pfn: number, dirty: number, writeback: number): void {
    for (let m: Memcg | null = this.machine.memcgs[this.frames.memcg[pfn]]; m; m = m.parent) {
      m.nrFileDirty += dirty;
      m.nrWriteback += writeback;
    }
  }

  clearDirty(pfn: number): void {
    const f = this.frames;
    if ((f.flags[pfn] & PG_DIRTY) === 0) return;
    f.flags[pfn] &= ~PG_DIRTY;
    if ((f.flags[pfn] & (PG_FILE | PG_SWAPBACKED)) === PG_FILE) {
      this.nrFileDirty--;
      this.machine.files[f.owner[pfn]].nrDirty--;
      this.memcgDirty(pfn, -1, 0);
    }
  }

  // ---- swap --------------------------------------------------------------------

  /** Models `add_to_swap()`: give an anon folio a slot and put it in the swap cache, dirty. */
  addToSwap(pfn: number): boolean {
    const swap = this.machine.swap;
    const f = this.frames;
    if (!swap || !this.swapAllowed(f.memcg[pfn])) return false;
    if (swap.isFull()) this.reclaimSwapCacheSlot(swap);
    const slot = swap.alloc(f.owner[pfn], f.index[pfn], f.memcg[pfn]);
    if (slot < 0) return false;
    this.chargeSwap(f.memcg[pfn], 1);
    f.swapSlot[pfn] = slot;
    f.flags[pfn] |= PG_SWAPCACHE | PG_DIRTY;
    swap.frame[slot] = pfn;
    this.shadowNodes?.swapAdded(swap, slot, false);
    return true;
  }

  /**
   * Models `shmem_writeout()` up to the write: give a dirty shmem folio a
   * swap slot and move it from the file's page cache to the swap cache, the
   * page cache keeping the swap entry. False (the caller re-dirties and
   * activates) when there is no slot for it.
   */
  shmemWriteout(pfn: number): boolean {
    const swap = this.machine.swap;
    const f = this.frames;
    if (!swap || !this.swapAllowed(f.memcg[pfn])) return false;
    if (swap.isFull()) this.reclaimSwapCacheSlot(swap);
    const file = this.machine.files[f.owner[pfn]];
    const index = f.index[pfn];
    const slot = swap.alloc(file.id, index, f.memcg[pfn], true);
    if (slot < 0) return false;
    this.chargeSwap(f.memcg[pfn], 1);
    file.cache[index] = 0;
    file.nrCached--;
    // The swap entry takes the slot: the node keeps a value entry, never shadow-only.
    this.shadowNodes?.pageRemoved(file, index, false, f.memcg[pfn]);
    (file.swapEntry as Int32Array)[index] = slot + 1;
    f.swapSlot[pfn] = slot;
    f.flags[pfn] = (f.flags[pfn] & ~PG_FILE) | PG_SWAPCACHE;
    swap.frame[slot] = pfn;
    this.shadowNodes?.swapAdded(swap, slot, false);
    return true;
  }

  /**
   * A folio read from swap joins the swap cache at `slot`: the shadow the
   * slot kept (0 if none) is taken from it and returned, for the refault test.
   */
  swapCacheInsert(pfn: number, slot: number): number {
    const swap = this.machine.swap as SwapSpace;
    swap.frame[slot] = pfn;
    const shadow = swap.shadow[slot];
    swap.shadow[slot] = 0;
    this.shadowNodes?.swapAdded(swap, slot, shadow !== 0);
    return shadow;
  }

  /** A folio charged to `memcg` leaves the swap cache at `slot` with no shadow; its slot stays. */
  swapCacheDrop(slot: number, memcg: number): void {
    const swap = this.machine.swap as SwapSpace;
    swap.frame[slot] = -1;
    this.shadowNodes?.swapRemoved(swap, slot, false, memcg);
  }

  /** Free a swap entry no folio holds, its shadow with it (`swap_free` → `clear_shadow_from_swap_cache`). */
  releaseSwapEntry(slot: number): void {
    const swap = this.machine.swap as SwapSpace;
    this.chargeSwap(swap.memcg[slot], -1);
    if (swap.shadow[slot] !== 0) this.shadowNodes?.swapShadowCleared(swap, slot);
    swap.release(slot);
    this.machine.zram?.drop(slot);
  }

  /**
   * The end of `shmem_swapin_folio()` for a folio in the swap cache: back
   * into the file's page cache, dirty (its swap copy is dropped), the slot
   * freed.
   */
  shmemSwapinToCache(pfn: number): void {
    const f = this.frames;
    const file = this.machine.files[f.owner[pfn]];
    const index = f.index[pfn];
    (file.swapEntry as Int32Array)[index] = 0;
    this.freeSwapSlot(pfn);
    f.flags[pfn] |= PG_FILE | PG_DIRTY;
    file.cache[index] = pfn + 1;
    file.nrCached++;
    this.shadowNodes?.pageAdded(file, index, false);
  }

  /** Drop a folio's swap slot (the slot's content is no longer needed). */
  freeSwapSlot(pfn: number): void {
    const f = this.frames;
    const slot = f.swapSlot[pfn];
    if (slot < 0) return;
    const swap = this.machine.swap!;
    // Still in the swap cache (`delete_from_swap_cache`, no shadow), or gone with a shadow left.
    if (swap.frame[slot] >= 0) this.shadowNodes?.swapRemoved(swap, slot, false, f.memcg[pfn]);
    else if (swap.shadow[slot] !== 0) this.shadowNodes?.swapShadowCleared(swap, slot);
    this.chargeSwap(swap.memcg[slot], -1);
    swap.release(slot);
    this.machine.zram?.drop(slot);
    f.swapSlot[pfn] = -1;
    f.flags[pfn] &= ~PG_SWAPCACHE;
  }

  // ---- writeback -----------------------------------------------------------------

  /**
   * Start writing a dirty folio (models `pageout()` for reclaim and the
   * flusher's writeback): clear dirty, set writeback, queue the completion.
   * Returns true if the write completed synchronously (zram, RAM disk).
   */
  startWriteback(pfn: number, now: number, reclaim: boolean, newRequest = true): boolean {
    const f = this.frames;
    const anon = (f.flags[pfn] & PG_SWAPCACHE) !== 0 && (f.flags[pfn] & PG_FILE) === 0;
    const dev = this.writebackDevice(pfn);
    this.clearDirty(pfn);
    this.lastMkcleanSteps = !anon && f.mapcount[pfn] > 0 ? this.mkclean(pfn) : 0;
    f.flags[pfn] |= PG_WRITEBACK;
    if (reclaim) f.flags[pfn] |= PG_RECLAIM;
    this.nrWriteback++;
    this.memcgDirty(pfn, 0, 1);
    this.counters.v[VM.pgpgout] += KIB_PER_PAGE;
    if (anon) {
      this.counters.v[VM.pswpout]++;
      this.machine.memcgs[f.memcg[pfn]].stat[MEMCG_STAT.pswpout]++;
      // zram compresses the page into its pool, which takes free memory on the folio's node.
      this.machine.zram?.store(f.swapSlot[pfn], f.node[pfn]);
    }
    this.counters.v[VM.writeback_pages]++;
    // Every folio takes its page of bandwidth; a batch counts as one request.
    const done = dev.submit(now, 1, true, newRequest);
    this.lastSyncWriteNs = 0;
    if (dev.spec.synchronous) {
      if (dev.spec.compressesToRam) this.lastSyncWriteNs = done - now;
      this.endWriteback(pfn, false);
      return true;
    }
    // The completion carries the write's sequence so a stale one (the frame
    // was freed and reused meanwhile) is recognised and dropped.
    this.wbSeq[pfn] = (this.wbSeq[pfn] + 1) & 0xff;
    this.timers.push(done, pfn, this.wbSeq[pfn]);
    return false;
  }

  /** The device a dirty folio is written to: the swap device for a swap-cache anon folio, else its file's. */
  writebackDevice(pfn: number): BlockDevice {
    const f = this.frames;
    return (f.flags[pfn] & PG_SWAPCACHE) !== 0 && (f.flags[pfn] & PG_FILE) === 0
      ? this.machine.swapDevice
      : this.machine.devices[this.machine.files[f.owner[pfn]].device];
  }

  /**
   * Models `folio_end_writeback()`. Returns true if the folio had PG_reclaim
   * and should be rotated to the tail of its LRU (`folio_rotate_reclaimable`).
   */
  endWriteback(pfn: number, rotate = true): boolean {
    const f = this.frames;
    if ((f.flags[pfn] & PG_WRITEBACK) === 0) return false;
    f.flags[pfn] &= ~PG_WRITEBACK;
    this.nrWriteback--;
    this.memcgDirty(pfn, 0, -1);
    this.counters.v[VM.nr_written]++;
    if (f.flags[pfn] & PG_RECLAIM) {
      f.flags[pfn] &= ~PG_RECLAIM;
      return rotate;
    }
    return false;
  }

  // ---- freeing -----------------------------------------------------------------

  /** Remove a frame from whatever LRU list it is on and clear its LRU state. */
  lruDel(pfn: number): void {
    const f = this.frames;
    const lv = this.lruvecs[f.lruvec[pfn]];
    if (this.lists.listOf[pfn] !== -1) this.lists.remove(pfn);
    if (f.flags[pfn] & PG_ISOLATED) {
      lv.nrIsolated[f.flags[pfn] & PG_SWAPBACKED ? LRU_ANON : LRU_FILE]--;
      f.flags[pfn] &= ~PG_ISOLATED;
    } else if (f.flags[pfn] & PG_LRU) {
      if (f.flags[pfn] & PG_UNEVICTABLE) lv.nrUnevictable--;
      else lv.nrPages[f.flags[pfn] & PG_SWAPBACKED ? LRU_ANON : LRU_FILE]--;
    }
    f.flags[pfn] &= ~(PG_LRU | PG_UNEVICTABLE);
  }

  /**
   * Release a frame that nothing maps any more: drop it from the page cache
   * or swap cache (leaving `shadow` there if non-zero), uncharge, free.
   */
  releaseFrame(pfn: number, shadow: number, reclaim = false): void {
    const f = this.frames;
    const flags = f.flags[pfn];
    // The reclaim path must never free what is still in use or not yet on disk.
    if (reclaim && (flags & (PG_DIRTY | PG_WRITEBACK | PG_MLOCKED) || f.mapcount[pfn] !== 0)) {
      throw new Error(
        `reclaim freed pfn ${pfn} while ${f.mapcount[pfn] ? 'mapped' : 'dirty, under writeback or mlocked'}`,
      );
    }
    if (flags & PG_FILE) {
      if (flags & PG_DIRTY) this.clearDirty(pfn);
      this.pageCacheDelete(pfn, shadow);
    } else if (flags & PG_SWAPCACHE) {
      const swap = this.machine.swap!;
      const slot = f.swapSlot[pfn];
      swap.frame[slot] = -1;
      swap.shadow[slot] = shadow;
      this.shadowNodes?.swapRemoved(swap, slot, shadow !== 0, f.memcg[pfn]);
    }
    if (flags & PG_WRITEBACK) {
      this.nrWriteback--;
      this.memcgDirty(pfn, 0, -1);
    }
    if (flags & PG_MLOCKED) f.flags[pfn] &= ~PG_MLOCKED;
    this.uncharge(f.memcg[pfn], 1);
    this.counters.v[VM.pgfree]++;
    this.machine.freeFrame(pfn);
  }

  /**
   * `lruDel` then `releaseFrame(pfn, shadow, true)` for an isolated, clean,
   * unmapped file folio on no list — every folio ideal mode's misses
   * reclaim — without the branches it cannot take. Anything else goes
   * the general way.
   */
  dropIsolatedCleanFile(pfn: number, shadow: number): void {
    if (!this.isolatedCleanFile(pfn)) {
      this.lruDel(pfn);
      this.releaseFrame(pfn, shadow, true);
      return;
    }
    this.releaseCleanFile(pfn, shadow);
    this.machine.freeFrame(pfn);
  }

  /**
   * Ideal mode's miss when memory is full, in one call: `dropIsolatedCleanFile(old,
   * shadow)`, then the frame it frees — which `allocFrame` would hand straight
   * back — inserted as page `index` of `file` for `memcg` (`pageCacheInsert`).
   * Returns the shadow the insert found (0: none), or -1, with nothing done,
   * when `old` is not an isolated, clean, unmapped file folio on no list, or
   * its node's free stack is not empty (another frame would come back).
   */
  replaceIsolatedCleanFile(old: number, shadow: number, file: SimFile, index: number, memcg: Memcg): number {
    if (
      !this.isolatedCleanFile(old) ||
      this.machine.nodes[this.frames.node[old]].freeTop !== 0 ||
      this.shadowNodes !== null
    )
      return -1;
    this.releaseCleanFile(old, shadow);
    this.machine.recycleFrame(old);
    return this.pageCacheInsert(file, index, old, memcg);
  }

  /** Isolated by reclaim, on no list, a clean unmapped file folio: one `releaseCleanFile` can take. */
  private isolatedCleanFile(pfn: number): boolean {
    const f = this.frames;
    return (
      (f.flags[pfn] &
        (PG_FILE | PG_SWAPBACKED | PG_ISOLATED | PG_DIRTY | PG_WRITEBACK | PG_MLOCKED | PG_UNEVICTABLE)) ===
        (PG_FILE | PG_ISOLATED) &&
      f.mapcount[pfn] === 0 &&
      this.lists.listOf[pfn] === -1
    );
  }

  /** An `isolatedCleanFile` folio leaves reclaim, its page cache (`shadow` in its slot) and its memcg; the frame is the caller's. */
  private releaseCleanFile(pfn: number, shadow: number): void {
    const f = this.frames;
    this.lruvecs[f.lruvec[pfn]].nrIsolated[LRU_FILE]--;
    this.pageCacheDelete(pfn, shadow);
    this.uncharge(f.memcg[pfn], 1);
    this.counters.v[VM.pgfree]++;
  }

  /** `__filemap_remove_folio`: a clean file folio leaves its page cache, `shadow` (0: none) in its slot. */
  private pageCacheDelete(pfn: number, shadow: number): void {
    const f = this.frames;
    const file = this.machine.files[f.owner[pfn]];
    const index = f.index[pfn];
    file.cache[index] = 0;
    file.nrCached--;
    if (shadow !== 0) {
      const lean = file.leanShadow;
      if (lean !== null && shadow === file.leanShadowValue[0]) lean[index] = 1;
      else if (lean !== null && shadow === file.leanShadowValue[1]) lean[index] = 2;
      else file.shadow[index] = shadow;
      file.nrShadows++;
    }
    this.shadowNodes?.pageRemoved(file, index, shadow !== 0, f.memcg[pfn]);
  }

  /** Frames currently isolated by reclaim, over all lruvecs. */
  isolatedPages(): number {
    let s = 0;
    for (const lv of this.lruvecs) s += lv.nrIsolated[0] + lv.nrIsolated[1];
    return s;
  }
}
