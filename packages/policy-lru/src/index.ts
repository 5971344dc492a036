export {
  createLru,
  inactiveIsLow,
  LRU_ACTIVE_ANON,
  LRU_ACTIVE_FILE,
  LRU_DEFAULTS,
  LRU_INACTIVE_ANON,
  LRU_INACTIVE_FILE,
  type LruAccess,
  LruOptionError,
  type LruOptions,
  type LruState,
  lruPolicy,
} from './lru.js';
