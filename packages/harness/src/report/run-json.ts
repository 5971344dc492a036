import type { RunResult } from '@reclaim-lab/reclaim';
import { parsePolicySpec } from '../policies.js';
import { scenarioWorkload, withMachineHints } from '../runner.js';
import type { Scenario } from '../scenario.js';
import { isTraceWorkload } from '../trace-run.js';

/** The schema id of `run --format json`; docs/schemas/run.schema.json describes it. */
export const RUN_JSON_SCHEMA = 'reclaim-lab/run@1';

export interface RunJsonContext {
  /** The tool that wrote the file and its version. */
  tool: { name: string; version: string };
  scenario: Scenario;
  /** The policy spec the run used, if it overrode the scenario's. */
  policy?: string;
}

/**
 * One run as a file that explains itself: schema id, tool and version, the
 * workload, machine, mode and seed it ran, the policy with every option
 * (defaults filled in), then the result's fields as `run` computed them.
 */
export function buildRunJson(r: RunResult, ctx: RunJsonContext) {
  // The machine as it ran: with the swap a workload asks for when the scenario gives none.
  const s = isTraceWorkload(ctx.scenario.workload)
    ? ctx.scenario
    : withMachineHints(ctx.scenario, scenarioWorkload(ctx.scenario).spec);
  const spec = ctx.policy ?? (typeof s.policy === 'string' ? s.policy : undefined);
  let policy: { spec: string; name: string; options: Record<string, unknown> } | { attachments: unknown };
  if (spec !== undefined) {
    const parsed = parsePolicySpec(spec);
    policy = { spec, name: parsed.name, options: parsed.options };
  } else policy = { attachments: s.policy };
  return {
    schema: RUN_JSON_SCHEMA,
    tool: ctx.tool,
    workload: typeof s.workload === 'string' ? { id: s.workload, params: s.params } : s.workload,
    machine: { ...s.machine, ...(r.memoryPages === undefined ? {} : { memoryPages: r.memoryPages }) },
    latencyBudgetMs: s.latencyBudgetMs,
    policyConfig: policy,
    ...r,
  };
}
