import type { BaselineDiff, ConfidenceInterval } from '../stats/index.js';

/** Marks a difference whose interval excludes 0. Placed after ')' so Markdown never reads it as emphasis. */
export const SIGNIFICANT_MARK = '*';
/** Marks a metric whose counter semantics differ across the policies compared. */
export const SEMANTICS_MARK = '†';
/** Stands for the interval of a metric that was identical across seeds: nothing to estimate or test. */
export const IDENTICAL_MARK = '≡';

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

/**
 * The half-width to three significant digits, but never finer than the
 * mean's fourth significant digit: "1.23M ± 0.0000412" says nothing the mean
 * does not, so it prints "< 1k" (a bound at that resolution) instead.
 */
export function formatHalfWidth(ci: ConfidenceInterval): string {
  if (!Number.isFinite(ci.halfWidth)) return `∞ (n=${ci.n})`;
  if (ci.identical) return IDENTICAL_MARK;
  const hw = ci.halfWidth;
  if (hw === 0 || ci.mean === 0) return formatNumber(hw);
  const quantum = 10 ** (Math.floor(Math.log10(Math.abs(ci.mean))) - 3);
  if (hw < quantum) return `< ${formatNumber(quantum)}`;
  return formatNumber(hw);
}

/** "± 4.97", "≡" (identical across seeds) or "± ∞ (n=1)": what follows the mean. */
export function formatSpread(ci: ConfidenceInterval): string {
  return ci.identical ? IDENTICAL_MARK : `± ${formatHalfWidth(ci)}`;
}

/** "12 ± 4.97", or "12 ≡" when every seed gave 12. */
export function formatCi(ci: ConfidenceInterval): string {
  return `${formatNumber(ci.mean)} ${formatSpread(ci)}`;
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

/** What a run set that did not do the whole work is called in tables: "OOM-killed 2/3", "unfinished 1/3". */
export function formatIncomplete(x: { killed: number; unfinished: number; n: number }): string {
  const parts: string[] = [];
  if (x.killed > 0) parts.push(`OOM-killed ${x.killed}/${x.n}`);
  if (x.unfinished > 0) parts.push(`unfinished ${x.unfinished}/${x.n}`);
  return parts.join(', ');
}

/** A configuration's overall score, or why it has none ("OOM-killed: not scored"). */
export function formatPolicyScore(s: {
  score: number | undefined;
  status?: 'killed' | 'unfinished';
}): string {
  if (s.status === 'killed') return 'OOM-killed: not scored';
  if (s.status === 'unfinished') return 'unfinished: not scored';
  return formatScore(s.score);
}

export function formatLevel(level: number): string {
  return `${Math.round(level * 100)}%`;
}

export function arrow(direction: 'lower' | 'higher'): string {
  return direction === 'lower' ? '↓' : '↑';
}
