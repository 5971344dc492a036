import type { Comparison } from '../stats/index.js';
import { formatLevel, formatPolicyScore, formatScore, SEMANTICS_MARK } from './format.js';
import { PHASE_COLUMNS, phaseCells, phaseRows } from './phases.js';
import { columnTitle, legend, seedsText, type TableOptions, workloadTable } from './table.js';

function escapeCell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

/** A pipe table padded so it also reads as plain text in an email. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows].map((r) => r.map(escapeCell));
  const widths = header.map((_, i) => Math.max(3, ...all.map((r) => [...(r[i] ?? '')].length)));
  const line = (r: readonly string[]) =>
    `| ${r.map((cell, i) => cell + ' '.repeat(widths[i] - [...cell].length)).join(' | ')} |`;
  return [
    line(all[0]),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...all.slice(1).map(line),
  ].join('\n');
}

/** A configuration's score on one workload, or what kept it from having one. */
export function perWorkloadScore(
  s: { perWorkload: Record<string, number | undefined>; incomplete: { workload: string; status: string }[] },
  workload: string,
): string {
  const x = s.incomplete.find((i) => i.workload === workload);
  if (x) return x.status === 'killed' ? 'OOM-killed' : 'unfinished';
  return formatScore(s.perWorkload[workload]);
}

/**
 * Markdown for a patch cover letter: per-workload tables of mean ± half-width
 * with differences vs the baseline, the number of seeds, the confidence level,
 * the overall score, and the counter-semantics caveat.
 */
export function renderMarkdown(c: Comparison, options: TableOptions = {}): string {
  const lvl = formatLevel(c.level);
  const out: string[] = [`## ${c.title}`, '', c.description, ''];
  out.push(`Baseline: \`${c.baseline}\`. Confidence level: ${lvl}. Legend: ${legend(c)}.`);

  for (const w of c.workloads) {
    const t = workloadTable(w, options);
    const ns = [...new Set(t.columns.map((k) => k.n))];
    const seeds = seedsText(t.columns.flatMap((k) => k.seeds));
    const nText = ns.length === 1 ? `n = ${ns[0]} seeds per configuration` : `n = ${ns.join('/')} seeds`;
    out.push('', `### ${w.workload} (${nText}, ${seeds}, ${lvl} CI)`, '');
    const header = ['metric', 'unit', 'better', ...t.columns.map((k) => columnTitle(k, ns.length !== 1))];
    const rows = t.rows.map((r) => [
      r.name,
      r.unit,
      r.direction,
      ...r.cells.map((cell) => [cell.value, cell.diff].filter(Boolean).join(' ')),
    ]);
    out.push(markdownTable(header, rows));
    if (t.omittedZero.length > 0)
      out.push('', `Zero for every configuration (omitted): ${t.omittedZero.join(', ')}.`);
    const phases = phaseRows(c, w.workload);
    if (phases.length > 0)
      out.push(
        '',
        `Per phase (means over seeds; vmstat changes between the phase's boundaries):`,
        '',
        markdownTable(PHASE_COLUMNS, phases.map(phaseCells)),
      );
  }

  out.push('', `### Overall score`, '', `${c.score.description}.`, '');
  const workloads = c.workloads.map((w) => w.workload);
  out.push(
    markdownTable(
      ['configuration', 'score', ...workloads],
      c.scores.map((s) => [s.label, formatPolicyScore(s), ...workloads.map((w) => perWorkloadScore(s, w))]),
    ),
  );

  if (c.caveats.length > 0) {
    out.push('');
    for (const caveat of c.caveats) {
      out.push(`> ${caveat.startsWith('Counter semantics') ? `${SEMANTICS_MARK} ` : ''}${caveat}`, '>');
    }
    out.pop();
  }
  return `${out.join('\n')}\n`;
}
