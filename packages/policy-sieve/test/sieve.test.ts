import { createSieve, sievePolicy } from '@reclaim-lab/policy-sieve';
import { conformanceProperties, fcParams } from '@reclaim-lab/reclaim/testing';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// The shared invariant suite (docs/contributing.md lists it), on random machines and event
// streams: every policy runs it. A failure prints the smallest machine and
// event list that breaks the invariant; FC_SEED=... reproduces it.
describe('sieve keeps every reclaim invariant', () => {
  const props = conformanceProperties(() => createSieve());
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

describe('sieve as a package', () => {
  it('creates its policy from its declared defaults', () => {
    expect(sievePolicy.create(sievePolicy.defaults).name).toBe(sievePolicy.name);
  });
});

// Next: a tiny scenario per behaviour the policy promises, with a sentence
// naming it (see packages/policy-lru/test/lru-behaviour.test.ts).
