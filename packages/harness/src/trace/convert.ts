/**
 * Trace conversion. Output goes through a TraceWriter, which writes a
 * temporary file and renames it at the end, so a failure (a malformed input
 * line, a value the output format cannot hold) leaves no partial output.
 */
import { statSync } from 'node:fs';
import { createTraceWriter, detectFormat, openTrace, scanReader } from './open-trace.js';
import type {
  RequestSource,
  TraceFormat,
  TraceReadOptions,
  TraceWriter,
  WritableTraceFormat,
} from './trace-chunk.js';
import { nextAccessFromReader } from './trace-stats.js';

export interface ConvertOptions extends TraceReadOptions {
  /**
   * Record next-access indices in native or CSV output: true computes them
   * when the input lacks them, false drops them; by default they are kept
   * when the input has them. oracleGeneral output always has them (computed
   * if needed).
   */
  nextAccess?: boolean;
}

export interface ConvertResult {
  requests: number;
  /** Size of the output file. */
  bytes: number;
}

/** Converts a trace; `inFormat` undefined means detect it. */
export function convertTrace(
  inPath: string,
  inFormat: TraceFormat | undefined,
  outPath: string,
  outFormat: WritableTraceFormat,
  options: ConvertOptions = {},
): ConvertResult {
  const format = inFormat ?? detectFormat(inPath);
  return writeTraceFrom(() => openTrace(inPath, format, options), outPath, outFormat, options.nextAccess);
}

/**
 * Writes the requests of `open()` to `outPath`. `open` may be called twice:
 * once to compute next-access indices when the output needs them and the
 * input lacks them, once to copy.
 */
export function writeTraceFrom(
  open: () => RequestSource,
  outPath: string,
  outFormat: WritableTraceFormat,
  nextAccess?: boolean,
): ConvertResult {
  let reader = open();
  let writer: TraceWriter | undefined;
  try {
    const wantNext = outFormat === 'oracle-general' || (nextAccess ?? reader.hasNextAccess);
    let computed: Float64Array | undefined;
    if (wantNext && !reader.hasNextAccess) {
      computed = nextAccessFromReader(reader);
      reader.close();
      reader = open();
    }
    const w = createTraceWriter(outPath, outFormat, { nextAccess: wantNext });
    writer = w;
    const requests = scanReader(reader, (chunk, first) => {
      if (computed !== undefined) chunk.next.set(computed.subarray(first, first + chunk.length));
      w.write(chunk);
    });
    w.close();
    writer = undefined;
    return { requests, bytes: statSync(outPath).size };
  } catch (e) {
    writer?.abort();
    throw e;
  } finally {
    reader.close();
  }
}
