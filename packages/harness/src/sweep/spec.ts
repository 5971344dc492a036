import { createHash } from 'node:crypto';
import * as v from 'valibot';
import { describeIssue, readInputFile, unknownKey } from '../input.js';
import { parsePolicySpec } from '../policies.js';
import { loadPolicySpecs } from '../policy-loader.js';
import { type Scenario, ScenarioError, validateScenario } from '../scenario.js';
import { isTraceWorkload, resolveTraceFormat, traceReadOptions } from '../trace-run.js';
import { getWorkload, validateWorkload, WorkloadSpecError } from '../workload/index.js';
import {
  type Axis,
  type AxisRole,
  buildAxes,
  Issues,
  isPresetRef,
  issuePath,
  product,
  SweepError,
  SweepFileSchema,
  seedList,
  setPath,
} from './axes.js';
import { canonicalJson, cellId } from './cell.js';

export { type AxisRole, SweepError } from './axes.js';

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
 * fractions of memory, so the grid docs/workloads.md suggests (0.8 … 3× memory) is a list on
 * the preset's size parameter, e.g. `{id: loop-over-memory, params:
 * {loopFraction: [0.8, 1, 1.25, 1.5, 2, 3]}}`.
 */

export const SWEEP_SCHEMA = 'reclaim-lab/sweep@1';

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
  else if (isTraceWorkload(w)) {
    // The trace's first pass waits for its cell; its file, format and reader params are checked here.
    const format = resolveTraceFormat(w.trace, w.format);
    traceReadOptions(w.trace, format, w.params);
  } else if (isPresetRef(w)) getWorkload(w.id, { ...params, ...(w.params ?? {}) });
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
/** The most cells one sweep may expand to (each is a run and a file). */
export const MAX_SWEEP_CELLS = 100_000;

export function planSweep(input: unknown, source = 'sweep'): SweepPlan {
  const issues = new Issues(source);
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new SweepError(
      `${source}: (top level): expected a mapping of fields (workload, policy, machine, seed, ...), got ${Array.isArray(input) ? 'a list' : JSON.stringify(input)}`,
    );
  const parsed = v.safeParse(SweepFileSchema, input);
  if (!parsed.success) {
    for (const issue of parsed.issues) {
      const path = issuePath(issue);
      const message =
        issue.kind === 'schema' && issue.type === 'strict_object' && issue.input !== undefined && path
          ? unknownKey(path, Object.keys(SweepFileSchema.entries))
          : describeIssue(SweepFileSchema, issue).replace(/^[^:]*: /, '');
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

  // Count the cells before making any: a file of a few lines can ask for billions.
  const count = axes.reduce((n, a) => n * a.values.length, seeds.length);
  if (count > MAX_SWEEP_CELLS) {
    issues.add(
      '(top level)',
      `${count.toPrecision(3)} cells (${axes
        .filter((a) => a.values.length > 1)
        .map((a) => `${a.path} ×${a.values.length}`)
        .concat(seeds.length > 1 ? [`seeds ×${seeds.length}`] : [])
        .join(', ')}); a sweep may have at most ${MAX_SWEEP_CELLS}: split it into shards of fewer axes`,
    );
    issues.throwIfAny();
  }
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
  const data = readInputFile(path, (m) => new SweepError(m));
  await loadSweepPolicies(data, path);
  return planSweep(data, path);
}
