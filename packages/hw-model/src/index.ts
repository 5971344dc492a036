export * from './units.js';
export { Rng } from './rng.js';
export * from './events.js';
export type { Advice, FileSpec, MemcgSpec, RegionKind, RegionSpec, TaskSpec, WorkloadInstance } from './spec.js';
