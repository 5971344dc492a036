import type * as PlotModule from '@observablehq/plot';
import type { RunResult, TimeSeries } from '@reclaim-lab/reclaim';
import type * as LinkedomModule from 'linkedom';
import type { Comparison, WorkloadComparison } from '../stats/index.js';

// Plot (with d3) and linkedom are hundreds of modules: loaded on the first
// report that draws, so the CLI's --help and a trace replay start at once.
let Plot: typeof PlotModule;
let parseHTML: typeof LinkedomModule.parseHTML | undefined;

/** Loads the plotting and DOM libraries; await it before drawing (writeReports does). */
export async function loadPlotting(): Promise<void> {
  if (parseHTML !== undefined) return;
  const [plot, dom] = await Promise.all([import('@observablehq/plot'), import('linkedom')]);
  Plot = plot;
  parseHTML = dom.parseHTML;
}

/** A server-rendered plot: inline SVG markup plus the words around it. */
export interface RenderedPlot {
  /** Stable name, used as the figure's data-plot attribute. */
  name: string;
  title: string;
  caption: string;
  /** Plot's output (an <svg>, or a <figure> holding a legend and an <svg>), every svg with xmlns. */
  markup: string;
}

/** The part of linkedom's DOM we touch; typed here because the project builds without lib.dom. */
interface DomElement {
  outerHTML: string;
  querySelectorAll(selector: string): Iterable<DomElement>;
  setAttribute(name: string, value: string): void;
  getAttribute(name: string): string | null;
  tagName: string;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
const WIDTH = 760;
const MAX_POINTS = 400;

/**
 * Configurations keep one colour on every plot of a report: Tableau's 20
 * colours, dark shades first, so up to 10 configurations never share a hue.
 */
const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
  '#aec7e8',
  '#ffbb78',
  '#98df8a',
  '#ff9896',
  '#c5b0d5',
  '#c49c94',
  '#f7b6d2',
  '#c7c7c7',
  '#dbdb8d',
  '#9edae5',
];

/** Line dashes by configuration, so a line that equals another is seen through it rather than hidden. */
const DASHES = ['none', '6 3', '2 2', '8 3 2 3', '1 3'];

export function configColors(labels: readonly string[]): { domain: string[]; range: string[] } {
  return { domain: [...labels], range: labels.map((_, i) => PALETTE[i % PALETTE.length]) };
}

/** A plot's lists beyond this many are summed into one "other" line, so the legend stays readable. */
const MAX_LISTS = 8;

/** Render Plot options to markup in a fresh linkedom document: no browser, no globals touched. */
function render(options: PlotModule.PlotOptions): string {
  if (parseHTML === undefined) throw new Error('plots need `await loadPlotting()` first');
  const { document } = parseHTML('<!doctype html><html><head></head><body></body></html>');
  const node: DomElement = Plot.plot({ ...options, document });
  // Standalone SVG (and some viewers) need the namespace that a browser's DOM would imply.
  if (node.tagName.toLowerCase() === 'svg') node.setAttribute('xmlns', SVG_NS);
  for (const svg of node.querySelectorAll('svg')) svg.setAttribute('xmlns', SVG_NS);
  return node.outerHTML;
}

export function slug(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'x'
  );
}

/** Every k-th sample (and the last), so a long run does not bloat the page. */
function strideIndices(length: number): number[] {
  const step = Math.max(1, Math.ceil(length / MAX_POINTS));
  const idx: number[] = [];
  for (let i = 0; i < length; i += step) idx.push(i);
  if (length > 0 && idx[idx.length - 1] !== length - 1) idx.push(length - 1);
  return idx;
}

function cellsOf(c: Comparison, workload: string): { label: string; results: readonly RunResult[] }[] {
  return c.labels.flatMap((label) => c.cells.filter((k) => k.label === label && k.workload === workload));
}

/** The run with the lowest seed: one representative when a plot cannot overlay seeds. */
function representative(results: readonly RunResult[]): RunResult {
  return [...results].sort((a, b) => a.seed - b.seed)[0];
}

type SeriesField = 'refaults' | 'freePages';

const SERIES_TEXT: Record<SeriesField, { title: string; y: string; caption: string }> = {
  refaults: {
    title: 'Refaults over time',
    y: 'cumulative refaults (pages)',
    caption: 'cumulative workingset refaults (anon + file); one line per seed',
  },
  freePages: {
    title: 'Free memory over time',
    y: 'free pages',
    caption: 'free pages; one line per seed',
  },
};

interface Point {
  t: number;
  v: number;
  label: string;
  run: string;
}

function seriesPoints(label: string, r: RunResult, pick: (s: TimeSeries) => readonly number[]): Point[] {
  const ys = pick(r.series);
  const n = Math.min(ys.length, r.series.timeNs.length);
  return strideIndices(n).map((i) => ({
    t: r.series.timeNs[i] / 1e6,
    v: ys[i],
    label,
    run: `${label} seed ${r.seed}`,
  }));
}

export function timeSeriesPlot(
  c: Comparison,
  w: WorkloadComparison,
  field: SeriesField,
): RenderedPlot | undefined {
  const data = cellsOf(c, w.workload).flatMap(({ label, results }) =>
    results.flatMap((r) => seriesPoints(label, r, (s) => s[field])),
  );
  if (data.length === 0) return undefined;
  const text = SERIES_TEXT[field];
  return {
    name: `${field === 'freePages' ? 'free' : 'refaults'}-${slug(w.workload)}`,
    title: `${text.title}: ${w.workload}`,
    caption:
      `${text.caption}; each configuration its own dash, so equal lines show through each other` +
      (field === 'refaults' && c.semanticsDiffer.includes('refaults')
        ? ' (semantics differ across policies)'
        : ''),
    markup: render({
      width: WIDTH,
      height: 300,
      marginLeft: 60,
      grid: true,
      x: { label: 'virtual time (ms)' },
      y: { label: text.y },
      color: { ...configColors(c.labels), legend: true },
      marks: [
        ...c.labels.map((label, i) =>
          Plot.lineY(
            data.filter((d) => d.label === label),
            {
              x: 't',
              y: 'v',
              z: 'run',
              stroke: 'label',
              strokeOpacity: 0.85,
              strokeWidth: 1.5,
              strokeDasharray: DASHES[i % DASHES.length],
            },
          ),
        ),
        Plot.ruleY([0]),
      ],
    }),
  };
}

const MEMINFO_CAPTION =
  'Active/Inactive as /proc/meminfo reports them; under MGLRU "active" means the two youngest generations';

const MEMINFO_LISTS = ['activeAnon', 'inactiveAnon', 'activeFile', 'inactiveFile'] as const;

interface ListPoint {
  t: number;
  v: number;
  list: string;
  label: string;
}

function listPoints(label: string, r: RunResult, lists: Record<string, readonly number[]>): ListPoint[] {
  return Object.entries(lists).flatMap(([list, ys]) =>
    strideIndices(Math.min(ys.length, r.series.timeNs.length)).map((i) => ({
      t: r.series.timeNs[i] / 1e6,
      v: ys[i],
      list,
      label,
    })),
  );
}

/** The lists of one run, the largest `MAX_LISTS - 1` by peak and the rest summed into "other (n lists)". */
function capLists(lists: Record<string, readonly number[]>): Record<string, readonly number[]> {
  const entries = Object.entries(lists);
  if (entries.length <= MAX_LISTS) return lists;
  const peak = (ys: readonly number[]) => ys.reduce((m, y) => Math.max(m, y), 0);
  const ranked = [...entries].sort((a, b) => peak(b[1]) - peak(a[1]));
  const kept = ranked.slice(0, MAX_LISTS - 1);
  const rest = ranked.slice(MAX_LISTS - 1);
  const length = Math.max(...rest.map(([, ys]) => ys.length));
  const other = Array.from({ length }, (_, i) => rest.reduce((sum, [, ys]) => sum + (ys[i] ?? 0), 0));
  return Object.fromEntries([...kept, [`other (${rest.length} lists)`, other]]);
}

/**
 * meminfo lists (kind 'meminfo') or the policy's own lists or generations
 * (kind 'policy'): a small chart per configuration, each with its own
 * legend, so one policy's 256 frequency levels or four generations never
 * share colours with another's lists, and no facet label is clipped.
 */
export function listsPlot(
  c: Comparison,
  w: WorkloadComparison,
  kind: 'meminfo' | 'policy',
): RenderedPlot | undefined {
  const charts: string[] = [];
  const seeds: string[] = [];
  for (const { label, results } of cellsOf(c, w.workload)) {
    const r = representative(results);
    const lists =
      kind === 'meminfo'
        ? Object.fromEntries(MEMINFO_LISTS.map((k) => [k, r.series[k]]))
        : capLists(r.series.policyLists);
    const data = listPoints(label, r, lists);
    if (data.length === 0) continue;
    seeds.push(`${label} seed ${r.seed}`);
    const names = Object.keys(lists);
    charts.push(
      render({
        width: WIDTH,
        height: 190,
        marginLeft: 60,
        grid: true,
        subtitle: label,
        x: { label: 'virtual time (ms)' },
        y: { label: 'pages' },
        color: { domain: names, range: names.map((_, i) => PALETTE[i % PALETTE.length]), legend: true },
        marks: [
          ...names.map((name, i) =>
            Plot.lineY(
              data.filter((d) => d.list === name),
              {
                x: 't',
                y: 'v',
                stroke: 'list',
                strokeWidth: 1.5,
                strokeDasharray: DASHES[i % DASHES.length],
              },
            ),
          ),
          Plot.frame({ stroke: '#ccc' }),
        ],
      }),
    );
  }
  if (charts.length === 0) return undefined;
  return {
    name: `${kind === 'meminfo' ? 'lists' : 'policy-lists'}-${slug(w.workload)}`,
    title: `${kind === 'meminfo' ? 'LRU list sizes (meminfo)' : 'Policy lists and generations'}: ${w.workload}`,
    caption: `${kind === 'meminfo' ? MEMINFO_CAPTION : `sizes of the lists or generations each policy declares (beyond ${MAX_LISTS - 1}, the rest summed as "other")`}; ${seeds.join(', ')}`,
    markup: charts.join('\n'),
  };
}

interface Bucket {
  x1: number;
  x2: number;
  share: number;
  label: string;
}

/** Direct-reclaim latency: the log2 histograms of every seed pooled per configuration, with the budget line. */
export function latencyPlot(c: Comparison, w: WorkloadComparison): RenderedPlot | undefined {
  const cells = cellsOf(c, w.workload);
  const data: Bucket[] = [];
  let budgetNs = 0;
  for (const { label, results } of cells) {
    const pooled: number[] = [];
    for (const r of results) {
      budgetNs = Math.max(budgetNs, r.directReclaimLatency.budgetNs);
      r.directReclaimLatency.log2Histogram.forEach((count, i) => {
        pooled[i] = (pooled[i] ?? 0) + count;
      });
    }
    const total = pooled.reduce((s, x) => s + (x ?? 0), 0);
    if (total === 0) continue;
    pooled.forEach((count, i) => {
      if (count > 0) data.push({ x1: 2 ** i / 1e3, x2: 2 ** (i + 1) / 1e3, share: count / total, label });
    });
  }
  if (data.length === 0) return undefined;
  const present = [...new Set(data.map((d) => d.label))];
  const budgetUs = budgetNs / 1e3;
  return {
    name: `latency-${slug(w.workload)}`,
    title: `Direct reclaim latency: ${w.workload}`,
    caption:
      'share of direct-reclaim invocations per log2 duration bucket, all seeds pooled' +
      (budgetNs > 0 ? `; red line: latency budget (${budgetUs} µs)` : ''),
    markup: render({
      width: WIDTH,
      height: 40 + 130 * present.length,
      marginLeft: 60,
      // Facet labels sit right of the plot: room for the longest (about 7 px a character).
      marginRight: Math.max(90, 12 + 7 * Math.max(...present.map((l) => l.length))),
      x: { type: 'log', label: 'duration of one direct reclaim (µs)' },
      y: { label: 'share', percent: true, grid: true },
      fy: { label: null, domain: present },
      color: configColors(c.labels),
      marks: [
        Plot.rectY(data, { x1: 'x1', x2: 'x2', y: 'share', fill: 'label', fy: 'label', inset: 0.5 }),
        ...(budgetNs > 0
          ? [
              Plot.ruleX([budgetUs], { stroke: 'red', strokeWidth: 2 }),
              Plot.text([budgetUs], {
                x: (d: number) => d,
                frameAnchor: 'top',
                dx: 4,
                textAnchor: 'start',
                text: () => 'budget',
                fill: 'red',
              }),
            ]
          : []),
        Plot.ruleY([0]),
      ],
    }),
  };
}

interface LaunchDot {
  t: number;
  ms: number;
  label: string;
  kind: string;
}

/** Every launch of one seed per configuration: when it began and how long it took, cold and warm apart. */
export function launchPlot(c: Comparison, w: WorkloadComparison): RenderedPlot | undefined {
  const data: LaunchDot[] = [];
  for (const { label, results } of cellsOf(c, w.workload)) {
    const r = results.length > 0 ? representative(results) : undefined;
    for (const l of r?.apps?.launches ?? [])
      data.push({ t: l.startNs / 1e6, ms: l.latencyNs / 1e6, label, kind: l.relaunch ? 'relaunch' : l.kind });
  }
  if (data.length === 0) return undefined;
  return {
    name: `launches-${slug(w.workload)}`,
    title: `Launches over time: ${w.workload}`,
    caption:
      'each app launch of the lowest seed: when it began and its latency to the first frame; ' +
      'circles cold, squares warm, triangles relaunches of a killed app',
    markup: render({
      width: WIDTH,
      height: 320,
      marginLeft: 60,
      grid: true,
      x: { label: 'virtual time (ms)' },
      y: { label: 'launch latency (ms)' },
      color: { ...configColors(c.labels), legend: true },
      symbol: { domain: ['cold', 'warm', 'relaunch'], range: ['circle', 'square', 'triangle'] },
      marks: [Plot.dot(data, { x: 't', y: 'ms', stroke: 'label', symbol: 'kind', r: 3 }), Plot.ruleY([0])],
    }),
  };
}

/** Janky frames accumulated over time, one line per seed: where in the run the UI thread stalled. */
export function jankPlot(c: Comparison, w: WorkloadComparison): RenderedPlot | undefined {
  const data: Point[] = [];
  let any = false;
  for (const { label, results } of cellsOf(c, w.workload)) {
    for (const r of results) {
      if (r.apps === undefined) continue;
      any = true;
      const run = `${label} seed ${r.seed}`;
      const times = r.apps.jankTimesNs;
      data.push({ t: 0, v: 0, label, run });
      for (const i of strideIndices(times.length)) data.push({ t: times[i] / 1e6, v: i + 1, label, run });
      data.push({ t: r.runtimeNs / 1e6, v: times.length, label, run });
    }
  }
  if (!any) return undefined;
  return {
    name: `jank-${slug(w.workload)}`,
    title: `Janky frames over time: ${w.workload}`,
    caption:
      'cumulative frames that missed their deadline with the UI thread stalled on memory; one line per seed, ' +
      'each configuration its own dash',
    markup: render({
      width: WIDTH,
      height: 300,
      marginLeft: 60,
      grid: true,
      x: { label: 'virtual time (ms)' },
      y: { label: 'cumulative janky frames' },
      color: { ...configColors(c.labels), legend: true },
      marks: [
        ...c.labels.map((label, i) =>
          Plot.line(
            data.filter((d) => d.label === label),
            {
              x: 't',
              y: 'v',
              z: 'run',
              stroke: 'label',
              curve: 'step-after',
              strokeOpacity: 0.85,
              strokeWidth: 1.5,
              strokeDasharray: DASHES[i % DASHES.length],
            },
          ),
        ),
        Plot.ruleY([0]),
      ],
    }),
  };
}

interface Bar {
  workload: string;
  label: string;
  mean: number;
  lo: number;
  hi: number;
}

/** One key metric across configurations, a facet per workload, with confidence-interval error bars. */
export function metricBarPlot(c: Comparison, metric: string): RenderedPlot | undefined {
  const data: Bar[] = [];
  for (const w of c.workloads) {
    const row = w.rows.find((r) => r.metric === metric);
    for (const cell of row?.cells ?? []) {
      if (cell.ci)
        data.push({
          workload: w.workload,
          label: cell.label,
          mean: cell.ci.mean,
          lo: cell.ci.lo,
          hi: cell.ci.hi,
        });
    }
  }
  if (data.every((d) => d.mean === 0 && d.hi === 0)) return undefined;
  const info = c.metrics.find((m) => m.name === metric);
  const bounded = data.filter((d) => Number.isFinite(d.lo) && Number.isFinite(d.hi));
  const better = info ? `, ${info.direction} is better` : '';
  // Whisker caps about a third of a bar wide, however many bars share the row.
  const capInset = Math.max(2, WIDTH / (c.workloads.length * c.labels.length) / 3);
  return {
    name: `bar-${slug(metric)}`,
    title: `${metric}${info ? ` (${info.unit})` : ''}`,
    caption:
      `${info?.description ?? metric}${better}; bars: ${info?.mean ?? 'arithmetic'} mean, whiskers: ${Math.round(c.level * 100)}% CI` +
      (bounded.length < data.length ? '; no whisker where n=1' : ''),
    markup: render({
      width: WIDTH,
      height: 280,
      marginLeft: 60,
      x: { label: null, domain: c.labels, axis: null },
      y: {
        label: `${metric}${info ? ` (${info.unit}), ${info.direction} is better` : ''}`,
        grid: true,
        labelArrow: 'none',
      },
      fx: { label: null },
      color: { ...configColors(c.labels), legend: true },
      marks: [
        Plot.barY(data, { x: 'label', y: 'mean', fill: 'label', fx: 'workload' }),
        Plot.ruleX(bounded, { x: 'label', y1: 'lo', y2: 'hi', fx: 'workload', strokeWidth: 1.5 }),
        Plot.tickY(bounded, { x: 'label', y: 'lo', fx: 'workload', inset: capInset }),
        Plot.tickY(bounded, { x: 'label', y: 'hi', fx: 'workload', inset: capInset }),
        Plot.ruleY([0]),
      ],
    }),
  };
}

interface CurvePoint {
  label: string;
  trace: string;
  pages: number;
  ratio: number;
}

/** A workload group's name without the memory size that sweeps add to it. */
function withoutSize(workload: string): string {
  return workload.replace(/\s*\b(footprintShare|memoryPages|memory)=\S+/g, '').trim() || workload;
}

/**
 * Ideal mode over several memory sizes: the miss-ratio curve, miss ratio
 * against frames on a log axis, a line per configuration (a facet per trace
 * when there are several). Undefined unless every run is in ideal mode and
 * the sizes differ.
 */
export function missRatioCurvePlot(c: Comparison): RenderedPlot | undefined {
  const data: CurvePoint[] = [];
  for (const cell of c.cells) {
    const rs = cell.results;
    if (
      rs.length === 0 ||
      !rs.every((r) => r.mode === 'ideal' && r.memoryPages !== undefined && r.requests > 0)
    )
      return undefined;
    const ratio = rs.reduce((s, r) => s + r.misses / r.requests, 0) / rs.length;
    data.push({
      label: cell.label,
      trace: withoutSize(cell.workload),
      pages: rs[0].memoryPages as number,
      ratio,
    });
  }
  if (new Set(data.map((d) => d.pages)).size < 2) return undefined;
  data.sort((a, b) => a.pages - b.pages);
  const traces = new Set(data.map((d) => d.trace));
  const facet = traces.size > 1 ? { fy: 'trace' } : {};
  return {
    name: 'miss-ratio-curve',
    title: 'miss-ratio curve',
    caption:
      'misses / requests against memory in page frames (log scale), each configuration a line; ideal mode: the policy alone',
    markup: render({
      width: WIDTH,
      height: traces.size > 1 ? 200 * traces.size : 320,
      marginLeft: 60,
      x: { type: 'log', label: 'memory (page frames)', grid: true },
      y: { label: 'miss ratio, lower is better', domain: [0, 1], grid: true, labelArrow: 'none' },
      fy: { label: null },
      color: { ...configColors(c.labels), legend: true },
      marks: [
        ...c.labels.map((label, i) =>
          Plot.line(
            data.filter((d) => d.label === label),
            { x: 'pages', y: 'ratio', stroke: 'label', strokeDasharray: DASHES[i % DASHES.length], ...facet },
          ),
        ),
        Plot.dot(data, { x: 'pages', y: 'ratio', fill: 'label', r: 3, ...facet }),
      ],
    }),
  };
}

/** Every plot the HTML report shows, in page order. */
export function allPlots(c: Comparison): {
  summary: RenderedPlot[];
  perWorkload: Map<string, RenderedPlot[]>;
} {
  const summary = [missRatioCurvePlot(c), ...c.score.metrics.map((m) => metricBarPlot(c, m))].filter(
    (p): p is RenderedPlot => p !== undefined,
  );
  const perWorkload = new Map<string, RenderedPlot[]>();
  for (const w of c.workloads) {
    perWorkload.set(
      w.workload,
      [
        timeSeriesPlot(c, w, 'refaults'),
        timeSeriesPlot(c, w, 'freePages'),
        listsPlot(c, w, 'meminfo'),
        listsPlot(c, w, 'policy'),
        latencyPlot(c, w),
        launchPlot(c, w),
        jankPlot(c, w),
      ].filter((p): p is RenderedPlot => p !== undefined),
    );
  }
  return { summary, perWorkload };
}
