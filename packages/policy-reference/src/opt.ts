/**
 * Belady's OPT (MIN): on a miss with memory full, evict the resident page
 * whose next use lies farthest in the future (Belady 1966; Mattson et al.
 * 1970 showed it is optimal for demand paging). No policy can miss less on
 * the same request sequence and memory size, so it is the floor that every
 * other policy's miss count is checked against in ideal mode.
 *
 * It needs the future, which only a trace has: `oracle[i]` is the index of
 * the next request for the page of request i (Infinity for none), as
 * oracleGeneral traces store it or the harness computes it. The policy finds
 * "request i" by counting: in ideal mode the core calls `folioAccessed`
 * exactly once per fd request, hit or miss (on a miss right after
 * `folioAdded`), so the k-th call is request k. That is why OPT runs only in
 * ideal mode on a trace replayed as fd requests; readahead, or accesses the
 * kernel does not report (page-table hits), would put the count out of step.
 *
 * Victims come from an indexed max-heap keyed by next use, so each request
 * and each eviction costs O(log n). A page is never bypassed: like the
 * kernel, OPT must bring the requested page in even when its own next use is
 * the farthest.
 */
import type { PolicyFactory, ReclaimOps } from '@reclaim-lab/reclaim';
import { NextUseHeap } from './next-use-heap.js';

export interface OptState {
  /** Membership list the core requires; its order means nothing here. */
  list: number;
  heap: NextUseHeap;
}

export interface OptOptions extends Record<string, unknown> {
  /** Next-access index per request (Infinity: never); supplied by the harness for trace workloads. */
  oracle: Float64Array | null;
}

export const OPT_DEFAULTS: OptOptions = { oracle: null };

/** Thrown for a missing or unusable oracle, or when OPT is attached outside ideal mode. */
export class OptOracleError extends Error {}

export function createOpt(options: Partial<OptOptions> = {}): ReclaimOps<OptState> {
  const oracle = options.oracle;
  if (!(oracle instanceof Float64Array)) {
    throw new OptOracleError(
      'opt: needs next-access indices (option oracle, a Float64Array with one entry per request); ' +
        'run it on a trace workload in ideal mode, where the harness supplies them',
    );
  }
  // Requests served so far, over every lruvec: one trace is one request sequence.
  let clock = 0;
  const nextUse = (i: number) => (i < oracle.length ? oracle[i] : Number.POSITIVE_INFINITY);

  return {
    name: 'opt',
    pageStateBits: 0,
    requires: ['evictCandidates'],
    init(ictx) {
      if (ictx.machine.config.mode !== 'ideal') {
        throw new OptOracleError('opt: runs only in ideal mode, where each request is exactly one access');
      }
      return { list: ictx.createList('resident'), heap: new NextUseHeap(ictx.machine.frames.count) };
    },
    folioAdded(ctx, pfn) {
      ctx.lists.addHead(ctx.state.list, pfn);
      ctx.state.heap.set(pfn, nextUse(clock));
    },
    folioAccessed(ctx, pfn) {
      const i = clock++;
      if (i >= oracle.length) {
        throw new OptOracleError(
          `opt: request ${i + 1} is past the end of the oracle (${oracle.length} requests)`,
        );
      }
      ctx.state.heap.set(pfn, oracle[i]);
    },
    evictCandidates(ctx, req, out) {
      const heap = ctx.state.heap;
      if (req.nr === 1 || heap.size <= 1) {
        const top = heap.top();
        if (top === -1) return 0;
        out[0] = top;
        return 1;
      }
      // The k farthest: take them off the heap in order, then put them back.
      let n = 0;
      while (n < req.nr && heap.size > 0) {
        const p = heap.top();
        out[n++] = p;
        heap.remove(p);
      }
      for (let i = 0; i < n; i++) heap.set(out[i], heap.key[out[i]]);
      return n;
    },
    // The heap alone decides; a young PTE earns no second chance.
    checkReferences: () => 'reclaim',
    evicted(ctx, pfn) {
      ctx.state.heap.remove(pfn);
      return 0;
    },
    folioRemoved(ctx, pfn) {
      ctx.state.heap.remove(pfn);
    },
  };
}

export const optPolicy: PolicyFactory<OptOptions> = {
  name: 'opt',
  description:
    "Reference: Belady's OPT (evicts the page used farthest in the future; ideal mode, trace workloads)",
  defaults: OPT_DEFAULTS,
  requires: ['evictCandidates'],
  optionDocs: {
    oracle: 'next-access index per request; the harness supplies it from the trace (not settable by hand)',
  },
  create: (o) => createOpt(o) as ReclaimOps<unknown>,
};
