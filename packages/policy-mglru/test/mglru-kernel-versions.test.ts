import {
  type KernelVersion,
  OP_STORE,
  OP_THINK,
  PG_REFERENCED,
  PG_SWAPBACKED,
  PG_SWAPCACHE,
  PG_WORKINGSET,
} from '@reclaim-lab/hw-model';
import { packGenToken } from '@reclaim-lab/mechanisms';
import { Aging, Eviction, FILE, Layout, MglruState, resolveMglruOptions } from '@reclaim-lab/policy-mglru';
import type { RefaultVerdict } from '@reclaim-lab/reclaim';
import { generated } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';
// Rule-level functions are not part of the package's API; the tests reach them directly.
import { folioSeq, folioUpdateGen } from '../src/placement.js';
import { refaultToken } from '../src/workingset.js';
import { type MglruCtx, mglruKernel, rootCtx, runWorkload } from './helpers.js';

const L = new Layout(4, 4);
const ANON_FLAGS = PG_SWAPBACKED | PG_SWAPCACHE; // anon in swap cache: not steered to max_seq-1 by the anon rule
const FILE_FLAGS = 0;

/** A fresh lruvec's generations: max_seq 3, min_seq {0, 0}, four generations. */
function freshState(upTo613: boolean): MglruState {
  let id = 0;
  return new MglruState(L, () => id++, 0, false, upTo613);
}

/** A kernel with `pages` anon pages faulted in and left on MGLRU's lists, under the given release's rules. */
function kernelWithAnon(kernel: KernelVersion | undefined, pages = 64): { ctx: MglruCtx; pfns: number[] } {
  // Stopped while the task still sleeps, so its pages are still mapped and on the lists.
  const k = mglruKernel(4096, kernel ? { kernel } : {}, {}, { untilNs: 5e8 });
  runWorkload(k, {
    tasks: [
      {
        name: 't',
        regions: [{ kind: 'anon', pages }],
        source: generated((i) => (i < pages ? [OP_STORE, 0, i] : i === pages ? [OP_THINK, 0, 1e9] : null)),
      },
    ],
  });
  const ctx = rootCtx(k);
  const pfns: number[] = [];
  for (let i = 0; i < ctx.state.lists.length; i++)
    ctx.lists.forEach(ctx.state.lists[i], (pfn) => {
      pfns.push(pfn);
    });
  if (pfns.length < pages) throw new Error(`expected ${pages} folios on the lists, found ${pfns.length}`);
  return { ctx, pfns };
}

describe('machine.kernel: lru_gen_add_folio placement (4d5d14a01e2c "mm/mglru: rework workingset protection", 6.14)', () => {
  it('a folio faulted in (PG_active) goes to max_seq up to 6.13, to max_seq-1 from 6.14', () => {
    expect(folioSeq(L, freshState(true), FILE_FLAGS, false, true)).toBe(3);
    expect(folioSeq(L, freshState(false), FILE_FLAGS, false, true)).toBe(2);
    // 6.14: a workingset folio faulted back in earns the youngest generation.
    expect(folioSeq(L, freshState(false), PG_WORKINGSET, false, true)).toBe(3);
  });

  it('cold page cache goes to min_seq+1 up to 6.13 when more than MIN_NR_GENS generations exist, to the oldest from 6.14', () => {
    expect(folioSeq(L, freshState(true), FILE_FLAGS, false, false)).toBe(1);
    expect(folioSeq(L, freshState(false), FILE_FLAGS, false, false)).toBe(0);
    // 6.14: PG_workingset buys one generation (max_seq-2); 6.1 ignores it here.
    expect(folioSeq(L, freshState(false), PG_WORKINGSET, false, false)).toBe(1);
    expect(folioSeq(L, freshState(true), ANON_FLAGS | PG_WORKINGSET, false, false)).toBe(1);
  });

  it('up to 6.13, with only MIN_NR_GENS generations left, everything not active goes to the oldest', () => {
    const st = freshState(true);
    st.minSeq[FILE] = 1; // max_seq 3 - min_seq 1 + 1 = 3 generations: min_seq + 2 >= max_seq
    expect(folioSeq(L, st, FILE_FLAGS, false, false)).toBe(1);
    st.minSeq[FILE] = 2; // two generations
    expect(folioSeq(L, st, FILE_FLAGS, false, false)).toBe(2);
  });

  it('both put anon not in swap cache at max_seq-1 and a folio put back for reclaim at the oldest', () => {
    for (const upTo613 of [true, false]) {
      expect(folioSeq(L, freshState(upTo613), PG_SWAPBACKED, false, false)).toBe(2);
      expect(folioSeq(L, freshState(upTo613), FILE_FLAGS, true, false)).toBe(0);
    }
  });
});

describe('machine.kernel: folio_update_gen and lru_gen_set_refs (one A-bit sighting up to 6.13, two from 6.14)', () => {
  for (const [kernel, promotedAfterOne] of [
    ['6.1', true],
    ['6.6', true],
    ['6.12', true],
    ['6.14', false],
  ] as const) {
    it(`${kernel}: a folio seen young once by the page-table walk ${promotedAfterOne ? 'is promoted to max_seq' : 'only gets PG_referenced'}`, () => {
      const { ctx, pfns } = kernelWithAnon(kernel);
      // One aging step (inc_max_seq) so that every folio is older than the youngest generation.
      const st = ctx.state;
      st.maxSeq++;
      for (const t of [0, 1]) st.minSeq[t] = Math.max(st.minSeq[t], st.maxSeq - L.gens + 1);
      const youngest = st.maxSeq % L.gens;
      const pfn = pfns.find((p) => L.genOf(ctx.frames.policy[p]) !== youngest);
      expect(pfn).toBeDefined();
      const p = pfn as number;
      ctx.frames.flags[p] &= ~(PG_REFERENCED | PG_WORKINGSET);
      folioUpdateGen(L, ctx, p);
      if (promotedAfterOne) {
        expect(L.genOf(ctx.frames.policy[p])).toBe(youngest);
        expect(ctx.frames.flags[p] & (PG_REFERENCED | PG_WORKINGSET)).toBe(0);
      } else {
        expect(L.genOf(ctx.frames.policy[p])).not.toBe(youngest);
        expect(ctx.frames.flags[p] & PG_REFERENCED).toBe(PG_REFERENCED);
        // The second sighting promotes, with PG_workingset.
        folioUpdateGen(L, ctx, p);
        expect(L.genOf(ctx.frames.policy[p])).toBe(youngest);
        expect(ctx.frames.flags[p] & PG_WORKINGSET).toBe(PG_WORKINGSET);
      }
    });
  }

  it('folio_check_references: 6.14 activates on the second young sighting; 6.1 keeps a folio young in one mapping and activates one young in two', () => {
    const opts = resolveMglruOptions();
    const rmap = (refs: number) => ({ refs, vmFlags: 0, mappings: refs });
    for (const kernel of ['6.1', '6.14'] as const) {
      const { ctx, pfns } = kernelWithAnon(kernel);
      const ev = new Eviction(L, opts, new Aging(L, opts));
      const p = pfns[0];
      ctx.frames.flags[p] &= ~(PG_REFERENCED | PG_WORKINGSET);
      expect(ev.checkReferences(ctx, p, rmap(0))).toBe('reclaim');
      expect(ev.checkReferences(ctx, p, rmap(1))).toBe('keep');
      expect(ev.checkReferences(ctx, p, rmap(1))).toBe(kernel === '6.14' ? 'activate' : 'keep');
      ctx.frames.flags[p] &= ~(PG_REFERENCED | PG_WORKINGSET);
      expect(ev.checkReferences(ctx, p, rmap(2))).toBe(kernel === '6.14' ? 'keep' : 'activate');
    }
  });
});

describe('machine.kernel: lru_gen_test_recent and lru_gen_refault', () => {
  function refault(kernel: KernelVersion, tokenSeq: number, opts: { inFault: boolean; workingset: boolean }) {
    const { ctx, pfns } = kernelWithAnon(kernel);
    const st = ctx.state;
    // One inc_min_seq later the file type's oldest generation is min_seq+1; the token is from before it.
    st.minSeq[FILE] = 1;
    const before = st.ctrl.refaulted.reduce((a, b) => a + b, 0);
    const verdict: RefaultVerdict = { activate: false, restore: false };
    const pfn = pfns[0];
    ctx.frames.policy[pfn] = L.withRefsCounter(ctx.frames.policy[pfn], 0);
    refaultToken(
      L,
      ctx,
      pfn,
      {
        payload: packGenToken(tokenSeq, 1, L.refsWidth),
        workingset: opts.workingset,
        isFile: true,
        evictionLruvec: ctx.lruvec,
        inFault: opts.inFault,
      },
      verdict,
    );
    const recent = st.ctrl.refaulted.reduce((a, b) => a + b, 0) > before;
    return { recent, verdict, refs: L.refsCounter(ctx.frames.policy[pfn]) };
  }

  it('b1a71694fb00 "rework refault detection" (6.14): a token from one generation before min_seq is recent within MAX_NR_GENS of max_seq; up to 6.13 only a token from min_seq is', () => {
    // max_seq 3, file min_seq 1; token seq 0: distance 3 < MAX_NR_GENS.
    expect(refault('6.14', 0, { inFault: true, workingset: false }).recent).toBe(true);
    for (const kernel of ['6.1', '6.6', '6.12'] as const) {
      expect(refault(kernel, 0, { inFault: true, workingset: false }).recent).toBe(false);
      expect(refault(kernel, 1, { inFault: true, workingset: false }).recent).toBe(true);
    }
  });

  it('4d5d14a01e2c (6.14): a refault in a fault restores PG_workingset only if the shadow had it; up to 6.13 every refault in a fault came back workingset with full refs', () => {
    const old = refault('6.1', 1, { inFault: true, workingset: false });
    expect(old.verdict).toEqual({ activate: true, restore: true });
    expect(old.refs).toBe(L.refsMax);
    const now = refault('6.14', 1, { inFault: true, workingset: false });
    expect(now.verdict).toEqual({ activate: true, restore: false });
    // Both: a refault outside a fault (read(2)) is not activated.
    expect(refault('6.1', 1, { inFault: false, workingset: false }).verdict.activate).toBe(false);
    expect(refault('6.14', 1, { inFault: false, workingset: true }).verdict).toEqual({
      activate: false,
      restore: true,
    });
  });
});
