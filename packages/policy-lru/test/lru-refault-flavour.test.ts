/**
 * `refault=classic|gen` for the traditional LRU: the same eviction and
 * refault sequence is judged by `workingset_test_recent` (distance in
 * evictions against the workingset size) or by `lru_gen_test_recent`
 * (is the token's generation still live), and the LRU activates what the
 * chosen test calls recent.
 */
import { DEVICE_PRESETS, OP_READ } from '@reclaim-lab/hw-model';
import { createLru } from '@reclaim-lab/policy-lru';
import { ScanControl } from '@reclaim-lab/reclaim';
import { askRefault, generated, runWithPolicy } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';
import { FILE_PAGES, lruvecWithFile } from './file-lruvec.js';

/** Evict folio P, then `others` more folios, then P refaults (through read, not a fault): is it activated? */
function sequence(refault: 'classic' | 'gen', passes: 1 | 2, others: number) {
  const { ctx, ops, sizes } = lruvecWithFile({ refault }, passes);
  const sc = new ScanControl();
  const pfns: number[] = [];
  ctx.lists.forEach(ctx.state.lists[passes === 2 ? 3 : 2], (pfn) => {
    pfns.push(pfn);
    return true;
  });
  const p = pfns[0];
  const payload = ops.evicted!(ctx as never, p, sc) as number;
  for (let i = 0; i < others; i++) ops.evicted!(ctx as never, pfns[1 + (i % (pfns.length - 1))], sc);
  const verdict = askRefault(ops, ctx, p, { payload });
  return { verdict, sizes, state: ctx.state };
}

describe('lru: refault=classic vs refault=gen', () => {
  it('300 active file folios, 0 inactive, 199 evictions later: the distance fits the workingset (classic activates) but the token is 6 generations old (gen does not)', () => {
    const classic = sequence('classic', 2, 199);
    // No swap: the workingset of a file refault is the active file list.
    expect(classic.sizes.activeFile).toBe(FILE_PAGES);
    expect(classic.sizes.inactiveFile).toBe(0);
    // Distance 200 (this folio's eviction and 199 more) <= 300.
    expect(classic.verdict.activate).toBe(true);

    const gen = sequence('gen', 2, 199);
    // An empty inactive list is a 32-eviction generation: 200 evictions are 6 of them, MAX_NR_GENS is 4.
    expect(gen.state.gen.maxSeq - 1).toBe(6);
    expect(gen.verdict.activate).toBe(false);
    // 6.5+ accounting: a refault into the evicting lruvec counts even when not recent.
    expect(gen.verdict.countRefault).toBe(true);
  });

  it('300 inactive file folios, no active ones, 99 evictions later: the distance exceeds the workingset (classic does not activate) but the token is one generation old (gen activates)', () => {
    const classic = sequence('classic', 1, 99);
    expect(classic.sizes.activeFile).toBe(0);
    expect(classic.sizes.inactiveFile).toBe(FILE_PAGES);
    expect(classic.verdict.activate).toBe(false);

    const gen = sequence('gen', 1, 99);
    // The first 32 evictions end generation 1; the next lasts as long as the 300-folio inactive list.
    expect(gen.state.gen.maxSeq).toBe(2);
    expect(gen.verdict.activate).toBe(true);
  });

  it('gen counts no refault into another lruvec (lru_gen_refault); classic counts every one', () => {
    for (const refault of ['classic', 'gen'] as const) {
      const { k, ctx, ops } = lruvecWithFile({ refault }, 1);
      const other = k.world.lruvecs.find((lv) => lv !== ctx.lruvec) ?? Object.create(ctx.lruvec);
      const payload = ops.evicted!(ctx as never, 0, new ScanControl()) as number;
      const verdict = askRefault(ops, ctx, 0, { payload, evictionLruvec: other });
      expect(verdict.countRefault).toBe(refault === 'classic');
    }
  });

  it('a file 1.25x memory read 4 times in a loop: classic activates no refault (each is ~0.25x memory of evictions away, beyond the active list), gen activates every one (one generation away)', () => {
    const MEM = 2048;
    const pages = MEM + MEM / 4;
    const run = (refault: 'classic' | 'gen') =>
      runWithPolicy(
        createLru({ refault }),
        [
          {
            name: 'reader',
            regions: [{ kind: 'file-fd', file: 0, pages }],
            source: generated((i) => (i < pages * 4 ? [OP_READ, 0, i % pages] : null)),
          },
        ],
        [{ name: 'data', pages }],
        { memoryPages: MEM, seed: 5, machine: { swapDevice: DEVICE_PRESETS.zram } },
      ).r.counters;
    const classic = run('classic');
    const gen = run('gen');
    // Every pass after the first refaults the whole file under both: the counter means the same.
    expect(classic.workingset_refault_file).toBe(3 * pages);
    expect(gen.workingset_refault_file).toBe(3 * pages);
    expect(classic.workingset_activate_file).toBe(0);
    expect(gen.workingset_activate_file).toBe(gen.workingset_refault_file);
    // Restored: the activated folios that were deactivated (PG_workingset) before their eviction.
    expect(gen.workingset_restore_file).toBeGreaterThan(0);
    expect(classic.workingset_restore_file).toBe(0);
  });
});
