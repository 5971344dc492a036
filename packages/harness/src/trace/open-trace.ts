/**
 * Format detection and the reader/writer factories: the one place that maps
 * a format name to its implementation.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { openCsvTrace, openLibCacheSimCsvTrace } from './csv-reader.js';
import { createCsvWriter } from './csv-writer.js';
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
const COMPRESSED = ['.zst', '.gz', '.xz', '.bz2', '.lz4'];
const LACKEY_LINE = /^(I {2}| [LSM] )[0-9a-fA-F]+,\d+\s*$/;
const PLAIN_KEY_NAMES = new Set(['key', 'address', 'key_or_address']);

/**
 * Guesses a trace's format: the native magic first, then the name
 * (`.rlt`, `*oracleGeneral*`, `.lackey`), then the content (lackey lines, a
 * plain-CSV header, other text as libCacheSim CSV, headerless binary whose
 * length is a multiple of 24 as oracleGeneral).
 */
export function detectFormat(path: string): TraceFormat {
  const name = basename(path).toLowerCase();
  const compressed = COMPRESSED.find((ext) => name.endsWith(ext));
  if (compressed !== undefined) {
    throw new Error(`${path}: compressed traces (${compressed}) are not read directly; decompress it first`);
  }
  const head = Buffer.alloc(SNIFF_BYTES);
  const fd = openSync(path, 'r');
  let got: number;
  try {
    got = readSync(fd, head, 0, SNIFF_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  const sample = head.subarray(0, got);
  if (hasNativeMagic(sample) || name.endsWith(NATIVE_EXTENSION)) return 'native';
  if (name.includes('oraclegeneral')) return 'oracle-general';
  if (name.endsWith('.lackey')) return 'lackey';

  const binary = sample.some((b) => b === 0 || (b < 32 && b !== 9 && b !== 10 && b !== 13));
  if (binary) {
    const size = statSync(path).size;
    if (size % ORACLE_GENERAL_RECORD_BYTES === 0) return 'oracle-general';
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
