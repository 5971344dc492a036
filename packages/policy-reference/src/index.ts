export {
  createExactLru,
  EXACT_LRU_DEFAULTS,
  type ExactLruOptions,
  type ExactLruState,
  exactLruPolicy,
} from './exact-lru.js';
export { NextUseHeap } from './next-use-heap.js';
export { createOpt, OPT_DEFAULTS, type OptOptions, OptOracleError, type OptState, optPolicy } from './opt.js';
