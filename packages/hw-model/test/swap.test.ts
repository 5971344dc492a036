/**
 * The swap slot map hands out slots as an eagerly built free stack would
 * (a released slot first, else the lowest never used), while allocating
 * memory only for the slots it has handed out.
 */
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SwapSpace } from '../src/swap.js';

/** The map as it was before it grew lazily: every slot on a stack from the start. */
class EagerSwap {
  private readonly stack: number[];
  private readonly owner: number[];
  used = 0;
  constructor(readonly slots: number) {
    this.stack = Array.from({ length: slots }, (_, i) => slots - 1 - i);
    this.owner = new Array(slots).fill(-1);
  }
  alloc(mm: number): number {
    const slot = this.stack.pop();
    if (slot === undefined) return -1;
    this.owner[slot] = mm;
    this.used++;
    return slot;
  }
  release(slot: number): void {
    this.owner[slot] = -1;
    this.stack.push(slot);
    this.used--;
  }
  get free(): number {
    return this.stack.length;
  }
}

describe('SwapSpace', () => {
  it('hands out the same slots as an eager free stack, for any sequence of allocs and releases', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 64 }),
        fc.array(fc.tuple(fc.boolean(), fc.nat()), { maxLength: 600 }),
        (slots, initialCapacity, ops) => {
          const lazy = new SwapSpace(slots, 0, initialCapacity);
          const eager = new EagerSwap(slots);
          const held: number[] = [];
          for (const [alloc, pick] of ops) {
            if (alloc || held.length === 0) {
              const a = lazy.alloc(7, held.length, 0);
              const b = eager.alloc(7);
              expect(a).toBe(b);
              if (a >= 0) {
                expect(lazy.isUsed(a)).toBe(true);
                expect(lazy.frame[a]).toBe(-1);
                held.push(a);
              }
            } else {
              const slot = held.splice(pick % held.length, 1)[0];
              lazy.release(slot);
              eager.release(slot);
              expect(lazy.isUsed(slot)).toBe(false);
            }
            expect(lazy.used).toBe(eager.used);
            expect(lazy.free).toBe(eager.free);
            expect(lazy.isFull()).toBe(eager.used * 2 > slots);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a huge swap device costs memory only for the slots used', () => {
    const swap = new SwapSpace(64 * 1024 * 1024, 0);
    expect(swap.free).toBe(64 * 1024 * 1024);
    expect(swap.ownerMm.length).toBeLessThanOrEqual(1 << 16);
    for (let i = 0; i < 100_000; i++) swap.alloc(1, i, 0);
    expect(swap.ownerMm.length).toBeGreaterThanOrEqual(100_000);
    expect(swap.ownerMm.length).toBeLessThanOrEqual(2 * 131_072);
    expect(swap.highWater).toBe(100_000);
    // Slots written before a growth keep their owners after it.
    expect(swap.ownerVpn[12_345]).toBe(12_345);
    expect(swap.isUsed(99_999)).toBe(true);
    expect(swap.isUsed(100_000)).toBe(false);
  });

  it('refuses a double release and runs out exactly at its size', () => {
    const swap = new SwapSpace(3, 0, 1);
    expect([swap.alloc(1, 0, 0), swap.alloc(1, 1, 0), swap.alloc(1, 2, 0)]).toEqual([0, 1, 2]);
    expect(swap.alloc(1, 3, 0)).toBe(-1);
    swap.release(1);
    expect(() => swap.release(1)).toThrow(/freed twice/);
    expect(swap.alloc(1, 4, 0)).toBe(1);
  });
});
