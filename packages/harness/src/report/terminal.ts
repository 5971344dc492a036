import pc from 'picocolors';
import type { Comparison, Verdict } from '../stats/index.js';
import { arrow, formatLevel, formatPolicyScore, SEMANTICS_MARK } from './format.js';
import { columnTitle, legend, type TableOptions, workloadTable } from './table.js';

export interface TerminalOptions extends TableOptions {
  /** Emit ANSI colours; pass `stream.isTTY === true` so pipes and files stay plain. */
  color: boolean;
}

type Paint = (s: string) => string;
type Align = 'left' | 'right';

/** One table cell made of sub-columns, so "±" and "(Δ)" line up down a column. */
interface Cell {
  parts: { text: string; align: Align; paint?: Paint }[];
  /** A header: one text across all of the column's sub-columns. */
  span?: boolean;
}

const plain = (text: string, align: Align = 'left', paint?: Paint): Cell => ({
  parts: [{ text, align, ...(paint ? { paint } : {}) }],
});

const len = (s: string): number => [...s].length;

function pad(text: string, width: number, align: Align, paint?: Paint): string {
  const fill = ' '.repeat(Math.max(0, width - len(text)));
  // Paint only the text, after measuring, so escape codes never skew widths.
  const shown = paint && text ? paint(text) : text;
  return align === 'right' ? fill + shown : shown + fill;
}

function renderGrid(rows: Cell[][], gap = '  '): string[] {
  const widths: number[][] = [];
  for (const row of rows) {
    row.forEach((cell, ci) => {
      widths[ci] ??= [];
      if (cell.span) return;
      cell.parts.forEach((p, pi) => {
        widths[ci][pi] = Math.max(widths[ci][pi] ?? 0, len(p.text));
      });
    });
  }
  const total = (ci: number) => widths[ci].reduce((s, w) => s + w, 0) + widths[ci].length - 1;
  // A spanning header wider than its sub-columns widens the last one.
  for (const row of rows) {
    row.forEach((cell, ci) => {
      if (!cell.span) return;
      if (widths[ci].length === 0) widths[ci].push(0);
      const extra = len(cell.parts[0].text) - total(ci);
      if (extra > 0) widths[ci][widths[ci].length - 1] += extra;
    });
  }
  return rows.map((row) =>
    row
      .map((cell, ci) => {
        if (cell.span) {
          const p = cell.parts[0];
          return pad(p.text, total(ci), p.align, p.paint);
        }
        return widths[ci]
          .map((w, pi) => {
            const p = cell.parts[pi] ?? { text: '', align: 'left' as const };
            return pad(p.text, w, p.align, p.paint);
          })
          .join(' ');
      })
      .join(gap)
      .trimEnd(),
  );
}

/**
 * A compact aligned table per workload for a terminal: mean ± half-width per
 * configuration, the difference vs the baseline with a significance mark,
 * the overall score and a legend line.
 */
export function renderTerminal(c: Comparison, options: TerminalOptions): string {
  const col = pc.createColors(options.color);
  const verdictPaint: Record<Verdict, Paint> = { better: col.green, worse: col.red, unchanged: col.dim };
  const out: string[] = [col.bold(c.title)];

  for (const w of c.workloads) {
    const t = workloadTable(w, options);
    out.push(
      '',
      `${col.bold(`workload ${w.workload}`)}  ${col.dim(`baseline ${c.baseline}, ${formatLevel(c.level)} CI`)}`,
    );
    const header: Cell[] = [
      plain('metric', 'left', col.bold),
      plain('unit', 'left', col.bold),
      plain(''),
      ...t.columns.map(
        (k): Cell => ({ ...plain(columnTitle(k), 'left', k.status ? col.red : col.bold), span: true }),
      ),
    ];
    const body = t.rows.map((r): Cell[] => [
      r.semanticsDiffer
        ? {
            parts: [
              {
                text: r.name,
                align: 'left',
                paint: (s) => s.replace(SEMANTICS_MARK, col.yellow(SEMANTICS_MARK)),
              },
            ],
          }
        : plain(r.name),
      plain(r.unit, 'left', col.dim),
      plain(arrow(r.direction), 'left', col.dim),
      ...r.cells.map((cell): Cell => {
        const paint = cell.verdict ? verdictPaint[cell.verdict] : undefined;
        return {
          parts: [
            { text: cell.mean, align: 'right' },
            { text: cell.spread, align: 'left', paint: col.dim },
            { text: cell.diff, align: 'right', ...(paint ? { paint } : {}) },
          ],
        };
      }),
    ]);
    out.push(...renderGrid([header, ...body]));
    if (t.omittedZero.length > 0) out.push(col.dim(`0 everywhere: ${t.omittedZero.join(', ')}`));
  }

  out.push(
    '',
    `${col.bold('score')} ${col.dim(`(${c.score.description})`)}`,
    `  ${c.scores.map((s) => `${s.label} ${s.status ? col.red(formatPolicyScore(s)) : formatPolicyScore(s)}`).join('   ')}`,
    '',
    col.dim(`legend: ${legend(c)}`),
  );
  for (const caveat of c.caveats) out.push(col.yellow(`note: ${caveat}`));
  return `${out.join('\n')}\n`;
}
