export { AccessScanner, type AccessScanState, accessScanState } from './access-scan.js';
export {
  AGE_ATOMIC_NS,
  AGE_BATCH,
  type AgeUpdate,
  ageUpdateDeltaNs,
  ageUpdateNs,
  isAgeUpdate,
  LRU_LOCK_NS,
  LRU_MOVE_NS,
} from './age-update.js';
export { BLOOM_FILTER_SHIFT, BloomFilters, bloomKey, NR_BLOOM_FILTERS } from './bloom.js';
export { Counters, KIB_PER_PAGE, VM, VMSTAT_NAMES, type VmstatName } from './counters.js';
export { ListSet, StepBudgetExceeded } from './lists.js';
export { LOOKAROUND_PTES, LookAround, type LookAroundParams, lookAroundWindow } from './lookaround.js';
export { Lruvec } from './lruvec.js';
export {
  type GenRecentRule,
  genRefaultIsRecent,
  genTokenRefs,
  genTokenSeq,
  packGenToken,
} from './mglru-shadow.js';
export {
  EvictionBatch,
  GhostFifo,
  type IterVerdict,
  listIterate,
  listSample,
  PageField,
  type SampleCtx,
} from './policy-helpers.js';
export {
  PageTableWalker,
  PTES_PER_CACHELINE,
  type PtWalkParams,
  type PtWalkStats,
  shouldSkipVma,
  suitableToScan,
  transferDirty,
  type YoungFolioVisitor,
} from './pt-walk.js';
export {
  type CtrlPos,
  CtrlStats,
  carryOverCtrlPos,
  costWeights,
  ctrlPos,
  getTypeToScan,
  positiveCtrlErr,
  readCtrlPos,
  typeByWeights,
} from './refault-ctrl.js';
export {
  GEN_CLOCK_LIVE_GENS,
  GEN_CLOCK_REFS_WIDTH,
  type GenClock,
  genClock,
  genClockEvict,
  genClockMinSeq,
  isRefaultFlavour,
  REFAULT_FLAVOURS,
  type RefaultFlavour,
} from './refault-flavour.js';
export { SHADOW_NODE_SLOTS, ShadowNodes } from './shadow-nodes.js';
export { TimerHeap } from './timer-heap.js';
export {
  classicRefaultIsRecent,
  type LruSizes,
  packShadow,
  shadowLruvec,
  shadowPayload,
  shadowWorkingset,
} from './workingset.js';
export { type RmapResult, World, type YoungPteVisitor } from './world.js';
