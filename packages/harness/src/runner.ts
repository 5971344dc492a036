import {
  applyJitter,
  type EventSource,
  type MachineConfig,
  NS_PER_MS,
  PAGE_SIZE,
  type WorkloadInstance,
} from '@reclaim-lab/hw-model';
import { Kernel, type PolicyAttachment, type RunResult } from '@reclaim-lab/reclaim';
import { createPolicy, defaultPolicy, type PolicySpec, parsePolicySpec } from './policies.js';
import { latencyBudgetNs, parseMachine, type Scenario, ScenarioError, validateScenario } from './scenario.js';
import { isTraceWorkload, prepareTraceWorkload } from './trace-run.js';
import { compileWorkload, getWorkload, type WorkloadInput } from './workload/index.js';

export interface RunOptions {
  /** Override the scenario's seed. */
  seed?: number;
  /** Override the scenario's policy with one spec ("mglru:bloom=off"). */
  policy?: string;
  /** Turn watchdog ejections into errors. */
  abortOnEject?: boolean;
  /** Check the reclaim invariants after every reclaim pass (slow). */
  checkInvariants?: boolean;
  /**
   * Told how far a trace replay has got (requests handed to the simulation,
   * requests in all), once per chunk of requests read. Only for trace workloads.
   */
  onTraceProgress?: (done: number, total: number) => void;
}

/** The workload spec a scenario names (a built-in id, an id with params, or an inline spec). */
export function scenarioWorkload(s: Scenario): {
  id: string;
  spec: WorkloadInput;
  params: Record<string, unknown>;
} {
  const w = s.workload;
  // Presets take their parameters in getWorkload; an inline spec takes them when compiled.
  if (typeof w === 'string') return { id: w, spec: getWorkload(w, s.params) as WorkloadInput, params: {} };
  if ('id' in w && typeof w.id === 'string' && !('tasks' in w)) {
    const params = { ...s.params, ...((w as { params?: Record<string, unknown> }).params ?? {}) };
    return { id: w.id, spec: getWorkload(w.id, params) as WorkloadInput, params: {} };
  }
  const name =
    typeof (w as { name?: unknown }).name === 'string' ? String((w as { name?: unknown }).name) : 'custom';
  return { id: name, spec: w as WorkloadInput, params: s.params };
}

/** `supply` may complete a parsed spec before the policy is created (a trace's next-access indices). */
export function policyAttachments(
  s: Scenario,
  override?: string,
  supply: (spec: PolicySpec) => PolicySpec = (x) => x,
): PolicyAttachment[] {
  const make = (text: string) => createPolicy(supply(parsePolicySpec(text)));
  if (override !== undefined) return [{ scope: 'system', ops: make(override) }];
  const p = s.policy;
  if (typeof p === 'string') return [{ scope: 'system', ops: make(p) }];
  if (p.length === 0) throw new ScenarioError('policy: at least one policy is needed');
  if (typeof p[0] === 'string') {
    if (p.length > 1)
      throw new ScenarioError(
        'policy: a list of names is for `compare`; `run` takes one policy or a list of {scope, policy}',
      );
    return [{ scope: 'system', ops: make(p[0] as string) }];
  }
  return (p as { scope: string; policy: string }[]).map((a) => ({ scope: a.scope, ops: make(a.policy) }));
}

export function policyLabel(s: Scenario, override?: string): string {
  if (override !== undefined) return override;
  const p = s.policy;
  if (typeof p === 'string') return p;
  return p.map((a) => (typeof a === 'string' ? a : `${a.policy}@${a.scope}`)).join('+');
}

/** Run one scenario at one seed, in this thread. Deterministic: same scenario and seed, same result. */
export function runScenario(scenario: Scenario, options: RunOptions = {}): RunResult {
  const seed = options.seed ?? scenario.seed;
  const trace = isTraceWorkload(scenario.workload)
    ? prepareTraceWorkload(scenario.workload, scenario.mode, {
        // Only a memory sized as a share of the footprint needs it before the run.
        footprint: scenario.machine.footprintShare !== undefined,
      })
    : undefined;
  let machine: MachineConfig;
  const preset = trace === undefined ? scenarioWorkload(scenario) : undefined;
  try {
    scenario = withMachineHints(scenario, preset?.spec);
    // Timing noise is drawn from the run's seed: same scenario and seed, same machine.
    machine = applyJitter(parseMachine(scenario, trace?.pages), seed);
  } catch (e) {
    trace?.close();
    throw e;
  }
  let workload = trace?.workload;
  if (trace && options.onTraceProgress)
    workload = withTraceProgress(workload!, trace.requests, options.onTraceProgress);
  if (workload === undefined) {
    const { spec, params } = preset ?? scenarioWorkload(scenario);
    const memoryPages = machine.nodePages.reduce((a, b) => a + b, 0);
    workload = compileWorkload(spec, {
      memoryPages,
      swapPages: machine.swapPages,
      seed,
      params: params as never,
    });
  }
  const kernel = new Kernel({
    machine,
    policy: policyAttachments(scenario, options.policy, trace?.supply),
    fallback: defaultPolicy(),
    seed,
    latencyBudgetNs: latencyBudgetNs(scenario),
    untilNs: scenario.untilMs === undefined ? undefined : scenario.untilMs * NS_PER_MS,
    watchdog: { abortOnEject: options.abortOnEject ?? false },
    checkInvariants: options.checkInvariants ?? false,
  });
  kernel.load(workload);
  let result: RunResult;
  try {
    result = kernel.run();
  } finally {
    trace?.close();
  }
  result.policy = policyLabel(scenario, options.policy);
  return result;
}

/**
 * A workload's machine hints (a phone workload's zram swap) fill in what
 * the scenario leaves out: swap only when it gives no `swap`.
 */
export function withMachineHints(scenario: Scenario, spec: WorkloadInput | undefined): Scenario {
  const hints = (spec as { machine?: { swapFraction?: unknown; swapDevice?: unknown } } | undefined)?.machine;
  if (hints === undefined || scenario.machine.swap !== undefined || typeof hints.swapFraction !== 'number')
    return scenario;
  const memoryPages = parseMachine(scenario).nodePages.reduce((a, b) => a + b, 0);
  const swap = Math.floor(memoryPages * hints.swapFraction) * PAGE_SIZE;
  const swapDevice = typeof hints.swapDevice === 'string' ? hints.swapDevice : 'zram';
  return { ...scenario, machine: { ...scenario.machine, swap, swapDevice } } as Scenario;
}

/** Build a scenario from CLI-style fields and validate it. */
export function scenarioFrom(fields: Record<string, unknown>): Scenario {
  return validateScenario(fields, 'options');
}

/**
 * The trace's event source, counting what it hands out. Per chunk, not per
 * request: the replay's hot loop is untouched. `fill` expands each request
 * into two events (the access and its completion).
 */
function withTraceProgress(
  w: WorkloadInstance,
  total: number,
  report: (done: number, total: number) => void,
): WorkloadInstance {
  const task = w.tasks[0];
  if (task === undefined) return w;
  const inner = task.source;
  let done = 0;
  const tell = (requests: number) => {
    done = Math.min(total, Math.round(done + requests));
    report(done, total);
  };
  const source: EventSource = {
    fill(chunk) {
      const n = inner.fill(chunk);
      tell(n / 2);
      return n;
    },
  };
  const fillRequests = inner.fillRequests;
  if (fillRequests)
    source.fillRequests = (out) => {
      const n = fillRequests.call(inner, out);
      tell(n);
      return n;
    };
  return { ...w, tasks: [{ ...task, source }, ...w.tasks.slice(1)] };
}
