export { Counters, VM, VMSTAT_NAMES, type VmstatName } from './counters.js';
export { ListSet, StepBudgetExceeded } from './lists.js';
export { Lruvec } from './lruvec.js';
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
