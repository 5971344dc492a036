import type { RunResult } from '@reclaim-lab/reclaim';
import { parsePolicySpec } from './policies.js';
import { runScenario } from './runner.js';
import type { Scenario } from './scenario.js';
import { type Comparison, compare } from './stats/index.js';

export interface ComparePlan {
  /** Policy specs ("lru", "mglru:bloom=off"); the first is the baseline. */
  policies: string[];
  workloads: string[];
  seeds: number;
  /** The scenario everything else comes from (machine, params, budgets). */
  base: Scenario;
  onCell?: (done: number, total: number, label: string) => void;
}

/** Run every policy × workload × seed and compare against the first policy. */
export function runComparison(plan: ComparePlan): { comparison: Comparison; results: Map<string, RunResult[]> } {
  for (const p of plan.policies) parsePolicySpec(p); // fail fast on a bad spec, before any run
  const cells: { label: string; workload: string; results: RunResult[] }[] = [];
  const all = new Map<string, RunResult[]>();
  const total = plan.policies.length * plan.workloads.length * plan.seeds;
  let done = 0;
  for (const workload of plan.workloads) {
    for (const policy of plan.policies) {
      const results: RunResult[] = [];
      for (let i = 0; i < plan.seeds; i++) {
        const seed = plan.base.seed + i;
        const scenario: Scenario = { ...plan.base, workload };
        results.push(runScenario(scenario, { policy, seed }));
        plan.onCell?.(++done, total, `${workload} ${policy} seed ${seed}`);
      }
      cells.push({ label: policy, workload, results });
      all.set(`${workload}\u0000${policy}`, results);
    }
  }
  const memory = plan.base.machine.memory;
  const comparison = compare(cells, plan.policies[0], {
    title: `${plan.policies.join(' vs ')} on ${plan.workloads.join(', ')}`,
    description: `${plan.seeds} seed(s) from ${plan.base.seed}, machine memory ${memory}, swap device ${plan.base.machine.swapDevice}, mode ${plan.base.mode}.`,
  });
  return { comparison, results: all };
}
