export { type ConvertOptions, type ConvertResult, convertTrace, writeTraceFrom } from './convert.js';
export {
  openCsvTrace,
  openLibCacheSimCsvTrace,
  PLAIN_CSV_HEADER_HELP,
  parseLibCacheSimCsvParams,
} from './csv-reader.js';
export { type CsvWriterOptions, createCsvWriter } from './csv-writer.js';
export { KeyTable } from './key-table.js';
export { openLackeyTrace } from './lackey-reader.js';
export {
  lruMisses,
  SHARDS_ERROR,
  SHARDS_MIN_INTERVALS,
  type StackHistogram,
  type StackHistogramOptions,
  stackHistogram,
} from './mrc.js';
export {
  createNativeWriter,
  hasNativeMagic,
  NATIVE_EXTENSION,
  NATIVE_MAGIC,
  NATIVE_VERSION,
  NATIVE_VERSION_WIDE,
  type NativeWriterOptions,
  openNativeTrace,
} from './native-format.js';
export {
  createTraceWriter,
  detectFormat,
  openTrace,
  scanReader,
  scanTrace,
  type TraceWriterOptions,
} from './open-trace.js';
export {
  createOracleGeneralWriter,
  ORACLE_GENERAL_RECORD_BYTES,
  openOracleGeneralTrace,
} from './oracle-general.js';
export {
  makeSyntheticTrace,
  type SyntheticTraceOptions,
  syntheticRequests,
} from './synthetic.js';
export {
  DEFAULT_REQUEST_SIZE,
  LIBCACHESIM_CSV_DEFAULTS,
  type LibCacheSimCsvLayout,
  MAX_TRACE_KEY,
  NEXT_NEVER,
  NEXT_UNKNOWN,
  parseTraceFormat,
  type RequestSource,
  TRACE_CHUNK_CAPACITY,
  TRACE_FORMATS,
  TRACE_OP_READ,
  TRACE_OP_WRITE,
  TraceChunk,
  type TraceFormat,
  type TraceReader,
  type TraceReadOptions,
  type TraceWriter,
  u64ToString,
  WRITABLE_TRACE_FORMATS,
  type WritableTraceFormat,
} from './trace-chunk.js';
export { TraceFormatError } from './trace-error.js';
export {
  type DenseKeys,
  denseKeyMap,
  type TraceEventSource,
  type TraceEventSourceOptions,
  type TraceEvents,
  TraceKeyStream,
  traceEventSource,
  traceKeyStream,
} from './trace-event-source.js';
export {
  computeNextAccess,
  nextAccessFromReader,
  type ReuseBucket,
  reuseBucketOf,
  StackDistanceTracker,
  type TraceStats,
  traceStats,
} from './trace-stats.js';
