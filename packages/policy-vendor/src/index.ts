export {
  createVendor,
  priorityFor,
  skipForeground,
  stopAtWatermark,
  VENDOR_DEFAULTS,
  type VendorOptions,
  vendorPolicy,
} from './vendor.js';
