import { defaultMachineConfig } from '@reclaim-lab/hw-model';
import { Kernel } from '@reclaim-lab/reclaim';
import { fcParams } from '@reclaim-lab/reclaim/testing';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createExactLru, createOpt, NextUseHeap, OptOracleError } from '../src/index.js';
import { nextAccess, runIdeal } from './helpers.js';

const TEXTBOOK = [7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1];

/** Belady by brute force: on a miss with memory full, evict the resident key used farthest ahead. */
function belady(keys: readonly number[], frames: number): number {
  const resident = new Set<number>();
  let misses = 0;
  keys.forEach((k, i) => {
    if (resident.has(k)) return;
    misses++;
    if (resident.size === frames) {
      let victim = -1;
      let farthest = -1;
      for (const r of resident) {
        const j = keys.indexOf(r, i + 1);
        const d = j < 0 ? Number.POSITIVE_INFINITY : j;
        if (d > farthest) {
          farthest = d;
          victim = r;
        }
      }
      resident.delete(victim);
    }
    resident.add(k);
  });
  return misses;
}

describe('opt in ideal mode', () => {
  it('misses as a hand-run Belady: 1 2 3 1 4 2 5 1 2 3 on 3 frames misses 6 times', () => {
    // 1 2 3 miss; 1 hits; 4 evicts 3 (next use farthest); 2 hits; 5 evicts 4 (never used again); 1 2 hit; 3 misses.
    const keys = [1, 2, 3, 1, 4, 2, 5, 1, 2, 3];
    const r = runIdeal(keys, 3, createOpt({ oracle: nextAccess(keys) }));
    expect(r.requests).toBe(10);
    expect(r.misses).toBe(6);
  });

  it('takes the textbook 9 page faults on the classic reference string with 3 frames', () => {
    expect(runIdeal(TEXTBOOK, 3, createOpt({ oracle: nextAccess(TEXTBOOK) })).misses).toBe(9);
  });

  it('matches brute-force Belady, and never misses more than exact LRU, on random traces', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 30 }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 20 }),
        (keys, frames) => {
          const opt = runIdeal(keys, frames, createOpt({ oracle: nextAccess(keys) })).misses;
          expect(opt).toBe(belady(keys, frames));
          expect(opt).toBeLessThanOrEqual(runIdeal(keys, frames, createExactLru()).misses);
        },
      ),
      fcParams(60),
    );
  });

  it('refuses to run without an oracle, or outside ideal mode', () => {
    expect(() => createOpt({})).toThrow(OptOracleError);
    expect(() => createOpt({ oracle: 'x' as never })).toThrow(/Float64Array/);
    // Its state is created with the first lruvec, when the kernel is built.
    const kernelMode = () =>
      new Kernel({
        machine: defaultMachineConfig(256),
        policy: createOpt({ oracle: new Float64Array(4) }),
        watchdog: { abortOnEject: true },
      });
    expect(kernelMode).toThrow(/runs only in ideal mode/);
  });

  it('is ejected when the trace runs past its oracle (the request count went out of step)', () => {
    const keys = [1, 2, 3, 1];
    expect(() => runIdeal(keys, 2, createOpt({ oracle: nextAccess(keys.slice(0, 2)) }))).toThrow(
      /past the end of the oracle/,
    );
  });
});

describe('NextUseHeap', () => {
  it('always tops with the largest key, through inserts, re-keys and removals', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('set' as const),
        pfn: fc.nat({ max: 31 }),
        key: fc.oneof(fc.nat({ max: 50 }), fc.constant(Number.POSITIVE_INFINITY)),
      }),
      fc.record({ kind: fc.constant('remove' as const), pfn: fc.nat({ max: 31 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (steps) => {
        const heap = new NextUseHeap(32);
        const model = new Map<number, number>();
        for (const s of steps) {
          if (s.kind === 'set') {
            heap.set(s.pfn, s.key);
            model.set(s.pfn, s.key);
          } else {
            heap.remove(s.pfn);
            model.delete(s.pfn);
          }
          expect(heap.size).toBe(model.size);
          const top = heap.top();
          if (model.size === 0) expect(top).toBe(-1);
          else expect(model.get(top)).toBe(Math.max(...model.values()));
        }
      }),
      fcParams(100),
    );
  });
});
