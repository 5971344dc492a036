export * from './ablation.js';
export {
  type ContainOptions,
  containmentOf,
  containPolicies,
  DEFAULT_POLICY_HEAP_MIB,
  DEFAULT_STALL_SECONDS,
  runContained,
  untrustedPolicyRefs,
} from './contain/contain.js';
export {
  type ComparePlan,
  type ParallelCompareOptions,
  runComparison,
  runComparisonParallel,
  workloadLabel,
} from './experiment.js';
export {
  benchTraceReplay,
  type IdealRequestsOptions,
  type IdealRunOptions,
  type ReplayBench,
  type ReplayBenchOptions,
  runIdealRequests,
  runIdealTrace,
} from './ideal.js';
export { editDistance, INPUT_LIMITS, InputError, nearest, readInputFile, unknownKey } from './input.js';
export {
  type MrcOptions,
  type MrcResult,
  type MrcRow,
  missRatioCurve,
  objectsFor,
  STACK_POLICY,
} from './mrc.js';
export {
  createPolicy,
  defaultPolicy,
  describeOption,
  getPolicyFactory,
  listPolicies,
  type PolicySpec,
  PolicySpecError,
  parsePolicySpec,
  registerPolicy,
} from './policies.js';
export {
  importPolicyModule,
  isPolicyPath,
  loadPolicyModule,
  loadPolicySpecs,
  policyRef,
  registerPolicyExports,
  scenarioPolicySpecs,
  setUntrustedLoader,
  useBundledPackages,
  useTypeScriptTransform,
} from './policy-loader.js';
export * from './report/index.js';
export {
  policyAttachments,
  policyLabel,
  type RunOptions,
  runScenario,
  scenarioFrom,
  scenarioWorkload,
} from './runner.js';
export {
  checkScenarioWorkload,
  latencyBudgetNs,
  loadScenarioFile,
  parseMachine,
  type Scenario,
  ScenarioError,
  type ScenarioInput,
  validateScenario,
} from './scenario.js';
export * from './stats/index.js';
export * from './sweep/index.js';
export { parseSysctlArg, renameSysctls, SysctlError, sysctlField, VM_SYSCTLS } from './sysctl.js';
export * from './trace/index.js';
export {
  isTraceWorkload,
  ORACLE_OPTION,
  type PreparedTrace,
  prepareRequestsWorkload,
  prepareTraceWorkload,
  resolveTraceFormat,
  type TraceKind,
  type TraceWorkload,
  traceNextAccess,
  traceReadOptions,
} from './trace-run.js';
export * from './workload/index.js';
