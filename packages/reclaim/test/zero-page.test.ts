/**
 * The shared zero page (`do_anonymous_page`): a read of untouched anon
 * memory maps it, costing no memory and no rss; the first store copies it
 * into a page of the task's own (`wp_page_copy`).
 */
import { defaultMachineConfig, OP_LOAD, OP_STORE, OP_THINK, ZERO_PAGE_PTE } from '@reclaim-lab/hw-model';
import { describe, expect, it } from 'vitest';
import { Kernel } from '../src/index.js';
import { generated } from '../src/testing.js';

const MEM = 4096;

function reader(events: (i: number) => [number, number, number] | null, mode: 'kernel' | 'ideal' = 'kernel') {
  const k = new Kernel({
    machine: defaultMachineConfig(MEM, { swapPages: 0, mode }),
    policy: { name: 'defaults' },
    seed: 1,
    checkInvariants: true,
    untilNs: 1e9,
  });
  k.load({
    files: [],
    memcgs: [],
    tasks: [{ name: 'r', regions: [{ kind: 'anon', pages: 2 * MEM }], source: generated(events) }],
  });
  const r = k.run();
  return { k, r, task: k.tasks[0] };
}

describe('the zero page', () => {
  it('serves reads of untouched anon memory larger than RAM with no memory, no rss and no reclaim', () => {
    const { k, r, task } = reader((i) =>
      i < 4 * MEM ? [OP_LOAD, 0, i % (2 * MEM)] : i === 4 * MEM ? [OP_THINK, -1, 2e9] : null,
    );
    // One minor fault per page, the second pass hits.
    expect(task.minorFaults).toBe(2 * MEM);
    expect(task.mm.rssAnon).toBe(0);
    expect(k.machine.rootMemcg.usage).toBe(0);
    expect(r.counters.pgsteal_kswapd + r.counters.pgsteal_direct).toBe(0);
    expect(task.mm.pte[task.mm.vmas[0].start]).toBe(ZERO_PAGE_PTE);
  });

  it('a store to a zero-page PTE faults once and gets a page of its own', () => {
    const pages = 100;
    const { task, k } = reader((i) =>
      i < pages
        ? [OP_LOAD, 0, i]
        : i < 2 * pages
          ? [OP_STORE, 0, i - pages]
          : i < 3 * pages
            ? [OP_STORE, 0, i - 2 * pages]
            : i === 3 * pages
              ? [OP_THINK, -1, 2e9]
              : null,
    );
    // A fault for each read and one for each first store; the second stores hit.
    expect(task.minorFaults).toBe(2 * pages);
    expect(task.mm.rssAnon).toBe(pages);
    expect(k.machine.rootMemcg.usage).toBe(pages);
    expect(task.mm.pte[task.mm.vmas[0].start]).not.toBe(ZERO_PAGE_PTE);
  });

  it('ideal mode gives every request a frame of its own', () => {
    const { task } = reader(
      (i) => (i < 100 ? [OP_LOAD, 0, i] : i === 100 ? [OP_THINK, -1, 2e9] : null),
      'ideal',
    );
    expect(task.mm.rssAnon).toBe(100);
  });
});
