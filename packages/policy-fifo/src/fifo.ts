/**
 * FIFO: evict folios in the order they arrived (cache_ext's simplest policy).
 *
 * One list per lruvec. A new folio goes to the head; reclaim asks for a
 * batch and gets the oldest folios from the tail. Accesses change nothing:
 * neither read() hits nor young PTEs buy a folio more time, unless the
 * `secondChance` option is on (`fifo:clock`): then a use since the folio
 * last passed the tail — a read()/write() hit, or a young PTE the core's
 * rmap walk finds — puts it back at the head with its reference cleared
 * (FIFO-reinsertion, i.e. CLOCK with one reference bit). The access that
 * brought a folio in is not a use, as in libCacheSim's `Clock`, whose
 * decisions it makes miss for miss in ideal mode.
 *
 * Where it shines: as a baseline, and on workloads with no reuse worth
 * keeping (streams), where any bookkeeping is wasted; it costs nothing per
 * access. Trade-offs: it cannot tell hot from cold, so a working set is
 * evicted as readily as a scan, and a loop larger than memory misses on
 * every access, like LRU.
 */
import { EvictionBatch, listIterate, PageField } from '@reclaim-lab/mechanisms';
import type { PolicyFactory, ReclaimOps } from '@reclaim-lab/reclaim';

export interface FifoOptions extends Record<string, unknown> {
  /** Keep folios whose PTEs were young and reinsert them at the head (CLOCK). */
  secondChance: boolean;
}

export interface FifoState {
  list: number;
}

export const FIFO_DEFAULTS: FifoOptions = { secondChance: false };

/** CLOCK's reference bit, and "the next use is the one that brought the folio in". */
const REF = new PageField(0, 1);
const FRESH = REF.next(1);

export function createFifo(options: Partial<FifoOptions> = {}): ReclaimOps<FifoState> {
  const { secondChance } = { ...FIFO_DEFAULTS, ...options };
  const batch = new EvictionBatch();
  const fifo: ReclaimOps<FifoState> = {
    name: 'fifo',
    pageStateBits: 0,
    requires: ['evictCandidates'],
    init: (ictx) => ({ list: ictx.createList('fifo') }),
    folioAdded: (ctx, pfn) => ctx.lists.addHead(ctx.state.list, pfn),
    evictCandidates(ctx, req, out) {
      // `listIterate` from the tail, written out: no callback to allocate on every miss.
      const lists = ctx.lists;
      const prev = lists.prev;
      const list = ctx.state.list;
      batch.begin(out, req.nr);
      // Anon folios stay put while they cannot go anywhere (no swap space); asked at the first one.
      let anon = -1;
      let budget = lists.length(list);
      for (let p = lists.last(list); p !== -1 && budget-- > 0 && !batch.full; p = prev[p]) {
        if (batch.has(p)) continue;
        if (!ctx.frames.isFileLru(p)) {
          if (anon < 0) anon = req.sc.maySwap && ctx.core.canReclaimAnon(ctx.lruvec, req.sc) ? 1 : 0;
          if (anon === 0) continue;
        }
        batch.add(p);
      }
      return batch.n;
    },
    checkReferences: () => 'reclaim',
  };
  if (!secondChance) return fifo;
  return {
    ...fifo,
    pageStateBits: FRESH.end,
    folioAdded(ctx, pfn) {
      const w = ctx.frames.policy;
      REF.set(w, pfn, 0);
      FRESH.set(w, pfn, 1);
      ctx.lists.addHead(ctx.state.list, pfn);
    },
    folioAccessed(ctx, pfn) {
      const w = ctx.frames.policy;
      if (FRESH.get(w, pfn)) FRESH.set(w, pfn, 0);
      else REF.set(w, pfn, 1);
    },
    evictCandidates(ctx, req, out) {
      const anon = req.sc.maySwap && ctx.core.canReclaimAnon(ctx.lruvec, req.sc);
      const w = ctx.frames.policy;
      const lists = ctx.lists;
      const list = ctx.state.list;
      // The hand sweeps from the tail: a referenced folio goes round again, its bit cleared.
      const fn = (pfn: number) => {
        if (REF.get(w, pfn)) {
          REF.set(w, pfn, 0);
          lists.moveHead(list, pfn);
          return 'continue';
        }
        return anon || ctx.frames.isFileLru(pfn) ? 'evict' : 'continue';
      };
      batch.begin(out, req.nr);
      // Every folio referenced: the first sweep clears them all, the second finds victims.
      for (let round = 0; round < 2 && !batch.full; round++) listIterate(lists, list, batch, fn);
      return batch.n;
    },
    // A young PTE is a use too; the first may be the fault itself (the kernel's two-touch rule).
    checkReferences(ctx, pfn, rmap) {
      if (rmap.refs <= 0) return 'reclaim';
      const w = ctx.frames.policy;
      if (FRESH.get(w, pfn)) FRESH.set(w, pfn, 0);
      return 'keep';
    },
  };
}

export const fifoPolicy: PolicyFactory<FifoOptions> = {
  name: 'fifo',
  description: 'FIFO (cache_ext): evict in arrival order, ignore accesses',
  defaults: FIFO_DEFAULTS,
  optionDocs: {
    secondChance:
      'reinsert a folio used since it last passed the tail at the head, its reference cleared (CLOCK)',
  },
  presets: { clock: { secondChance: true } },
  create: (o) => createFifo(o),
};
