export { createLfu, LFU_DEFAULTS, type LfuOptions, type LfuState, lfuPolicy } from './lfu.js';
