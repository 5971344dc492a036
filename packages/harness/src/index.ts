export * from './stats/index.js';
export * from './report/index.js';
export * from './workload/index.js';
export * from './trace/index.js';
export {
  createPolicy,
  defaultPolicy,
  getPolicyFactory,
  listPolicies,
  type PolicySpec,
  PolicySpecError,
  parsePolicySpec,
  registerPolicy,
} from './policies.js';
export {
  latencyBudgetNs,
  loadScenarioFile,
  parseMachine,
  type Scenario,
  ScenarioError,
  type ScenarioInput,
  validateScenario,
} from './scenario.js';
export { policyAttachments, policyLabel, type RunOptions, runScenario, scenarioFrom, scenarioWorkload } from './runner.js';
export { type ComparePlan, runComparison } from './experiment.js';
