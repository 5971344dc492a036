/**
 * Page frames as a struct of arrays indexed by pfn. Every field is a typed
 * array so the hot path never allocates and a frame costs a few dozen bytes.
 * Folios are base pages here (no THP): a folio of one page everywhere.
 */

// Folio flags (kernel names). Meaning of ACTIVE/REFERENCED/WORKINGSET is
// policy-defined (as in the kernel, each policy reads them its own way); the core only stores them.
export const PG_LRU = 1 << 0;
export const PG_ACTIVE = 1 << 1;
export const PG_REFERENCED = 1 << 2;
export const PG_WORKINGSET = 1 << 3;
export const PG_DIRTY = 1 << 4;
export const PG_WRITEBACK = 1 << 5;
export const PG_RECLAIM = 1 << 6;
export const PG_SWAPBACKED = 1 << 7;
export const PG_SWAPCACHE = 1 << 8;
export const PG_UNEVICTABLE = 1 << 9;
export const PG_MLOCKED = 1 << 10;
export const PG_ANON = 1 << 11;
/** Taken off its LRU by the reclaim path (the kernel clears PG_lru and holds a reference). */
export const PG_ISOLATED = 1 << 12;
/** Allocated to someone (not on a free list). */
export const PG_ALLOCATED = 1 << 13;
/** Page cache folio of a file (not anon, not swap cache only). */
export const PG_FILE = 1 << 14;
/** Allocated for a read still being issued: not yet on an LRU, so reclaim cannot take it (PG_locked). */
export const PG_LOCKED = 1 << 15;
/** Read into the swap cache by swap readahead and not yet used (`PG_readahead`): its first fault is a readahead hit. */
export const PG_READAHEAD = 1 << 16;
/** A page of zram's zsmalloc pool (`zram.ts`): allocated, on no LRU, charged to no memcg. */
export const PG_ZSMALLOC = 1 << 17;

export const FLAG_NAMES: readonly [number, string][] = [
  [PG_LRU, 'lru'],
  [PG_ACTIVE, 'active'],
  [PG_REFERENCED, 'referenced'],
  [PG_WORKINGSET, 'workingset'],
  [PG_DIRTY, 'dirty'],
  [PG_WRITEBACK, 'writeback'],
  [PG_RECLAIM, 'reclaim'],
  [PG_SWAPBACKED, 'swapbacked'],
  [PG_SWAPCACHE, 'swapcache'],
  [PG_UNEVICTABLE, 'unevictable'],
  [PG_MLOCKED, 'mlocked'],
  [PG_ANON, 'anon'],
  [PG_ISOLATED, 'isolated'],
  [PG_ALLOCATED, 'allocated'],
  [PG_FILE, 'file'],
  [PG_LOCKED, 'locked'],
  [PG_READAHEAD, 'readahead'],
  [PG_ZSMALLOC, 'zsmalloc'],
];

export function describeFlags(flags: number): string {
  return FLAG_NAMES.filter(([bit]) => flags & bit)
    .map(([, name]) => name)
    .join('|');
}

/** LRU type of a folio: anon (0) or file (1), as `folio_is_file_lru`. */
export const LRU_ANON = 0;
export const LRU_FILE = 1;

export class FrameTable {
  readonly count: number;
  readonly flags: Uint32Array;
  /** NUMA node of the frame. */
  readonly node: Uint8Array;
  /** memcg id charged for the frame (0 = root). */
  readonly memcg: Uint16Array;
  /** Owner: mm id for anon, file id for page cache; -1 when free. */
  readonly owner: Int32Array;
  /**
   * Virtual page number in the owner mm (anon) or page index in the file;
   * while the frame is free, the next free frame of its node (-1: none), the
   * link of the node's free stack (`NodeState.freeHead`).
   */
  readonly index: Int32Array;
  /** Number of PTEs mapping the frame. */
  readonly mapcount: Uint16Array;
  /** Swap slot while in swap cache, else -1. */
  readonly swapSlot: Int32Array;
  /** Private per-page state of the policy governing the frame's lruvec (gen, refs, ...). */
  readonly policy: Uint32Array;
  /** Index of the lruvec the frame is charged to and listed on (-1 when free). */
  readonly lruvec: Int32Array;

  constructor(count: number) {
    this.count = count;
    this.flags = new Uint32Array(count);
    this.node = new Uint8Array(count);
    this.memcg = new Uint16Array(count);
    this.owner = new Int32Array(count).fill(-1);
    this.index = new Int32Array(count);
    this.mapcount = new Uint16Array(count);
    this.swapSlot = new Int32Array(count).fill(-1);
    this.policy = new Uint32Array(count);
    this.lruvec = new Int32Array(count).fill(-1);
  }

  isFileLru(pfn: number): boolean {
    return (this.flags[pfn] & PG_SWAPBACKED) === 0;
  }

  lruType(pfn: number): number {
    return this.flags[pfn] & PG_SWAPBACKED ? LRU_ANON : LRU_FILE;
  }

  /** Bytes of typed-array storage per frame. */
  static bytesPerFrame(): number {
    return 4 + 1 + 2 + 4 + 4 + 2 + 4 + 4 + 4;
  }
}
