/**
 * Each node's free frames form a stack linked through the free frames'
 * `index` field: frames must come and go exactly as from the array stack it
 * replaced (low pfns first, then the last freed first), on every node.
 */
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultMachineConfig, Machine } from '../src/machine.js';

describe('free frames', () => {
  it('are handed out as from an array stack: low pfns first, then the last freed first, per node', () => {
    const op = fc.tuple(fc.constantFrom('alloc', 'free'), fc.nat({ max: 1 }), fc.nat());
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 200 }),
        fc.constantFrom<number[]>([5], [3, 4], [1, 6]),
        (ops, nodePages) => {
          const m = new Machine(defaultMachineConfig(0, { nodePages }));
          // The model: one array stack per node, built eagerly as before.
          let first = 0;
          const stacks = nodePages.map((pages) => {
            const s = Array.from({ length: pages }, (_, i) => first + pages - 1 - i);
            first += pages;
            return s;
          });
          const held: number[] = [];
          for (const [what, nodeArg, pick] of ops) {
            const node = nodeArg % nodePages.length;
            if (what === 'alloc') {
              const want = stacks[node].pop() ?? -1;
              const got = m.allocFrame(node);
              expect(got).toBe(want);
              if (got >= 0) {
                // Whoever takes a frame sets its index; the free stack must not rely on it.
                m.frames.index[got] = 12345;
                held.push(got);
              }
            } else if (held.length > 0) {
              const pfn = held.splice(pick % held.length, 1)[0];
              m.freeFrame(pfn);
              stacks[m.frames.node[pfn]].push(pfn);
            }
            for (let n = 0; n < nodePages.length; n++) {
              expect(m.nodes[n].freeTop).toBe(stacks[n].length);
              expect(m.nodes[n].zone.free).toBe(stacks[n].length);
            }
          }
        },
      ),
    );
  });
});
