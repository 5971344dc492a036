import { createLhd } from '@reclaim-lab/policy-lhd';
import { conformanceProperties, fcParams } from '@reclaim-lab/reclaim/testing';
import * as fc from 'fast-check';
import { describe, it } from 'vitest';

// The shared invariant suite (docs/contributing.md lists it), on random machines and event streams.
describe('The LHD-like policy keeps every reclaim invariant', () => {
  const props = conformanceProperties(() => createLhd());
  it('conservation, no dangling PTE, nothing freed dirty/writeback/mlocked/mapped, swap slots held once', () => {
    fc.assert(props.invariants, fcParams(30));
  });
  it('is deterministic: same case and seed, same result', () => {
    fc.assert(props.determinism, fcParams(10));
  });
  it('never swaps out an mlocked region', () => {
    fc.assert(props.mlockRespected, fcParams(10));
  });
});
