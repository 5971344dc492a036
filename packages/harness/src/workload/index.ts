export { type CompiledTask, type CompiledWorkload, type CompileOptions, compileWorkload } from './compile.js';
export { drainSource } from './drain.js';
export { describeValue, formatPath, type SpecIssue, WorkloadSpecError } from './errors.js';
export { FeistelPermutation } from './feistel.js';
export type { ParamDef, ParamInfo, WorkloadInfo, WorkloadPreset } from './presets/define.js';
export { getWorkload, listWorkloads } from './presets/registry.js';
export type { CountValue, DurationValue, SizeBase, SizeValue } from './quantities.js';
export { assertWorkloadInput, validateWorkload } from './schema.js';
export type {
  CacheDef,
  FileDef,
  LimitValue,
  MadviseAdvice,
  MemcgDef,
  ParamDecl,
  Parameterized,
  ParamRef,
  ParamValue,
  PatternDef,
  PatternKind,
  PhaseDef,
  ProactiveDef,
  RegionDef,
  SideStreamDef,
  StreamDef,
  TaskDef,
  WorkloadInput,
  WorkloadSpec,
} from './spec.js';
export { workloadFromYaml, workloadToYaml } from './yaml.js';
export { harmonic, ZipfSampler } from './zipf.js';
