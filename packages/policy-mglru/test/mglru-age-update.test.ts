/**
 * `mglru:ageUpdate=lockfree|locked`: the same aging, its `folio_update_gen`
 * promotions priced as one atomic each (the kernel) or as list moves under
 * lru_lock with one lock hold per folio batch (the classic LRU's way).
 * Only the charged time may differ.
 */
import { OP_STORE, OP_THINK, PG_REFERENCED } from '@reclaim-lab/hw-model';
import { AGE_ATOMIC_NS, AGE_BATCH, LRU_LOCK_NS, LRU_MOVE_NS } from '@reclaim-lab/mechanisms';
import { ScanControl } from '@reclaim-lab/reclaim';
import { generated } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';
import { mglruKernel, rootCtx, runWorkload } from './helpers.js';

const ANON = 20_000;

/** 20k anon pages stored once and seen once by an earlier walk (PG_referenced), then the lruvec aged. */
function aged(ageUpdate: 'lockfree' | 'locked') {
  const k = mglruKernel(65_536, {}, { ageUpdate }, { untilNs: 5e8 });
  runWorkload(k, {
    tasks: [
      {
        name: 't',
        regions: [{ kind: 'anon', pages: ANON }],
        source: generated((i) => (i < ANON ? [OP_STORE, 0, i] : i === ANON ? [OP_THINK, 0, 1e9] : null)),
      },
    ],
  });
  const ctx = rootCtx(k);
  const f = k.machine.frames;
  for (let i = 0; i < ctx.state.lists.length; i++)
    ctx.lists.forEach(ctx.state.lists[i], (pfn) => {
      f.flags[pfn] |= PG_REFERENCED;
      return true;
    });
  const charges: number[] = [];
  const charge = k.chargeNs.bind(k);
  k.chargeNs = (sc, ns) => {
    charges.push(ns);
    charge(sc, ns);
  };
  const before = k.world.counters.toRecord();
  const sc = new ScanControl().reset('kswapd', null, 0, 32);
  k.ctxOf(ctx.lruvec).slot.ops.ageLruvec!(ctx as never, sc);
  const after = k.world.counters.toRecord();
  const moved: Record<string, number> = {};
  for (const name of Object.keys(after)) moved[name] = after[name] - (before[name] ?? 0);
  return {
    costNs: sc.costNs,
    charges,
    moved,
    flags: Array.from(f.flags),
    policy: Array.from(f.policy),
    nrPages: Array.from(ctx.state.nrPages),
  };
}

/** How many promotions one extra charge stands for: n*(MOVE - ATOMIC) + ceil(n/BATCH)*LOCK = ns. */
function updatesOf(ns: number): number {
  for (let n = 1; n <= 65_536; n++)
    if (n * (LRU_MOVE_NS - AGE_ATOMIC_NS) + Math.ceil(n / AGE_BATCH) * LRU_LOCK_NS === ns) return n;
  return -1;
}

describe('mglru:ageUpdate', () => {
  it('locked charges each walk its promotions as list moves and lock holds instead of atomics, and changes nothing else', () => {
    const lockfree = aged('lockfree');
    const locked = aged('locked');
    // The same walks found and promoted the same folios to the same generations.
    expect(locked.moved).toEqual(lockfree.moved);
    expect(locked.flags).toEqual(lockfree.flags);
    expect(locked.policy).toEqual(lockfree.policy);
    expect(locked.nrPages).toEqual(lockfree.nrPages);
    expect(lockfree.moved.pt_walk_ptes).toBeGreaterThanOrEqual(ANON);
    // locked's charges are lockfree's with one extra after each walk.
    const walks = locked.charges.length - lockfree.charges.length;
    expect(walks).toBeGreaterThan(0);
    const extra: number[] = [];
    let j = 0;
    for (const ns of locked.charges) {
      if (j < lockfree.charges.length && ns === lockfree.charges[j]) j++;
      else extra.push(ns);
    }
    expect(j).toBe(lockfree.charges.length);
    // Each extra is a whole number of promotions; the first walk promoted every folio seen once before.
    const promotions = extra.map(updatesOf);
    expect(promotions).not.toContain(-1);
    expect(promotions.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(ANON);
    expect(locked.costNs - lockfree.costNs).toBe(extra.reduce((a, b) => a + b, 0));
  });
});
