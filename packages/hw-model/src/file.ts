/**
 * A file and its page cache. `cache[i]` is pfn+1 of the cached page at index i
 * (0 = not cached); `shadow[i]` holds a workingset shadow left by reclaim
 * (0 = none), as the kernel keeps shadows in the page-cache xarray.
 * A shmem file's xarray holds swap entries instead (`swapEntry`).
 */
export interface FileMapping {
  mm: number;
  /** First virtual page of the mapping. */
  start: number;
  pages: number;
  /** File page index mapped at `start`. */
  pgoff: number;
  /** VM_* flags of the mapping's VMA. */
  vmFlags: number;
}

export class SimFile {
  readonly id: number;
  readonly name: string;
  readonly pages: number;
  readonly device: number;
  readonly cache: Int32Array;
  readonly shadow: Float64Array;
  /** VMAs mapping this file: the i_mmap tree the rmap walk uses. */
  readonly mappings: FileMapping[] = [];
  nrCached = 0;
  nrShadows = 0;
  nrDirty = 0;
  /**
   * A shmem/tmpfs inode: its folios are swap-backed (anon LRU), start as
   * zero pages with no I/O, leave no shadow when dropped clean, and go to
   * swap rather than to the file's device (`shmem_writeout`).
   */
  shmem = false;
  /** shmem only: slot+1 of the swap entry the page cache holds at each index (0 = none). */
  swapEntry: Int32Array | null = null;
  /**
   * Ideal mode's lean replay only: the two shadows its evictions leave
   * (`leanShadowValue[0]`, or `[1]` with the workingset bit) as a byte a
   * page, 1 or 2, in place of 8 in `shadow`: a miss's read and write of
   * the shadow then fall in 1 B a page, which stays in cache where
   * `shadow` does not (as the xarray keeps a shadow in the slot itself).
   * Any other shadow goes to `shadow`; a page has at most one of the two.
   * Nothing but the page cache's insert and delete reads it.
   */
  leanShadow: Uint8Array | null = null;
  readonly leanShadowValue = new Float64Array(2);

  constructor(id: number, name: string, pages: number, device: number) {
    this.id = id;
    this.name = name;
    this.pages = pages;
    this.device = device;
    this.cache = new Int32Array(pages);
    this.shadow = new Float64Array(pages);
  }

  /** Make this file a shmem inode (before any of its pages is cached). */
  markShmem(): void {
    if (this.shmem) return;
    if (this.nrCached > 0) throw new Error(`file ${this.name} has cached pages: it cannot become shmem`);
    this.shmem = true;
    this.swapEntry = new Int32Array(this.pages);
  }
}
