import { PAGE_SIZE } from './units.js';

/**
 * The default zram compression ratio, 3:1: the figure commonly quoted for
 * Android phones compressing app heaps with lz4 (an assumption, not our
 * measurement; older LZO devices' mm_stat shows nearer 2:1). Set
 * `MachineConfig.zramRatio` to a measured ratio for a given device.
 */
export const DEFAULT_ZRAM_RATIO = 3;

/** zram's own accounting, as /sys/block/zram0/mm_stat reports it (bytes). */
export interface ZramStat {
  /** Uncompressed size of the data stored (`orig_data_size`). */
  origDataBytes: number;
  /** Compressed size of the data stored (`compr_data_size`). */
  comprDataBytes: number;
  /** Memory the pool holds now (`mem_used_total`): zsmalloc pages. */
  memUsedTotalBytes: number;
  /** The most it held (`mem_used_max`). */
  memUsedMaxBytes: number;
  /** The compression ratio the machine gave. */
  ratio: number;
}

/** Where the pool gets and returns its pages: the machine's free lists. */
export interface ZramFrames {
  allocFrame(node: number): number;
  freeFrame(pfn: number): void;
}

/**
 * zram's compressed store and its zsmalloc pool (drivers/block/zram,
 * mm/zsmalloc.c): a swap slot written holds the page compressed by `ratio`,
 * and the pool takes whole pages from the node's free memory as the
 * compressed data grows — memory that counts against the watermarks like
 * any allocation — and gives one back once a page's worth of data is freed.
 * Deviations: every page compresses by the same ratio; the pool packs
 * objects perfectly (zsmalloc's size classes and fragmentation, and its
 * compaction, are not modelled); when no frame is free at all the pool runs
 * short until one is, where zram would fail the write.
 */
export class ZramPool {
  readonly ratio: number;
  /** 1 while a slot holds data written to it. */
  private stored: Uint8Array;
  storedPages = 0;
  /** The pool's frames, a stack. */
  private frames: Int32Array;
  held = 0;
  maxHeld = 0;

  constructor(
    ratio: number,
    private readonly mem: ZramFrames,
    slots: number,
  ) {
    this.ratio = ratio;
    this.stored = new Uint8Array(Math.min(slots, 1 << 16));
    this.frames = new Int32Array(Math.max(16, Math.ceil(this.stored.length / ratio)));
  }

  /** Pages the pool needs for what it stores. */
  private need(): number {
    return Math.ceil(this.storedPages / this.ratio - 1e-9);
  }

  /** `zram_write_page`: `slot` now holds a compressed page; the pool grows on `node` if it must. */
  store(slot: number, node: number): void {
    if (slot >= this.stored.length) this.stored = grow(this.stored, slot + 1);
    if (this.stored[slot] === 0) {
      this.stored[slot] = 1;
      this.storedPages++;
    }
    while (this.held < this.need()) {
      const pfn = this.mem.allocFrame(node);
      if (pfn < 0) return;
      if (this.held === this.frames.length) {
        const bigger = new Int32Array(this.frames.length * 2);
        bigger.set(this.frames);
        this.frames = bigger;
      }
      this.frames[this.held++] = pfn;
      if (this.held > this.maxHeld) this.maxHeld = this.held;
    }
  }

  /** `zram_slot_free_notify`: the slot was freed; a page's worth of freed data returns a page. */
  drop(slot: number): void {
    if (slot >= this.stored.length || this.stored[slot] === 0) return;
    this.stored[slot] = 0;
    this.storedPages--;
    while (this.held > this.need()) this.mem.freeFrame(this.frames[--this.held]);
  }

  stat(): ZramStat {
    return {
      origDataBytes: this.storedPages * PAGE_SIZE,
      comprDataBytes: Math.round((this.storedPages * PAGE_SIZE) / this.ratio),
      memUsedTotalBytes: this.held * PAGE_SIZE,
      memUsedMaxBytes: this.maxHeld * PAGE_SIZE,
      ratio: this.ratio,
    };
  }
}

function grow(a: Uint8Array, atLeast: number): Uint8Array {
  const b = new Uint8Array(Math.max(atLeast, a.length * 2));
  b.set(a);
  return b;
}
