export { measureSweepThroughput, type Throughput, type ThroughputOptions } from './bench.js';
export {
  CELL_SCHEMA,
  type CellFile,
  type CellTask,
  canonicalJson,
  cellFileText,
  cellId,
  effectiveScenario,
  parseCellFile,
  runCellTask,
} from './cell.js';
export { type EmitOptions, emitK8s, emitK8sMerge, emitSlurm, jobName, shellQuote } from './emit.js';
export {
  type LoadedSweep,
  loadSweepDirs,
  type MergeOptions,
  mergeSweepDirs,
  type SweepComparisonOptions,
  sweepComparison,
} from './merge.js';
export { type CellRunner, createCellRunner, defaultWorkers } from './pool.js';
export {
  CELLS_DIR,
  type CellFailure,
  cellPath,
  type ExecuteOptions,
  type ExecuteResult,
  executeCells,
  listCellIds,
  MANIFEST_FILE,
  manifestOf,
  type PlannedTask,
  readManifest,
  runSweep,
  type SweepManifest,
  type SweepProgress,
  type SweepRunOptions,
  type SweepRunSummary,
} from './run.js';
export { parseShard, type Shard, shardCells } from './shard.js';
export {
  type AxisRole,
  loadSweepFile,
  loadSweepPolicies,
  makePlan,
  planSweep,
  SWEEP_SCHEMA,
  type SweepAxisInfo,
  type SweepCell,
  SweepError,
  type SweepPlan,
} from './spec.js';
