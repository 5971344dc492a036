import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as v from 'valibot';
import { parse as parseYaml } from 'yaml';
import { parsePolicySpec } from '../policies.js';
import { loadPolicySpecs } from '../policy-loader.js';
import { type Scenario, ScenarioError, validateScenario } from '../scenario.js';
import { describeValue, getWorkload, validateWorkload, WorkloadSpecError } from '../workload/index.js';
import { canonicalJson, cellId } from './cell.js';

/**
 * A sweep file is a scenario whose fields may be lists. Each list is an
 * axis; the cell matrix is their product times the seeds:
 *
 *   workload: [loop-over-memory, {id: zipf-anon, params: {fillFraction: [1.0, 1.1]}}]
 *   machine: {memory: [16MiB, 32MiB], swappiness: [0, 60, 200]}
 *   params: {scale: 0.05}
 *   policy: [lru, "mglru:gens=2", {name: mglru, options: {bloom: [on, off]}}]
 *   seed: 1
 *   seeds: 3
 *
 * Axes are of two kinds. *Environment* axes (workload and its parameters,
 * memory, nodes, swap, devices, costs, mode) make the report's row groups;
 * *configuration* axes (the policy and the kernel knobs: swappiness,
 * watermarks, dirty ratios) make its columns. Workload sizes are already
 * fractions of memory, so WORKLOADS.md's grid (0.8 … 3× memory) is a list on
 * the preset's size parameter, e.g. `{id: loop-over-memory, params:
 * {loopFraction: [0.8, 1, 1.25, 1.5, 2, 3]}}`.
 */
export class SweepError extends Error {}

export const SWEEP_SCHEMA = 'reclaim-lab/sweep@1';

export type AxisRole = 'env' | 'config';

export interface SweepCell {
  /** Hash of the cell's effective scenario (see cell.ts). */
  id: string;
  /** Position in the matrix: environment axes outermost, then configuration axes, then seeds. */
  index: number;
  /** Row group: the workload plus the environment values that vary. */
  group: string;
  /** Column: the policy plus the knob values that vary. */
  config: string;
  seed: number;
  /** Concrete and validated, with `policy` a single spec and `seed` this cell's seed. */
  scenario: Scenario;
}

export interface SweepAxisInfo {
  path: string;
  role: AxisRole;
  labels: string[];
}

export interface SweepPlan {
  name: string;
  description?: string;
  /** The configuration the report compares against (the first unless the file names one). */
  baseline: string;
  groups: string[];
  configs: string[];
  seeds: number[];
  axes: SweepAxisInfo[];
  cells: SweepCell[];
  /** Hash over the cells' ids, groups, configs and the baseline: equal plans, equal hashes. */
  hash: string;
}

const seedInt = v.pipe(v.number(), v.integer(), v.minValue(0));

/** The file's shape; field values are checked later, against the scenario schema, one axis value at a time. */
const SweepFileSchema = v.strictObject({
  name: v.optional(v.string()),
  description: v.optional(v.string()),
  baseline: v.optional(v.string()),
  mode: v.optional(v.unknown()),
  machine: v.optional(v.record(v.string(), v.unknown())),
  workload: v.optional(v.unknown()),
  params: v.optional(v.record(v.string(), v.unknown())),
  policy: v.optional(v.unknown()),
  seed: v.optional(v.union([seedInt, v.array(seedInt)], 'expected a seed (integer >= 0) or a list of seeds')),
  seeds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000))),
  latencyBudgetMs: v.optional(v.unknown()),
  untilMs: v.optional(v.unknown()),
});

const scalar = v.union([v.string(), v.number(), v.boolean()]);
const scalarOrList = v.union(
  [scalar, v.pipe(v.array(scalar), v.minLength(1))],
  'expected a value or a non-empty list of values',
);

const PolicyObjectSchema = v.strictObject({
  name: v.string(),
  preset: v.optional(v.string()),
  options: v.optional(v.record(v.string(), scalarOrList)),
});

const PresetRefSchema = v.strictObject({
  id: v.string(),
  params: v.optional(v.record(v.string(), scalarOrList)),
});

/** Environment fields of `machine`; every other machine field is a knob under test. */
const ENV_MACHINE = new Set(['memory', 'nodes', 'swap', 'swapDevice', 'disk']);

interface AxisValue {
  label: string;
  /** Where it came from, for error lines: `machine.swappiness[2]`, `policy[1] ("mglru:gens=2")`. */
  where: string;
  /** The list entry it was expanded from (`workload[1]`), when `where` names more. */
  base?: string;
  value: unknown;
}

interface Axis {
  /** Dotted path in the scenario (`machine.swappiness`). */
  path: string;
  keys: string[];
  role: AxisRole;
  values: AxisValue[];
}

function formatScalar(x: unknown): string {
  return typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean'
    ? String(x)
    : canonicalJson(x);
}

function issuePath(issue: v.BaseIssue<unknown>): string {
  let out = '';
  for (const p of issue.path ?? []) {
    const k = p.key as string | number;
    out += typeof k === 'number' ? `[${k}]` : out === '' ? String(k) : `.${String(k)}`;
  }
  return out;
}

/** The cartesian product of lists, first list outermost. */
function product<T>(lists: readonly (readonly T[])[]): T[][] {
  let out: T[][] = [[]];
  for (const list of lists) out = out.flatMap((prefix) => list.map((x) => [...prefix, x]));
  return out;
}

function setPath(target: Record<string, unknown>, keys: readonly string[], value: unknown): void {
  let o = target;
  for (const k of keys.slice(0, -1)) {
    const next = o[k];
    o[k] = next !== null && typeof next === 'object' && !Array.isArray(next) ? { ...(next as object) } : {};
    o = o[k] as Record<string, unknown>;
  }
  o[keys[keys.length - 1]] = value;
}

class Issues {
  readonly lines: string[] = [];
  constructor(readonly source: string) {}
  add(where: string, message: string): void {
    const line = `${this.source}: ${where ? `${where}: ` : ''}${message}`;
    if (!this.lines.includes(line)) this.lines.push(line);
  }
  throwIfAny(): void {
    if (this.lines.length === 0) return;
    const shown = this.lines.slice(0, 10);
    if (this.lines.length > shown.length) shown.push(`... and ${this.lines.length - shown.length} more`);
    throw new SweepError(shown.join('\n'));
  }
}

/** `field: [a, b]` → one value per item; `field: a` → one value; an empty list is an error. */
function listAxis(
  path: string,
  keys: string[],
  role: AxisRole,
  raw: unknown,
  issues: Issues,
  label: (x: unknown) => string,
): Axis {
  const list = Array.isArray(raw);
  const items = list ? (raw as unknown[]) : [raw];
  if (items.length === 0) issues.add(path, 'an empty list gives no cells');
  const values = items.map((x, i) => ({ label: label(x), where: list ? `${path}[${i}]` : path, value: x }));
  return { path, keys, role, values };
}

/** Expand `{key: [a, b], other: c}` into one record per combination, with labels for the listed keys. */
function expandRecord(
  rec: Record<string, unknown>,
  where: string,
): { value: Record<string, unknown>; varying: string[]; where: string }[] {
  const keys = Object.keys(rec);
  const choices = keys.map((k) => {
    const x = rec[k];
    return Array.isArray(x)
      ? x.map((item, i) => ({ k, item, i, listed: true }))
      : [{ k, item: x, i: -1, listed: false }];
  });
  return product(choices).map((combo) => ({
    value: Object.fromEntries(combo.map((c) => [c.k, c.item])),
    varying: combo.filter((c) => c.listed).map((c) => `${c.k}=${formatScalar(c.item)}`),
    where: combo
      .filter((c) => c.listed)
      .map((c) => `${where}.${c.k}[${c.i}]`)
      .join(', '),
  }));
}

function isPresetRef(w: unknown): w is { id: string; params?: Record<string, unknown> } {
  return typeof w === 'object' && w !== null && !Array.isArray(w) && 'id' in w && !('tasks' in w);
}

function workloadAxis(raw: unknown, issues: Issues): Axis {
  if (raw === undefined)
    issues.add(
      'workload',
      'a workload is needed (a preset id, {id, params}, an inline spec, or a list of these)',
    );
  const list = Array.isArray(raw);
  const items = raw === undefined ? [] : list ? (raw as unknown[]) : [raw];
  if (list && items.length === 0) issues.add('workload', 'an empty list gives no cells');
  const values: (AxisValue & { fixed: string })[] = [];
  items.forEach((item, i) => {
    const where = list ? `workload[${i}]` : 'workload';
    if (typeof item === 'string') {
      values.push({ label: item, where, value: item, fixed: '' });
    } else if (isPresetRef(item)) {
      const r = v.safeParse(PresetRefSchema, item);
      if (!r.success) {
        for (const issue of r.issues)
          issues.add(`${where}.${issuePath(issue)}`.replace(/\.$/, ''), issue.message);
        return;
      }
      const params = r.output.params ?? {};
      const fixed = Object.entries(params)
        .filter(([, x]) => !Array.isArray(x))
        .map(([k, x]) => `${k}=${formatScalar(x)}`)
        .join(' ');
      for (const e of expandRecord(params, `${where}.params`)) {
        const label = [r.output.id, ...e.varying].join(' ');
        values.push({
          label,
          where: e.where || where,
          base: where,
          value: { id: r.output.id, params: e.value },
          fixed,
        });
      }
    } else if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
      const name = (item as { name?: unknown }).name;
      const label = typeof name === 'string' ? name : 'custom';
      values.push({ label, where, value: item, fixed: '' });
    } else {
      issues.add(
        where,
        `expected a workload id, {id, params} or an inline workload spec, got ${describeValue(item)}`,
      );
    }
  });
  // Two entries with one label (same preset, different fixed params): tell them apart by those params.
  for (const x of values) {
    if (values.filter((y) => y.label === x.label).length > 1 && x.fixed) x.label = `${x.label} ${x.fixed}`;
  }
  return { path: 'workload', keys: ['workload'], role: 'env', values };
}

function onOff(x: unknown): string {
  return x === true ? 'on' : x === false ? 'off' : String(x);
}

function policyAxis(raw: unknown, issues: Issues): Axis {
  const list = Array.isArray(raw);
  const items = raw === undefined ? ['lru'] : list ? (raw as unknown[]) : [raw];
  if (list && items.length === 0) issues.add('policy', 'an empty list gives no cells');
  const values: AxisValue[] = [];
  items.forEach((item, i) => {
    const where = list ? `policy[${i}]` : 'policy';
    if (typeof item === 'string') {
      values.push({ label: item, where: `${where} (${JSON.stringify(item)})`, value: item });
      return;
    }
    const r = v.safeParse(PolicyObjectSchema, item);
    if (!r.success) {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        issues.add(
          where,
          `expected a policy spec ("mglru:gens=2") or {name, preset?, options?}, got ${describeValue(item)}`,
        );
      } else
        for (const issue of r.issues)
          issues.add(`${where}.${issuePath(issue)}`.replace(/\.$/, ''), issue.message);
      return;
    }
    const head = r.output.preset ? `${r.output.name}:${r.output.preset}` : r.output.name;
    for (const e of expandRecord(r.output.options ?? {}, `${where}.options`)) {
      const opts = Object.entries(e.value).map(([k, x]) => `${k}=${onOff(x)}`);
      const spec = opts.length ? `${head}${r.output.preset ? ',' : ':'}${opts.join(',')}` : head;
      values.push({
        label: spec,
        where: `${e.where || where} (${JSON.stringify(spec)})`,
        base: where,
        value: spec,
      });
    }
  });
  return { path: 'policy', keys: ['policy'], role: 'config', values };
}

/** Every field of the file that may be a list, as axes (workload and policy always, being labels). */
function buildAxes(file: v.InferOutput<typeof SweepFileSchema>, issues: Issues): Axis[] {
  const scalarLabel = (key: string) => (x: unknown) => `${key}=${formatScalar(x)}`;
  const env: Axis[] = [workloadAxis(file.workload, issues)];
  const config: Axis[] = [policyAxis(file.policy, issues)];
  for (const [key, raw] of Object.entries(file.machine ?? {})) {
    if (key === 'cost' && raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
      for (const [ck, cv] of Object.entries(raw)) {
        if (Array.isArray(cv))
          env.push(
            listAxis(
              `machine.cost.${ck}`,
              ['machine', 'cost', ck],
              'env',
              cv,
              issues,
              scalarLabel(`cost.${ck}`),
            ),
          );
      }
    } else if (Array.isArray(raw)) {
      const role = ENV_MACHINE.has(key) ? 'env' : 'config';
      (role === 'env' ? env : config).push(
        listAxis(`machine.${key}`, ['machine', key], role, raw, issues, scalarLabel(key)),
      );
    }
  }
  for (const [key, raw] of Object.entries(file.params ?? {})) {
    if (Array.isArray(raw))
      env.push(listAxis(`params.${key}`, ['params', key], 'env', raw, issues, scalarLabel(key)));
  }
  for (const key of ['mode', 'latencyBudgetMs', 'untilMs'] as const) {
    const raw = file[key];
    if (Array.isArray(raw)) env.push(listAxis(key, [key], 'env', raw, issues, scalarLabel(key)));
  }
  const axes = [...env, ...config];
  for (const a of axes) {
    const seen = new Map<string, number>();
    a.values.forEach((x, i) => {
      const key = canonicalJson(x.value);
      const first = seen.get(key);
      if (first !== undefined)
        issues.add(x.where, `repeats ${a.values[first].where}: each value of a list must differ`);
      else seen.set(key, i);
    });
    const labels = new Map<string, number>();
    a.values.forEach((x, i) => {
      const first = labels.get(x.label);
      if (first !== undefined && canonicalJson(x.value) !== canonicalJson(a.values[first].value)) {
        issues.add(
          x.where,
          `has the same label "${x.label}" as ${a.values[first].where}; give them distinct names`,
        );
      } else labels.set(x.label, i);
    });
  }
  return axes;
}

function seedList(file: v.InferOutput<typeof SweepFileSchema>, issues: Issues): number[] {
  const given = file.seed;
  if (!Array.isArray(given)) return Array.from({ length: file.seeds ?? 1 }, (_, i) => (given ?? 1) + i);
  if (file.seeds !== undefined) {
    issues.add(
      'seeds',
      'give either a list of seeds (seed: [1, 2, 3]) or a first seed and a count (seed: 1, seeds: 3)',
    );
  }
  if (given.length === 0) issues.add('seed', 'an empty list gives no cells');
  const dup = given.findIndex((s, i) => given.indexOf(s) !== i);
  if (dup >= 0) issues.add(`seed[${dup}]`, `repeats seed ${given[dup]}`);
  return given;
}

const MARK = '\u0000sweep';

/** A scenario error's lines, with paths pointing into the sweep file (`machine.swappiness[1]`). */
function scenarioIssues(
  e: ScenarioError,
  axes: readonly Axis[],
  picks: readonly number[],
  issues: Issues,
): void {
  for (const raw of e.message.split('\n')) {
    const line = raw.startsWith(`${MARK}: `) ? raw.slice(MARK.length + 2) : raw;
    const colon = line.indexOf(': ');
    const path = colon < 0 ? '' : line.slice(0, colon);
    const rest = colon < 0 ? line : line.slice(colon + 2);
    const ai = axes.findIndex((a) => path === a.path || path.startsWith(`${a.path}.`));
    if (ai >= 0) issues.add(axes[ai].values[picks[ai]].where + path.slice(axes[ai].path.length), rest);
    else issues.add(path, rest);
  }
}

function workloadIssues(e: unknown, axes: readonly Axis[], picks: readonly number[], issues: Issues): void {
  if (!(e instanceof WorkloadSpecError)) {
    issues.add(axes[0].values[picks[0]].where, e instanceof Error ? e.message : String(e));
    return;
  }
  const w = axes[0].values[picks[0]];
  const own = isPresetRef(w.value) ? (w.value.params ?? {}) : {};
  for (const issue of e.issues) {
    const m = /^params\.([^.[]+)/.exec(issue.path);
    if (m && !(m[1] in own)) {
      // A top-level parameter: point at it (and at its list index if it is an axis).
      const ai = axes.findIndex((a) => a.path === `params.${m[1]}`);
      const where = ai >= 0 ? axes[ai].values[picks[ai]].where : issue.path;
      issues.add(where, `${issue.message} (workload ${w.label})`);
    } else if (m) {
      const base = w.base ?? w.where;
      const listed = w.where.split(', ').find((part) => part.startsWith(`${base}.params.${m[1]}[`));
      issues.add(listed ?? `${base}.${issue.path}`, issue.message);
    } else if (issue.path === 'id' || issue.path === '') issues.add(w.base ?? w.where, issue.message);
    else issues.add(`${w.base ?? w.where}.${issue.path}`, issue.message);
  }
}

/** The scenario fields of one combination of axis values. */
function fieldsFor(
  template: Record<string, unknown>,
  axes: readonly Axis[],
  picks: readonly number[],
): Record<string, unknown> {
  const fields: Record<string, unknown> = { ...template };
  axes.forEach((a, i) => {
    setPath(fields, a.keys, a.values[picks[i]].value);
  });
  return fields;
}

/** The workload spec a combination names, resolved (presets built with their params), or a thrown WorkloadSpecError. */
function checkWorkload(fields: Record<string, unknown>): void {
  const w = fields.workload;
  const params = (fields.params ?? {}) as Record<string, unknown>;
  if (typeof w === 'string') getWorkload(w, params);
  else if (isPresetRef(w)) getWorkload(w.id, { ...params, ...(w.params ?? {}) });
  else validateWorkload(w, params as never);
}

/**
 * Check each axis value once, against the first value of every other axis,
 * so that every error names the list entry at fault.
 */
function probeAxes(template: Record<string, unknown>, axes: readonly Axis[], issues: Issues): void {
  const probe = (picks: number[], checkPolicy: boolean, checkLoad: boolean) => {
    const fields = fieldsFor(template, axes, picks);
    try {
      validateScenario(fields, MARK);
    } catch (e) {
      if (e instanceof ScenarioError) scenarioIssues(e, axes, picks, issues);
      else throw e;
    }
    if (checkLoad) {
      try {
        checkWorkload(fields);
      } catch (e) {
        workloadIssues(e, axes, picks, issues);
      }
    }
    if (checkPolicy) {
      const pi = axes.findIndex((a) => a.path === 'policy');
      try {
        parsePolicySpec(String(fields.policy));
      } catch (e) {
        issues.add(axes[pi].values[picks[pi]].where, e instanceof Error ? e.message : String(e));
      }
    }
  };
  const zero = axes.map(() => 0);
  axes.forEach((a, ai) => {
    a.values.forEach((_, j) => {
      const picks = [...zero];
      picks[ai] = j;
      probe(picks, a.path === 'policy', a.path === 'workload' || a.path.startsWith('params.'));
    });
  });
  // Each workload against each value of the top-level parameter axes: a parameter must suit every preset.
  const paramAxes = axes.map((a, i) => (a.path.startsWith('params.') ? i : -1)).filter((i) => i >= 0);
  axes[0].values.forEach((_, w) => {
    for (const pa of paramAxes) {
      axes[pa].values.forEach((__, j) => {
        const picks = [...zero];
        picks[0] = w;
        picks[pa] = j;
        const fields = fieldsFor(template, axes, picks);
        try {
          checkWorkload(fields);
        } catch (e) {
          workloadIssues(e, axes, picks, issues);
        }
      });
    }
  });
}

/** Seal a plan built by hand (ablations, comparisons): its hash covers the cells' ids, groups, configs and the baseline. */
export function makePlan(plan: Omit<SweepPlan, 'hash'>): SweepPlan {
  const key = canonicalJson({
    baseline: plan.baseline,
    cells: plan.cells.map((c) => [c.id, c.group, c.config, c.seed]),
  });
  return { ...plan, hash: createHash('sha256').update(key).digest('hex').slice(0, 16) };
}

/**
 * Expand a parsed sweep file into its cell matrix, validating every value.
 * Policy modules it names must be loaded first (`loadSweepPolicies`).
 * Throws SweepError whose lines name the file, the path and the problem.
 */
export function planSweep(input: unknown, source = 'sweep'): SweepPlan {
  const issues = new Issues(source);
  const parsed = v.safeParse(SweepFileSchema, input);
  if (!parsed.success) {
    for (const issue of parsed.issues) {
      const path = issuePath(issue);
      const message =
        issue.kind === 'schema' && issue.type === 'strict_object' && issue.input !== undefined && path
          ? `unknown field; allowed at the top level: ${Object.keys(SweepFileSchema.entries).join(', ')}`
          : issue.message;
      issues.add(path || '(top level)', message);
    }
    issues.throwIfAny();
  }
  const file = parsed.output as v.InferOutput<typeof SweepFileSchema>;
  const axes = buildAxes(file, issues);
  const seeds = seedList(file, issues);
  issues.throwIfAny();

  const { name: _n, description: _d, baseline: _b, seeds: _s, seed: _seed, ...rest } = file;
  const template: Record<string, unknown> = { ...rest };
  probeAxes(template, axes, issues);
  issues.throwIfAny();

  const envAxes = axes.filter((a) => a.role === 'env');
  const cfgAxes = axes.filter((a) => a.role === 'config');
  const labelOf = (list: Axis[], picks: number[], always: string) =>
    list
      .map((a, i) => ({ a, x: a.values[picks[i]] }))
      .filter(({ a }) => a.path === always || a.values.length > 1)
      .map(({ x }) => x.label)
      .join(' ');
  const envCombos = product(envAxes.map((a) => a.values.map((_, i) => i)));
  const cfgCombos = product(cfgAxes.map((a) => a.values.map((_, i) => i)));
  const groups = envCombos.map((p) => labelOf(envAxes, p, 'workload'));
  const configs = cfgCombos.map((p) => labelOf(cfgAxes, p, 'policy'));

  const cells: SweepCell[] = [];
  envCombos.forEach((ep, gi) => {
    cfgCombos.forEach((cp, ci) => {
      const picks = axes.map((a) => (a.role === 'env' ? ep[envAxes.indexOf(a)] : cp[cfgAxes.indexOf(a)]));
      const fields = fieldsFor(template, axes, picks);
      let scenario: Scenario;
      try {
        scenario = validateScenario({ ...fields, seed: seeds[0], seeds: 1 }, MARK);
      } catch (e) {
        const where = axes
          .map((a, i) => (a.values.length > 1 ? a.values[picks[i]].where : ''))
          .filter(Boolean);
        const msg = (e as Error).message.split('\n').map((l) => l.replace(`${MARK}: `, ''));
        issues.add(`cell ${groups[gi]} / ${configs[ci]} (${where.join(', ')})`, msg.join('; '));
        return;
      }
      for (const seed of seeds) {
        const s: Scenario = { ...scenario, seed };
        cells.push({
          id: cellId({ scenario: s }),
          index: cells.length,
          group: groups[gi],
          config: configs[ci],
          seed,
          scenario: s,
        });
      }
    });
  });
  issues.throwIfAny();

  let baseline = configs[0];
  if (file.baseline !== undefined) {
    if (!configs.includes(file.baseline))
      issues.add(
        'baseline',
        `"${file.baseline}" is not a configuration of this sweep; its configurations: ${configs.join(', ')}`,
      );
    else baseline = file.baseline;
  }
  issues.throwIfAny();

  return makePlan({
    name: file.name ?? 'sweep',
    ...(file.description === undefined ? {} : { description: file.description }),
    baseline,
    groups,
    configs,
    seeds,
    axes: axes.map((a) => ({ path: a.path, role: a.role, labels: a.values.map((x) => x.label) })),
    cells,
  });
}

/** Policy specs a sweep file names (for loading policy modules before planning). */
function sweepPolicySpecs(input: unknown): { where: string; spec: string }[] {
  const raw = (input as { policy?: unknown } | null)?.policy;
  const items = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return items.flatMap((item, i) => {
    const where = Array.isArray(raw) ? `policy[${i}]` : 'policy';
    if (typeof item === 'string') return [{ where, spec: item }];
    const name = (item as { name?: unknown } | null)?.name;
    return typeof name === 'string' ? [{ where, spec: name }] : [];
  });
}

/** Load the policy modules (`./my-policy.ts`) a sweep file names; errors name the list entry. */
export async function loadSweepPolicies(input: unknown, source = 'sweep'): Promise<void> {
  const issues = new Issues(source);
  for (const { where, spec } of sweepPolicySpecs(input)) {
    try {
      await loadPolicySpecs([spec.split(':')[0]]);
    } catch (e) {
      issues.add(where, e instanceof Error ? e.message : String(e));
    }
  }
  issues.throwIfAny();
}

/** Read a sweep file (YAML, or JSON by extension), load the policy modules it names, and plan it. */
export async function loadSweepFile(path: string): Promise<SweepPlan> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SweepError(`${path}: cannot read: ${(e as Error).message}`);
  }
  let data: unknown;
  try {
    data = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new SweepError(
      `${path}: not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`,
    );
  }
  await loadSweepPolicies(data, path);
  return planSweep(data, path);
}
