/**
 * `mglru:refault=classic|gen`: the same eviction and refault sequence judged
 * by `lru_gen_test_recent` (the token's generation is live) or by
 * `workingset_test_recent` (the refault distance fits the workingset), with
 * MGLRU's own decision either way: a recent refault feeds the PID
 * controller and comes back active only in a page fault.
 */
import { OP_READ, OP_STORE, OP_THINK } from '@reclaim-lab/hw-model';
import { ANON } from '@reclaim-lab/policy-mglru';
import { type ReclaimOps, ScanControl } from '@reclaim-lab/reclaim';
import { askRefault, generated, runWithPolicy } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';
import { createMglru } from '../src/mglru.js';
import { type MglruCtx, mglruKernel, rootCtx, runWorkload } from './helpers.js';

const PAGES = 64;

/** 64 anon pages faulted in and still mapped, on MGLRU's two youngest generations (its "active" lists). */
function lruvecWithAnon(refault: 'classic' | 'gen'): {
  ctx: MglruCtx;
  ops: ReclaimOps<unknown>;
  pfns: number[];
} {
  const k = mglruKernel(4096, {}, { refault }, { untilNs: 5e8 });
  runWorkload(k, {
    tasks: [
      {
        name: 't',
        regions: [{ kind: 'anon', pages: PAGES }],
        source: generated((i) => (i < PAGES ? [OP_STORE, 0, i] : i === PAGES ? [OP_THINK, 0, 1e9] : null)),
      },
    ],
  });
  const ctx = rootCtx(k);
  const pfns: number[] = [];
  for (let i = 0; i < ctx.state.lists.length; i++)
    ctx.lists.forEach(ctx.state.lists[i], (pfn) => {
      pfns.push(pfn);
      return true;
    });
  return { ctx, ops: k.ctxOf(ctx.lruvec).slot.ops, pfns };
}

/**
 * Evict anon folio P, then `agings` new generations and `others` more
 * evictions, then P refaults in a page fault. Returns MGLRU's verdict and
 * whether the PID controller heard of it (a recent refault).
 */
function sequence(refault: 'classic' | 'gen', agings: number, others: number) {
  const { ctx, ops, pfns } = lruvecWithAnon(refault);
  const st = ctx.state;
  const sc = new ScanControl();
  const z = ctx.core.lruSizes(ctx.lruvec);
  const p = pfns[0];
  const payload = ops.evicted!(ctx as never, p, sc) as number;
  for (let i = 0; i < others; i++) ops.evicted!(ctx as never, pfns[1 + (i % (pfns.length - 1))], sc);
  // What `inc_max_seq` and `inc_min_seq` leave behind, `agings` times: the sequences lru_gen_test_recent reads.
  st.maxSeq += agings;
  st.minSeq[ANON] += agings;
  st.minSeq[1] += agings;
  const before = st.ctrl.refaulted.reduce((a, b) => a + b, 0);
  const verdict = askRefault(ops, ctx, p, { payload, isFile: false, inFault: true });
  const recent = st.ctrl.refaulted.reduce((a, b) => a + b, 0) > before;
  return { verdict, recent, sizes: z };
}

describe('mglru: refault=gen vs refault=classic', () => {
  it('evicted, then 4 agings and no other eviction: the token is MAX_NR_GENS old (gen: not recent) but the distance is 1 (classic: recent, activated in the fault)', () => {
    const gen = sequence('gen', 4, 0);
    expect(gen.recent).toBe(false);
    expect(gen.verdict.activate).toBe(false);
    const classic = sequence('classic', 4, 0);
    // With swap, an anon refault's workingset is the file lists plus the active anon: 64 folios here.
    expect(classic.sizes.activeAnon).toBe(PAGES);
    expect(classic.recent).toBe(true);
    expect(classic.verdict.activate).toBe(true);
  });

  it('evicted, then 200 evictions and no aging: the token is of the live oldest generation (gen: recent, activated) but the distance is 201 > 64 (classic: not recent)', () => {
    const gen = sequence('gen', 0, 200);
    expect(gen.recent).toBe(true);
    expect(gen.verdict.activate).toBe(true);
    const classic = sequence('classic', 0, 200);
    expect(classic.recent).toBe(false);
    expect(classic.verdict.activate).toBe(false);
    // workingset_refault counts every refault of the lruvec under both.
    expect(classic.verdict.countRefault).toBe(true);
    expect(gen.verdict.countRefault).toBe(true);
  });

  it("the decision stays MGLRU's under classic: a recent refault through read() is not activated", () => {
    const { ctx, ops, pfns } = lruvecWithAnon('classic');
    const payload = ops.evicted!(ctx as never, pfns[0], new ScanControl()) as number;
    const verdict = askRefault(ops, ctx, pfns[0], { payload, workingset: true });
    expect(verdict).toMatchObject({ activate: false, restore: true });
  });

  it('a whole run under refault=classic keeps the invariants and counts refaults', () => {
    const MEM = 2048;
    const pages = MEM + MEM / 4;
    const { r } = runWithPolicy(
      createMglru({ refault: 'classic' }) as never,
      [
        {
          name: 'reader',
          regions: [{ kind: 'file-fd', file: 0, pages }],
          source: generated((i) => (i < pages * 4 ? [OP_READ, 0, i % pages] : null)),
        },
      ],
      [{ name: 'data', pages }],
      { memoryPages: MEM, seed: 5 },
    );
    expect(r.counters.workingset_refault_file).toBe(3 * pages);
    // Refaults through read() are never activated by MGLRU.
    expect(r.counters.workingset_activate_file).toBe(0);
  });
});
