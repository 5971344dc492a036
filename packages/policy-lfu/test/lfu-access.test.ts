/**
 * MGLRU's access detection feeding LFU's counts (`lfu:ptwalk`, `bloom`,
 * `lookaround`, the shared AccessScanner): a page-table walk counts every
 * young PTE as one use; look-around on a candidate's young PTE counts its
 * young neighbours (`lru_gen_look_around`).
 */
import { defaultMachineConfig, OP_STORE, OP_THINK, PTE_YOUNG } from '@reclaim-lab/hw-model';
import { createLfu, type LfuOptions, type LfuState } from '@reclaim-lab/policy-lfu';
import { Kernel, type PolicyCtx, ScanControl } from '@reclaim-lab/reclaim';
import { generated } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

const PAGES = 256;

/**
 * 256 anon pages stored once (young PTEs, all on level 0), then each read
 * once more through the policy's access hook, so that the access which
 * brought it in is counted and the next use moves it to level 1.
 */
function lfuWithAnon(options: Partial<LfuOptions>) {
  const k = new Kernel({
    machine: defaultMachineConfig(4096),
    policy: createLfu(options),
    seed: 5,
    untilNs: 5e8,
    watchdog: { abortOnEject: true },
  });
  k.load({
    files: [],
    memcgs: [],
    tasks: [
      {
        name: 't',
        regions: [{ kind: 'anon', pages: PAGES }],
        source: generated((i) => (i < PAGES ? [OP_STORE, 0, i] : i === PAGES ? [OP_THINK, 0, 1e9] : null)),
      },
    ],
  });
  k.run();
  const ctx = k.ctxOf(k.world.lruvec(k.machine.rootMemcg, 0)) as unknown as PolicyCtx<LfuState>;
  const ops = k.ctxOf(ctx.lruvec).slot.ops;
  const mm = k.world.mms[0];
  for (let vpn = 0; vpn < PAGES; vpn++) ops.folioAccessed!(ctx as never, mm.pte[vpn] - 1);
  const level = (l: number) => ctx.lists.length(ctx.state.lists[l]);
  const young = () => {
    let n = 0;
    for (let vpn = 0; vpn < PAGES; vpn++) if (mm.pteBits[vpn] & PTE_YOUNG) n++;
    return n;
  };
  return { k, ctx, ops, mm, level, young };
}

describe('lfu: MGLRU access detection through the shared AccessScanner', () => {
  it('look-around: a young candidate tests its PTE neighbours, and each young one counts as a use (level 0 → 1)', () => {
    const on = lfuWithAnon({ lookaround: true });
    const off = lfuWithAnon({});
    for (const r of [on, off]) {
      expect(r.level(0)).toBe(PAGES);
      expect(r.young()).toBe(PAGES);
      // The candidate at vpn 100: the core's rmap walk finds it young, then the policy decides.
      const p = r.mm.pte[100] - 1;
      const sc = new ScanControl();
      const rmap = r.ctx.core.referenced(p, sc);
      expect(rmap.refs).toBe(1);
      const before = sc.costNs;
      expect(r.ops.checkReferences!(r.ctx as never, p, rmap, sc)).toBe('keep');
      // Look-around's PTE tests are charged to this reclaim: 64 PTEs.
      expect(sc.costNs - before).toBe(r === on ? 64 * r.k.machine.config.cost.pteNs : 0);
    }
    // 64 PTEs around vpn 100 in its PTE table: the 63 neighbours young, cleared and counted.
    expect(on.k.world.counters.get('lookaround_young')).toBe(63);
    expect(on.young()).toBe(PAGES - 64);
    // The neighbours moved up a level (the candidate's own use is kept until the core puts it back).
    expect(on.level(1)).toBe(63);
    // Without look-around the neighbours stay young and on level 0.
    expect(off.k.world.counters.get('lookaround_young')).toBe(0);
    expect(off.young()).toBe(PAGES - 1);
    expect(off.level(1)).toBe(0);
  });

  it('ptwalk: the walk before the first batch counts every young PTE as a use; without it nothing moves', () => {
    const on = lfuWithAnon({ ptwalk: true });
    const off = lfuWithAnon({});
    const out = new Int32Array(32);
    for (const r of [on, off]) {
      const sc = new ScanControl().reset('kswapd', null, 0, 32);
      r.ops.evictCandidates!(r.ctx as never, { nr: 32, sc }, out);
    }
    expect(on.k.world.counters.get('pt_walk_ptes')).toBeGreaterThanOrEqual(PAGES);
    expect(on.young()).toBe(0);
    expect(on.level(1)).toBe(PAGES);
    expect(off.k.world.counters.get('pt_walk_ptes')).toBe(0);
    expect(off.level(1)).toBe(0);
  });

  it('bloom: a walk skips the PMD the walk before found cold', () => {
    const r = lfuWithAnon({ ptwalk: true, bloom: true });
    const out = new Int32Array(32);
    const c = r.k.world.counters;
    /** One batch; a walk runs first when `walk` (as after a quarter of the lruvec proposed). */
    const batch = (walk: boolean) => {
      if (walk) r.ctx.state.sinceWalk = Number.POSITIVE_INFINITY;
      r.ops.evictCandidates!(
        r.ctx as never,
        { nr: 32, sc: new ScanControl().reset('kswapd', null, 0, 32) },
        out,
      );
    };
    // First walk: no filter yet; all 256 PTEs young, so their PMD is dense and goes in the next filter.
    batch(true);
    const firstPtes = c.get('pt_walk_ptes');
    expect(firstPtes).toBe(PAGES);
    // The PMD's non-leaf accessed bit is set again but no page in it is touched (as in the mechanism's
    // own test): the second walk reads the PMD from its filter, finds it cold, and leaves it out of
    // the filter the third reads.
    r.mm.pmdYoung.fill(1);
    batch(true);
    expect(c.get('pt_walk_ptes')).toBe(2 * PAGES);
    expect(c.get('pt_walk_pmds_bloom_skipped')).toBe(0);
    r.mm.pmdYoung.fill(1);
    batch(true);
    expect(c.get('pt_walk_pmds_bloom_skipped')).toBe(1);
    // The third walk scanned no PTE.
    expect(c.get('pt_walk_ptes')).toBe(2 * PAGES);
  });

  it('bloom without ptwalk is one line naming the option', () => {
    expect(() => createLfu({ bloom: true })).toThrow(/^lfu: option bloom=on .* needs ptwalk=on$/);
  });
});
