import {
  type ConfidenceInterval,
  confidenceInterval,
  type DiffInterval,
  diffInterval,
  SEMANTICS_CAVEAT,
} from '@reclaim-lab/harness';
import type { RunResult } from '@reclaim-lab/reclaim';
import type { KernelPhase } from './console.js';
import type { RealPolicy } from './qemu.js';

/**
 * Simulator beside kernel: per phase and metric, each world's mean and 95%
 * interval over the repeats, their ratio, and whether the LRU-vs-MGLRU
 * verdict (Welch interval of mglru − lru) has the same direction and
 * significance in both.
 */

/** A phase as the simulator's RunResult reports it (the lead's per-phase results). */
export interface SimPhase {
  task: string;
  phase: string;
  index: number;
  startNs: number;
  endNs: number;
  vmstat: Record<string, number>;
}

/** What the comparison reads from either world for one phase (or the whole run). */
export interface PhaseFigures {
  task: string;
  phase: string;
  index: number;
  seconds: number;
  /** /proc/vmstat-named deltas; for the kernel, memcg-scoped counters come from the workload root's memory.stat. */
  counters: Record<string, number>;
}

export interface RealMetric {
  name: string;
  /** Why the two worlds' figures do not mean the same thing, when they do not. */
  note?: string;
  /** Under MGLRU the kernel counts this differently (SEMANTICS_CAVEAT). */
  policyDependent?: boolean;
  get(f: PhaseFigures): number;
}

const c = (f: PhaseFigures, k: string) => f.counters[k] ?? 0;

export const REAL_METRICS: readonly RealMetric[] = [
  {
    name: 'pgscan',
    policyDependent: true,
    note: 'anon + file: both worlds count these for every kind of reclaim (the kswapd/direct split does not: the simulator leaves memcg limit reclaim out of it, as 6.1’s /proc/vmstat does)',
    get: (f) => c(f, 'pgscan_anon') + c(f, 'pgscan_file'),
  },
  { name: 'pgsteal', get: (f) => c(f, 'pgsteal_anon') + c(f, 'pgsteal_file') },
  { name: 'workingset_refault_file', policyDependent: true, get: (f) => c(f, 'workingset_refault_file') },
  { name: 'workingset_refault_anon', policyDependent: true, get: (f) => c(f, 'workingset_refault_anon') },
  { name: 'pgmajfault', get: (f) => c(f, 'pgmajfault') },
  {
    name: 'pswpin',
    note: 'swap readahead: the kernel reads vm.page-cluster neighbours from a disk; zram has none in either world',
    get: (f) => c(f, 'pswpin'),
  },
  { name: 'pswpout', get: (f) => c(f, 'pswpout') },
  { name: 'oom_kill', get: (f) => c(f, 'oom_kill') },
  {
    name: 'seconds',
    note: 'simulated time against the guest wall clock under TCG (software emulation, about 20-50x slower than a CPU)',
    get: (f) => f.seconds,
  },
];

/** Counters named in the report as meaning different things in the two worlds. */
export const SEMANTICS_NOTES: readonly string[] = [
  SEMANTICS_CAVEAT,
  'The guest runs the workload in a memcg whose memory.max is the machine memory, so its reclaim is memcg limit reclaim (direct, in the allocating task), where the simulator reclaims the whole machine with kswapd first: pgscan and pgsteal are compared as anon + file sums, which count every kind of reclaim in both worlds. Refaults and pgmajfault come from that memcg’s memory.stat (the workload alone); pgscan/pgsteal by type, pswpin, pswpout and oom_kill from /proc/vmstat.',
  'THP is off in the guest (the simulator has base pages only).',
  'Swap readahead (vm.page-cluster) reads neighbours on a disk swap device; zram bypasses the swap cache in both worlds.',
  'seconds: the simulator’s virtual time against the guest’s wall time under TCG; only counters are comparable in size, times only in direction.',
];

/** The figures of a kernel phase: memcg-scoped counters from the workload root, the rest from /proc/vmstat. */
export function kernelFigures(p: KernelPhase): PhaseFigures {
  const root = p.memcgs['/']?.stat ?? {};
  const counters: Record<string, number> = { ...p.vmstat };
  for (const k of [
    'pgscan_kswapd',
    'pgscan_direct',
    'pgsteal_kswapd',
    'pgsteal_direct',
    'workingset_refault_file',
    'workingset_refault_anon',
    'workingset_activate_file',
    'workingset_activate_anon',
    'pgmajfault',
    'pgfault',
    'pgactivate',
    'pgdeactivate',
    'pgrefill',
  ])
    if (root[k] !== undefined) counters[k] = root[k];
  return { task: p.task, phase: p.phase, index: p.index, seconds: (p.endNs - p.startNs) / 1e9, counters };
}

/** The simulator's per-phase results when its RunResult carries them, else undefined. */
export function simPhases(r: RunResult): SimPhase[] | undefined {
  const phases = (r as RunResult & { phases?: SimPhase[] }).phases;
  return Array.isArray(phases) && phases.length > 0 ? phases : undefined;
}

export function simFigures(p: SimPhase): PhaseFigures {
  return {
    task: p.task,
    phase: p.phase,
    index: p.index,
    seconds: (p.endNs - p.startNs) / 1e9,
    counters: p.vmstat,
  };
}

export function simWholeRun(r: RunResult): PhaseFigures {
  return { task: '(all)', phase: '(run)', index: 0, seconds: r.runtimeNs / 1e9, counters: r.counters };
}

export interface Verdict {
  /** mglru − lru as a share of lru (undefined when lru is 0 and mglru is not). */
  relative: number | undefined;
  direction: 'lower' | 'higher' | 'same';
  significant: boolean;
  interval: DiffInterval;
}

export interface ComparisonRow {
  /** "task/phase#index", or "(all)/(run)#0" for the whole run. */
  phase: string;
  metric: string;
  sim: Partial<Record<RealPolicy, ConfidenceInterval>>;
  kernel: Partial<Record<RealPolicy, ConfidenceInterval>>;
  /** kernel mean / simulator mean, per policy. */
  ratio: Partial<Record<RealPolicy, number>>;
  simVerdict?: Verdict;
  kernelVerdict?: Verdict;
  /** Both verdicts point the same way with the same significance. */
  agree?: boolean;
}

export interface RealComparison {
  scenario: string;
  kernel: string;
  release: string;
  seeds: number[];
  repeats: number;
  policies: RealPolicy[];
  /** Where the simulator's per-phase figures came from. */
  granularity: 'per-phase' | 'whole-run';
  granularityNote?: string;
  /** Smallest relative difference that counts as a verdict. */
  minEffect: number;
  rows: ComparisonRow[];
  agreement: { agree: number; total: number; line: string };
  semantics: string[];
}

/**
 * A difference counts as significant when its 95% Welch interval excludes 0
 * and it is at least `minEffect` of the lru figure: the kernel's counters
 * move by a percent or two run to run, and the deterministic simulator's
 * narrow intervals would otherwise call a 0.3% difference a verdict.
 */
export const MIN_EFFECT = 0.02;

function verdict(mglru: number[], lru: number[], minEffect: number): Verdict {
  const d = diffInterval(mglru, lru);
  const big = d.relative === undefined || Math.abs(d.relative) >= minEffect;
  return {
    relative: d.relative,
    direction: d.diff < 0 ? 'lower' : d.diff > 0 ? 'higher' : 'same',
    significant: d.significant && big,
    interval: d,
  };
}

const key = (f: PhaseFigures) => `${f.task}/${f.phase}#${f.index}`;

/** Keys of one run's phases; a phase met again (a task's `repeat`) gets its occurrence appended. */
function keys(run: PhaseFigures[]): string[] {
  const seen = new Map<string, number>();
  return run.map((f) => {
    const k = key(f);
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    return n === 0 ? k : `${k}.${n}`;
  });
}

/**
 * Builds the side-by-side table. `sim[policy][repeat]` and
 * `kernel[policy][repeat]` are each repeat's phases (or one whole-run entry).
 * Rows follow the kernel's phase order; a phase one world lacks (a task the
 * other world's OOM killer took) is left out.
 */
export function compareWorlds(input: {
  scenario: string;
  kernel: string;
  release: string;
  seeds: number[];
  policies: RealPolicy[];
  granularity: 'per-phase' | 'whole-run';
  granularityNote?: string;
  sim: Partial<Record<RealPolicy, PhaseFigures[][]>>;
  real: Partial<Record<RealPolicy, PhaseFigures[][]>>;
  minEffect?: number;
}): RealComparison {
  const minEffect = input.minEffect ?? MIN_EFFECT;
  const { policies } = input;
  const order: string[] = [];
  for (const p of policies)
    for (const rep of input.real[p] ?? []) for (const k of keys(rep)) if (!order.includes(k)) order.push(k);
  const pick = (runs: PhaseFigures[][] | undefined, k: string, m: RealMetric): number[] =>
    (runs ?? []).flatMap((rep) => {
      const ks = keys(rep);
      return rep.filter((_, i) => ks[i] === k).map((f) => m.get(f));
    });
  const rows: ComparisonRow[] = [];
  for (const k of order) {
    for (const m of REAL_METRICS) {
      const row: ComparisonRow = { phase: k, metric: m.name, sim: {}, kernel: {}, ratio: {} };
      const values: Partial<Record<RealPolicy, { sim: number[]; real: number[] }>> = {};
      for (const p of policies) {
        const sim = pick(input.sim[p], k, m);
        const real = pick(input.real[p], k, m);
        values[p] = { sim, real };
        if (sim.length > 0) row.sim[p] = confidenceInterval(sim);
        if (real.length > 0) row.kernel[p] = confidenceInterval(real);
        const s = row.sim[p]?.mean;
        const r = row.kernel[p]?.mean;
        if (s !== undefined && r !== undefined && s !== 0) row.ratio[p] = r / s;
      }
      if (row.sim.lru === undefined && row.kernel.lru === undefined) continue;
      const l = values.lru;
      const g = values.mglru;
      if (l && g && l.sim.length > 0 && g.sim.length > 0 && l.real.length > 0 && g.real.length > 0) {
        row.simVerdict = verdict(g.sim, l.sim, minEffect);
        row.kernelVerdict = verdict(g.real, l.real, minEffect);
        const sv = row.simVerdict;
        const kv = row.kernelVerdict;
        row.agree = sv.significant === kv.significant && (!sv.significant || sv.direction === kv.direction);
      }
      rows.push(row);
    }
  }
  // Counters that stayed 0 in both worlds agree trivially; they are not counted.
  const moved = (r: ComparisonRow) =>
    [...Object.values(r.sim), ...Object.values(r.kernel)].some((x) => x !== undefined && x.mean !== 0);
  const judged = rows.filter((r) => r.agree !== undefined && r.metric !== 'seconds' && moved(r));
  const agree = judged.filter((r) => r.agree).length;
  const disagree = judged.filter((r) => !r.agree).map((r) => `${r.metric}@${r.phase}`);
  const line =
    judged.length === 0
      ? rows.some((r) => r.agree !== undefined)
        ? 'agreement: no counter moved in either world (no reclaim): nothing to compare'
        : 'agreement: no LRU-vs-MGLRU verdicts (run both policies)'
      : `agreement: ${agree} of ${judged.length} LRU-vs-MGLRU verdicts on counters that moved have the same direction and significance in both worlds${disagree.length > 0 ? `; differ: ${disagree.slice(0, 8).join(', ')}${disagree.length > 8 ? ', …' : ''}` : ''}`;
  const semantics = [...SEMANTICS_NOTES];
  for (const m of REAL_METRICS) if (m.note) semantics.push(`${m.name}: ${m.note}`);
  return {
    scenario: input.scenario,
    kernel: input.kernel,
    release: input.release,
    seeds: input.seeds,
    repeats: input.seeds.length,
    policies,
    granularity: input.granularity,
    ...(input.granularityNote === undefined ? {} : { granularityNote: input.granularityNote }),
    minEffect,
    rows,
    agreement: { agree, total: judged.length, line },
    semantics,
  };
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return '∞';
  const a = Math.abs(x);
  if (a >= 100) return Math.round(x).toLocaleString('en-US');
  if (a >= 1) return x.toFixed(2);
  if (a === 0) return '0';
  return x.toPrecision(2);
}

function ci(c: ConfidenceInterval | undefined): string {
  if (c === undefined) return '-';
  if (c.n < 2) return fmt(c.mean);
  return `${fmt(c.mean)} ±${fmt(c.halfWidth)}`;
}

function verdictText(v: Verdict | undefined): string {
  if (v === undefined) return '-';
  if (v.direction === 'same') return '=';
  const rel =
    v.relative === undefined ? '' : ` ${v.relative > 0 ? '+' : ''}${(v.relative * 100).toFixed(0)}%`;
  return `${v.direction === 'lower' ? '↓' : '↑'}${rel}${v.significant ? '*' : ''}`;
}

/** An aligned plain-text table, one block per phase. */
export function renderRealComparison(cmp: RealComparison): string {
  const out: string[] = [];
  out.push(
    `${cmp.scenario}: simulator vs ${cmp.release} (${cmp.kernel}) under QEMU/TCG, ${cmp.repeats} repeat(s), seeds ${cmp.seeds.join(',')}`,
  );
  if (cmp.granularityNote) out.push(`note: ${cmp.granularityNote}`);
  const head = ['metric'];
  for (const p of cmp.policies) head.push(`sim ${p}`, `kernel ${p}`, 'k/s');
  if (cmp.policies.length === 2) head.push('sim mglru−lru', 'kernel mglru−lru', 'agree');
  let current = '';
  const table: string[][] = [];
  const flush = () => {
    if (table.length === 0) return;
    const widths = head.map((_, i) => Math.max(...[head, ...table].map((r) => (r[i] ?? '').length)));
    const line = (r: string[]) =>
      r.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
    out.push(line(head));
    for (const r of table) out.push(line(r));
    table.length = 0;
  };
  for (const r of cmp.rows) {
    if (r.phase !== current) {
      flush();
      current = r.phase;
      out.push('', `phase ${r.phase}`);
    }
    const m = REAL_METRICS.find((x) => x.name === r.metric);
    const cells = [`${r.metric}${m?.policyDependent ? '†' : ''}`];
    for (const p of cmp.policies) {
      const ratio = r.ratio[p];
      cells.push(ci(r.sim[p]), ci(r.kernel[p]), ratio === undefined ? '-' : `${fmt(ratio)}x`);
    }
    if (cmp.policies.length === 2)
      cells.push(
        verdictText(r.simVerdict),
        verdictText(r.kernelVerdict),
        r.agree === undefined ? '-' : r.agree ? 'yes' : 'NO',
      );
    table.push(cells);
  }
  flush();
  out.push(
    '',
    cmp.agreement.line,
    '',
    `* significant: the 95% Welch interval excludes 0 and the difference is at least ${(cmp.minEffect * 100).toFixed(0)}%; † counted differently under MGLRU`,
  );
  for (const s of cmp.semantics) out.push(`- ${s}`);
  return `${out.join('\n')}\n`;
}

/** The kernel's per-phase counters of each run, as the `real` command prints them. */
export function renderKernelPhases(
  runs: { policy: RealPolicy; seed: number; phases: PhaseFigures[] }[],
  metrics: string[] = [
    'pgscan_anon',
    'pgscan_file',
    'pgsteal_anon',
    'pgsteal_file',
    'workingset_refault_file',
    'workingset_refault_anon',
    'pgmajfault',
    'pswpin',
    'pswpout',
    'oom_kill',
  ],
): string {
  const head = ['policy', 'seed', 'phase', 'seconds', ...metrics];
  const rows = runs.flatMap((r) =>
    r.phases.map((f) => [
      r.policy,
      String(r.seed),
      key(f),
      f.seconds.toFixed(2),
      ...metrics.map((m) => String(f.counters[m] ?? 0)),
    ]),
  );
  const widths = head.map((_, i) => Math.max(...[head, ...rows].map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((x, i) => (i < 3 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
  return `${[line(head), ...rows.map(line)].join('\n')}\n`;
}
