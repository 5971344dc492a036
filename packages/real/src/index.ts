export * from './cache.js';
export * from './compare.js';
export * from './console.js';
export * from './driver.js';
export * from './guest.js';
export * from './plan.js';
export * from './qemu.js';
export * from './real.js';
