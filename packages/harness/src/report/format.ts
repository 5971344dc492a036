import type { BaselineDiff, ConfidenceInterval } from '../stats/index.js';

/** Marks a difference whose interval excludes 0. Placed after ')' so Markdown never reads it as emphasis. */
export const SIGNIFICANT_MARK = '*';
/** Marks a metric whose counter semantics differ across the policies compared. */
export const SEMANTICS_MARK = '†';

const SUFFIXES: readonly [number, string][] = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
];

function trimZeros(s: string): string {
  return s.includes('.') && !s.includes('e') ? s.replace(/\.?0+$/, '') : s;
}

/** Three significant digits with k/M/G suffixes: compact enough for a terminal column. */
export function formatNumber(x: number): string {
  if (Number.isNaN(x)) return 'n/a';
  if (x === Number.POSITIVE_INFINITY) return '∞';
  if (x === Number.NEGATIVE_INFINITY) return '-∞';
  if (x === 0) return '0';
  const abs = Math.abs(x);
  for (const [scale, suffix] of SUFFIXES) {
    if (abs >= scale) return `${trimZeros((x / scale).toPrecision(3))}${suffix}`;
  }
  if (abs < 1e-3) return x.toExponential(2);
  return trimZeros(x.toPrecision(3));
}

export function formatHalfWidth(ci: ConfidenceInterval): string {
  return Number.isFinite(ci.halfWidth) ? formatNumber(ci.halfWidth) : `∞ (n=${ci.n})`;
}

/** "12 ± 4.97" */
export function formatCi(ci: ConfidenceInterval): string {
  return `${formatNumber(ci.mean)} ± ${formatHalfWidth(ci)}`;
}

export function formatPercent(rel: number): string {
  const p = rel * 100;
  const s = p.toFixed(Math.abs(p) >= 10 ? 0 : 1);
  // toFixed can yield "-0.0"; a rounded zero gets no sign.
  if (Number(s) === 0) return `${s.replace('-', '')}%`;
  return `${p > 0 ? '+' : ''}${s}%`;
}

/** "(-10.6%)*": relative difference vs the baseline, or the absolute one when the baseline mean is 0. */
export function formatDiff(d: BaselineDiff): string {
  const body =
    d.relative !== undefined ? formatPercent(d.relative) : `${d.diff > 0 ? '+' : ''}${formatNumber(d.diff)}`;
  return `(${body})${d.significant ? SIGNIFICANT_MARK : ''}`;
}

export function formatScore(score: number | undefined): string {
  return score === undefined ? 'n/a' : score.toFixed(3);
}

export function formatLevel(level: number): string {
  return `${Math.round(level * 100)}%`;
}

export function arrow(direction: 'lower' | 'higher'): string {
  return direction === 'lower' ? '↓' : '↑';
}
