/**
 * A policy of one's own, loaded by path:
 *   pnpm reclaim-lab run --workload kv-store --policy ./examples/my-policy.ts:threshold=4
 * A FIFO that spares a folio used `threshold` times since it was last
 * looked at (a counting second chance). It imports the running tool's own
 * packages wherever this file lives.
 */
import { PageField } from '@reclaim-lab/mechanisms';
import type { PolicyFactory, ReclaimOps } from '@reclaim-lab/reclaim';

interface Options extends Record<string, unknown> {
  threshold: number;
}

// Uses of a folio since reclaim last passed it, in 4 of its policy bits (saturating at 15).
const USES = new PageField(0, 4);

function create(o: Options): ReclaimOps<{ list: number }> {
  return {
    name: 'counting-fifo',
    pageStateBits: 4,
    init: (ictx) => ({ list: ictx.createList('fifo') }),
    folioAdded: (ctx, pfn) => ctx.lists.addHead(ctx.state.list, pfn),
    folioAccessed(ctx, pfn) {
      const uses = USES.get(ctx.frames.policy, pfn);
      if (uses < 15) USES.set(ctx.frames.policy, pfn, uses + 1);
    },
    evictCandidates(ctx, req, out) {
      const { lists, state } = ctx;
      let n = 0;
      let passed = 0;
      const length = lists.length(state.list);
      for (let p = lists.last(state.list); p !== -1 && n < req.nr && passed < length; passed++) {
        const prev = lists.prev[p];
        if (USES.get(ctx.frames.policy, p) >= o.threshold) {
          // Spared: back to the head, its count starting again.
          USES.set(ctx.frames.policy, p, 0);
          lists.moveHead(state.list, p);
        } else out[n++] = p;
        p = prev;
      }
      return n;
    },
  };
}

const policy: PolicyFactory<Options> = {
  name: 'counting-fifo',
  description: 'a FIFO that spares folios used threshold times since reclaim last passed them',
  defaults: { threshold: 2 },
  optionDocs: { threshold: 'uses that spare a folio once' },
  optionSchema: { threshold: { type: 'number', integer: true, min: 1, max: 15 } },
  create,
};
export default policy;
