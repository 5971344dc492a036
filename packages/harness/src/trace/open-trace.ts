/**
 * Format detection and the reader/writer factories: the one place that maps
 * a format name to its implementation.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { openCsvTrace, openLibCacheSimCsvTrace } from './csv-reader.js';
import { createCsvWriter } from './csv-writer.js';
import { InputFile } from './file-io.js';
import { openLackeyTrace } from './lackey-reader.js';
import { createNativeWriter, hasNativeMagic, NATIVE_EXTENSION, openNativeTrace } from './native-format.js';
import {
  createOracleGeneralWriter,
  ORACLE_GENERAL_RECORD_BYTES,
  openOracleGeneralTrace,
} from './oracle-general.js';
import {
  type RequestSource,
  TraceChunk,
  type TraceFormat,
  type TraceReader,
  type TraceReadOptions,
  type TraceWriter,
  type WritableTraceFormat,
} from './trace-chunk.js';

const SNIFF_BYTES = 4096;
/** Read as they stream (`InputFile`). */
const READ_COMPRESSED = ['.zst', '.zstd', '.gz'];
const OTHER_COMPRESSED = ['.xz', '.bz2', '.lz4'];
const LACKEY_LINE = /^(I {2}| [LSM] )[0-9a-fA-F]+,\d+\s*$/;
const PLAIN_KEY_NAMES = new Set(['key', 'address', 'key_or_address']);

/**
 * Guesses a trace's format: the native magic first, then the name
 * (`.rlt`, `*oracleGeneral*`, `.lackey`), then the content (lackey lines, a
 * plain-CSV header, other text as libCacheSim CSV, headerless binary whose
 * length is a multiple of 24 as oracleGeneral). A zstd or gzip file is
 * looked at decompressed, its name without the compression's extension.
 */
export function detectFormat(path: string): TraceFormat {
  let name = basename(path).toLowerCase();
  const other = OTHER_COMPRESSED.find((ext) => name.endsWith(ext));
  if (other !== undefined) {
    throw new Error(
      `${path}: ${other} traces are not read directly (zstd and gzip are); decompress it first`,
    );
  }
  const file = new InputFile(path, SNIFF_BYTES);
  let got: number;
  try {
    got = file.fill(SNIFF_BYTES);
  } finally {
    file.close();
  }
  const compressed = file.compression !== null;
  const ext = READ_COMPRESSED.find((e) => name.endsWith(e));
  if (compressed && ext !== undefined) name = name.slice(0, -ext.length);
  const sample = file.buf.subarray(0, got);
  if (hasNativeMagic(sample) || name.endsWith(NATIVE_EXTENSION)) return 'native';
  if (name.includes('oraclegeneral')) return 'oracle-general';
  if (name.endsWith('.lackey')) return 'lackey';

  const binary = sample.some((b) => b === 0 || (b < 32 && b !== 9 && b !== 10 && b !== 13));
  if (binary) {
    // A compressed file's length says nothing of its records.
    if (!compressed && statSync(path).size % ORACLE_GENERAL_RECORD_BYTES === 0) return 'oracle-general';
    throw new Error(`${path}: cannot tell the format of this binary file; name it explicitly`);
  }
  const lines = sample.toString('latin1').split('\n');
  if (got === SNIFF_BYTES) lines.pop(); // possibly cut mid-line
  const first = lines
    .map((l) => l.replace(/\r$/, ''))
    .find((l) => l.trim() !== '' && !l.startsWith('==') && !l.startsWith('--'));
  if (first === undefined)
    throw new Error(`${path}: no trace lines to detect a format from; name it explicitly`);
  if (LACKEY_LINE.test(first)) return 'lackey';
  const cols = first.split(',').map((c) => c.trim().toLowerCase());
  if (cols[0] === 'time' && PLAIN_KEY_NAMES.has(cols[1] ?? '')) return 'csv';
  return 'libcachesim-csv';
}

/** Opens a reader for `path`, detecting the format when none is given. */
export function openTrace(path: string, format?: TraceFormat, options: TraceReadOptions = {}): TraceReader {
  const f = format ?? detectFormat(path);
  switch (f) {
    case 'csv':
      return openCsvTrace(path, options);
    case 'libcachesim-csv':
      return openLibCacheSimCsvTrace(path, options);
    case 'oracle-general':
      return openOracleGeneralTrace(path);
    case 'lackey':
      return openLackeyTrace(path, options);
    case 'native':
      return openNativeTrace(path);
  }
}

export interface TraceWriterOptions {
  /** native, csv: record next-access indices (oracleGeneral always does). Default false. */
  nextAccess?: boolean;
}

/** Creates a writer; the file appears at `path` only when `close` succeeds. */
export function createTraceWriter(
  path: string,
  format: WritableTraceFormat,
  options: TraceWriterOptions = {},
): TraceWriter {
  const lower = path.toLowerCase();
  const ext = [...READ_COMPRESSED, ...OTHER_COMPRESSED].find((e) => lower.endsWith(e));
  if (ext !== undefined) {
    throw new Error(
      `${path}: traces are written uncompressed; drop the ${ext} and compress the file afterwards`,
    );
  }
  switch (format) {
    case 'csv':
      return createCsvWriter(path, options);
    case 'oracle-general':
      return createOracleGeneralWriter(path);
    case 'native':
      return createNativeWriter(path, options);
  }
}

/**
 * Streams every chunk of a trace through `visit` (with the index of the
 * chunk's first request) and returns the number of requests.
 */
export function scanTrace(
  path: string,
  format: TraceFormat | undefined,
  options: TraceReadOptions,
  visit: (chunk: TraceChunk, firstIndex: number) => void,
): number {
  const reader = openTrace(path, format, options);
  try {
    return scanReader(reader, visit);
  } finally {
    reader.close();
  }
}

/** scanTrace for an already open reader (which the caller closes). */
export function scanReader(
  reader: RequestSource,
  visit: (chunk: TraceChunk, firstIndex: number) => void,
): number {
  const chunk = new TraceChunk();
  let index = 0;
  while (reader.read(chunk) > 0) {
    visit(chunk, index);
    index += chunk.length;
  }
  return index;
}
