/**
 * An address space: VMAs laid out PMD-aligned in a private virtual page range,
 * and a flat page table. `pte[vpn]` is pfn+1 when present, -(slot+1) for a
 * swap entry, ZERO_PAGE_PTE for the shared zero page, 0 when empty; `pteBits[vpn]` holds the hardware accessed and
 * dirty bits and the write-protect bit of dirty tracking. `pmdYoung[vpn >> 9]` is the non-leaf PMD accessed bit x86 sets
 * on a walk (`arch_has_hw_nonleaf_pmd_young`), used by MGLRU-style walks.
 */

export const PTRS_PER_PTE = 512;

/**
 * A PTE mapping the shared zero page, as a read fault on untouched anon
 * memory installs (`do_anonymous_page`): no frame, no rss, write-protected
 * so the first store faults and copies (`wp_page_copy`). Positive, so the
 * hot path serves loads from it like any present page; walkers skip it
 * (`is_zero_pfn`).
 */
export const ZERO_PAGE_PTE = 0x7fffffff;
export const PMD_SHIFT = 9;

export const PTE_YOUNG = 1;
export const PTE_DIRTY = 2;
/**
 * Write-protected for dirty tracking: a shared file mapping's PTE is
 * read-only until a store faults and dirties the folio
 * (`fault_dirty_shared_page`), and again once write-back cleans it
 * (`folio_mkclean`). Equal to OP_STORE << 2, so the hot path tests it with
 * one mask.
 */
export const PTE_WRPROTECT = 4;
/**
 * A NUMA-balancing hint PTE (`PAGE_NONE` set by `change_prot_numa`): the
 * mapping stays but any access faults (`do_numa_page`), telling the kernel
 * which task touches the page and when.
 */
export const PTE_NUMA = 8;

export const VM_LOCKED = 1 << 0;
export const VM_EXEC = 1 << 1;
export const VM_SEQ_READ = 1 << 2;
export const VM_RAND_READ = 1 << 3;
export const VM_SHARED = 1 << 4;
/** Anonymous memory (not file-backed). */
export const VM_ANON = 1 << 5;

export interface Vma {
  /** Region index in the task's spec. */
  region: number;
  start: number;
  pages: number;
  vmFlags: number;
  /** File id for file mappings, -1 for anon. */
  file: number;
  /** File page index at `start`. */
  pgoff: number;
  mapped: boolean;
  /**
   * `vma->swap_readahead_info`: the last swap fault's vpn, the readahead
   * window it chose, and readahead hits since (all 0 at first).
   */
  swapRaVpn: number;
  swapRaWin: number;
  swapRaHits: number;
}

export class Mm {
  readonly id: number;
  readonly memcg: number;
  readonly vmas: Vma[];
  readonly pte: Int32Array;
  readonly pteBits: Uint8Array;
  readonly pmdYoung: Uint8Array;
  /** Per-node "ran since the last walk" bits (MGLRU's mm->lru_gen.bitmap). */
  usedNodes = 0xffffffff;
  rssAnon = 0;
  rssFile = 0;
  swapEnts = 0;
  exited = false;

  constructor(
    id: number,
    memcg: number,
    regions: { pages: number; vmFlags: number; file: number; pgoff: number }[],
  ) {
    this.id = id;
    this.memcg = memcg;
    let next = 0;
    this.vmas = regions.map((r, i) => {
      const vma: Vma = {
        region: i,
        start: next,
        pages: r.pages,
        vmFlags: r.vmFlags,
        file: r.file,
        pgoff: r.pgoff,
        mapped: false,
        swapRaVpn: 0,
        swapRaWin: 0,
        swapRaHits: 0,
      };
      // Each VMA starts on a PMD boundary and leaves one empty PMD after it,
      // so page-table walks see realistic holes between VMAs.
      next += Math.ceil(r.pages / PTRS_PER_PTE) * PTRS_PER_PTE + PTRS_PER_PTE;
      return vma;
    });
    this.pte = new Int32Array(next);
    this.pteBits = new Uint8Array(next);
    this.pmdYoung = new Uint8Array(Math.ceil(next / PTRS_PER_PTE));
  }

  get virtualPages(): number {
    return this.pte.length;
  }

  /** The VMA containing `vpn`, or undefined. */
  vmaAt(vpn: number): Vma | undefined {
    for (const v of this.vmas) if (vpn >= v.start && vpn < v.start + v.pages) return v;
    return undefined;
  }

  /** Page-table pages in use: one per PMD range any mapped VMA covers. */
  pageTablePages(): number {
    let n = 0;
    for (const v of this.vmas) if (v.mapped) n += Math.ceil(v.pages / PTRS_PER_PTE);
    return n;
  }
}
