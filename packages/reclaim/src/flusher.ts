import {
  type Machine,
  type Memcg,
  PG_ALLOCATED,
  PG_DIRTY,
  PG_FILE,
  PG_WRITEBACK,
} from '@reclaim-lab/hw-model';
import { VM, type World } from '@reclaim-lab/mechanisms';

/** `MIN_WRITEBACK_PAGES`: 4 MiB. */
const MIN_WRITEBACK_PAGES = 1024;
/** `INIT_BW`: 100 MB/s in pages, the write bandwidth a new device is credited with. */
export const INIT_BW_PAGES = 25_600;

/**
 * One file's dirty pages on one write-back queue (an inode on a
 * `bdi_writeback`'s b_dirty list): a bit per page index, set while the page
 * waits for the flusher, and the cursor `write_cache_pages` resumes from
 * (`mapping->writeback_index`).
 */
class DirtyInode {
  readonly bits: Uint32Array;
  count = 0;
  /** `inode->dirtied_when`: when it went from clean to dirty. */
  dirtiedWhen = 0;
  /** `mapping->writeback_index`. */
  cursor = 0;
  listed = false;

  constructor(
    readonly file: number,
    pages: number,
  ) {
    this.bits = new Uint32Array((pages + 31) >>> 5);
  }

  /** The first queued index at or after `from`, else -1. */
  nextFrom(from: number): number {
    const bits = this.bits;
    let w = from >>> 5;
    if (w >= bits.length) return -1;
    let x = bits[w] & (~0 << (from & 31));
    while (x === 0) {
      if (++w >= bits.length) return -1;
      x = bits[w];
    }
    return (w << 5) + 31 - Math.clz32(x & -x);
  }

  clear(index: number): void {
    this.bits[index >>> 5] &= ~(1 << (index & 31));
    this.count--;
  }
}

/**
 * One memcg's write-back queue (cgroup writeback's `bdi_writeback`): its
 * dirty inodes, oldest dirtied first, each written in index order. An
 * inode with pages left after its chunk goes to the back (`requeue_io`).
 */
class WbQueue {
  readonly inodes = new Map<number, DirtyInode>();
  /** Listed inodes in write order; `head` is the next. */
  private order: DirtyInode[] = [];
  private head = 0;

  constructor(readonly memcg: Memcg) {}

  get first(): DirtyInode | null {
    return this.head < this.order.length ? this.order[this.head] : null;
  }

  list(inode: DirtyInode): void {
    inode.listed = true;
    this.order.push(inode);
  }

  /** Take the head inode off the list (it is written, or about to go to the back). */
  unlistFirst(): void {
    this.order[this.head++].listed = false;
    // Compact now and then: the list only grows at the back.
    if (this.head > 64 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }
}

/**
 * The flusher threads, one write-back queue per memcg as with cgroup
 * writeback (a page goes to its own memcg's; the kernel files whole inodes
 * under the memcg that first dirtied them). They write as `wb_writeback`
 * → `writeback_sb_inodes` → `write_cache_pages` do: inode by inode, the
 * one dirtied longest ago first, each in page-index order from where its
 * last write-back stopped, a chunk at a time (`writeback_chunk_size`), an
 * inode with pages left going to the back. They write when an inode is
 * older than dirty_expire, when above the background threshold, or
 * everything when reclaim wakes them; the machine-wide triggers take the
 * oldest inode of any queue, a memcg over its own background threshold
 * writes its own.
 */
export class Flusher {
  private readonly machine: Machine;
  private readonly world: World;
  /** Write-back queues by memcg id, made as memcgs first dirty pages. */
  private readonly wbs: (WbQueue | undefined)[] = [];
  /** The queues one `run` writes from (reused). */
  private readonly picked: WbQueue[] = [];
  /** Pages queued over all queues (stale ones included until met). */
  private count = 0;
  private flushAll = false;
  /** vm.dirty_background_ratio and vm.dirty_ratio of the dirtyable memory, in pages (see `updateLimits`). */
  background = 0;
  hard = 0;
  /** `global_dirtyable_memory` at the last `updateLimits`, in pages. */
  dirtyable = 0;

  constructor(machine: Machine, world: World) {
    this.machine = machine;
    this.world = world;
  }

  /** A file page became dirty at `now`: queue it under its inode on its memcg's write-back queue (`__mark_inode_dirty`). */
  queue(pfn: number, now: number): void {
    const f = this.machine.frames;
    const id = Math.max(0, f.memcg[pfn]);
    const wb = (this.wbs[id] ??= new WbQueue(this.machine.memcgs[id]));
    const fileId = f.owner[pfn];
    let inode = wb.inodes.get(fileId);
    if (inode === undefined) {
      inode = new DirtyInode(fileId, this.machine.files[fileId].pages);
      wb.inodes.set(fileId, inode);
    }
    const index = f.index[pfn];
    const bit = 1 << (index & 31);
    if (inode.bits[index >>> 5] & bit) return;
    inode.bits[index >>> 5] |= bit;
    inode.count++;
    this.count++;
    if (!inode.listed) {
      // A clean inode becoming dirty; one requeued keeps its time.
      if (inode.count === 1) inode.dirtiedWhen = now;
      wb.list(inode);
    }
  }

  /**
   * `global_dirtyable_memory`: free pages above the reserves (each zone's
   * high watermark: `totalreserve_pages` without lowmem reserves) plus the
   * file LRU pages — the page cache, shmem excepted (it is on the anon LRU).
   */
  updateLimits(): void {
    let filePages = 0;
    for (const file of this.machine.files) if (!file.shmem) filePages += file.nrCached;
    let reserve = 0;
    for (const node of this.machine.nodes) reserve += node.zone.high;
    const free = this.machine.freePages();
    const avail = free - Math.min(free, reserve) + filePages;
    this.dirtyable = avail;
    const cfg = this.machine.config;
    this.background = (avail * cfg.dirtyBackgroundRatio) / 100;
    this.hard = (avail * cfg.dirtyRatio) / 100;
  }

  /** Reclaim found the node clogged with dirty folios (`wakeup_flusher_threads`): write everything. */
  wakeAll(now: number): void {
    this.flushAll = true;
    this.run(now, true);
  }

  /**
   * Write back what is due: everything when forced, else expired pages or
   * enough to get under the background threshold. With `memcg`
   * (`wb_start_background_writeback` for a memcg over its own background
   * threshold) only that memcg's subtree's queues, and at least `minPages`.
   */
  run(now: number, force: boolean, minPages = 0, memcg: Memcg | null = null): void {
    if (this.count === 0) return;
    const picked = this.picked;
    picked.length = 0;
    for (const wb of this.wbs)
      if (wb !== undefined && wb.first !== null && (memcg === null || memcg.isAncestorOf(wb.memcg)))
        picked.push(wb);
    if (picked.length === 0) return;
    const expire = this.machine.config.dirtyExpireNs;
    const f = this.machine.frames;
    const c = this.world.counters.v;
    this.updateLimits();
    // `writeback_chunk_size`: background write-back goes in chunks of at
    // least MIN_WRITEBACK_PAGES (4 MiB), looking at the threshold between chunks.
    const chunk = Math.max(
      MIN_WRITEBACK_PAGES,
      Math.floor((Math.min(INIT_BW_PAGES / 2, this.hard / 8) + MIN_WRITEBACK_PAGES) / MIN_WRITEBACK_PAGES) *
        MIN_WRITEBACK_PAGES,
    );
    let batch = 0;
    let inChunk = 0;
    for (;;) {
      // The inode dirtied longest ago at the head of the queues written from.
      let wb: WbQueue | null = null;
      for (const q of picked) {
        const h = q.first;
        if (h !== null && (wb === null || h.dirtiedWhen < (wb.first as DirtyInode).dirtiedWhen)) wb = q;
      }
      if (wb === null) break;
      const inode = wb.first as DirtyInode;
      const expired = now - inode.dirtiedWhen >= expire;
      if (
        batch % chunk === 0 &&
        batch >= minPages &&
        !force &&
        !this.flushAll &&
        !expired &&
        this.world.nrFileDirty <= this.background
      )
        break;
      // `write_cache_pages` from the cursor, wrapping to the start (range_cyclic).
      let index = inode.nextFrom(inode.cursor);
      if (index < 0) index = inode.nextFrom(0);
      if (index < 0) {
        // Every page it queued was met already.
        wb.unlistFirst();
        inChunk = 0;
        continue;
      }
      inode.clear(index);
      this.count--;
      inode.cursor = index + 1;
      const p = this.machine.files[inode.file].cache[index];
      const pfn = p - 1;
      const flags = p === 0 ? 0 : f.flags[pfn];
      // Still cached and dirty, not yet under write-back, and still this memcg's (else cleaned
      // meanwhile by reclaim's pageout or fsync, or dropped).
      const write =
        p !== 0 &&
        (flags & (PG_ALLOCATED | PG_FILE | PG_DIRTY | PG_WRITEBACK)) ===
          (PG_ALLOCATED | PG_FILE | PG_DIRTY) &&
        Math.max(0, f.memcg[pfn]) === wb.memcg.id;
      if (write) {
        // Pages go out in requests of up to 256 (each page still takes its transfer time).
        this.world.startWriteback(pfn, now, false, batch % 256 === 0);
        c[VM.flusher_pages]++;
        if (batch % 256 === 0) c[VM.writeback_requests]++;
        batch++;
      }
      const done = inode.count === 0;
      if (done || (write && ++inChunk >= chunk)) {
        wb.unlistFirst();
        inChunk = 0;
        // `requeue_io`: pages left, to the back.
        if (!done) wb.list(inode);
      }
    }
    this.flushAll = false;
  }
}
