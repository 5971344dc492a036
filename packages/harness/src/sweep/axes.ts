import { basename } from 'node:path';
import * as v from 'valibot';
import { TraceWorkloadSchema } from '../scenario.js';
import { describeValue } from '../workload/index.js';
import { canonicalJson } from './cell.js';

/**
 * The sweep file's shape and its axes: every field that may be a list,
 * expanded into labelled values that remember where in the file they came
 * from, so that errors can name `machine.swappiness[1]`.
 */
export class SweepError extends Error {}

/** Environment axes make a report's row groups, configuration axes its columns. */
export type AxisRole = 'env' | 'config';

const seedInt = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(2 ** 32 - 1));

/** The file's shape; field values are checked later, against the scenario schema, one axis value at a time. */
export const SweepFileSchema = v.strictObject({
  name: v.optional(v.string()),
  description: v.optional(v.string()),
  baseline: v.optional(v.string()),
  mode: v.optional(v.unknown()),
  machine: v.optional(v.record(v.string(), v.unknown())),
  workload: v.optional(v.unknown()),
  params: v.optional(v.record(v.string(), v.unknown())),
  policy: v.optional(v.unknown()),
  seed: v.optional(
    v.union([seedInt, v.array(seedInt)], 'expected a seed (an integer 0..4294967295) or a list of seeds'),
  ),
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
const ENV_MACHINE = new Set([
  'memory',
  'memoryPages',
  'footprintShare',
  'nodes',
  'swap',
  'swapDevice',
  'disk',
]);

export interface AxisValue {
  label: string;
  /** Where it came from, for error lines: `machine.swappiness[2]`, `policy[1] ("mglru:gens=2")`. */
  where: string;
  /** The list entry it was expanded from (`workload[1]`), when `where` names more. */
  base?: string;
  value: unknown;
}

export interface Axis {
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

export function issuePath(issue: v.BaseIssue<unknown>): string {
  let out = '';
  for (const p of issue.path ?? []) {
    const k = p.key as string | number;
    out += typeof k === 'number' ? `[${k}]` : out === '' ? String(k) : `.${String(k)}`;
  }
  return out;
}

/** The cartesian product of lists, first list outermost. */
export function product<T>(lists: readonly (readonly T[])[]): T[][] {
  let out: T[][] = [[]];
  for (const list of lists) out = out.flatMap((prefix) => list.map((x) => [...prefix, x]));
  return out;
}

export function setPath(target: Record<string, unknown>, keys: readonly string[], value: unknown): void {
  let o = target;
  for (const k of keys.slice(0, -1)) {
    const next = o[k];
    o[k] = next !== null && typeof next === 'object' && !Array.isArray(next) ? { ...(next as object) } : {};
    o = o[k] as Record<string, unknown>;
  }
  o[keys[keys.length - 1]] = value;
}

export class Issues {
  readonly lines: string[] = [];
  constructor(readonly source: string) {}
  add(where: string, message: string): void {
    const line = `${this.source}: ${where ? `${where}: ` : ''}${message}`;
    if (!this.lines.includes(line)) this.lines.push(line);
  }
  throwIfAny(): void {
    if (this.lines.length === 0) return;
    // One line: the first three problems, and how many more there are.
    const more = this.lines.length > 3 ? ` (and ${this.lines.length - 3} more)` : '';
    throw new SweepError(`${this.lines.slice(0, 3).join('; ')}${more}`);
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

function isTraceRef(w: unknown): boolean {
  return typeof w === 'object' && w !== null && !Array.isArray(w) && 'trace' in w;
}

export function isPresetRef(w: unknown): w is { id: string; params?: Record<string, unknown> } {
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
    } else if (isTraceRef(item)) {
      const r = v.safeParse(TraceWorkloadSchema, item);
      if (!r.success) {
        for (const issue of r.issues)
          issues.add(`${where}.${issuePath(issue)}`.replace(/\.$/, ''), issue.message);
        return;
      }
      values.push({ label: basename(r.output.trace), where, value: r.output, fixed: '' });
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
export function buildAxes(file: v.InferOutput<typeof SweepFileSchema>, issues: Issues): Axis[] {
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

export function seedList(file: v.InferOutput<typeof SweepFileSchema>, issues: Issues): number[] {
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
