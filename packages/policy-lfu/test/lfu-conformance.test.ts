import { createLfu } from '@reclaim-lab/policy-lfu';
import { conformanceProperties, fcParams } from '@reclaim-lab/reclaim/testing';
import * as fc from 'fast-check';
import { describe, it } from 'vitest';

// The shared invariant suite (docs/contributing.md lists it), on random machines and event streams.
describe('LFU keeps every reclaim invariant', () => {
  const props = conformanceProperties(() => createLfu());
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

describe('pure LFU (no aging) keeps them too', () => {
  it('conservation and the other invariants', () => {
    fc.assert(conformanceProperties(() => createLfu({ halveAfter: 0, levels: 4 })).invariants, fcParams(15));
  });
});

describe('LFU with all of MGLRU access detection (ptwalk, bloom, lookaround) keeps them too', () => {
  const props = conformanceProperties(() => createLfu({ ptwalk: true, bloom: true, lookaround: true }));
  it('conservation and the other invariants', () => {
    fc.assert(props.invariants, fcParams(15));
  });
  it('is deterministic', () => {
    fc.assert(props.determinism, fcParams(5));
  });
});
