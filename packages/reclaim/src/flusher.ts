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
 * One memcg's write-back queue (cgroup writeback's `bdi_writeback`): its
 * dirty file pages in the order they were dirtied. It holds only what is
 * dirty, so it starts small and doubles, in order, when full.
 */
class WbQueue {
  pfns = new Int32Array(64);
  times = new Float64Array(64);
  head = 0;
  tail = 0;
  count = 0;

  constructor(readonly memcg: Memcg) {}

  push(pfn: number, now: number): void {
    if (this.count === this.pfns.length) this.grow();
    this.pfns[this.tail] = pfn;
    this.times[this.tail] = now;
    this.tail = (this.tail + 1) % this.pfns.length;
    this.count++;
  }

  shift(): number {
    const pfn = this.pfns[this.head];
    this.head = (this.head + 1) % this.pfns.length;
    this.count--;
    return pfn;
  }

  private grow(): void {
    const cap = this.pfns.length;
    const q = new Int32Array(cap * 2);
    const t = new Float64Array(cap * 2);
    for (let i = 0; i < this.count; i++) {
      q[i] = this.pfns[(this.head + i) % cap];
      t[i] = this.times[(this.head + i) % cap];
    }
    this.pfns = q;
    this.times = t;
    this.head = 0;
    this.tail = this.count;
  }
}

/**
 * The flusher threads, one write-back queue per memcg as with cgroup
 * writeback (a page goes to its own memcg's; the kernel files whole inodes
 * under the memcg that first dirtied them). Pages are written in the order
 * they were dirtied (a deviation: the kernel writes per inode), when older
 * than dirty_expire, when above the background threshold, or all at once
 * when reclaim wakes them; the machine-wide triggers take the oldest page
 * of any queue, a memcg over its own background threshold writes its own.
 */
export class Flusher {
  private readonly machine: Machine;
  private readonly world: World;
  /** Write-back queues by memcg id, made as memcgs first dirty pages. */
  private readonly wbs: (WbQueue | undefined)[] = [];
  /** The queues one `run` writes from (reused). */
  private readonly picked: WbQueue[] = [];
  private readonly queued: Uint8Array;
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
    this.queued = new Uint8Array(machine.frames.count);
  }

  /** A file page became dirty at `now`: queue it on its memcg's write-back queue. */
  queue(pfn: number, now: number): void {
    if (this.queued[pfn]) return;
    this.queued[pfn] = 1;
    const id = Math.max(0, this.machine.frames.memcg[pfn]);
    const wb = (this.wbs[id] ??= new WbQueue(this.machine.memcgs[id]));
    wb.push(pfn, now);
    this.count++;
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
      if (wb !== undefined && wb.count > 0 && (memcg === null || memcg.isAncestorOf(wb.memcg)))
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
    for (;;) {
      // The oldest dirtied page of the queues written from.
      let wb: WbQueue | null = null;
      for (const q of picked) if (q.count > 0 && (wb === null || q.times[q.head] < wb.times[wb.head])) wb = q;
      if (wb === null) break;
      const expired = now - wb.times[wb.head] >= expire;
      if (
        batch % chunk === 0 &&
        batch >= minPages &&
        !force &&
        !this.flushAll &&
        !expired &&
        this.world.nrFileDirty <= this.background
      )
        break;
      const pfn = wb.shift();
      this.count--;
      this.queued[pfn] = 0;
      const flags = f.flags[pfn];
      if (
        (flags & (PG_ALLOCATED | PG_FILE | PG_DIRTY)) !== (PG_ALLOCATED | PG_FILE | PG_DIRTY) ||
        flags & PG_WRITEBACK
      )
        continue;
      // Pages go out in requests of up to 256 (each page still takes its transfer time).
      this.world.startWriteback(pfn, now, false, batch % 256 === 0);
      c[VM.flusher_pages]++;
      if (batch % 256 === 0) c[VM.writeback_requests]++;
      batch++;
    }
    this.flushAll = false;
  }
}
