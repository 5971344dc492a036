export { Aging } from './aging.js';
export { Eviction } from './eviction.js';
export { createMglru, mglruPolicy } from './mglru.js';
export {
  type DirtyHandling,
  MGLRU_DEFAULTS,
  MGLRU_OPTION_DOCS,
  MGLRU_OPTION_SCHEMA,
  MGLRU_PRESETS,
  type MglruBalance,
  MglruOptionError,
  type MglruOptions,
  resolveMglruOptions,
} from './options.js';
export {
  type CtrlPos,
  CtrlStats,
  carryOverCtrlPos,
  ctrlPos,
  getTierIdx,
  getTypeToScan,
  getTypeToScanUpTo613,
  positiveCtrlErr,
  readCtrlPos,
  typeBySwappiness,
} from './pid.js';
export { ANON, FILE, Layout, MglruState, MIN_NR_GENS } from './state.js';
