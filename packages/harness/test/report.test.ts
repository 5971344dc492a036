import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { emptyTimeSeries, type LatencySummary, type RunResult, type TimeSeries } from '@reclaim-lab/reclaim';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, ensureSystemPackages } from '../../../tools/system-deps.mjs';
import {
  allPlots,
  formatNumber,
  formatPercent,
  loadPlotting,
  renderHtml,
  renderJson,
  renderMarkdown,
  renderTerminal,
  writeFileAtomic,
  writeReports,
} from '../src/report/index.js';
import { type Comparison, compare } from '../src/stats/index.js';

// Plot and linkedom load on demand (writeReports awaits them); direct calls to the plots need them first.
beforeAll(loadPlotting);

/** Deterministic PRNG (mulberry32) so fixtures are stable across runs. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Profile {
  /** Multiplies refaults, swap-ins and major faults. */
  pressure: number;
  runtimeMs: number;
  /** Generations to fake in policyLists (0: none, like the classic LRU). */
  gens: number;
}

const PROFILES: Record<string, Profile> = {
  lru: { pressure: 1, runtimeMs: 1000, gens: 0 },
  mglru: { pressure: 0.6, runtimeMs: 880, gens: 4 },
};

function latency(r: () => number, count: number, centerLog2: number, budgetNs: number): LatencySummary {
  const hist: number[] = new Array(24).fill(0);
  let total = 0;
  let over = 0;
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const b = Math.max(0, Math.min(23, Math.round(centerLog2 + (r() + r() + r() - 1.5) * 3)));
    hist[b]++;
    const ns = 2 ** b * (1 + r());
    samples.push(ns);
    total += ns;
    if (ns > budgetNs) over++;
  }
  samples.sort((a, b) => a - b);
  const q = (p: number) =>
    samples.length ? samples[Math.min(samples.length - 1, Math.floor(p * samples.length))] : 0;
  return {
    count,
    totalNs: total,
    p50Ns: q(0.5),
    p99Ns: q(0.99),
    maxNs: samples.at(-1) ?? 0,
    overBudget: over,
    budgetNs,
    log2Histogram: hist,
  };
}

/** A plausible RunResult: counters, tasks, latency histograms and time series shaped like a reclaim run. */
function fabricateRun(policy: string, seed: number, workloadFactor = 1): RunResult {
  const p = PROFILES[policy] ?? PROFILES.lru;
  const r = rng(seed * 7919 + policy.length * 104729 + Math.round(workloadFactor * 1000));
  const jitter = (x: number, rel = 0.05) => Math.round(x * (1 + (r() - 0.5) * 2 * rel));
  const pressure = p.pressure * workloadFactor;
  const totalPages = 65536;
  const samples = 200;
  const intervalNs = 5_000_000;
  const series: TimeSeries = emptyTimeSeries(intervalNs);
  for (let g = 0; g < p.gens; g++) series.policyLists[`gen ${g} file`] = [];
  let refaults = 0;
  let majors = 0;
  let scanned = 0;
  let stolen = 0;
  for (let i = 0; i < samples; i++) {
    series.timeNs.push(i * intervalNs);
    const free = Math.round(
      totalPages * (i < 20 ? 0.5 - i * 0.023 : 0.03 + 0.01 * Math.sin(i / 5) + 0.005 * r()),
    );
    refaults += i < 20 ? 0 : Math.round(80 * pressure * (1 + r()));
    majors += i < 20 ? 0 : Math.round(60 * pressure * (1 + r()));
    scanned += Math.round(200 * pressure * (1 + r()));
    stolen += Math.round(150 * pressure * (1 + r()));
    series.freePages.push(free);
    series.refaults.push(refaults);
    series.majorFaults.push(majors);
    series.pgscan.push(scanned);
    series.pgsteal.push(stolen);
    const used = totalPages - free;
    series.activeAnon.push(Math.round(used * 0.3));
    series.inactiveAnon.push(Math.round(used * 0.1));
    series.activeFile.push(Math.round(used * 0.35));
    series.inactiveFile.push(
      used - Math.round(used * 0.3) - Math.round(used * 0.1) - Math.round(used * 0.35),
    );
    for (let g = 0; g < p.gens; g++) {
      series.policyLists[`gen ${g} file`].push(
        Math.round((used * 0.45 * (1 + Math.sin(i / 10 + g))) / p.gens),
      );
    }
  }
  const runtimeNs = jitter(p.runtimeMs * workloadFactor * 1e6);
  const ops = jitter(100_000);
  const direct = latency(r, jitter(400 * pressure), policy === 'mglru' ? 15 : 17, 1_000_000);
  const counters: Record<string, number> = {
    pgscan_kswapd: jitter(scanned * 0.8),
    pgscan_direct: jitter(scanned * 0.2),
    pgsteal_kswapd: jitter(stolen * 0.8),
    pgsteal_direct: jitter(stolen * 0.2),
    pgrefill: jitter(5000 * pressure),
    pgactivate: jitter(3000 * pressure),
    pgdeactivate: jitter(2500 * pressure),
    pgrotated: jitter(100),
    pgmajfault: majors,
    pgfault: jitter(300_000),
    pswpin: jitter(majors * 0.4),
    pswpout: jitter(majors * 0.5),
    pgpgout: jitter(40_000 * pressure),
    workingset_refault_anon: Math.round(refaults * 0.4),
    workingset_refault_file: refaults - Math.round(refaults * 0.4),
    workingset_activate_anon: jitter(refaults * 0.1),
    workingset_activate_file: jitter(refaults * 0.2),
    workingset_restore_anon: jitter(refaults * 0.05),
    workingset_restore_file: jitter(refaults * 0.05),
    allocstall: direct.count,
    oom_kill: 0,
    nr_vmscan_write: jitter(500 * pressure),
    thp_swpout: jitter(10),
  };
  return {
    policy,
    seed,
    mode: 'kernel',
    runtimeNs,
    counters,
    requests: 1_000_000,
    misses: majors,
    tasks: [0, 1].map((t) => ({
      name: `worker-${t}`,
      memcg: '/',
      runtimeNs: t === 0 ? runtimeNs : Math.round(runtimeNs * 0.9),
      ops: Math.round(ops / 2),
      accesses: 500_000,
      majorFaults: Math.round(majors / 2),
      readMisses: 0,
      minorFaults: 1000,
      directReclaimNs: Math.round(direct.totalNs / 2),
      ioWaitNs: jitter(50_000_000 * pressure),
      killed: false,
      finished: true,
    })),
    oomKills: [],
    directReclaimLatency: direct,
    kswapdBatchLatency: latency(r, jitter(2000), 14, 0),
    series,
    policyExits: [],
    pageStateBits: policy === 'mglru' ? { mglru: 7 } : { lru: 2 },
    events: jitter(2_000_000),
  };
}

const SEEDS = [1, 2, 3, 4, 5];

function fabricateComparison(): Comparison {
  const cells = ['scan-resistance', 'zipf-anon'].flatMap((workload, wi) =>
    ['lru', 'mglru'].map((label) => ({
      label,
      workload,
      results: SEEDS.map((s) => fabricateRun(label, s, 1 + wi * 0.5)),
    })),
  );
  return compare(cells, 'lru', {
    title: 'MGLRU vs classic LRU',
    description: '4 GiB machine, 2 workers; hot set 0.6× memory, scan 2× memory.',
  });
}

/** Runs with exactly chosen task runtimes, so the table text can be checked by hand. */
function runWithRuntime(policy: string, seed: number, runtimeMs: number): RunResult {
  const r = fabricateRun(policy, seed);
  return { ...r, tasks: r.tasks.map((t) => ({ ...t, runtimeNs: runtimeMs * 1e6 })) };
}

describe('number formatting', () => {
  it('uses three significant digits and SI suffixes', () => {
    expect(formatNumber(1100)).toBe('1.1k');
    expect(formatNumber(248.4)).toBe('248');
    expect(formatNumber(0.9346)).toBe('0.935');
    expect(formatNumber(12)).toBe('12');
    expect(formatNumber(2_345_678)).toBe('2.35M');
    expect(formatNumber(Number.POSITIVE_INFINITY)).toBe('∞');
    expect(formatPercent(-0.1063)).toBe('-11%');
    expect(formatPercent(0.092)).toBe('+9.2%');
    expect(formatPercent(-0.0001)).toBe('0.0%');
  });
});

describe('markdown report', () => {
  it('has one row per metric with mean ± half-width, the difference and its significance', () => {
    const c = compare(
      [
        {
          label: 'lru',
          workload: 'w',
          results: [1000, 1100, 1200].map((ms, i) => runWithRuntime('lru', i + 1, ms)),
        },
        {
          label: 'mglru',
          workload: 'w',
          results: [800, 850, 900].map((ms, i) => runWithRuntime('mglru', i + 1, ms)),
        },
      ],
      'lru',
    );
    const md = renderMarkdown(c);
    // lru: mean 1100, s = 100, t(2) = 4.302653 → half-width 248.4; mglru: mean 850, s = 50 → 124.2.
    // Welch: diff -250, se = sqrt(100²/3 + 50²/3) = 64.55, df = 2.94, half-width ≈ 205 → significant.
    const row = md.split('\n').find((l) => l.startsWith('| runtime_ms '));
    expect(row).toBeDefined();
    expect(row).toMatch(/^\| runtime_ms +\| ms +\| lower +\| 1\.1k ± 248 +\| 850 ± 124 \(-23%\)\* +\|$/);
    expect(md).toContain('### w (n = 3 seeds per configuration, seeds 1–3, 95% CI)');
    expect(md).toMatch(/^\| pgscan † +\| pages/m);
    expect(md).toContain('compare by pswpin, pgmajfault, pgpgin and pgsteal');
    expect(md).toContain('| configuration | score');
    // Table separator and header line up (plain-text readable in a cover letter).
    const table = md.split('\n').filter((l) => l.startsWith('|') && md.indexOf(l) < md.indexOf('Overall'));
    const widths = new Set(
      table.filter((l) => l.includes('runtime_ms') || l.startsWith('|-')).map((l) => [...l].length),
    );
    expect(widths.size).toBe(1);
  });

  it('marks nothing significant when intervals overlap, and shows ∞ for a single run', () => {
    const c = compare(
      [
        {
          label: 'lru',
          workload: 'w',
          results: [1000, 1100, 1200].map((ms, i) => runWithRuntime('lru', i + 1, ms)),
        },
        {
          label: 'b',
          workload: 'w',
          results: [1050, 1150, 1250].map((ms, i) => runWithRuntime('lru', i + 1, ms)),
        },
        { label: 'one', workload: 'w', results: [runWithRuntime('lru', 1, 900)] },
      ],
      'lru',
    );
    const row = renderMarkdown(c)
      .split('\n')
      .find((l) => l.startsWith('| runtime_ms'));
    expect(row).toContain('1.15k ± 248 (+4.5%) ');
    expect(row).toContain('900 ± ∞ (n=1) (-18%) ');
    expect(row).not.toContain('*');
    expect(c.caveats.join(' ')).toContain('n=1');
  });
});

describe('terminal report', () => {
  const c = fabricateComparison();

  it('has no ANSI escape codes without colour', () => {
    const text = renderTerminal(c, { color: false });
    expect(text).not.toContain('\u001b[');
    expect(text).toContain('legend: mean ± 95% confidence-interval half-width');
    expect(text).toMatch(/^runtime_ms +ms +↓ +\S+ ± \S+ +\S+ ± \S+ +\(-\d+%\)\*$/m);
    expect(text).toMatch(/^ +lru 1\.000 +mglru 1\.\d{3}$/m);
  });

  it('colours when asked and keeps columns aligned', () => {
    const coloured = renderTerminal(c, { color: true });
    expect(coloured).toContain('\u001b[');
    const plain = renderTerminal(c, { color: false }).split('\n');
    const header = plain.find((l) => l.startsWith('metric'))!;
    const row = plain.find((l) => l.startsWith('pgmajfault'))!;
    // The second configuration's column starts at the same offset in header and rows.
    expect(row.indexOf(' ± ', row.indexOf(' ± ') + 3)).toBeGreaterThan(header.indexOf('mglru'));
  });
});

describe('JSON report', () => {
  it('holds summaries, every counter and the time series', () => {
    const c = fabricateComparison();
    const json = JSON.parse(renderJson(c));
    expect(json.schema).toBe('reclaim-lab/comparison@1');
    expect(json.runs).toHaveLength(4);
    expect(json.runs[0].results[0].series.freePages).toHaveLength(200);
    expect(json.runs[0].results[0].counters.thp_swpout).toBeTypeOf('number');
    const summary = json.workloads[0].summaries.mglru;
    expect(summary.metrics.pswpin.ci.n).toBe(5);
    expect(summary.extraCounters.thp_swpout.samples).toHaveLength(5);
    expect(json.scores[1].direction).toBe('higher');
    expect(json.semanticsDiffer).toContain('pgscan');
  });

  it('turns unbounded intervals into null with a note', () => {
    const c = compare([{ label: 'lru', workload: 'w', results: [fabricateRun('lru', 1)] }], 'lru');
    const json = JSON.parse(renderJson(c));
    const ci = json.workloads[0].summaries.lru.metrics.runtime_ms.ci;
    expect(ci.halfWidth).toBeNull();
    expect(ci.note).toContain('n=1');
  });
});

describe('writeReports', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'reclaim-report-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes every format and leaves no temporary file', async () => {
    const out = join(dir, 'nested', 'out');
    const paths = await writeReports(fabricateComparison(), out, ['json', 'markdown', 'html', 'text']);
    expect(Object.keys(paths).sort()).toEqual(['html', 'json', 'markdown', 'text']);
    expect((await readdir(out)).sort()).toEqual(['report.html', 'report.json', 'report.md', 'report.txt']);
    expect(JSON.parse(await readFile(paths.json!, 'utf8')).schema).toBe('reclaim-lab/comparison@1');
  });

  it('replaces a file whole and cleans up after a failure', async () => {
    const path = join(dir, 'x.txt');
    await writeFile(path, 'old');
    await writeFileAtomic(path, 'new content');
    expect(await readFile(path, 'utf8')).toBe('new content');
    // Renaming onto a directory fails after the temp file is written: the temp must go, the target stay.
    const target = join(dir, 'is-a-dir');
    await writeReports(fabricateComparison(), target, ['text']);
    await expect(writeFileAtomic(target, 'data')).rejects.toThrow();
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

/** The width of the window every report page must fit. */
const WINDOW = 1400;

interface Layout {
  scrollWidth: number;
  clipped: string[];
  overlapping: string[];
  legends: Record<string, number>;
}

/**
 * What a reader would see wrong: a page wider than the window, a label cut
 * off at its chart's edge, two labels drawn over each other, the number of
 * legend entries per figure.
 */
async function layoutOf(page: import('playwright-core').Page): Promise<Layout> {
  return page.$eval('html', (root) => {
    const document = root.ownerDocument;
    const clipped: string[] = [];
    const overlapping: string[] = [];
    const legends: Record<string, number> = {};
    for (const fig of document.querySelectorAll('figure[data-plot]')) {
      const name = fig.getAttribute('data-plot') ?? '?';
      legends[name] = Math.max(
        0,
        ...[...fig.querySelectorAll('div[class$="-swatches"], div[class*="-swatches "]')].map(
          (d) => d.querySelectorAll('span[class$="-swatch"], span[class*="-swatch "]').length,
        ),
      );
      for (const svg of fig.querySelectorAll('svg[viewBox]')) {
        const box = svg.getBoundingClientRect();
        const texts = [...svg.querySelectorAll('text')]
          .map((t) => ({ t: t.textContent ?? '', r: t.getBoundingClientRect() }))
          .filter((x) => x.t.trim() !== '' && x.r.width > 0);
        for (const { t, r } of texts)
          if (
            r.left < box.left - 1 ||
            r.right > box.right + 1 ||
            r.top < box.top - 1 ||
            r.bottom > box.bottom + 1
          )
            clipped.push(`${name}: "${t}"`);
        for (let i = 0; i < texts.length; i++)
          for (let j = i + 1; j < texts.length; j++) {
            const a = texts[i].r;
            const b = texts[j].r;
            const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
            const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
            if (w > 1 && h > 1) overlapping.push(`${name}: "${texts[i].t}" / "${texts[j].t}"`);
          }
      }
    }
    return { scrollWidth: root.scrollWidth, clipped, overlapping, legends };
  });
}

function launchChromium() {
  // `pnpm test` installs Chromium before any test runs; a lone vitest run does it here.
  expect(ensureSystemPackages(['chromium']), 'headless Chromium for the report test').toEqual([]);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost',
    ],
  });
}

describe('HTML report in headless Chromium', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'reclaim-html-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('leads an ideal-mode sweep over memory sizes with its miss-ratio curve, a line per policy', () => {
    const ideal = (policy: string, pages: number, misses: number): RunResult => ({
      ...fabricateComparison().cells[0].results[0],
      policy,
      mode: 'ideal',
      requests: 1000,
      misses,
      memoryPages: pages,
    });
    const cells = [100, 1000, 10_000].flatMap((pages, i) =>
      ['fifo', 'sieve'].map((label) => ({
        label,
        workload: `t.oracleGeneral footprintShare=${[0.01, 0.1, 1][i]}`,
        results: [ideal(label, pages, (label === 'fifo' ? 900 : 800) - 300 * i)],
      })),
    );
    const summary = allPlots(compare(cells, 'fifo')).summary;
    expect(summary[0].name).toBe('miss-ratio-curve');
    // One line per configuration, through its three sizes.
    expect(summary[0].markup.match(/<path[^>]*stroke=/g)?.length).toBe(2);
    expect(summary[0].markup.match(/<circle/g)?.length).toBe(6);
    // Kernel-mode comparisons have none.
    expect(allPlots(fabricateComparison()).summary.map((p) => p.name)).not.toContain('miss-ratio-curve');
  });

  it('is self-contained and every figure holds a sized SVG with marks', async () => {
    const c = fabricateComparison();
    const html = renderHtml(c);
    expect(html).not.toMatch(/<script|<link|https?:\/\/(?!www\.w3\.org\/)/i);
    const path = join(dir, 'report.html');
    await writeFile(path, html);
    const url = pathToFileURL(path).href;

    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ viewport: { width: WINDOW, height: 900 } });
      const control = join(dir, 'control.html');
      const pages = new Set([url, pathToFileURL(control).href]);
      const requests: string[] = [];
      context.on('request', (req) => {
        if (!pages.has(req.url())) requests.push(req.url());
      });
      // Anything but the test pages themselves is refused (and recorded above).
      await context.route(
        (u) => !pages.has(u.href),
        (route) => route.abort(),
      );
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      await page.goto(url, { waitUntil: 'load' });

      const figures = await page.$$eval('figure[data-plot]', (figs) =>
        figs.map((f) => {
          // Plot puts legend swatches in small svgs; the chart is the svg with a viewBox.
          const svg = f.querySelector('svg[viewBox]');
          const box = svg?.getBoundingClientRect();
          const marks = svg
            ? [...svg.querySelectorAll('g[aria-label]')].filter((g) => {
                const label = g.getAttribute('aria-label') ?? '';
                return !/axis|tick|grid|facet|frame/.test(label) && g.childElementCount > 0;
              }).length
            : 0;
          return {
            name: f.getAttribute('data-plot'),
            width: box?.width ?? 0,
            height: box?.height ?? 0,
            marks,
          };
        }),
      );
      const names = figures.map((f) => f.name);
      for (const kind of ['refaults', 'free', 'lists', 'policy-lists', 'latency']) {
        expect(names).toContain(`${kind}-scan-resistance`);
      }
      expect(names).toContain('bar-runtime-ms');
      for (const f of figures) {
        expect(f.width, f.name ?? '').toBeGreaterThan(0);
        expect(f.height, f.name ?? '').toBeGreaterThan(0);
        expect(f.marks, f.name ?? '').toBeGreaterThan(0);
      }
      // The budget line is drawn on the latency plot.
      const budget = await page.$$eval(
        'figure[data-plot="latency-scan-resistance"] g[aria-label="rule"] line',
        (ls) => ls.map((l) => l.getAttribute('stroke') ?? l.parentElement?.getAttribute('stroke')),
      );
      expect(budget).toContain('red');
      expect(await page.title()).toBe('MGLRU vs classic LRU');
      expect(await page.locator('table').count()).toBeGreaterThanOrEqual(3);

      // It fits a 1400-px window, with no label cut off or drawn over another.
      const layout = await layoutOf(page);
      expect(layout.scrollWidth).toBeLessThanOrEqual(WINDOW);
      expect(layout.clipped).toEqual([]);
      expect(layout.overlapping).toEqual([]);
      for (const [name, n] of Object.entries(layout.legends)) expect(n, name).toBeLessThanOrEqual(10);

      const png = join(dir, 'report.png');
      await page.screenshot({ path: png, fullPage: true });
      expect((await stat(png)).size).toBeGreaterThan(10_000);
      // Set REPORT_PREVIEW_DIR to keep the page and its screenshot for a look by eye.
      const keep = process.env['REPORT_PREVIEW_DIR'];
      if (keep) {
        await mkdir(keep, { recursive: true });
        await copyFile(path, join(keep, 'report.html'));
        await copyFile(png, join(keep, 'report.png'));
        await writeFile(join(keep, 'report.md'), renderMarkdown(c));
        await writeFile(join(keep, 'report.txt'), renderTerminal(c, { color: false }));
      }
      expect(requests).toEqual([]);
      expect(errors).toEqual([]);

      // Control: the recorder does see a page that reaches out, so the empty list above means something.
      await writeFile(control, '<!doctype html><img src="http://example.invalid/x.png"><p>control</p>');
      const controlPage = await context.newPage();
      await controlPage.goto(pathToFileURL(control).href, { waitUntil: 'load' });
      expect(requests).toContain('http://example.invalid/x.png');
    } finally {
      await browser.close();
    }
  });
});

describe('HTML report of an ideal-mode sweep, in headless Chromium', () => {
  it('shows a size × policy miss-ratio table and the curve instead of kernel plots, and fits the window', async () => {
    const base = fabricateComparison().cells[0].results[0];
    const ideal = (policy: string, pages: number, misses: number, lists: number): RunResult => ({
      ...base,
      policy,
      mode: 'ideal',
      requests: 1000,
      misses,
      memoryPages: pages,
      // A policy with many frequency levels, as lfu:levels=256 declares.
      series: {
        ...base.series,
        policyLists: Object.fromEntries(
          Array.from({ length: lists }, (_, i) => [`level${i}`, base.series.timeNs.map(() => i)]),
        ),
      },
    });
    const labels = ['exact-lru', 'lfu:pure:levels=256', 'mglru:bloom=off', 's3fifo:libcachesim'];
    const cells = [14, 144, 434].flatMap((pages, i) =>
      labels.map((label, k) => ({
        label,
        workload: `zipf.oracleGeneral.zst footprintShare=${[0.01, 0.1, 0.3][i]}`,
        results: [ideal(label, pages, 900 - 200 * i - 10 * k, label.startsWith('lfu') ? 256 : 4)],
      })),
    );
    const c = compare(cells, 'exact-lru');
    const html = renderHtml(c);
    const dir = await mkdtemp(join(tmpdir(), 'reclaim-ideal-'));
    const path = join(dir, 'ideal.html');
    await writeFile(path, html);
    const browser = await launchChromium();
    try {
      const page = await (await browser.newContext({ viewport: { width: WINDOW, height: 900 } })).newPage();
      await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
      const names = await page.$$eval('figure[data-plot]', (fs) =>
        fs.map((f) => f.getAttribute('data-plot')),
      );
      expect(names).toEqual(['miss-ratio-curve']);
      // Rows: the three sizes; columns: workload, pages, then each configuration; the lowest ratio in bold.
      const table = await page.$$eval('table[data-table="miss-ratio"] tr', (trs) =>
        trs.map((tr) => [...tr.querySelectorAll('th,td')].map((td) => td.textContent)),
      );
      expect(table[0]).toEqual(['workload', 'memory (pages)', ...labels]);
      expect(table.slice(1).map((r) => r[1])).toEqual(['14', '144', '434']);
      expect(table[1][2]).toBe('90.00%');
      expect(await page.$$eval('td.best', (tds) => tds.map((td) => td.textContent))).toEqual([
        '87.00%',
        '67.00%',
        '47.00%',
      ]);
      expect(html).not.toMatch(/± ∞/);
      const layout = await layoutOf(page);
      expect(layout.scrollWidth).toBeLessThanOrEqual(WINDOW);
      expect(layout.clipped).toEqual([]);
      expect(layout.overlapping).toEqual([]);
      const keep = process.env['REPORT_PREVIEW_DIR'];
      if (keep) {
        await mkdir(keep, { recursive: true });
        await page.screenshot({ path: join(keep, 'ideal.png'), fullPage: true });
      }
    } finally {
      await browser.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('caps the legend of a policy with 256 lists: the largest 7 and "other"', () => {
    const base = fabricateComparison();
    const r = base.cells[0].results[0];
    const many = {
      ...r,
      series: {
        ...r.series,
        policyLists: Object.fromEntries(
          Array.from({ length: 256 }, (_, i) => [`level${i}`, r.series.timeNs.map((_, t) => (i * t) % 97)]),
        ),
      },
    };
    const c = compare([{ label: 'lfu:levels=256', workload: 'w', results: [many] }], 'lfu:levels=256');
    const plot = allPlots(c)
      .perWorkload.get('w')!
      .find((p) => p.name === 'policy-lists-w')!;
    expect(plot.markup).toContain('other (249 lists)');
    expect(plot.markup.match(/<path[^>]*stroke=/g)?.length).toBe(8);
  });
});
