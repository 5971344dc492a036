export { AppModel, NOT_AN_APP } from './app.js';
export { Kernel, type KernelOptions, type PolicyAttachment } from './kernel.js';
export { layerPolicy, type PolicyExtension } from './layer.js';
export {
  type AddHow,
  type AddReason,
  type ClassChange,
  type ClassVerdict,
  CORE_CAPABILITIES,
  type CoreCapability,
  type Decision,
  type EvictRequest,
  type InitCtx,
  type IsolateResult,
  type OptionSpec,
  type PolicyCtx,
  type PolicyFactory,
  type PutbackOutcome,
  RECLAIM_OPS_MIN_VERSION,
  RECLAIM_OPS_VERSION,
  type ReclaimCore,
  type ReclaimOps,
  type RefaultVerdict,
  type ShadowInfo,
  type ShrinkListResult,
} from './ops.js';
export type { LruvecCtx, PolicySlot } from './policy-host.js';
export { calculateProtection, effectiveProtection } from './protection.js';
export { PSI_PERIOD_NS, Psi, type PsiTotals } from './psi.js';
export {
  type AppKill,
  type AppsResult,
  emptyTimeSeries,
  type LatencySummary,
  type LaunchRecord,
  type MemcgResult,
  memcgResult,
  type OomKill,
  type PhaseResult,
  type PolicyExit,
  type PressureResult,
  type RunResult,
  type TaskResult,
  type TimeSeries,
} from './result.js';
export {
  DEF_PRIORITY,
  MAX_LRU_BATCH,
  MAX_RECLAIM_RETRIES,
  MAX_SWAPPINESS,
  MEMCG_CHARGE_BATCH,
  MIN_LRU_BATCH,
  type Reclaimer,
  ScanControl,
  SWAP_CLUSTER_MAX,
  SWAPPINESS_ANON_ONLY,
} from './scan-control.js';
export { swapinNrPages } from './swap-state.js';
export { Task } from './task.js';
export {
  checkCompatibility,
  DEFAULT_WATCHDOG,
  POLICY_HOOKS,
  PolicyEjected,
  PolicyLoadError,
  PolicyStopped,
  validatePolicy,
  type WatchdogOptions,
} from './watchdog.js';
export { WorkloadError } from './workload-error.js';
