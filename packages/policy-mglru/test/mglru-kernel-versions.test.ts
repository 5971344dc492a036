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
import {
  Aging,
  ANON,
  CtrlStats,
  ctrlPos,
  Eviction,
  FILE,
  getTypeToScan,
  getTypeToScanUpTo613,
  Layout,
  MglruState,
  resolveMglruOptions,
} from '@reclaim-lab/policy-mglru';
import { DEF_PRIORITY, ScanControl } from '@reclaim-lab/reclaim';
import { freshVerdict, generated } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';
// Rule-level functions are not part of the package's API; the tests reach them directly.
import { ageNodeUpTo64 } from '../src/node.js';
import { folioIncGen, folioSeq, folioUpdateGen, incRefs } from '../src/placement.js';
import { refaultToken } from '../src/workingset.js';
import { type MglruCtx, mglruKernel, rootCtx, runWorkload } from './helpers.js';

const L = new Layout(4, 4);
const ANON_FLAGS = PG_SWAPBACKED | PG_SWAPCACHE; // anon in swap cache: not steered to max_seq-1 by the anon rule
const FILE_FLAGS = 0;

/** A fresh lruvec's generations: max_seq 3, min_seq {0, 0}, four generations. */
function freshState(upTo613: boolean, upTo64 = false): MglruState {
  let id = 0;
  return new MglruState(L, () => id++, 0, false, upTo613, upTo64);
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
  function refault(
    kernel: KernelVersion,
    tokenSeq: number,
    opts: { inFault: boolean; workingset: boolean; otherLruvec?: boolean },
  ) {
    const { ctx, pfns } = kernelWithAnon(kernel);
    const st = ctx.state;
    // One inc_min_seq later the file type's oldest generation is min_seq+1; the token is from before it.
    st.minSeq[FILE] = 1;
    const before = st.ctrl.refaulted.reduce((a, b) => a + b, 0);
    const verdict = freshVerdict();
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
        evictionLruvec: opts.otherLruvec ? Object.create(ctx.lruvec) : ctx.lruvec,
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
    expect(old.verdict).toMatchObject({ activate: true, restore: true });
    expect(old.refs).toBe(L.refsMax);
    const now = refault('6.14', 1, { inFault: true, workingset: false });
    expect(now.verdict).toMatchObject({ activate: true, restore: false });
    // Both: a refault outside a fault (read(2)) is not activated.
    expect(refault('6.1', 1, { inFault: false, workingset: false }).verdict.activate).toBe(false);
    expect(refault('6.14', 1, { inFault: false, workingset: true }).verdict).toMatchObject({
      activate: false,
      restore: true,
    });
  });

  it('what workingset_refault/workingset_activate count: 6.1 only recent refaults and no activations; 6.6/6.12 every refault of the lruvec, every recent one as an activation; 6.14 activations only in a fault', () => {
    const counted = (kernel: KernelVersion, tokenSeq: number, inFault: boolean) => {
      const { verdict } = refault(kernel, tokenSeq, { inFault, workingset: false });
      return { refault: verdict.countRefault, activate: verdict.countActivate ?? verdict.activate };
    };
    // Token seq 0 is not recent up to 6.13 (file min_seq is 1); seq 1 is.
    expect(counted('6.1', 0, true)).toEqual({ refault: false, activate: false });
    expect(counted('6.1', 1, true)).toEqual({ refault: true, activate: false });
    for (const kernel of ['6.6', '6.12'] as const) {
      expect(counted(kernel, 0, true)).toEqual({ refault: true, activate: false });
      expect(counted(kernel, 1, false)).toEqual({ refault: true, activate: true });
    }
    expect(counted('6.14', 1, false)).toEqual({ refault: true, activate: false });
    expect(counted('6.14', 1, true)).toEqual({ refault: true, activate: true });
    // A shadow from another lruvec (memcg or node) is not a refault of this one, under every version.
    for (const kernel of ['6.1', '6.6', '6.14'] as const)
      expect(
        refault(kernel, 1, { inFault: true, workingset: false, otherLruvec: true }).verdict,
      ).toMatchObject({
        activate: false,
        countRefault: false,
      });
  });
});

describe('machine.kernel: aging feedback and type selection (798c0330c2ca, 37a260870f2c, 6.14)', () => {
  const opts = resolveMglruOptions({});

  it('37a260870f2c "rework type selection": up to 6.13 the first tiers of anon and file decide the type; 6.14 compares all tiers', () => {
    const s = new CtrlStats(4);
    const T = 4;
    // Anon refaults little from tier 0 but much from tier 2; file refaults some from tier 0.
    s.avgTotal[ANON * T + 0] = 1000;
    s.avgRefaulted[ANON * T + 2] = 900;
    s.avgTotal[ANON * T + 2] = 1000;
    s.avgRefaulted[FILE * T + 0] = 100;
    s.avgTotal[FILE * T + 0] = 1000;
    const tier = new Int32Array(1);
    // Tier 0 of file refaults more than tier 0 of anon: up to 6.13, scan anon...
    expect(getTypeToScanUpTo613(s, 100, ctrlPos(), ctrlPos(), tier)).toBe(ANON);
    // ...and protect anon's tier 2, which refaults more than file's tier 0.
    expect(tier[0]).toBe(1);
    // 6.14 sums the tiers: anon as a whole refaults more, so scan file.
    expect(getTypeToScan(s, 100, ctrlPos(), ctrlPos())).toBe(FILE);
  });

  it('798c0330c2ca "rework aging feedback": with MIN_NR_GENS+1 generations evenly filled, 6.14 ages and up to 6.13 does not; a crowded youngest generation makes both age', () => {
    const aging = new Aging(L, opts);
    const fill = (st: MglruState, young: number) => {
      st.minSeq[ANON] = st.minSeq[FILE] = st.maxSeq - 2;
      for (let seq = st.maxSeq - 2; seq <= st.maxSeq; seq++) st.nrPages[(seq % 4) * 2 + FILE] = 100;
      st.nrPages[(st.maxSeq % 4) * 2 + FILE] = young;
      return st;
    };
    expect(aging.shouldRunAging(fill(freshState(false), 100), 60)).toBe(true);
    expect(aging.shouldRunAgingUpTo613(fill(freshState(true), 100), 60)).toBe(false);
    // The youngest holds more than 1/MIN_NR_GENS of the pages.
    expect(aging.shouldRunAgingUpTo613(fill(freshState(true), 300), 60)).toBe(true);
    // Out of cold folios (MIN_NR_GENS generations): must age; 6.1 keeps the count, 6.6+ zero it.
    const out61 = freshState(true, true);
    out61.minSeq[ANON] = out61.minSeq[FILE] = out61.maxSeq - 1;
    out61.nrPages[(out61.maxSeq % 4) * 2 + FILE] = 50;
    expect(aging.shouldRunAgingUpTo613(out61, 60)).toBe(true);
    expect(aging.nrToScan).toBe(50);
    const out66 = freshState(true);
    out66.minSeq[ANON] = out66.minSeq[FILE] = out66.maxSeq - 1;
    out66.nrPages[(out66.maxSeq % 4) * 2 + FILE] = 50;
    expect(aging.shouldRunAgingUpTo613(out66, 60)).toBe(true);
    expect(aging.nrToScan).toBe(0);
  });

  it('798c0330c2ca: up to 6.13 file min_seq never runs ahead of anon min_seq; 6.14 lets it move to max_seq-MIN_NR_GENS', () => {
    const aging = new Aging(L, opts);
    const step = (upTo613: boolean) => {
      const st = freshState(upTo613);
      // The oldest anon generation holds folios; file's oldest generations are empty.
      const lens = new Map<number, number>([[st.lists[0], 10]]);
      const ctx = { state: st, lists: { length: (l: number) => lens.get(l) ?? 0 } } as unknown as MglruCtx;
      aging.tryToIncMinSeq(ctx, 60);
      return [st.minSeq[ANON], st.minSeq[FILE]];
    };
    expect(step(true)).toEqual([0, 0]);
    expect(step(false)).toEqual([0, 1]);
  });
});

describe('machine.kernel 6.1: kswapd ages in lru_gen_age_node, eviction leaves it the work (before 7348cc91821b, v6.3)', () => {
  const opts = resolveMglruOptions({});

  /** An lruvec down to MIN_NR_GENS generations: it must age before it can evict. */
  function needsAging(kernel: KernelVersion) {
    const { ctx } = kernelWithAnon(kernel);
    const st = ctx.state;
    st.minSeq[ANON] = st.minSeq[FILE] = st.maxSeq - 1;
    return ctx;
  }

  it('kswapd evicting an lruvec that needs aging skips it (0) without aging; a direct reclaimer ages and goes on evicting', () => {
    for (const reclaimer of ['kswapd', 'direct'] as const) {
      const ctx = needsAging('6.1');
      const ev = new Eviction(L, opts, new Aging(L, opts));
      const sc = new ScanControl().reset(reclaimer, null, 0, 32);
      // Low enough a priority that 64 pages >> priority is not 0.
      sc.priority = 1;
      const max = ctx.state.maxSeq;
      const nr = ev['getNrToScanUpTo64'](ctx, sc, 60);
      if (reclaimer === 'kswapd') {
        expect(nr).toBe(0);
        expect(ctx.state.maxSeq).toBe(max);
      } else {
        expect(nr).toBeGreaterThan(0);
        expect(ctx.state.maxSeq).toBe(max + 1);
      }
    }
  });

  it('lru_gen_age_node skips the first round of a balance_pgdat run (memcgs_need_aging) and ages in the next', () => {
    const ctx = needsAging('6.1');
    const aging = new Aging(L, opts);
    const round = new Uint8Array(64);
    const sc = new ScanControl().reset('kswapd', null, 0, 32);
    const max = ctx.state.maxSeq;
    expect(ageNodeUpTo64(L, ctx, sc, 0, aging, round)).toBeUndefined();
    expect(ctx.state.maxSeq).toBe(max);
    sc.priority = DEF_PRIORITY - 1;
    ageNodeUpTo64(L, ctx, sc, 0, aging, round);
    expect(ctx.state.maxSeq).toBe(max + 1);
  });
});

describe('machine.kernel: the tier encoding (4d5d14a01e2c, 6.14)', () => {
  /** The tier of a folio after `n` fd accesses, and whether it is PG_workingset. */
  function tierAfter(kernel: KernelVersion, n: number) {
    const { ctx, pfns } = kernelWithAnon(kernel);
    const layout = new Layout(4, 4);
    layout.legacyRefs = kernel !== '6.14';
    const p = pfns[0];
    ctx.frames.flags[p] &= ~(PG_REFERENCED | PG_WORKINGSET);
    ctx.frames.policy[p] = layout.withRefsCounter(ctx.frames.policy[p], 0);
    for (let i = 0; i < n; i++) incRefs(layout, ctx, p);
    const flags = ctx.frames.flags[p];
    const ws = (flags & PG_WORKINGSET) !== 0;
    return { tier: layout.tierFromRefs(layout.lruRefs(flags, ctx.frames.policy[p]), ws), ws };
  }

  it('up to 6.13 the second access sets PG_workingset and later ones count up (tier = order_base_2(refs+1)); 6.14 counts first and sets PG_workingset when full', () => {
    const tiers = (kernel: KernelVersion) => [1, 2, 3, 4, 5, 6].map((n) => tierAfter(kernel, n).tier);
    expect(tiers('6.1')).toEqual([0, 1, 2, 2, 3, 3]);
    expect(tiers('6.14')).toEqual([0, 1, 2, 2, 3, 3]);
    expect([1, 2, 3].map((n) => tierAfter('6.1', n).ws)).toEqual([false, true, true]);
    expect([1, 2, 3, 4, 5].map((n) => tierAfter('6.14', n).ws)).toEqual([false, false, false, false, true]);
  });

  it('up to 6.13 moving a folio on a generation (folio_inc_gen) clears PG_workingset with the refs; 6.14 keeps it', () => {
    for (const kernel of ['6.1', '6.14'] as const) {
      const { ctx, pfns } = kernelWithAnon(kernel);
      const p = pfns.find((q) => L.genOf(ctx.frames.policy[q]) === ctx.state.minSeq[0] % 4) ?? pfns[0];
      // Force it into the oldest generation's slot so folio_inc_gen moves it.
      ctx.frames.flags[p] |= PG_WORKINGSET | PG_REFERENCED;
      const layout = new Layout(4, 4);
      layout.legacyRefs = kernel !== '6.14';
      const st = ctx.state;
      const oldest = st.minSeq[0] % 4;
      const g = layout.genOf(ctx.frames.policy[p]);
      st.nrPages[g * 2]--;
      st.nrPages[oldest * 2]++;
      ctx.frames.policy[p] = layout.withGen(ctx.frames.policy[p], oldest);
      folioIncGen(layout, ctx, p, false);
      expect((ctx.frames.flags[p] & PG_WORKINGSET) !== 0).toBe(kernel === '6.14');
      expect(ctx.frames.flags[p] & PG_REFERENCED).toBe(0);
    }
  });
});
