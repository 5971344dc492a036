import type { Comparison } from '../stats/index.js';
import { formatLevel, formatPolicyScore } from './format.js';
import { perWorkloadScore, renderMarkdown } from './markdown.js';
import { PHASE_COLUMNS, phaseCells, phaseRows } from './phases.js';
import { allPlots, type RenderedPlot, slug } from './plots.js';
import { columnTitle, legend, seedsText, type TableOptions, workloadTable } from './table.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

// Inline styles only; the CSP below forbids everything else, so the page cannot reach the network.
const CSS = `
*, *::before, *::after { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 80rem; padding: 0 1rem; color: #222; overflow-wrap: anywhere; }
.wide { overflow-x: auto; max-width: 100%; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
.meta, figcaption, .legend { color: #555; font-size: .9rem; }
table { border-collapse: collapse; margin: .8rem 0; font-variant-numeric: tabular-nums; }
th, td { padding: .2rem .6rem; border-bottom: 1px solid #eee; text-align: right; white-space: nowrap; }
th:first-child, td:first-child, .unit, .dir { text-align: left; }
td.better { color: #137333; font-weight: 600; } td.worse { color: #b3261e; font-weight: 600; }
td.unchanged .diff { color: #777; }
th.incomplete, tr.incomplete td { color: #b3261e; }
.caveat { background: #fff8e1; border-left: 4px solid #f0b400; padding: .5rem .8rem; margin: .6rem 0; }
figure { margin: 1.4rem 0; } figure svg { max-width: 100%; height: auto; }
pre { background: #f6f6f6; padding: .8rem; overflow-x: auto; max-width: 100%; font-size: 12px; }
td.best { font-weight: 600; color: #137333; }
`;

function figure(p: RenderedPlot): string {
  return (
    `<figure data-plot="${escapeHtml(p.name)}"><figcaption><strong>${escapeHtml(p.title)}</strong> — ` +
    `${escapeHtml(p.caption)}</figcaption>${p.markup}</figure>`
  );
}

function workloadSection(
  c: Comparison,
  workload: string,
  plots: readonly RenderedPlot[],
  options: TableOptions,
): string {
  const w = c.workloads.find((x) => x.workload === workload)!;
  const t = workloadTable(w, options);
  const head = [
    '<th>metric</th><th class="unit">unit</th><th class="dir">better</th>',
    ...t.columns.map((k) => `<th${k.status ? ' class="incomplete"' : ''}>${escapeHtml(columnTitle(k))}</th>`),
  ].join('');
  const body = t.rows
    .map((r) => {
      const cells = r.cells
        .map(
          (cell) =>
            `<td class="${cell.verdict ?? ''}">${escapeHtml(cell.value)} <span class="diff">${escapeHtml(cell.diff)}</span></td>`,
        )
        .join('');
      return `<tr><td>${escapeHtml(r.name)}</td><td class="unit">${escapeHtml(r.unit)}</td><td class="dir">${r.direction}</td>${cells}</tr>`;
    })
    .join('\n');
  const zero =
    t.omittedZero.length > 0
      ? `<p class="meta">Zero for every configuration: ${escapeHtml(t.omittedZero.join(', '))}.</p>`
      : '';
  const seeds = seedsText(t.columns.flatMap((k) => k.seeds));
  return `<section id="w-${slug(workload)}"><h2>Workload: ${escapeHtml(workload)}</h2>
<p class="meta">${escapeHtml(seeds)}; ${formatLevel(c.level)} confidence intervals.</p>
<div class="wide"><table><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table></div>${zero}
${plots.map(figure).join('\n')}
</section>`;
}

/** Every run in ideal mode: the policy alone, where kernel tables and time series say nothing. */
export function isIdealComparison(c: Comparison): boolean {
  return c.cells.length > 0 && c.cells.every((k) => k.results.every((r) => r.mode === 'ideal'));
}

/**
 * What a cache researcher reads in ideal mode: one row per workload and
 * memory size, one column per configuration, the mean miss ratio over the
 * runs (the lowest of a row in bold).
 */
function idealRows(c: Comparison): { workload: string; pages: number; ratios: Map<string, number> }[] {
  const rows = new Map<string, { workload: string; pages: number; ratios: Map<string, number> }>();
  for (const cell of c.cells) {
    const rs = cell.results.filter((r) => r.requests > 0);
    if (rs.length === 0) continue;
    const pages = rs[0].memoryPages ?? 0;
    const key = cell.workload;
    const row = rows.get(key) ?? { workload: cell.workload, pages, ratios: new Map() };
    row.ratios.set(cell.label, rs.reduce((sum, r) => sum + r.misses / r.requests, 0) / rs.length);
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) => a.workload.localeCompare(b.workload) || a.pages - b.pages);
}

const percent = (v: number | undefined) => (v === undefined ? '–' : `${(v * 100).toFixed(2)}%`);

/** The miss-ratio table as Markdown, for the cover-letter block in ideal mode. */
function idealMarkdown(c: Comparison): string {
  const lines = [
    `## ${c.title}`,
    '',
    'Miss ratio (misses / requests) by memory size, ideal mode; lowest of each row in bold.',
    '',
    `| workload | memory (pages) | ${c.labels.join(' | ')} |`,
    `|---|---:|${c.labels.map(() => '---:').join('|')}|`,
    ...idealRows(c).map((row) => {
      const best = Math.min(...row.ratios.values());
      const cells = c.labels.map((l) => {
        const v = row.ratios.get(l);
        return v === best ? `**${percent(v)}**` : percent(v);
      });
      return `| ${row.workload} | ${row.pages} | ${cells.join(' | ')} |`;
    }),
  ];
  return `${lines.join('\n')}\n`;
}

function idealTable(c: Comparison): string {
  const ordered = idealRows(c);
  const head = ['workload', 'memory (pages)', ...c.labels].map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = ordered
    .map((row) => {
      const best = Math.min(...row.ratios.values());
      const cells = c.labels
        .map((l) => {
          const v = row.ratios.get(l);
          return `<td class="${v === best ? 'best' : ''}">${percent(v)}</td>`;
        })
        .join('');
      return `<tr><td>${escapeHtml(row.workload)}</td><td>${row.pages.toLocaleString('en-US')}</td>${cells}</tr>`;
    })
    .join('\n');
  return `<section id="miss-ratios"><h2>Miss ratio by memory size</h2>
<p class="meta">Ideal mode: one page evicted exactly when memory is full, no watermarks or latency; misses / requests, lowest of each row in bold.</p>
<div class="wide"><table data-table="miss-ratio"><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table></div>
</section>`;
}

/**
 * A self-contained HTML report: title, scenario description, scores, tables
 * and server-rendered SVG plots, with no scripts and no external resources.
 */
/** A workload's per-phase table (nothing when its runs have no phases). */
function phaseSection(c: Comparison, workload: string): string {
  const rows = phaseRows(c, workload);
  if (rows.length === 0) return '';
  const head = PHASE_COLUMNS.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map(
      (r) =>
        `<tr>${phaseCells(r)
          .map((x) => `<td>${escapeHtml(x)}</td>`)
          .join('')}</tr>`,
    )
    .join('\n');
  return `<section class="phases"><h3>${escapeHtml(workload)}: per phase</h3>
<p class="meta">Means over seeds; vmstat changes between each phase's boundaries.</p>
<div class="wide"><table><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table></div></section>`;
}

export function renderHtml(c: Comparison, options: TableOptions = {}): string {
  const ideal = isIdealComparison(c);
  const plots = allPlots(c);
  // Ideal mode: the miss-ratio table and curve instead of kernel tables and time series.
  const summaryPlots = ideal ? plots.summary.filter((p) => p.name === 'miss-ratio-curve') : plots.summary;
  const workloads = c.workloads.map((w) => w.workload);
  const scoreRows = c.scores
    .map(
      (s) =>
        `<tr${s.status ? ' class="incomplete"' : ''}><td>${escapeHtml(s.label)}</td><td>${escapeHtml(formatPolicyScore(s))}</td>${workloads
          .map((w) => `<td>${escapeHtml(perWorkloadScore(s, w))}</td>`)
          .join('')}</tr>`,
    )
    .join('\n');
  const scoreHead = ['configuration', 'score', ...workloads].map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  // A deterministic ideal-mode replay needs one run; its unbounded interval is no caveat there.
  const caveats = c.caveats
    .filter((x) => !(ideal && /ran once; with n=1/.test(x)))
    .map((x) => `<p class="caveat">${escapeHtml(x)}</p>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(c.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(c.title)}</h1>
<p>${escapeHtml(c.description)}</p>
<p class="meta">Baseline: <strong>${escapeHtml(c.baseline)}</strong>; configurations: ${escapeHtml(c.labels.join(', '))}; workloads: ${escapeHtml(workloads.join(', '))}.</p>
<p class="legend">${escapeHtml(legend(c))}.</p>
</header>
<section id="summary"><h2>Summary</h2>
<p class="meta">Score: ${escapeHtml(c.score.description)}.</p>
<div class="wide"><table><thead><tr>${scoreHead}</tr></thead><tbody>
${scoreRows}
</tbody></table></div>
${caveats}
${summaryPlots.map(figure).join('\n')}
</section>
${ideal ? idealTable(c) : workloads.map((w) => workloadSection(c, w, plots.perWorkload.get(w) ?? [], options) + phaseSection(c, w)).join('\n')}
<section id="markdown"><h2>Markdown for a cover letter</h2>
<pre>${escapeHtml(ideal ? idealMarkdown(c) : renderMarkdown(c, options))}</pre>
</section>
</body>
</html>
`;
}
