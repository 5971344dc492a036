import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ListSet, StepBudgetExceeded } from '../src/lists.js';

const FRAMES = 12;
const LISTS = 3;

type Op = {
  kind: 'addHead' | 'addTail' | 'moveHead' | 'moveTail' | 'moveBehind' | 'remove';
  list: number;
  pfn: number;
  /** moveBehind's anchor frame. */
  anchor: number;
};

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom('addHead', 'addTail', 'moveHead', 'moveTail', 'moveBehind', 'remove'),
  list: fc.integer({ min: 0, max: LISTS - 1 }),
  pfn: fc.integer({ min: 0, max: FRAMES - 1 }),
  anchor: fc.integer({ min: 0, max: FRAMES - 1 }),
});

/** Head-to-tail order of a list, walked through `next` and checked back through `prev`. */
function order(ls: ListSet, list: number): number[] {
  const out: number[] = [];
  for (let p = ls.first(list); p !== -1; p = ls.next[p]) out.push(p);
  const back: number[] = [];
  for (let p = ls.last(list); p !== -1; p = ls.prev[p]) back.push(p);
  expect(back.reverse()).toEqual(out);
  return out;
}

describe('ListSet', () => {
  it('matches a model of arrays under any sequence of adds, moves (to either end or behind another frame) and removes', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const ls = new ListSet({ count: FRAMES } as never);
        for (let l = 0; l < LISTS; l++) ls.create(0, `l${l}`);
        const model: number[][] = Array.from({ length: LISTS }, () => []);
        const where = (pfn: number) => model.findIndex((m) => m.includes(pfn));
        for (const { kind, list, pfn, anchor } of ops) {
          const from = where(pfn);
          if (kind === 'moveBehind') {
            const at = where(anchor);
            if (at === -1) {
              expect(() => ls.moveBehind(anchor, pfn)).toThrow(/on no list/);
              continue;
            }
            ls.moveBehind(anchor, pfn);
            if (anchor !== pfn) {
              if (from !== -1) model[from].splice(model[from].indexOf(pfn), 1);
              model[at].splice(model[at].indexOf(anchor) + 1, 0, pfn);
            }
          } else if (kind === 'addHead' || kind === 'addTail') {
            if (from !== -1) {
              expect(() => ls[kind](list, pfn)).toThrow(/already on list/);
              continue;
            }
            ls[kind](list, pfn);
            if (kind === 'addHead') model[list].unshift(pfn);
            else model[list].push(pfn);
          } else if (kind === 'remove') {
            if (from === -1) {
              expect(() => ls.remove(pfn)).toThrow(/on no list/);
              continue;
            }
            ls.remove(pfn);
            model[from].splice(model[from].indexOf(pfn), 1);
          } else {
            ls[kind](list, pfn);
            if (from !== -1) model[from].splice(model[from].indexOf(pfn), 1);
            if (kind === 'moveHead') model[list].unshift(pfn);
            else model[list].push(pfn);
          }
          for (let l = 0; l < LISTS; l++) {
            expect(order(ls, l)).toEqual(model[l]);
            expect(ls.length(l)).toBe(model[l].length);
          }
          for (let p = 0; p < FRAMES; p++) expect(ls.listOf[p]).toBe(where(p));
        }
      }),
    );
  });

  it('counts a move as one list operation against the step budget', () => {
    const ls = new ListSet({ count: FRAMES } as never);
    const a = ls.create(0, 'a');
    const b = ls.create(0, 'b');
    for (let p = 0; p < 4; p++) ls.addHead(a, p);
    ls.steps = 0;
    ls.stepLimit = 3;
    ls.moveHead(b, 0);
    ls.moveTail(b, 1);
    ls.moveHead(a, 2);
    expect(ls.steps).toBe(3);
    expect(() => ls.moveHead(b, 3)).toThrow(StepBudgetExceeded);
  });
});
