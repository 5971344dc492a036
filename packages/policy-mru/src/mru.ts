/**
 * MRU: evict the most recently used folio first (cache_ext's example).
 *
 * One list per lruvec, most recent at the head: a new folio and a folio
 * read through a file descriptor go to the head, and reclaim takes its
 * batch from the head too. Young PTEs are not consulted: the folio just
 * faulted in is exactly the one MRU wants to give up.
 *
 * Where it shines: cyclic access to a set a little larger than memory (a
 * loop, a repeated table scan). LRU and FIFO miss on every access of such
 * a loop, because each page is evicted just before it comes round again;
 * MRU keeps the start of the loop resident and misses only on the part
 * that does not fit. Trade-offs: it is the worst possible choice when
 * recency does predict reuse (a hot set, a stack), and a newly read page
 * that will be read again soon is the first to go.
 */
import { EvictionBatch, listIterate } from '@reclaim-lab/mechanisms';
import type { PolicyFactory, ReclaimOps } from '@reclaim-lab/reclaim';

export type MruOptions = Record<string, never>;

export interface MruState {
  list: number;
}

export function createMru(): ReclaimOps<MruState> {
  const batch = new EvictionBatch();
  return {
    name: 'mru',
    pageStateBits: 0,
    requires: ['evictCandidates'],
    init: (ictx) => ({ list: ictx.createList('mru') }),
    folioAdded: (ctx, pfn) => ctx.lists.addHead(ctx.state.list, pfn),
    folioAccessed: (ctx, pfn) => ctx.lists.moveHead(ctx.state.list, pfn),
    evictCandidates(ctx, req, out) {
      const anon = req.sc.maySwap && ctx.core.canReclaimAnon(ctx.lruvec, req.sc);
      const fn = (pfn: number) => (anon || ctx.frames.isFileLru(pfn) ? 'evict' : 'continue');
      listIterate(ctx.lists, ctx.state.list, batch.begin(out, req.nr), fn, 'head');
      return batch.n;
    },
    checkReferences: () => 'reclaim',
    // Survivors (dirty, under writeback) wait at the far end; written back, they come to the front.
    putback: (ctx, pfn) => ctx.lists.addTail(ctx.state.list, pfn),
    rotate: (ctx, pfn) => ctx.lists.moveHead(ctx.state.list, pfn),
  };
}

export const mruPolicy: PolicyFactory<MruOptions> = {
  name: 'mru',
  description: 'MRU (cache_ext): evict the most recently used folio; for loops larger than memory',
  defaults: {},
  create: () => createMru(),
};
