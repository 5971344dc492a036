import { DEFAULT_COST, PMD_SHIFT, PTE_YOUNG } from '@reclaim-lab/hw-model';
import { BloomFilters, bloomKey, LookAround, lookAroundWindow } from '@reclaim-lab/mechanisms';
import { describe, expect, it } from 'vitest';
import { worldWithMm, youngCount } from './helpers.js';

describe('look-around (lru_gen_look_around)', () => {
  const win = new Int32Array(2);
  const window = (vpn: number, start: number, end: number) =>
    lookAroundWindow(vpn, start, end, win) ? [win[0], win[1]] : null;

  it('takes the PMD around the young PTE clipped to its VMA, narrowed to 64 PTEs at the start, end or centre', () => {
    // A whole PMD [512, 1024): first 64 near the start, last 64 near the end, else centred.
    expect(window(512, 512, 1024)).toEqual([512, 576]);
    expect(window(543, 512, 1024)).toEqual([512, 576]);
    expect(window(544, 512, 1024)).toEqual([512, 576]);
    expect(window(545, 512, 1024)).toEqual([513, 577]);
    expect(window(700, 512, 1024)).toEqual([668, 732]);
    expect(window(1023, 512, 1024)).toEqual([960, 1024]);
    expect(window(992, 512, 1024)).toEqual([960, 1024]);
    // A VMA that starts and ends inside the PMD clips the window.
    expect(window(600, 590, 620)).toEqual([590, 620]);
    // The VMA spills over PMD boundaries: the window stays inside this PMD.
    expect(window(515, 100, 5000)).toEqual([512, 576]);
    expect(window(1020, 100, 5000)).toEqual([960, 1024]);
    // A one-page window is no window.
    expect(window(600, 600, 601)).toBeNull();
  });

  it('clears and reports young neighbours of the same lruvec, leaves others alone, and feeds a dense PMD to the Bloom filter', () => {
    const { world, other, mm, map } = worldWithMm([{ pages: 512 }]);
    const v = mm.vmas[0];
    const target = v.start + 200;
    const foreignVpn = target + 3;
    map(foreignVpn, false, other.id);
    const bloom = new BloomFilters();
    bloom.reset(9);
    const la = new LookAround(world);
    const seen: number[] = [];
    const young = la.run(mm, target, mm.pte[target] - 1, { bloom, seq: 9, markDirty: null }, (pfn) =>
      seen.push(pfn),
    );
    expect([la.start, la.end]).toEqual([target - 32, target + 32]);
    // 64 PTEs: the target (left for rmap to clear) and another memcg's folio are not reported.
    expect(young).toBe(62);
    expect(seen.length).toBe(62);
    expect(seen).not.toContain(mm.pte[target] - 1);
    expect(mm.pteBits[target] & PTE_YOUNG).toBe(PTE_YOUNG);
    expect(mm.pteBits[foreignVpn] & PTE_YOUNG).toBe(PTE_YOUNG);
    expect(youngCount(mm, la.start, la.end)).toBe(2);
    // Outside the window nothing changed.
    expect(youngCount(mm, v.start, la.start)).toBe(la.start - v.start);
    expect(bloom.test(9, bloomKey(mm.id, target >> PMD_SHIFT))).toBe(true);
    expect(la.costNs).toBe(64 * DEFAULT_COST.pteNs);
    expect(world.counters.get('lookaround_ptes')).toBe(64);
    expect(world.counters.get('lookaround_young')).toBe(62);
  });

  it('does not feed the Bloom filter from a sparse window (fewer than one young PTE per 8)', () => {
    const { world, mm } = worldWithMm([{ pages: 512 }]);
    const v = mm.vmas[0];
    for (let i = 0; i < 512; i++) if (i % 16 !== 0) mm.pteBits[v.start + i] = 0;
    const bloom = new BloomFilters();
    bloom.reset(3);
    const young = new LookAround(world).run(
      mm,
      v.start + 256,
      mm.pte[v.start + 256] - 1,
      { bloom, seq: 3, markDirty: null },
      () => {},
    );
    expect(young).toBe(3);
    expect(bloom.population(3)).toBe(0);
  });
});
