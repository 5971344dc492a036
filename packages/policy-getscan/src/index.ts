export {
  createGetScan,
  GETSCAN_DEFAULTS,
  type GetScanOptions,
  type GetScanState,
  getScanPolicy,
} from './getscan.js';
