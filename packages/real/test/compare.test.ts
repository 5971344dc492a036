import { describe, expect, it } from 'vitest';
import { compareWorlds, type PhaseFigures, renderRealComparison } from '../src/compare.js';

const fig = (counters: Record<string, number>, seconds = 1): PhaseFigures => ({
  task: '(all)',
  phase: '(run)',
  index: 0,
  seconds,
  counters,
});

/** Three repeats per world and policy, each a whole run with these pgsteal_file and pswpin values. */
function worlds(sim: { lru: number[]; mglru: number[] }, kernel: { lru: number[]; mglru: number[] }) {
  const runs = (xs: number[]) => xs.map((x) => [fig({ pgsteal_file: x, pswpin: x / 10 })]);
  return compareWorlds({
    scenario: 't',
    kernel: 'linux-image-cloud-amd64',
    release: '6.1.0-57-cloud-amd64',
    seeds: [1, 2, 3],
    policies: ['lru', 'mglru'],
    granularity: 'whole-run',
    sim: { lru: runs(sim.lru), mglru: runs(sim.mglru) },
    real: { lru: runs(kernel.lru), mglru: runs(kernel.mglru) },
  });
}

const row = (c: ReturnType<typeof compareWorlds>, metric: string) => {
  const r = c.rows.find((x) => x.metric === metric);
  if (r === undefined) throw new Error(`no ${metric} row`);
  return r;
};

describe('side-by-side comparison', () => {
  it('agrees when both worlds find MGLRU lower, and gives each world’s mean, interval and ratio', () => {
    const c = worlds(
      { lru: [1000, 1010, 990], mglru: [800, 810, 790] },
      { lru: [1200, 1180, 1220], mglru: [900, 950, 920] },
    );
    const r = row(c, 'pgsteal');
    expect(r.sim.lru?.mean).toBe(1000);
    expect(r.kernel.mglru?.mean).toBeCloseTo(923.33, 1);
    expect(r.kernel.lru?.halfWidth).toBeGreaterThan(0);
    expect(r.ratio.lru).toBeCloseTo(1.2, 6);
    expect(r.simVerdict).toMatchObject({ direction: 'lower', significant: true });
    expect(r.kernelVerdict).toMatchObject({ direction: 'lower', significant: true });
    expect(r.agree).toBe(true);
    // pgsteal and pswpin moved; the other counters stayed 0 and are not counted.
    expect(c.agreement).toMatchObject({ agree: 2, total: 2 });
    expect(c.agreement.line).toBe(
      'agreement: 2 of 2 LRU-vs-MGLRU verdicts on counters that moved have the same direction and significance in both worlds',
    );
  });

  it('disagrees when the directions differ, and names the counter', () => {
    const c = worlds(
      { lru: [1000, 1010, 990], mglru: [800, 810, 790] },
      { lru: [900, 910, 890], mglru: [1100, 1120, 1090] },
    );
    expect(row(c, 'pgsteal').agree).toBe(false);
    expect(c.agreement.agree).toBe(0);
    expect(c.agreement.line).toMatch(/; differ: pgsteal@\(all\)\/\(run\)#0, pswpin@/);
    expect(renderRealComparison(c)).toMatch(/^pgsteal .* ↓ -20%\* +↑ \+23%\* +NO$/m);
  });

  it('calls a difference under 2% a tie even when its interval excludes zero', () => {
    // The simulator is nearly deterministic: a 0.5% difference has a tiny interval.
    const c = worlds(
      { lru: [1000, 1000, 1001], mglru: [1005, 1005, 1006] },
      { lru: [1000, 1030, 970], mglru: [990, 1020, 1000] },
    );
    const r = row(c, 'pgsteal');
    expect(r.simVerdict?.interval.significant).toBe(true);
    expect(r.simVerdict?.significant).toBe(false);
    expect(r.kernelVerdict?.significant).toBe(false);
    expect(r.agree).toBe(true);
  });

  it('says when no counter moved in either world', () => {
    const c = worlds({ lru: [0, 0, 0], mglru: [0, 0, 0] }, { lru: [0, 0, 0], mglru: [0, 0, 0] });
    expect(c.agreement).toMatchObject({ agree: 0, total: 0 });
    expect(c.agreement.line).toBe(
      'agreement: no counter moved in either world (no reclaim): nothing to compare',
    );
  });
});
