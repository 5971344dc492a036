import { conformanceProperties, fcParams } from '@reclaim-lab/reclaim/testing';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createExactLru } from '../src/index.js';
import { runIdeal } from './helpers.js';

// The reference string of Silberschatz et al., Operating System Concepts ("page-replacement algorithms").
const TEXTBOOK = [7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1];

describe('exact-lru in ideal mode', () => {
  it('misses as a hand-run LRU: 1 2 3 1 4 2 5 1 2 3 on 3 frames hits only the 4th and 9th request', () => {
    // 1 2 3 miss; 1 hits; 4 evicts 2; 2 evicts 3; 5 evicts 1; 1 evicts 4; 2 hits; 3 evicts 5.
    const r = runIdeal([1, 2, 3, 1, 4, 2, 5, 1, 2, 3], 3, createExactLru());
    expect(r.requests).toBe(10);
    expect(r.misses).toBe(8);
    expect(r.counters.pgsteal_file).toBe(5);
  });

  it('takes the textbook 12 page faults on the classic reference string with 3 frames', () => {
    expect(runIdeal(TEXTBOOK, 3, createExactLru()).misses).toBe(12);
  });

  it("misses every access of a loop one page larger than memory (LRU's known worst case)", () => {
    const frames = 16;
    const loop = Array.from({ length: 30 * (frames + 1) }, (_, i) => i % (frames + 1));
    const r = runIdeal(loop, frames, createExactLru());
    expect(r.misses).toBe(loop.length);
  });

  it('hits every access once a loop fits', () => {
    const loop = Array.from({ length: 30 * 16 }, (_, i) => i % 16);
    expect(runIdeal(loop, 16, createExactLru()).misses).toBe(16);
  });

  it('agrees with a plain list-based LRU on random traces', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 40 }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 24 }),
        (keys, frames) => {
          const resident: number[] = [];
          let misses = 0;
          for (const k of keys) {
            const i = resident.indexOf(k);
            if (i >= 0) resident.splice(i, 1);
            else {
              misses++;
              if (resident.length === frames) resident.pop();
            }
            resident.unshift(k);
          }
          expect(runIdeal(keys, frames, createExactLru()).misses).toBe(misses);
        },
      ),
      fcParams(60),
    );
  });
});

// The shared invariant suite (docs/contributing.md lists it) (kernel mode, random machines and event streams).
describe('exact-lru keeps every reclaim invariant', () => {
  const props = conformanceProperties(() => createExactLru());
  it('conservation, no dangling PTE, nothing freed dirty/writeback/mlocked/mapped, swap slots held once', () => {
    fc.assert(props.invariants, fcParams(15));
  });
  it('is deterministic: same case and seed, same result', () => {
    fc.assert(props.determinism, fcParams(5));
  });
});
