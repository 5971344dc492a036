/**
 * FIFO: evict folios in the order they arrived (cache_ext's simplest policy).
 *
 * One list per lruvec. A new folio goes to the head; reclaim asks for a
 * batch and gets the oldest folios from the tail. Accesses change nothing:
 * neither read() hits nor young PTEs buy a folio more time, unless the
 * `secondChance` option is on, which keeps a folio whose PTEs were young
 * and puts it back at the head (FIFO-reinsertion, i.e. CLOCK).
 *
 * Where it shines: as a baseline, and on workloads with no reuse worth
 * keeping (streams), where any bookkeeping is wasted; it costs nothing per
 * access. Trade-offs: it cannot tell hot from cold, so a working set is
 * evicted as readily as a scan, and a loop larger than memory misses on
 * every access, like LRU.
 */
import { EvictionBatch, listIterate } from '@reclaim-lab/mechanisms';
import type { PolicyFactory, ReclaimOps } from '@reclaim-lab/reclaim';

export interface FifoOptions extends Record<string, unknown> {
  /** Keep folios whose PTEs were young and reinsert them at the head (CLOCK). */
  secondChance: boolean;
}

export interface FifoState {
  list: number;
}

export const FIFO_DEFAULTS: FifoOptions = { secondChance: false };

export function createFifo(options: Partial<FifoOptions> = {}): ReclaimOps<FifoState> {
  const { secondChance } = { ...FIFO_DEFAULTS, ...options };
  const batch = new EvictionBatch();
  return {
    name: 'fifo',
    pageStateBits: 0,
    requires: ['evictCandidates'],
    init: (ictx) => ({ list: ictx.createList('fifo') }),
    folioAdded: (ctx, pfn) => ctx.lists.addHead(ctx.state.list, pfn),
    evictCandidates(ctx, req, out) {
      // Anon folios stay put while they cannot go anywhere (no swap space).
      const anon = req.sc.maySwap && ctx.core.canReclaimAnon(ctx.lruvec, req.sc);
      const fn = (pfn: number) => (anon || ctx.frames.isFileLru(pfn) ? 'evict' : 'continue');
      listIterate(ctx.lists, ctx.state.list, batch.begin(out, req.nr), fn);
      return batch.n;
    },
    checkReferences: (_ctx, _pfn, rmap) => (secondChance && rmap.refs > 0 ? 'keep' : 'reclaim'),
  };
}

export const fifoPolicy: PolicyFactory<FifoOptions> = {
  name: 'fifo',
  description: 'FIFO (cache_ext): evict in arrival order, ignore accesses',
  defaults: FIFO_DEFAULTS,
  optionDocs: { secondChance: 'keep folios with young PTEs and reinsert them at the head (CLOCK)' },
  presets: { clock: { secondChance: true } },
  create: (o) => createFifo(o),
};
