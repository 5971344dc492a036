/**
 * Exact LRU: one list in recency order. Every access moves the page to the
 * head, a new page enters at the head, and eviction takes the tail: the page
 * whose last access is the oldest.
 *
 * It is the textbook policy that classic cache simulators (libCacheSim's
 * `LRU`, Caffeine's `linked.Lru`) implement, kept here so that the kernel's
 * policies can be compared with it request for request in ideal mode. The
 * kernel never runs it: reading the page-table accessed bit on every access
 * is what hardware cannot afford, so recency is only seen where the kernel
 * sees it, through `folio_mark_accessed` (fd reads and writes). Traces are
 * therefore replayed as fd requests; mapped accesses only set PTE bits,
 * which this policy deliberately ignores (no second chance).
 *
 * Where it shines: recency-friendly streams, and as the yardstick every
 * other policy's miss ratio is read against. Trade-offs: a loop one page
 * larger than memory misses on every access, and a single scan flushes the
 * whole working set.
 */
import type { PolicyFactory, ReclaimOps } from '@reclaim-lab/reclaim';

export interface ExactLruState {
  /** The one list, most recently used at the head. */
  list: number;
}

export type ExactLruOptions = Record<string, never>;

export const EXACT_LRU_DEFAULTS: ExactLruOptions = {};

export function createExactLru(): ReclaimOps<ExactLruState> {
  return {
    name: 'exact-lru',
    pageStateBits: 0,
    requires: ['evictCandidates'],
    init: (ictx) => ({ list: ictx.createList('lru') }),
    folioAdded: (ctx, pfn) => ctx.lists.addHead(ctx.state.list, pfn),
    // Already at the head: moveHead leaves it there.
    folioAccessed(ctx, pfn) {
      ctx.lists.moveHead(ctx.state.list, pfn);
    },
    evictCandidates(ctx, req, out) {
      const prev = ctx.lists.prev;
      let n = 0;
      for (let p = ctx.lists.last(ctx.state.list); p !== -1 && n < req.nr; p = prev[p]) out[n++] = p;
      return n;
    },
    // Recency is the list order alone: a young PTE earns no second chance.
    checkReferences: () => 'reclaim',
    // No `putback`: a survivor of reclaim (kernel mode: under writeback) goes to the head by default.
  };
}

export const exactLruPolicy: PolicyFactory<ExactLruOptions> = {
  name: 'exact-lru',
  description: 'Reference: exact LRU (every fd access moves the page to the head; evicts the tail)',
  defaults: EXACT_LRU_DEFAULTS,
  requires: ['evictCandidates'],
  create: () => createExactLru() as ReclaimOps<unknown>,
};
