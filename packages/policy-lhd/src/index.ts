export { createLhd, LHD_DEFAULTS, type LhdOptions, type LhdState, lhdPolicy } from './lhd.js';
