export { createMru, type MruOptions, type MruState, mruPolicy } from './mru.js';
