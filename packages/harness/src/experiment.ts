import { basename } from 'node:path';
import type { RunResult } from '@reclaim-lab/reclaim';
import { parsePolicySpec } from './policies.js';
import { loadPolicySpecs } from './policy-loader.js';
import { runScenario } from './runner.js';
import type { Scenario } from './scenario.js';
import { type CompareCell, type Comparison, compare } from './stats/index.js';
import { type CellFile, cellId, parseCellFile } from './sweep/cell.js';
import type { CellRunner } from './sweep/pool.js';
import { executeCells, type PlannedTask, type SweepProgress } from './sweep/run.js';
import type { TraceWorkload } from './trace-run.js';

export interface ComparePlan {
  /** Policy specs ("lru", "mglru:bloom=off"); the first is the baseline. */
  policies: string[];
  /** Built-in workload ids, and traces replayed as workloads (labelled by their file name). */
  workloads: (string | TraceWorkload)[];
  seeds: number;
  /** The scenario everything else comes from (machine, params, budgets). */
  base: Scenario;
  onCell?: (done: number, total: number, label: string) => void;
}

/** A workload's name in tables and cell labels. */
export function workloadLabel(w: string | TraceWorkload): string {
  return typeof w === 'string' ? w : basename(w.trace);
}

/** Run every policy × workload × seed and compare against the first policy. */
export function runComparison(plan: ComparePlan): {
  comparison: Comparison;
  results: Map<string, RunResult[]>;
} {
  for (const p of plan.policies) parsePolicySpec(p); // fail fast on a bad spec, before any run
  const cells: { label: string; workload: string; results: RunResult[] }[] = [];
  const all = new Map<string, RunResult[]>();
  const total = plan.policies.length * plan.workloads.length * plan.seeds;
  let done = 0;
  for (const workload of plan.workloads) {
    const name = workloadLabel(workload);
    for (const policy of plan.policies) {
      const results: RunResult[] = [];
      for (let i = 0; i < plan.seeds; i++) {
        const seed = plan.base.seed + i;
        const scenario: Scenario = { ...plan.base, workload };
        results.push(runScenario(scenario, { policy, seed }));
        plan.onCell?.(++done, total, `${name} ${policy} seed ${seed}`);
      }
      cells.push({ label: policy, workload: name, results });
      all.set(`${name}\u0000${policy}`, results);
    }
  }
  return { comparison: comparePlanCells(plan, cells), results: all };
}

function comparePlanCells(plan: ComparePlan, cells: CompareCell[]): Comparison {
  const m = plan.base.machine;
  const memory =
    m.footprintShare !== undefined
      ? `${m.footprintShare} of the footprint`
      : m.memoryPages !== undefined
        ? `${m.memoryPages} pages`
        : m.memory;
  return compare(cells, plan.policies[0], {
    title: `${plan.policies.join(' vs ')} on ${plan.workloads.map(workloadLabel).join(', ')}`,
    description: `${plan.seeds} seed(s) from ${plan.base.seed}, machine memory ${memory}, swap device ${plan.base.machine.swapDevice}, mode ${plan.base.mode}.`,
  });
}

export interface ParallelCompareOptions {
  /** Worker processes or threads (default one per core); 0 = in this thread. */
  workers?: number;
  runner?: CellRunner;
  onProgress?: (p: SweepProgress) => void;
}

/**
 * `runComparison` on the sweep pool: the same cells and the same comparison,
 * whatever the number of workers. `plan.onCell` still fires once per cell.
 */
export async function runComparisonParallel(
  plan: ComparePlan,
  options: ParallelCompareOptions = {},
): Promise<{ comparison: Comparison; results: Map<string, RunResult[]> }> {
  await loadPolicySpecs(plan.policies);
  const tasks: PlannedTask[] = [];
  for (const workload of plan.workloads) {
    for (const policy of plan.policies) {
      for (let i = 0; i < plan.seeds; i++) {
        const seed = plan.base.seed + i;
        const task = { scenario: { ...plan.base, workload }, policy, seed };
        tasks.push({ ...task, id: cellId(task), label: `${workloadLabel(workload)} ${policy} seed ${seed}` });
      }
    }
  }
  const r = await executeCells(tasks, {
    workers: options.workers,
    runner: options.runner,
    onProgress: (p) => {
      options.onProgress?.(p);
      if (p.last !== undefined) plan.onCell?.(p.done, p.total, p.last);
    },
  });
  if (r.failed.length > 0) throw new Error(`${r.failed[0].label}: ${r.failed[0].message}`);
  const result = (id: string) => (parseCellFile(r.texts.get(id) as string) as CellFile).result;
  const cells: CompareCell[] = [];
  const all = new Map<string, RunResult[]>();
  let k = 0;
  for (const workload of plan.workloads) {
    const name = workloadLabel(workload);
    for (const policy of plan.policies) {
      const results = tasks.slice(k, k + plan.seeds).map((t) => result(t.id));
      k += plan.seeds;
      cells.push({ label: policy, workload: name, results });
      all.set(`${name}\u0000${policy}`, results);
    }
  }
  return { comparison: comparePlanCells(plan, cells), results: all };
}
