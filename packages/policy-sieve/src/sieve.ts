/**
 * SIEVE (Zhang, Yang, Yue, Vigfusson, Rashmi; NSDI '24): one FIFO queue and
 * a hand.
 *
 * New folios enter at the head with their visited bit clear; a use sets it.
 * Reclaim moves the hand from where it last stopped towards the head,
 * clearing the visited bits it passes, and takes the first folio whose bit
 * was already clear; the hand stays just past it (on the next newer folio),
 * and wraps to the tail when it runs off the head. Unlike CLOCK, a visited
 * folio keeps its place in the queue: new folios pile up at the head and the
 * survivors of the hand's passes sink together, so one-hit wonders leave
 * quickly (quick demotion) while a popular set is never moved (lazy
 * promotion). Uses are read()/write() hits and young PTEs, which the hand
 * tests with the core's rmap walk as it passes a mapped folio; the access
 * that brought a folio in is not a use (and a mapped folio's first young PTE
 * may be its fault: it needs two, as the kernel's two-touch rule).
 *
 * With those rules, ideal mode makes the decisions of libCacheSim's `Sieve`
 * miss for miss. In kernel mode a proposed folio that reclaim cannot free
 * (dirty, under writeback, locked) comes back at the head: its place in the
 * queue is lost, which SIEVE itself never does (a deviation of the core's
 * putback, not of the algorithm's choices).
 *
 * Where it shines: web and object caches, and page-cache traces with many
 * one-time reads beside a stable popular set. Trade-offs: no frequency
 * beyond one bit, and a loop just larger than memory is as bad as under
 * FIFO; the hand's sweep over visited folios costs CPU when most are hot.
 */
import { EvictionBatch, PageField } from '@reclaim-lab/mechanisms';
import type { PolicyFactory, ReclaimOps } from '@reclaim-lab/reclaim';

export type SieveOptions = Record<string, never>;

export interface SieveState {
  /** The queue, newest at the head. */
  list: number;
  /** The folio the hand rests on, or -1: start at the tail. */
  hand: number;
}

export const SIEVE_DEFAULTS: SieveOptions = {};

/** The visited bit, and "the next use is the one that brought the folio in". */
const VISITED = new PageField(0, 1);
const FRESH = VISITED.next(1);
const VISITED_BIT = 1 << VISITED.shift;
const FRESH_BIT = 1 << FRESH.shift;

export function createSieve(): ReclaimOps<SieveState> {
  const batch = new EvictionBatch();

  // Plain bit operations on the word, not PageField's get/set (which clamp and
  // round a value of any width): these run once per hit and once per folio the
  // hand passes, SIEVE's whole cost in a trace replay.
  const use = (w: Uint32Array, pfn: number) => {
    const x = w[pfn];
    w[pfn] = (x & FRESH_BIT) !== 0 ? x & ~FRESH_BIT : x | VISITED_BIT;
  };

  return {
    name: 'sieve',
    pageStateBits: FRESH.end,
    requires: ['evictCandidates', 'rmap'],

    init: (ictx) => ({ list: ictx.createList('sieve'), hand: -1 }),

    folioAdded(ctx, pfn) {
      const w = ctx.frames.policy;
      w[pfn] = (w[pfn] & ~VISITED_BIT) | FRESH_BIT;
      ctx.lists.addHead(ctx.state.list, pfn);
    },

    folioAccessed(ctx, pfn) {
      use(ctx.frames.policy, pfn);
    },

    evictCandidates(ctx, req, out) {
      const lists = ctx.lists;
      const { list } = ctx.state;
      const prev = lists.prev;
      const frames = ctx.frames;
      const w = frames.policy;
      const mapcount = frames.mapcount;
      const sc = req.sc;
      // Asked at the first anon folio the hand would take, not on every call:
      // a trace replay's folios are all file, and this runs on every miss.
      let anon = -1;
      batch.begin(out, req.nr);
      const n = lists.length(list);
      if (n === 0) return 0;
      // The hand may rest on a folio that has since left the queue (truncated, or
      // taken by MADV_PAGEOUT): it starts again from the tail.
      let p = ctx.state.hand;
      if (p < 0 || lists.listOf[p] !== list) p = lists.last(list);
      // Two turns at most: the first clears every visited bit it meets.
      for (let steps = 2 * n; steps > 0 && !batch.full; steps--) {
        const q = prev[p];
        const next = q === -1 ? lists.last(list) : q;
        if (!batch.has(p)) {
          // A mapped folio's young PTEs are uses too: the hand asks the rmap walk as it passes.
          if (mapcount[p] > 0 && ctx.core.referenced(p, sc).refs > 0) use(w, p);
          const x = w[p];
          if ((x & VISITED_BIT) !== 0) w[p] = x & ~VISITED_BIT;
          else {
            const file = frames.isFileLru(p);
            if (!file && anon < 0) anon = sc.maySwap && ctx.core.canReclaimAnon(ctx.lruvec, sc) ? 1 : 0;
            if (file || anon === 1) {
              batch.add(p);
              // The hand rests just past the victim; off the head, it wraps to the tail.
              ctx.state.hand = prev[p];
            }
          }
        }
        p = next;
      }
      return batch.n;
    },

    /**
     * `folio_rotate_reclaimable`: a folio written back for reclaim is chosen
     * already; it goes where the hand looks next (the LRU's tail, for a
     * queue that keeps its objects in place), not behind the hand, where it
     * would wait a whole turn and be dirtied and written again.
     */
    rotate(ctx, pfn) {
      const lists = ctx.lists;
      const { list, hand } = ctx.state;
      if (hand >= 0 && hand !== pfn && lists.listOf[hand] === list) lists.moveBehind(hand, pfn);
      else lists.moveTail(list, pfn);
      ctx.state.hand = pfn;
    },

    // The hand has looked already; a young PTE since (the rmap walk of
    // shrink_folio_list) is a use that keeps the folio.
    checkReferences(ctx, pfn, rmap) {
      if (rmap.refs <= 0) return 'reclaim';
      use(ctx.frames.policy, pfn);
      return (ctx.frames.policy[pfn] & VISITED_BIT) !== 0 ? 'keep' : 'reclaim';
    },

    policyLists(ctx, out) {
      out.sieve = ctx.lists.length(ctx.state.list);
    },
  };
}

export const sievePolicy: PolicyFactory<SieveOptions> = {
  name: 'sieve',
  description:
    "SIEVE (NSDI '24): a FIFO queue whose hand keeps visited folios in place and evicts the first unvisited",
  defaults: SIEVE_DEFAULTS,
  requires: ['evictCandidates', 'rmap'],
  create: () => createSieve() as ReclaimOps<unknown>,
};
