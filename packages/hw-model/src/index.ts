export * from './units.js';
export { Rng } from './rng.js';
export * from './events.js';
export type { Advice, FileSpec, MemcgSpec, RegionKind, RegionSpec, TaskSpec, WorkloadInstance } from './spec.js';
export * from './frames.js';
export { BlockDevice, DEVICE_PRESETS, type DeviceSpec } from './device.js';
export { type CostModel, DEFAULT_COST, ZERO_COST } from './cost.js';
export { defaultMinFreeKbytes, setupWatermarks, Zone } from './zone.js';
export { Memcg } from './memcg.js';
export { type FileMapping, SimFile } from './file.js';
export { SwapSpace } from './swap.js';
export * from './mm.js';
export {
  defaultMachineConfig,
  idealMachineConfig,
  Machine,
  type MachineConfig,
  type NodeState,
  type SimMode,
} from './machine.js';
