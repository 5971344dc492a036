import { emptyTimeSeries, type RunResult } from '@reclaim-lab/reclaim';
import { describe, expect, it } from 'vitest';
import { formatCi, formatHalfWidth } from '../src/report/format.js';
import { renderJson } from '../src/report/json.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { renderTerminal } from '../src/report/terminal.js';
import {
  compare,
  confidenceInterval,
  diffInterval,
  extractMetrics,
  geometricMean,
  harmonicMean,
  METRICS,
  mean,
  metricInfo,
  sampleStddev,
  studentT95,
  summarizeRuns,
  tQuantile,
} from '../src/stats/index.js';

const emptyLatency = {
  count: 0,
  totalNs: 0,
  p50Ns: 0,
  p99Ns: 0,
  maxNs: 0,
  overBudget: 0,
  budgetNs: 0,
  log2Histogram: [],
};

/** A minimal RunResult: one task, the given counters, no time series. */
function run(
  policy: string,
  seed: number,
  counters: Record<string, number>,
  task: { runtimeMs?: number; ops?: number; directReclaimMs?: number } = {},
): RunResult {
  const runtimeNs = (task.runtimeMs ?? 1000) * 1e6;
  return {
    policy,
    seed,
    mode: 'kernel',
    runtimeNs,
    counters,
    requests: 0,
    misses: 0,
    tasks: [
      {
        name: 't',
        memcg: '/',
        runtimeNs,
        ops: task.ops ?? 0,
        accesses: 0,
        majorFaults: 0,
        minorFaults: 0,
        readMisses: 0,
        directReclaimNs: (task.directReclaimMs ?? 0) * 1e6,
        ioWaitNs: 0,
        killed: false,
        finished: true,
      },
    ],
    oomKills: [],
    directReclaimLatency: emptyLatency,
    kswapdBatchLatency: emptyLatency,
    series: emptyTimeSeries(1e6),
    policyExits: [],
    pageStateBits: {},
    events: 0,
  };
}

describe('Student-t table', () => {
  it('returns tabulated values exactly', () => {
    expect(studentT95(1)).toBe(12.706205);
    expect(studentT95(2)).toBe(4.302653);
    expect(studentT95(30)).toBe(2.042272);
    expect(studentT95(120)).toBe(1.97993);
    expect(studentT95(Number.POSITIVE_INFINITY)).toBe(1.959964);
    expect(tQuantile(10, 0.99)).toBe(3.169273);
    expect(tQuantile(5, 0.9)).toBe(2.015048);
  });

  it('interpolates linearly in 1/df between entries and towards the normal limit', () => {
    // df 35 between 30 and 40: weight (1/30 - 1/35) / (1/30 - 1/40) = 4/7.
    expect(studentT95(35)).toBeCloseTo(2.042272 + (4 / 7) * (2.021075 - 2.042272), 9);
    // The exact t(0.975, 35) is 2.030108: the interpolation is off by about 5e-5 here.
    expect(studentT95(35)).toBeCloseTo(2.030108, 3);
    // df 240: halfway between 1/120 and 0.
    expect(studentT95(240)).toBeCloseTo((1.97993 + 1.959964) / 2, 9);
    expect(studentT95(1e9)).toBeCloseTo(1.959964, 6);
  });

  it('rejects df < 1 and untabulated levels', () => {
    expect(() => studentT95(0.5)).toThrow(RangeError);
    expect(() => studentT95(Number.NaN)).toThrow(RangeError);
    expect(() => tQuantile(5, 0.8)).toThrow(/not tabulated/);
  });
});

describe('descriptive statistics', () => {
  it('mean and sample standard deviation', () => {
    expect(mean([10, 12, 14])).toBe(12);
    expect(sampleStddev([10, 12, 14])).toBe(2);
    expect(sampleStddev([5])).toBeNaN();
    expect(() => mean([])).toThrow(RangeError);
  });

  it('harmonic mean for rates', () => {
    // 3 / (1 + 1/2 + 1/4) = 12/7
    expect(harmonicMean([1, 2, 4])).toBeCloseTo(12 / 7, 12);
    // Equal work at 60 and 40 ops/s gives 48 ops/s overall, not 50.
    expect(harmonicMean([60, 40])).toBeCloseTo(48, 12);
    expect(harmonicMean([3, 0])).toBe(0);
    expect(() => harmonicMean([-1, 2])).toThrow(RangeError);
  });

  it('geometric mean of ratios', () => {
    expect(geometricMean([1, 4])).toBeCloseTo(2, 12);
    expect(geometricMean([2, 8, 4])).toBeCloseTo(4, 12);
    // Symmetric: twice as good and twice as bad cancel.
    expect(geometricMean([2, 0.5])).toBeCloseTo(1, 12);
    expect(() => geometricMean([1, 0])).toThrow(RangeError);
    expect(() => geometricMean([])).toThrow(RangeError);
  });
});

describe('confidenceInterval', () => {
  it('matches a hand computation for [10, 12, 14]', () => {
    // mean 12, s = 2, t(0.975, 2) = 4.302653, half-width = 4.302653 · 2 / √3.
    const ci = confidenceInterval([10, 12, 14]);
    expect(ci.mean).toBe(12);
    expect(ci.n).toBe(3);
    expect(ci.halfWidth).toBeCloseTo((4.302653 * 2) / Math.sqrt(3), 9);
    expect(ci.halfWidth).toBeCloseTo(4.9683, 4);
    expect(ci.lo).toBeCloseTo(12 - 4.9683, 4);
    expect(ci.hi).toBeCloseTo(12 + 4.9683, 4);
    expect(ci.note).toBeUndefined();
  });

  it('uses the other tabulated levels', () => {
    const ci = confidenceInterval([10, 12, 14], 0.99);
    expect(ci.halfWidth).toBeCloseTo((9.924843 * 2) / Math.sqrt(3), 9);
  });

  it('says so when a single run makes the interval unbounded', () => {
    const ci = confidenceInterval([7]);
    expect(ci.mean).toBe(7);
    expect(ci.halfWidth).toBe(Number.POSITIVE_INFINITY);
    expect(ci.lo).toBe(Number.NEGATIVE_INFINITY);
    expect(ci.note).toMatch(/n=1.*unbounded/);
  });

  it('is zero-width when every run agrees', () => {
    const ci = confidenceInterval([5, 5, 5]);
    expect(ci.halfWidth).toBe(0);
  });

  it('gives the harmonic mean a delta-method interval', () => {
    // Reciprocals .01, .005, .0025: mean r = .0058333, s_r = .0038188;
    // H = 1/r = 171.43, se(H) = s_r / √3 / r² = 64.79, half-width = 4.302653 · 64.79.
    const ci = confidenceInterval([100, 200, 400], 0.95, 'harmonic');
    expect(ci.meanKind).toBe('harmonic');
    expect(ci.mean).toBeCloseTo(1200 / 7, 9);
    expect(ci.stdError).toBeCloseTo(64.794, 2);
    expect(ci.halfWidth).toBeCloseTo(4.302653 * 64.794, 1);
  });

  it('falls back to the arithmetic mean when a rate is zero', () => {
    const ci = confidenceInterval([0, 2, 4], 0.95, 'harmonic');
    expect(ci.meanKind).toBe('arithmetic');
    expect(ci.mean).toBe(2);
    expect(ci.note).toMatch(/arithmetic/);
  });
});

describe('diffInterval (Welch)', () => {
  it('matches a hand computation', () => {
    // a: mean 12, var 4, n 3 → va = 4/3; b: mean 23, var 20/3, n 4 → vb = 5/3.
    // se = √3; df = 9 / ((4/3)²/2 + (5/3)²/3) = 4.959184.
    // t(4.959) by 1/df interpolation between df 4 and 5: 2.570582 + 0.205863 · (1/4.959184 - 0.2) / 0.05.
    const d = diffInterval([10, 12, 14], [20, 22, 24, 26]);
    expect(d.diff).toBe(-11);
    expect(d.df).toBeCloseTo(4.959184, 5);
    const t = 2.570582 + (2.776445 - 2.570582) * ((1 / d.df - 0.2) / 0.05);
    expect(d.halfWidth).toBeCloseTo(t * Math.sqrt(3), 9);
    expect(d.halfWidth).toBeCloseTo(4.4641, 3);
    expect(d.lo).toBeCloseTo(-15.4641, 3);
    expect(d.hi).toBeCloseTo(-6.5359, 3);
    expect(d.significant).toBe(true);
    expect(d.relative).toBeCloseTo(-11 / 23, 12);
  });

  it('is significant exactly when the interval excludes zero', () => {
    const base = [10, 12, 14];
    // A shift of 2 with these spreads: half-width t(4)·√(8/3) = 4.53 > 2.
    expect(diffInterval([12, 14, 16], base).significant).toBe(false);
    // A shift of 5 clears it.
    const far = diffInterval([15, 17, 19], base);
    expect(far.lo).toBeGreaterThan(0);
    expect(far.significant).toBe(true);
    // Swapping the sides flips the sign, not the verdict.
    const back = diffInterval(base, [15, 17, 19]);
    expect(back.hi).toBeLessThan(0);
    expect(back.significant).toBe(true);
    // Find the flip: significance appears once the shift exceeds the half-width.
    const hw = diffInterval([12, 14, 16], base).halfWidth;
    const shift = (s: number) =>
      diffInterval(
        base.map((x) => x + s),
        base,
      ).significant;
    expect(shift(hw * 0.99)).toBe(false);
    expect(shift(hw * 1.01)).toBe(true);
  });

  it('never tests a difference between runs identical across seeds, and treats single runs as unbounded', () => {
    const same = diffInterval([3, 3], [3, 3, 3]);
    expect(same.halfWidth).toBe(0);
    expect(same.significant).toBe(false);
    // Seed-invariant on both sides: the difference is exact, but there is no noise to test it against.
    const exact = diffInterval([4, 4], [3, 3]);
    expect(exact.diff).toBe(1);
    expect(exact.identical).toBe(true);
    expect(exact.significant).toBe(false);
    expect(exact.note).toMatch(/identical across seeds/);
    const single = diffInterval([100], [1, 2, 3]);
    expect(single.halfWidth).toBe(Number.POSITIVE_INFINITY);
    expect(single.significant).toBe(false);
    expect(single.note).toMatch(/n=1/);
    expect(diffInterval([1, 2], [0, 0]).relative).toBeUndefined();
  });
});

describe('metric catalogue', () => {
  it('is one table with unique names, units, descriptions and means', () => {
    const names = METRICS.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    for (const m of METRICS) {
      expect(m.unit.length).toBeGreaterThan(0);
      expect(m.description.length).toBeGreaterThan(0);
    }
    expect(metricInfo('ops_per_sec')).toMatchObject({ direction: 'higher', mean: 'harmonic', tier: 'key' });
    expect(metricInfo('kswapd_efficiency')).toMatchObject({ direction: 'higher', mean: 'harmonic' });
    expect(metricInfo('runtime_ms')).toMatchObject({ direction: 'lower', mean: 'arithmetic' });
    expect(metricInfo('pgscan')?.semanticsDiffer).toBe(true);
    expect(metricInfo('refaults')?.semanticsDiffer).toBe(true);
    expect(metricInfo('pswpin')?.semanticsDiffer).toBe(false);
    expect(metricInfo('pgsteal')?.semanticsDiffer).toBe(false);
    expect(metricInfo('nope')).toBeUndefined();
  });

  it('derives metrics from a run', () => {
    const r = run(
      'lru',
      1,
      {
        workingset_refault_anon: 30,
        workingset_refault_file: 70,
        pgscan_kswapd: 400,
        pgsteal_kswapd: 300,
        pgscan_direct: 0,
        pgsteal_direct: 0,
        pgmajfault: 9,
      },
      { runtimeMs: 2000, ops: 5000, directReclaimMs: 12 },
    );
    r.tasks.push({ ...r.tasks[0], runtimeNs: 500e6, ops: 1000 });
    const m = extractMetrics(r);
    expect(m['runtime_ms']).toBe(2000);
    expect(m['ops_per_sec']).toBe(3000);
    expect(m['refaults']).toBe(100);
    expect(m['pgscan']).toBe(400);
    expect(m['pgsteal']).toBe(300);
    expect(m['kswapd_efficiency']).toBe(0.75);
    expect(m['direct_efficiency']).toBeUndefined();
    expect(m['direct_stall_ms']).toBe(24);
    expect(m['pgmajfault']).toBe(9);
    expect(m['pswpin']).toBeUndefined();
    expect(m['direct_reclaim_p99_ms']).toBe(0);
  });
});

describe('summarizeRuns', () => {
  it('gives each metric its interval over the runs that define it', () => {
    const runs = [10, 12, 14].map((f, i) =>
      run('lru', i + 1, { pgmajfault: f, thp_swpout: i }, { ops: 1000 }),
    );
    const s = summarizeRuns(runs);
    expect(s.n).toBe(3);
    expect(s.seeds).toEqual([1, 2, 3]);
    expect(s.policies).toEqual(['lru']);
    expect(s.metrics['pgmajfault'].ci.halfWidth).toBeCloseTo(4.9683, 4);
    expect(s.metrics['pgmajfault'].samples).toEqual([10, 12, 14]);
    expect(s.metrics['ops_per_sec'].ci.meanKind).toBe('harmonic');
    expect(s.metrics['pswpin']).toBeUndefined();
    expect(s.extraCounters['thp_swpout'].ci.mean).toBe(1);
    expect(() => summarizeRuns([])).toThrow(RangeError);
  });
});

describe('compare', () => {
  const base = (seed: number, majors: number, runtimeMs: number) =>
    run('lru', seed, { pgmajfault: majors, pgscan_kswapd: 100 }, { runtimeMs });
  const other = (policy: string, seed: number, majors: number, runtimeMs: number) =>
    run(policy, seed, { pgmajfault: majors, pgscan_kswapd: 100 }, { runtimeMs });

  it('puts the baseline first, marks verdicts by direction and scores by geometric mean', () => {
    const c = compare(
      [
        { label: 'mglru', workload: 'w', results: [1, 2, 3].map((s) => other('mglru', s, 50 + s, 1250 + s)) },
        { label: 'lru', workload: 'w', results: [1, 2, 3].map((s) => base(s, 100 + s, 1000 + s)) },
      ],
      'lru',
    );
    expect(c.labels).toEqual(['lru', 'mglru']);
    const w = c.workloads[0];
    const row = (m: string) => w.rows.find((r) => r.metric === m)!;
    expect(row('pgmajfault').cells[1].vsBaseline?.verdict).toBe('better');
    expect(row('runtime_ms').cells[1].vsBaseline?.verdict).toBe('worse');
    expect(row('pgmajfault').cells[0].vsBaseline).toBeUndefined();
    // Ratios oriented so > 1 is better: pgmajfault 102/52, runtime 1002/1252; other key metrics undefined or 0.
    const score = c.scores.find((s) => s.label === 'mglru')!;
    expect(score.score).toBeCloseTo(Math.sqrt((102 / 52) * (1002 / 1252)), 12);
    expect(score.direction).toBe('higher');
    expect(score.excluded.map((e) => e.metric).sort()).toEqual([
      'direct_stall_ms',
      'ops_per_sec',
      'pgpgin',
      'pgsteal',
      'pswpin',
    ]);
    expect(score.excluded.find((e) => e.metric === 'direct_stall_ms')?.reason).toBe('zero for both');
    expect(c.scores[0]).toMatchObject({ label: 'lru', score: 1 });
    expect(c.score.description).toMatch(/higher is better/);
  });

  it('scores an ideal-mode comparison by its miss ratio alone, shown first', () => {
    const ideal = (policy: string, seed: number, misses: number, runtimeMs: number): RunResult => ({
      ...run(policy, seed, { pgsteal_direct: misses, pgpgin: 4 * misses }, { runtimeMs }),
      mode: 'ideal',
      requests: 1000,
      misses,
    });
    const c = compare(
      [
        // Slower in virtual time (meaningless in ideal mode) but 20% fewer misses.
        { label: 'sieve', workload: 't', results: [1, 2].map((s) => ideal('sieve', s, 400 + s, 5)) },
        { label: 'fifo', workload: 't', results: [1, 2].map((s) => ideal('fifo', s, 500 + s, 1)) },
      ],
      'fifo',
    );
    expect(c.score.metrics).toEqual(['miss_ratio']);
    expect(c.scores.find((x) => x.label === 'sieve')?.score).toBeCloseTo(501.5 / 401.5, 12);
    const rows = c.workloads[0].rows;
    expect(rows[0]).toMatchObject({ metric: 'miss_ratio', info: { tier: 'key' } });
    expect(rows.filter((r) => r.info.tier === 'key').map((r) => r.metric)).toEqual(['miss_ratio']);
  });

  it('flags semantics-dependent metrics only when policies differ', () => {
    const mixed = compare(
      [
        { label: 'lru', workload: 'w', results: [base(1, 1, 1), base(2, 2, 2)] },
        { label: 'mglru', workload: 'w', results: [other('mglru', 1, 1, 1), other('mglru', 2, 2, 2)] },
      ],
      'lru',
    );
    expect(mixed.semanticsDiffer).toContain('pgscan');
    expect(mixed.semanticsDiffer).not.toContain('pswpin');
    expect(mixed.workloads[0].rows.find((r) => r.metric === 'pgscan')?.semanticsDiffer).toBe(true);
    expect(mixed.caveats.join(' ')).toMatch(/pswpin, pgmajfault, pgpgin and pgsteal/);
    expect(mixed.score.metrics).not.toContain('pgscan');
    expect(mixed.score.metrics).not.toContain('refaults');

    const ablation = compare(
      [
        { label: 'lru', workload: 'w', results: [base(1, 1, 1), base(2, 2, 2)] },
        { label: 'lru-ptwalk', workload: 'w', results: [base(1, 1, 1), base(2, 2, 2)] },
      ],
      'lru',
    );
    expect(ablation.semanticsDiffer).toEqual([]);
    expect(ablation.caveats).toEqual([]);
  });

  it('merges duplicate cells, notes single runs and rejects a missing baseline', () => {
    const c = compare(
      [
        { label: 'lru', workload: 'w', results: [base(1, 1, 1)] },
        { label: 'lru', workload: 'w', results: [base(2, 2, 2)] },
        { label: 'x', workload: 'w', results: [other('lru', 1, 5, 1)] },
      ],
      'lru',
    );
    expect(c.workloads[0].columns.map((k) => [k.label, k.n])).toEqual([
      ['lru', 2],
      ['x', 1],
    ]);
    expect(c.caveats.join(' ')).toMatch(/x ran once/);
    expect(() => compare([{ label: 'x', workload: 'w', results: [base(1, 1, 1)] }], 'lru')).toThrow(
      /baseline/,
    );
    expect(() =>
      compare([{ label: 'lru', workload: 'w', results: [base(1, 1, 1)] }], 'lru', { level: 0.8 }),
    ).toThrow(RangeError);
  });
});

/** A run whose only task the OOM killer took at `killMs`: it did less work, so it ran shorter. */
function killedRun(
  policy: string,
  seed: number,
  counters: Record<string, number>,
  killMs: number,
): RunResult {
  const r = run(policy, seed, { ...counters, oom_kill: 1 }, { runtimeMs: killMs });
  r.tasks[0] = { ...r.tasks[0], killed: true, finished: false };
  r.oomKills = [
    { timeNs: killMs * 1e6, kind: 'memcg', task: 't', memcg: '/', badnessPages: 100, freedPages: 100 },
  ];
  return r;
}

describe('compare: only runs that did the same work are compared (OOM-killed and unfinished runs)', () => {
  const seeds = [1, 2, 3];
  // The swappiness sweep's trap: swappiness=0 is OOM-killed at 17 ms, so its runtime looks 4.7x better.
  const lru = seeds.map((s) =>
    run('lru', s, { pgmajfault: 900 + s, pswpin: 800 + s }, { runtimeMs: 80 + s }),
  );
  const killed = seeds.map((s) => killedRun('mglru', s, { pgmajfault: 10 + s, pswpin: 5 + s }, 17 + s / 10));
  const healthy = seeds.map((s) =>
    run('mglru', s, { pgmajfault: 700 + s, pswpin: 600 + s }, { runtimeMs: 75 + s }),
  );
  const cells = [
    { label: 'lru', workload: 'anon-swap', results: lru },
    { label: 'mglru swappiness=0', workload: 'anon-swap', results: killed },
    { label: 'mglru swappiness=60', workload: 'anon-swap', results: healthy },
  ];

  it('never gives an OOM-killed configuration the best score: it is unscored, labelled and ranked last', () => {
    const c = compare(cells, 'lru');
    const score = (l: string) => c.scores.find((s) => s.label === l)!;
    expect(score('mglru swappiness=0').score).toBeUndefined();
    expect(score('mglru swappiness=0').status).toBe('killed');
    expect(score('mglru swappiness=0').incomplete).toMatchObject([
      { workload: 'anon-swap', killed: 3, n: 3, status: 'killed' },
    ]);
    expect(score('mglru swappiness=0').rank).toBe(3);
    expect(score('mglru swappiness=60').rank).toBe(1);
    expect(score('mglru swappiness=60').score).toBeGreaterThan(1);
    expect(score('lru').rank).toBe(2);
    // Its column says so, and its work-dependent metrics get no difference, while oom_kill does.
    const w = c.workloads[0];
    expect(w.columns[1].completion).toMatchObject({ status: 'killed', killed: 3, unfinished: 0 });
    expect(w.columns[1].completion.firstKillMs).toBeCloseTo(17.1, 9);
    const cell = (m: string) => w.rows.find((r) => r.metric === m)!.cells[1];
    expect(cell('runtime_ms').vsBaseline).toBeUndefined();
    expect(cell('runtime_ms').notCompared).toBe('killed');
    expect(cell('pgmajfault').notCompared).toBe('killed');
    expect(cell('oom_kill').vsBaseline?.diff).toBe(1);
    expect(c.caveats.join(' ')).toMatch(
      /mglru swappiness=0 on anon-swap: 3 of 3 runs OOM-killed \(first kill at 17\.1 ms\)/,
    );
  });

  it('marks the killed configuration in the Markdown, terminal and JSON reports', () => {
    const c = compare(cells, 'lru');
    const md = renderMarkdown(c);
    expect(md).toContain('mglru swappiness=0 (OOM-killed 3/3)');
    expect(md).toMatch(/\| mglru swappiness=0 +\| OOM-killed: not scored +\| OOM-killed +\|/);
    expect(md).toContain('(killed)');
    const text = renderTerminal(c, { color: false });
    expect(text).toContain('mglru swappiness=0 OOM-killed: not scored');
    const json = JSON.parse(renderJson(c));
    expect(json.scores[1]).toMatchObject({
      label: 'mglru swappiness=0',
      score: null,
      status: 'killed',
      rank: 3,
    });
  });

  it('does not compare with a baseline that was killed, and treats a run stopped early as unfinished', () => {
    const stopped = healthy.map((r) => ({ ...r, tasks: [{ ...r.tasks[0], finished: false }] }));
    const c = compare(
      [
        { label: 'lru', workload: 'w', results: killed.map((r) => ({ ...r, policy: 'lru' })) },
        { label: 'a', workload: 'w', results: healthy },
        { label: 'b', workload: 'w', results: stopped },
      ],
      'lru',
    );
    const score = (l: string) => c.scores.find((s) => s.label === l)!;
    expect(score('lru')).toMatchObject({ score: undefined, status: 'killed' });
    expect(score('a').score).toBeUndefined();
    expect(score('a').status).toBeUndefined();
    expect(score('a').excluded[0].reason).toMatch(/lru was OOM-killed in 3 of 3 runs/);
    expect(score('b')).toMatchObject({ score: undefined, status: 'unfinished' });
    expect(c.workloads[0].rows.find((r) => r.metric === 'runtime_ms')!.cells[1].notCompared).toBe('killed');
  });
});

describe('seed-invariant workloads: identical across seeds', () => {
  it('has no interval, says so, and absorbs float noise', () => {
    const ci = confidenceInterval([1000, 1000, 1000]);
    expect(ci).toMatchObject({ mean: 1000, halfWidth: 0, identical: true });
    expect(ci.note).toMatch(/identical across seeds/);
    // Sums taken in another order differ in the last bit: that is not spread.
    const noisy = confidenceInterval([0.1 + 0.2, 0.3, 0.3]);
    expect(noisy.identical).toBe(true);
    expect(noisy.halfWidth).toBe(0);
    expect(formatCi(noisy)).toBe('0.3 ≡');
    // A real spread of one part in a million is still an interval.
    expect(confidenceInterval([1e6, 1e6 + 1, 1e6 + 2]).identical).toBeUndefined();
  });

  it('never stars a 0.1% difference between two seed-invariant configurations', () => {
    const c = compare(
      [
        {
          label: 'lru',
          workload: 'circ',
          results: [1, 2, 3].map((s) => run('lru', s, { pgmajfault: 10000 })),
        },
        { label: 'x', workload: 'circ', results: [1, 2, 3].map((s) => run('lru', s, { pgmajfault: 10010 })) },
      ],
      'lru',
    );
    const d = c.workloads[0].rows.find((r) => r.metric === 'pgmajfault')!.cells[1].vsBaseline!;
    expect(d.relative).toBeCloseTo(0.001, 12);
    expect(d.identical).toBe(true);
    expect(d.significant).toBe(false);
    expect(d.verdict).toBe('unchanged');
    expect(c.caveats.join(' ')).toMatch(/circ: pgmajfault identical across seeds/);
    const md = renderMarkdown(c);
    expect(md).toContain('10k ≡ (+0.1%)');
    expect(md).not.toContain('(+0.1%)*');
  });

  it('prints a half-width no finer than the mean resolves', () => {
    const ci = { ...confidenceInterval([1, 2, 3]), mean: 1.23e6, halfWidth: 4.12e-5 };
    expect(formatHalfWidth(ci)).toBe('< 1k');
    expect(formatHalfWidth({ ...ci, halfWidth: 4120 })).toBe('4.12k');
  });
});
