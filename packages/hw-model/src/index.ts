export { type CostModel, DEFAULT_COST, ZERO_COST } from './cost.js';
export { BlockDevice, DEVICE_PRESETS, type DeviceSpec, fileSector } from './device.js';
export * from './events.js';
export { type FileMapping, SimFile } from './file.js';
export * from './frames.js';
export { applyJitter, MAX_JITTER } from './jitter.js';
export {
  DEFAULT_KERNEL,
  KERNEL_VERSIONS,
  type KernelVersion,
  kernelBefore,
  parseKernelVersion,
} from './kernel.js';
export {
  defaultMachineConfig,
  idealMachineConfig,
  isTieredMachine,
  Machine,
  type MachineConfig,
  type NodeState,
  type SimMode,
} from './machine.js';
export { MEMCG_STAT, MEMCG_STAT_NAMES, Memcg, type MemcgStatName } from './memcg.js';
export * from './mm.js';
export { Rng } from './rng.js';
export type {
  Advice,
  FileSpec,
  LmkdSpec,
  MemcgSpec,
  RegionKind,
  RegionSpec,
  TaskSpec,
  WorkloadInstance,
} from './spec.js';
export { SwapSpace } from './swap.js';
export * from './units.js';
export { defaultMinFreeKbytes, setupWatermarks, Zone } from './zone.js';
export { DEFAULT_ZRAM_RATIO, ZramPool, type ZramStat } from './zram.js';
