/**
 * `lru:quickRefault`: what a refault the flavour calls recent becomes.
 * On (the kernel's `workingset_refault`): the folio is added active,
 * counted in workingset_activate, and a shadow that was workingset gives
 * PG_workingset back (workingset_restore; its read is a PSI memstall).
 * Off: the refault is counted and nothing else — the folio comes back
 * inactive, as on its first fault.
 */
import { DEVICE_PRESETS, OP_READ, PG_WORKINGSET } from '@reclaim-lab/hw-model';
import { createLru, LRU_ACTIVE_FILE } from '@reclaim-lab/policy-lru';
import { ScanControl } from '@reclaim-lab/reclaim';
import { askRefault, generated, runWithPolicy } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';
import { lruvecWithFile } from './file-lruvec.js';

/** A 300-page file read twice (all active: the workingset is 300), then folio P evicted and refaulted straight back: a distance of 1. */
function quickRefault(refault: 'classic' | 'gen', quick: boolean, workingset: boolean) {
  const { ctx, ops } = lruvecWithFile({ refault, quickRefault: quick }, 2);
  const p = ctx.lists.last(ctx.state.lists[LRU_ACTIVE_FILE]);
  const ageBefore = ctx.lruvec.nonresidentAge;
  const payload = ops.evicted!(ctx as never, p, new ScanControl()) as number;
  const verdict = askRefault(ops, ctx, p, { payload, workingset });
  return { verdict, aged: ctx.lruvec.nonresidentAge - ageBefore };
}

describe('lru:quickRefault', () => {
  for (const refault of ['classic', 'gen'] as const) {
    it(`refault=${refault}: a folio refaulting right after its eviction comes back active and workingset when on, as a first-time folio when off`, () => {
      const on = quickRefault(refault, true, true);
      expect(on.verdict).toMatchObject({ activate: true, restore: true, countRefault: true });
      const off = quickRefault(refault, false, true);
      expect(off.verdict).toMatchObject({ activate: false, restore: false, countRefault: true });
      if (refault === 'classic') {
        // workingset_refault ages the clock by what it activates (1 eviction + 1 activation); off only the eviction.
        expect(on.aged).toBe(2);
        expect(off.aged).toBe(1);
      }
      // A shadow without PG_workingset is activated but has nothing to restore.
      expect(quickRefault(refault, true, false).verdict).toMatchObject({ activate: true, restore: false });
    });
  }

  it('a file 1.25x memory looped 4 times (refault=gen, every refault recent): on activates and restores refaults; off counts them and activates none', () => {
    const MEM = 2048;
    const pages = MEM + MEM / 4;
    const run = (quick: boolean) => {
      const { k, r } = runWithPolicy(
        createLru({ refault: 'gen', quickRefault: quick }),
        [
          {
            name: 'reader',
            regions: [{ kind: 'file-fd', file: 0, pages }],
            source: generated((i) => (i < pages * 4 ? [OP_READ, 0, i % pages] : null)),
          },
        ],
        [{ name: 'data', pages }],
        { memoryPages: MEM, seed: 5, machine: { swapDevice: DEVICE_PRESETS.zram } },
      );
      let workingsetFolios = 0;
      for (let pfn = 0; pfn < k.machine.frames.flags.length; pfn++)
        if (k.machine.frames.flags[pfn] & PG_WORKINGSET) workingsetFolios++;
      return { c: r.counters, workingsetFolios };
    };
    const on = run(true);
    const off = run(false);
    expect(on.c.workingset_refault_file).toBe(3 * pages);
    expect(off.c.workingset_refault_file).toBe(3 * pages);
    expect(on.c.workingset_activate_file).toBe(on.c.workingset_refault_file);
    expect(on.c.workingset_restore_file).toBeGreaterThan(0);
    expect(off.c.workingset_activate_file).toBe(0);
    expect(off.c.workingset_restore_file).toBe(0);
    // Nothing was activated, so nothing was deactivated into PG_workingset either.
    expect(off.c.pgdeactivate).toBe(0);
    expect(off.workingsetFolios).toBe(0);
    expect(on.workingsetFolios).toBeGreaterThan(0);
  });
});
