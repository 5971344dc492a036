import { OP_LOAD, OP_THINK } from '@reclaim-lab/hw-model';
import { createMglru } from '@reclaim-lab/policy-mglru';
import { layerPolicy, type ReclaimOps } from '@reclaim-lab/reclaim';
import { generated, runWithPolicy } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

const MEM = 8192;

/** Fault in a mapped file once, then idle so the final sample sees where the pages sit. */
function faultIn(policy: ReclaimOps<unknown>) {
  const pages = Math.floor(MEM * 0.4);
  return runWithPolicy(
    policy,
    [
      {
        name: 'mapper',
        regions: [{ kind: 'file-mapped', file: 0, pages }],
        source: generated((i) =>
          i < pages ? [OP_LOAD, 0, i] : i < pages + 3 ? [OP_THINK, 0, 20_000_000] : null,
        ),
      },
    ],
    [{ name: 'data', pages }],
    { memoryPages: MEM, seed: 4 },
  ).r;
}

const last = (xs: number[] | undefined) => (xs?.length ? xs[xs.length - 1] : 0);

describe('layering on MGLRU: which generation a faulted page enters', () => {
  it('an extension that treats faults as cold readahead puts faulted file pages in the oldest generation', () => {
    const plain = faultIn(createMglru() as ReclaimOps<unknown>);
    const coldFaults = layerPolicy(createMglru(), {
      name: 'cold-faults',
      folioAdded(_ctx, _pfn, how, next) {
        // lru_gen_folio_seq without the in-fault rule: a file folio lands in the oldest generation.
        how.inFault = false;
        next(how);
      },
    }) as ReclaimOps<unknown>;
    const layered = faultIn(coldFaults);
    expect(last(layered.series.policyLists['gen0 file'])).toBeGreaterThan(
      last(plain.series.policyLists['gen0 file']),
    );
    expect(layered.series.policyLists['gen0 file']).toBeDefined();
  });
});
