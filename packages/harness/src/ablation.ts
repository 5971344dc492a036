import type { RunResult } from '@reclaim-lab/reclaim';
import { getPolicyFactory, parsePolicySpec } from './policies.js';
import { loadPolicySpecs } from './policy-loader.js';
import {
  formatLevel,
  formatNumber,
  formatPercent,
  formatPolicyScore,
  SIGNIFICANT_MARK,
} from './report/format.js';
import { markdownTable } from './report/markdown.js';
import type { Scenario } from './scenario.js';
import {
  type BaselineDiff,
  type CompareCell,
  type Comparison,
  type ConfidenceInterval,
  compare,
  type MetricInfo,
  metricInfo,
} from './stats/index.js';
import { cellId, parseCellFile } from './sweep/cell.js';
import { loadSweepDirs } from './sweep/merge.js';
import type { CellRunner } from './sweep/pool.js';
import { executeCells, type PlannedTask, runSweep, type SweepProgress } from './sweep/run.js';
import { makePlan, type SweepCell, type SweepPlan } from './sweep/spec.js';
import { getWorkload, listWorkloads, WorkloadSpecError } from './workload/index.js';

/**
 * Ablation: what each mechanism of a policy is worth. Every toggle is a
 * boolean option of the policy, or one with exactly two values (its schema's
 * `choices`; "on" is the second, e.g. `refault=gen`). We run the policy as given (the base), each
 * toggle flipped alone ("single"), every toggle flipped but one
 * ("leave-one-out"), and every toggle flipped, over the same workloads and
 * seeds. A toggle's effect is reported as the difference *with the option
 * on minus with it off*, so for MGLRU (mechanisms on by default) "single"
 * measures removing one mechanism from the full policy, and
 * "leave-one-out" measures one mechanism alone against none; for LRU with
 * a mechanism it lacks by default, the same rows measure adding it.
 * Intervals and significance come from stats/compare (Welch, per workload).
 */
export class AblationError extends Error {}

export type AblationMode = 'single' | 'leave-one-out';

/** Refaults, major faults, scanning cost (pages, PTEs, rmap walks, CPU) and runtime. */
export const ABLATION_METRICS: readonly string[] = [
  'refaults',
  'pgmajfault',
  'pgscan',
  'pt_walk_ptes',
  'rmap_walks',
  'reclaim_cpu_ms',
  'runtime_ms',
];

export interface AblationInput {
  /** The base policy spec ("mglru", "mglru:2gen", "lru"). */
  policy: string;
  /** Boolean options of that policy to flip. */
  toggles: readonly string[];
  /** Workload ids; "suite" stands for every built-in preset. */
  workloads: readonly string[];
  seeds: number;
  /** Machine, params, mode, first seed; its workload and policy are replaced. */
  base: Scenario;
  metrics?: readonly string[];
  /** Confidence level (default 0.95). */
  level?: number;
}

export interface AblationToggle {
  name: string;
  /** The option's value in the base policy. */
  base: boolean;
  doc?: string;
}

export interface AblationConfig {
  label: string;
  spec: string;
  /** Toggles flipped from the base. */
  flipped: string[];
}

export interface AblationEffect {
  metric: string;
  info: MetricInfo;
  /** With the option on. */
  on?: ConfidenceInterval;
  /** With the option off. */
  off?: ConfidenceInterval;
  /** on − off, with its interval and verdict; absent when either side lacks the metric or did not do the whole work. */
  effect?: BaselineDiff;
  /** Runs of either side were OOM-killed or unfinished: they did different work, so no effect is taken. */
  notCompared?: 'killed' | 'unfinished';
}

export interface AblationRow {
  toggle: string;
  mode: AblationMode;
  /** Configuration labels with the option on and off. */
  on: string;
  off: string;
  /** What the other toggles are set to in this pair. */
  context: string;
  workloads: { workload: string; effects: AblationEffect[] }[];
  /** Geometric mean of on/off ratios over the key metrics and workloads, > 1 = turning it on is better. */
  score: number | undefined;
  /** Either side had an OOM-killed or unfinished run: the pair gets no score. */
  status?: 'killed' | 'unfinished';
  /** Significant verdicts over the rows' workloads × metrics. */
  better: number;
  worse: number;
}

export interface Ablation {
  policy: string;
  /** The factory's name (counter semantics are the same across the configurations). */
  policyName: string;
  toggles: AblationToggle[];
  configs: AblationConfig[];
  workloads: string[];
  seeds: number[];
  level: number;
  metrics: string[];
  rows: AblationRow[];
  /** Every configuration against the base, for the full reports. */
  comparison: Comparison;
}

export interface AblationSetup {
  input: AblationInput;
  policyName: string;
  toggles: AblationToggle[];
  configs: AblationConfig[];
  workloads: string[];
  seeds: number[];
  metrics: string[];
  /** The cells: workloads × configurations × seeds. */
  plan: SweepPlan;
  pairs: { toggle: string; mode: AblationMode; on: AblationConfig; off: AblationConfig; context: string }[];
}

/** The option's two values when it is a two-way string option (off, on), else null. */
function twoWay(policy: string, option: string): readonly [string, string] | null {
  const spec = parsePolicySpec(policy);
  const o = getPolicyFactory(spec.module ?? spec.name).optionSchema?.[option];
  const choices = o?.type === 'string' ? o.choices : undefined;
  return choices && choices.length === 2 ? [String(choices[0]), String(choices[1])] : null;
}

function optionText(policy: string, k: string, on: boolean): string {
  const two = twoWay(policy, k);
  return `${k}=${two ? two[on ? 1 : 0] : on ? 'on' : 'off'}`;
}

function withOptions(spec: string, values: [string, boolean][]): string {
  if (values.length === 0) return spec;
  const text = values.map(([k, on]) => optionText(spec, k, on)).join(',');
  return `${spec}${spec.includes(':') ? ',' : ':'}${text}`;
}

/**
 * What can be toggled, from the factory's defaults: the boolean options and
 * the string options with exactly two allowed values.
 */
export function policyToggles(policy: string): string[] {
  const spec = parsePolicySpec(policy);
  return Object.entries(getPolicyFactory(spec.module ?? spec.name).defaults)
    .filter(([k, d]) => typeof d === 'boolean' || (typeof d === 'string' && twoWay(policy, k) !== null))
    .map(([k]) => k);
}

/** Expand "suite" and check each id against the presets. */
function resolveWorkloads(ids: readonly string[], base: Scenario): string[] {
  const all = listWorkloads().map((w) => w.id);
  const out = [...new Set(ids.flatMap((id) => (id === 'suite' ? all : [id])))];
  if (out.length === 0) throw new AblationError('--workloads: name at least one workload id, or "suite"');
  for (const id of out) {
    try {
      getWorkload(id, base.params);
    } catch (e) {
      const why =
        e instanceof WorkloadSpecError
          ? e.issues
              .map((i) => (i.path && i.path !== 'id' ? `${i.path}: ${i.message}` : i.message))
              .join('; ')
          : String(e);
      throw new AblationError(`--workloads ${id}: ${why}`);
    }
  }
  return out;
}

/**
 * The configurations and cells of an ablation, checked: unknown toggles are
 * errors that list the policy's boolean options. Policy modules must be
 * loaded first (`runAblation` does it).
 */
export function planAblation(input: AblationInput): AblationSetup {
  const spec = parsePolicySpec(input.policy);
  const factory = getPolicyFactory(spec.module ?? spec.name);
  const booleans = policyToggles(input.policy);
  const toggles = [...input.toggles];
  if (toggles.length === 0) {
    throw new AblationError(
      `--toggle: name at least one; policy ${factory.name} has the toggles ${booleans.join(', ') || '(none)'}`,
    );
  }
  for (const t of toggles) {
    if (!booleans.includes(t)) {
      const has = booleans.length
        ? `its toggles (boolean or two-valued options) are: ${booleans.join(', ')}`
        : 'it has no boolean or two-valued options to toggle';
      throw new AblationError(`policy ${factory.name} has no two-way option "${t}"; ${has}`);
    }
  }
  const dup = toggles.find((t, i) => toggles.indexOf(t) !== i);
  if (dup !== undefined) throw new AblationError(`--toggle: ${dup} is named twice`);
  if (!Number.isInteger(input.seeds) || input.seeds < 1)
    throw new AblationError(`--seeds: expected an integer >= 1, got ${input.seeds}`);

  // "On" for a two-valued option is its second value.
  const isOn = (t: string) => {
    const two = twoWay(input.policy, t);
    return two ? spec.options[t] === two[1] : spec.options[t] === true;
  };
  const baseValue = new Map(toggles.map((t) => [t, isOn(t)]));
  const flipLabel = (t: string) =>
    twoWay(input.policy, t)
      ? optionText(input.policy, t, !baseValue.get(t))
      : `${baseValue.get(t) ? '-' : '+'}${t}`;
  const config = (flipped: string[]): AblationConfig => {
    const sorted = toggles.filter((t) => flipped.includes(t));
    const label = [input.policy, ...sorted.map(flipLabel)].join(' ');
    return {
      label,
      spec: withOptions(
        input.policy,
        sorted.map((t) => [t, !baseValue.get(t)]),
      ),
      flipped: sorted,
    };
  };
  const base = config([]);
  const all = config(toggles);
  const pairs: AblationSetup['pairs'] = [];
  const orient = (toggle: string, withBase: AblationConfig, flipped: AblationConfig) =>
    baseValue.get(toggle) ? { on: withBase, off: flipped } : { on: flipped, off: withBase };
  for (const t of toggles) {
    pairs.push({
      toggle: t,
      mode: 'single',
      ...orient(t, base, config([t])),
      context: `other toggles as in ${input.policy}`,
    });
  }
  for (const t of toggles) {
    const others = toggles.filter((x) => x !== t);
    pairs.push({
      toggle: t,
      mode: 'leave-one-out',
      ...orient(t, config(others), all),
      context: others.length ? `${others.join(', ')} flipped` : 'no other toggle',
    });
  }
  const configs: AblationConfig[] = [];
  for (const c of [base, ...pairs.flatMap((p) => [p.on, p.off]), all]) {
    if (!configs.some((x) => x.label === c.label)) configs.push(c);
  }
  // Fail on a bad spec now, not in a worker.
  for (const c of configs) parsePolicySpec(c.spec);

  const workloads = resolveWorkloads(input.workloads, input.base);
  const seeds = Array.from({ length: input.seeds }, (_, i) => input.base.seed + i);
  const cells: SweepCell[] = [];
  const { name: _name, ...scenarioBase } = input.base;
  for (const workload of workloads) {
    for (const c of configs) {
      for (const seed of seeds) {
        const scenario: Scenario = { ...scenarioBase, workload, policy: c.spec, seed, seeds: 1 };
        cells.push({
          id: cellId({ scenario }),
          index: cells.length,
          group: workload,
          config: c.label,
          seed,
          scenario,
        });
      }
    }
  }
  const metrics = [...(input.metrics ?? ABLATION_METRICS)];
  for (const m of metrics)
    if (!metricInfo(m)) throw new AblationError(`metric ${m}: not in the metric catalogue`);
  const plan = makePlan({
    name: `ablate-${factory.name}`,
    description: `Ablation of ${input.policy}: toggles ${toggles.join(', ')}.`,
    baseline: base.label,
    groups: workloads,
    configs: configs.map((c) => c.label),
    seeds,
    axes: [
      { path: 'workload', role: 'env', labels: workloads },
      { path: 'policy', role: 'config', labels: configs.map((c) => c.label) },
    ],
    cells,
  });
  return {
    input,
    policyName: factory.name,
    toggles: toggles.map((t) => ({
      name: t,
      base: baseValue.get(t) === true,
      ...(factory.optionDocs?.[t] ? { doc: String(factory.optionDocs[t]) } : {}),
    })),
    configs,
    workloads,
    seeds,
    metrics,
    plan,
    pairs,
  };
}

/** Turn the runs of an ablation into rows of effects with intervals. */
export function analyzeAblation(setup: AblationSetup, results: ReadonlyMap<string, RunResult>): Ablation {
  const level = setup.input.level ?? 0.95;
  // One algorithm throughout: its counters mean the same in every configuration.
  const runs = (config: string, workload: string): RunResult[] =>
    setup.plan.cells
      .filter((c) => c.config === config && c.group === workload)
      .map((c) => results.get(c.id))
      .filter((r): r is RunResult => r !== undefined)
      .map((r) => ({ ...r, policy: setup.policyName }));
  const cellsFor = (labels: readonly string[]): CompareCell[] =>
    setup.workloads.flatMap((w) => labels.map((label) => ({ label, workload: w, results: runs(label, w) })));

  const rows: AblationRow[] = setup.pairs.map((p) => {
    const c = compare(cellsFor([p.off.label, p.on.label]), p.off.label, { level });
    let better = 0;
    let worse = 0;
    const workloads = c.workloads.map((wc) => {
      const oi = wc.columns.findIndex((k) => k.label === p.on.label);
      const fi = wc.columns.findIndex((k) => k.label === p.off.label);
      const effects = setup.metrics.map((metric): AblationEffect => {
        const info = metricInfo(metric) as MetricInfo;
        const row = wc.rows.find((r) => r.metric === metric);
        const on = oi >= 0 ? row?.cells[oi] : undefined;
        const off = fi >= 0 ? row?.cells[fi] : undefined;
        if (on?.vsBaseline?.verdict === 'better') better++;
        if (on?.vsBaseline?.verdict === 'worse') worse++;
        return {
          metric,
          info,
          ...(on?.ci ? { on: on.ci } : {}),
          ...(off?.ci ? { off: off.ci } : {}),
          ...(on?.vsBaseline ? { effect: on.vsBaseline } : {}),
          ...(on?.notCompared ? { notCompared: on.notCompared } : {}),
        };
      });
      return { workload: wc.workload, effects };
    });
    const onScore = c.scores.find((s) => s.label === p.on.label);
    const offScore = c.scores.find((s) => s.label === p.off.label);
    const status = [onScore?.status, offScore?.status].includes('killed')
      ? 'killed'
      : (onScore?.status ?? offScore?.status);
    const score = status === undefined ? onScore?.score : undefined;
    return {
      toggle: p.toggle,
      mode: p.mode,
      on: p.on.label,
      off: p.off.label,
      context: p.context,
      workloads,
      score,
      ...(status ? { status } : {}),
      better,
      worse,
    };
  });

  const labels = setup.configs.map((x) => x.label);
  const comparison = compare(cellsFor(labels), labels[0], {
    level,
    title: `ablation of ${setup.input.policy}: ${setup.toggles.map((t) => t.name).join(', ')}`,
    description:
      `${setup.input.policy} with each toggle flipped alone, all but one flipped, and all flipped, on ` +
      `${setup.workloads.join(', ')}; ${setup.seeds.length} seed(s) from ${setup.seeds[0]}, machine memory ` +
      `${setup.input.base.machine.memory}, mode ${setup.input.base.mode}.`,
  });
  return {
    policy: setup.input.policy,
    policyName: setup.policyName,
    toggles: setup.toggles,
    configs: setup.configs,
    workloads: setup.workloads,
    seeds: setup.seeds,
    level,
    metrics: setup.metrics,
    rows,
    comparison,
  };
}

export interface AblationRunOptions {
  /** Worker processes or threads (default one per core); 0 = in this thread. */
  workers?: number;
  runner?: CellRunner;
  /** Keep the cells (and `sweep.json`) here: a rerun resumes, and `reclaim-lab merge DIR` rebuilds the comparison. */
  out?: string;
  signal?: AbortSignal;
  onProgress?: (p: SweepProgress) => void;
}

/** Plan, run (on the sweep pool) and analyse an ablation. */
export async function runAblation(input: AblationInput, options: AblationRunOptions = {}): Promise<Ablation> {
  await loadPolicySpecs([input.policy]);
  const setup = planAblation(input);
  const exec = {
    workers: options.workers,
    runner: options.runner,
    signal: options.signal,
    onProgress: options.onProgress,
  };
  let results: Map<string, RunResult>;
  if (options.out !== undefined) {
    const summary = await runSweep(setup.plan, { ...exec, out: options.out });
    if (summary.failed.length > 0) throw failure(summary.failed);
    if (summary.aborted) throw new AblationError('ablation aborted; rerun the same command to finish it');
    results = (await loadSweepDirs([options.out])).results;
  } else {
    const tasks = setup.plan.cells.map(
      (c): PlannedTask => ({
        id: c.id,
        label: `${c.group} | ${c.config} | seed ${c.seed}`,
        scenario: c.scenario,
      }),
    );
    const r = await executeCells(tasks, exec);
    if (r.failed.length > 0) throw failure(r.failed);
    if (r.aborted) throw new AblationError('ablation aborted');
    results = new Map(
      [...r.texts].map(([id, text]) => [id, (parseCellFile(text) as { result: RunResult }).result]),
    );
  }
  return analyzeAblation(setup, results);
}

function failure(failed: { label: string; message: string }[]): AblationError {
  return new AblationError(`${failed.length} run(s) failed; first: ${failed[0].label}: ${failed[0].message}`);
}

/** "-12.3% [-15.0%, -9.6%]*": relative to the off side, or absolute when its mean is 0. */
export function formatEffect(e: AblationEffect): string {
  const d = e.effect;
  if (e.notCompared)
    return e.notCompared === 'killed' ? 'not compared (OOM-killed)' : 'not compared (unfinished)';
  if (d === undefined || e.off === undefined) return 'n/a';
  const mark = d.significant ? SIGNIFICANT_MARK : '';
  const base = Math.abs(e.off.mean);
  if (base > 0) {
    const lo = Number.isFinite(d.lo) ? formatPercent(d.lo / base) : '-∞';
    const hi = Number.isFinite(d.hi) ? formatPercent(d.hi / base) : '∞';
    return `${formatPercent(d.diff / base)} [${lo}, ${hi}]${mark}`;
  }
  const sign = (x: number) => (x > 0 ? `+${formatNumber(x)}` : formatNumber(x));
  return `${sign(d.diff)} [${Number.isFinite(d.lo) ? sign(d.lo) : '-∞'}, ${Number.isFinite(d.hi) ? sign(d.hi) : '∞'}]${mark}`;
}

function tableFor(a: Ablation, workload: string): { header: string[]; rows: string[][] } {
  const header = ['toggle', 'mode', 'on vs off', ...a.metrics];
  const rows = a.rows.map((r) => {
    const w = r.workloads.find((x) => x.workload === workload);
    return [
      r.toggle,
      r.mode,
      `${r.on} vs ${r.off}`,
      ...a.metrics.map((m) => {
        const e = w?.effects.find((x) => x.metric === m);
        return e ? formatEffect(e) : 'n/a';
      }),
    ];
  });
  return { header, rows };
}

function intro(a: Ablation): string[] {
  return [
    `Effect of turning each option on (on − off, relative to off) with its ${formatLevel(a.level)} interval; ` +
      `${SIGNIFICANT_MARK} = the interval excludes 0. single: the other toggles as in ${a.policy}; ` +
      'leave-one-out: every other toggle flipped.',
    `Seeds: ${a.seeds.length} (${a.seeds[0]}..${a.seeds[a.seeds.length - 1]}). Metrics, lower is better except where marked: ` +
      a.metrics.map((m) => `${m}${metricInfo(m)?.direction === 'higher' ? ' ↑' : ''}`).join(', ') +
      '.',
  ];
}

function scoreLines(a: Ablation): string[][] {
  return a.rows.map((r) => [r.toggle, r.mode, formatPolicyScore(r), String(r.better), String(r.worse)]);
}

function plainTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => [...(r[i] ?? '')].length)));
  return all.map((r) =>
    r
      .map((c, i) => c + ' '.repeat(widths[i] - [...c].length))
      .join('  ')
      .trimEnd(),
  );
}

/** Plain text for a terminal (no colour codes: the marks carry the meaning). */
export function renderAblationText(a: Ablation): string {
  const out = [
    `ablation of ${a.policy}: ${a.toggles.map((t) => `${t.name} (base ${t.base ? 'on' : 'off'})`).join(', ')}`,
    ...intro(a),
  ];
  for (const w of a.workloads) {
    const t = tableFor(a, w);
    out.push('', `workload ${w}`, ...plainTable(t.header, t.rows));
  }
  out.push('', 'score of turning each option on (geometric mean of key-metric ratios, higher is better)');
  out.push(...plainTable(['toggle', 'mode', 'score', 'better', 'worse'], scoreLines(a)));
  return `${out.join('\n')}\n`;
}

export function renderAblationMarkdown(a: Ablation): string {
  const out = [`## Ablation of \`${a.policy}\``, '', ...intro(a)];
  for (const w of a.workloads) {
    const t = tableFor(a, w);
    out.push('', `### ${w}`, '', markdownTable(t.header, t.rows));
  }
  out.push(
    '',
    '### Scores',
    '',
    markdownTable(['toggle', 'mode', 'score', 'better', 'worse'], scoreLines(a)),
  );
  return `${out.join('\n')}\n`;
}

/** The ablation as JSON: rows with every interval (unbounded ones as null), without the full comparison. */
export function renderAblationJson(a: Ablation): string {
  const { comparison: _c, ...rest } = a;
  return `${JSON.stringify({ schema: 'reclaim-lab/ablation@1', ...rest }, null, 2)}\n`;
}
