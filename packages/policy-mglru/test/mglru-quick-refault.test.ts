/**
 * `mglru:quickRefault`: what `lru_gen_refault` gives back to a folio whose
 * token is still live. On (kernel): a workingset folio gets PG_workingset
 * (workingset_restore, a PSI memstall while it is read), any other its refs
 * minus one — a higher tier — and a refault in a fault counts as
 * activated. Off: the PID controller still hears of the refault; the folio
 * comes back as on its first fault (refs 0, tier 0, not workingset).
 */
import { OP_STORE, OP_THINK, PG_WORKINGSET } from '@reclaim-lab/hw-model';
import { packGenToken } from '@reclaim-lab/mechanisms';
import { ANON, Layout } from '@reclaim-lab/policy-mglru';
import { ScanControl } from '@reclaim-lab/reclaim';
import { askRefault, generated } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';
import { mglruKernel, rootCtx, runWorkload } from './helpers.js';

const PAGES = 64;
const L = new Layout(4, 4);

/** 64 mapped anon folios; P is evicted with `refs` fd references and refaults at once, in a fault. */
function quickRefault(quick: boolean, refs: number, workingset: boolean, refault: 'gen' | 'classic' = 'gen') {
  const k = mglruKernel(4096, {}, { quickRefault: quick, refault }, { untilNs: 5e8 });
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
  const ops = k.ctxOf(ctx.lruvec).slot.ops;
  const st = ctx.state;
  let p = -1;
  for (let i = 0; i < st.lists.length && p < 0; i++)
    ctx.lists.forEach(st.lists[i], (pfn) => {
      p = pfn;
      return false;
    });
  expect(p).toBeGreaterThanOrEqual(0);
  // The token lru_gen_eviction would write for a folio with `refs` references in the oldest generation.
  const payload =
    refault === 'gen'
      ? packGenToken(st.minSeq[ANON], refs, L.refsWidth)
      : (ops.evicted!(ctx as never, p, new ScanControl()) as number);
  ctx.frames.policy[p] = L.withRefsCounter(ctx.frames.policy[p], 0);
  const ctrlBefore = st.ctrl.refaulted.reduce((a, b) => a + b, 0);
  const verdict = askRefault(ops, ctx, p, { payload, isFile: false, inFault: true, workingset });
  return {
    verdict,
    refsCounter: L.refsCounter(ctx.frames.policy[p]),
    heard: st.ctrl.refaulted.reduce((a, b) => a + b, 0) - ctrlBefore,
    workingsetFlag: (ctx.frames.flags[p] & PG_WORKINGSET) !== 0,
  };
}

describe('mglru:quickRefault', () => {
  it('a live token with 3 refs: on puts the folio back with refs counter 2 (tier 2), counted activated in the fault; off gives it refs 0 and no activation', () => {
    const on = quickRefault(true, 3, false);
    expect(on.heard).toBe(1);
    expect(on.refsCounter).toBe(2);
    expect(on.verdict).toMatchObject({ activate: true, restore: false });
    const off = quickRefault(false, 3, false);
    expect(off.heard).toBe(1);
    expect(off.refsCounter).toBe(0);
    expect(off.verdict).toMatchObject({
      activate: false,
      restore: false,
      countActivate: false,
      countRefault: true,
    });
  });

  it('a workingset shadow: on restores PG_workingset (workingset_restore); off does not', () => {
    expect(quickRefault(true, 1, true).verdict.restore).toBe(true);
    expect(quickRefault(false, 1, true).verdict.restore).toBe(false);
  });

  it('refault=classic: the same switch, the controller fed either way', () => {
    const on = quickRefault(true, 1, true, 'classic');
    const off = quickRefault(false, 1, true, 'classic');
    expect(on.heard).toBe(1);
    expect(off.heard).toBe(1);
    expect(on.verdict).toMatchObject({ activate: true, restore: true });
    expect(off.verdict).toMatchObject({ activate: false, restore: false });
  });
});
