import { type Machine, PG_ALLOCATED, PG_DIRTY, PG_FILE, PG_WRITEBACK } from '@reclaim-lab/hw-model';
import { VM, type World } from '@reclaim-lab/mechanisms';

/** `MIN_WRITEBACK_PAGES`: 4 MiB. */
const MIN_WRITEBACK_PAGES = 1024;
/** `INIT_BW`: 100 MB/s in pages, the write bandwidth a new device is credited with. */
export const INIT_BW_PAGES = 25_600;

/**
 * The flusher threads: dirty file pages queued in the order they were
 * dirtied (a deviation: the kernel writes per inode), written back when
 * older than dirty_expire, when above the background threshold, or all at
 * once when reclaim wakes them. The queue holds only what is dirty, so it
 * starts small and doubles, in order, when full.
 */
export class Flusher {
  private readonly machine: Machine;
  private readonly world: World;
  private pfns = new Int32Array(1024);
  private times = new Float64Array(1024);
  private readonly queued: Uint8Array;
  private head = 0;
  private tail = 0;
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

  /** A file page became dirty at `now`. */
  queue(pfn: number, now: number): void {
    if (this.queued[pfn]) return;
    this.queued[pfn] = 1;
    if (this.count === this.pfns.length) this.grow();
    this.pfns[this.tail] = pfn;
    this.times[this.tail] = now;
    this.tail = (this.tail + 1) % this.pfns.length;
    this.count++;
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
   * enough to get under the background threshold — and at least `minPages`
   * (a memcg over its own background threshold).
   */
  run(now: number, force: boolean, minPages = 0): void {
    if (this.count === 0) return;
    const expire = this.machine.config.dirtyExpireNs;
    const f = this.machine.frames;
    const c = this.world.counters.v;
    this.updateLimits();
    const cap = this.pfns.length;
    // `writeback_chunk_size`: background write-back goes in chunks of at
    // least MIN_WRITEBACK_PAGES (4 MiB), looking at the threshold between chunks.
    const chunk = Math.max(
      MIN_WRITEBACK_PAGES,
      Math.floor((Math.min(INIT_BW_PAGES / 2, this.hard / 8) + MIN_WRITEBACK_PAGES) / MIN_WRITEBACK_PAGES) *
        MIN_WRITEBACK_PAGES,
    );
    let batch = 0;
    while (this.count > 0) {
      const pfn = this.pfns[this.head];
      const expired = now - this.times[this.head] >= expire;
      if (
        batch % chunk === 0 &&
        batch >= minPages &&
        !force &&
        !this.flushAll &&
        !expired &&
        this.world.nrFileDirty <= this.background
      )
        break;
      this.head = (this.head + 1) % cap;
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
