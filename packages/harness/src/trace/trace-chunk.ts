/**
 * The request model shared by every trace reader and writer. A trace is a
 * stream of requests (time, key, op, size, next access); readers fill chunks
 * of parallel typed arrays, so reading allocates nothing per request and
 * memory does not grow with trace length.
 */

/** A read (libCacheSim get, lackey load, CSV r). */
export const TRACE_OP_READ = 0;
/** A write (libCacheSim set, lackey store, CSV w). */
export const TRACE_OP_WRITE = 1;

/** `next[i]` when the key is never accessed again. */
export const NEXT_NEVER = Number.POSITIVE_INFINITY;
/** `next[i]` when the format does not carry next-access information (test with Number.isNaN). */
export const NEXT_UNKNOWN = Number.NaN;

/**
 * Largest key a JS number holds exactly (2^53 - 1). Keys are u64: wider ids
 * (hashed object ids of real traces) are exact in a chunk's keyHi/keyLo and
 * only rounded in its `key` double.
 */
export const MAX_TRACE_KEY = Number.MAX_SAFE_INTEGER;

const TWO_32 = 4294967296;

/** Size of one request when the format has none: one 4 KiB page. */
export const DEFAULT_REQUEST_SIZE = 4096;

export const TRACE_CHUNK_CAPACITY = 8192;

export class TraceChunk {
  /** Timestamp in the trace's own unit (seconds, ns, or a request/instruction counter). */
  readonly time: Float64Array;
  /**
   * The key (object id or page number) as a number: exact up to
   * MAX_TRACE_KEY, rounded above. For arithmetic and messages; a key's
   * identity is its two halves below.
   */
  readonly key: Float64Array;
  /** High 32 bits of the u64 key. */
  readonly keyHi: Uint32Array;
  /** Low 32 bits of the u64 key. */
  readonly keyLo: Uint32Array;
  /** TRACE_OP_READ or TRACE_OP_WRITE. */
  readonly op: Uint8Array;
  /** Bytes requested. */
  readonly size: Uint32Array;
  /** 0-based index of the next request for the same key, NEXT_NEVER, or NEXT_UNKNOWN. */
  readonly next: Float64Array;
  length = 0;
  /**
   * Set by a consumer that reads only keyHi, keyLo and op (the one-pass
   * replay): a reader may then leave the other fields unwritten. It still
   * checks every record as it would otherwise.
   */
  keysOnly = false;

  constructor(capacity = TRACE_CHUNK_CAPACITY) {
    this.time = new Float64Array(capacity);
    this.key = new Float64Array(capacity);
    this.keyHi = new Uint32Array(capacity);
    this.keyLo = new Uint32Array(capacity);
    this.op = new Uint8Array(capacity);
    this.size = new Uint32Array(capacity);
    this.next = new Float64Array(capacity);
  }

  get capacity(): number {
    return this.op.length;
  }

  /** Appends a request whose key is a number (exact up to MAX_TRACE_KEY). */
  push(time: number, key: number, op: number, size: number, next: number = NEXT_UNKNOWN): void {
    const i = this.length++;
    this.time[i] = time;
    this.setKey(i, key);
    this.op[i] = op;
    this.size[i] = size;
    this.next[i] = next;
  }

  /** Sets request i's key from a number: all three views, halves exact up to MAX_TRACE_KEY. */
  setKey(i: number, key: number): void {
    this.key[i] = key;
    const hi = Math.floor(key / TWO_32);
    this.keyHi[i] = hi;
    this.keyLo[i] = key - hi * TWO_32;
  }

  /** Sets request i's key from its u64 halves. */
  setKeyU64(i: number, hi: number, lo: number): void {
    this.keyHi[i] = hi;
    this.keyLo[i] = lo;
    this.key[i] = hi * TWO_32 + lo;
  }
}

/** A u64 key's decimal digits, exact for all 64 bits (no BigInt: two base-10^8 limbs). */
export function u64ToString(hi: number, lo: number): string {
  if (hi < 0x200000) return String(hi * TWO_32 + lo);
  // hi * 2^32 + lo = q * 1e8 + r, computed in halves small enough for doubles.
  const hiQ = Math.floor(hi / 1e8);
  const hiR = hi - hiQ * 1e8;
  // hiR * 2^32 + lo < 1e8 * 2^32 + 2^32 < 2^59: split again to stay exact.
  const mid = hiR * 65536 + Math.floor(lo / 65536);
  const midQ = Math.floor(mid / 1e8);
  const midR = mid - midQ * 1e8;
  const low = midR * 65536 + (lo % 65536);
  const lowQ = Math.floor(low / 1e8);
  const r = low - lowQ * 1e8;
  // Quotient = hiQ * 2^32 + midQ * 2^16 + lowQ, below 2^64 / 1e8 < 2^38: exact.
  const q = hiQ * TWO_32 + midQ * 65536 + lowQ;
  return `${q}${String(r).padStart(8, '0')}`;
}

/** Anything that produces requests in chunks: a trace reader or a generator. */
export interface RequestSource {
  /** True when every request carries its next-access index (NEXT_UNKNOWN never appears). */
  readonly hasNextAccess: boolean;
  /** Number of requests when known up front (native, oracleGeneral, generators); otherwise undefined. */
  readonly requestCount: number | undefined;
  /** Fills `chunk` from index 0 up to its capacity and returns the new length; 0 at the end. */
  read(chunk: TraceChunk): number;
  close(): void;
}

/**
 * Reads a trace file incrementally (synchronously, with fs.readSync on one
 * descriptor). Call `read` until it returns 0, then `close`.
 */
export interface TraceReader extends RequestSource {
  readonly path: string;
  readonly format: TraceFormat;
}

/** Streams requests into a trace file; nothing appears at `path` until `close` succeeds. */
export interface TraceWriter {
  readonly path: string;
  readonly format: WritableTraceFormat;
  /** Appends the chunk's requests (validating that each fits the format). */
  write(chunk: TraceChunk): void;
  /** Flushes and atomically renames the temporary file to `path`. */
  close(): void;
  /** Discards the temporary file; safe to call after a failed write or twice. */
  abort(): void;
  /** Requests written so far. */
  readonly written: number;
}

export type TraceFormat = 'csv' | 'libcachesim-csv' | 'oracle-general' | 'lackey' | 'native';
export type WritableTraceFormat = 'csv' | 'oracle-general' | 'native';

export const TRACE_FORMATS: readonly TraceFormat[] = [
  'csv',
  'libcachesim-csv',
  'oracle-general',
  'lackey',
  'native',
];
export const WRITABLE_TRACE_FORMATS: readonly WritableTraceFormat[] = ['csv', 'oracle-general', 'native'];

/** libCacheSim's CSV reader parameters, with its 1-based column numbers (as in `-t "time-col=1,…"`). */
export interface LibCacheSimCsvLayout {
  /** Omit when the trace has no time: time is then the request index. */
  timeCol: number | undefined;
  objIdCol: number;
  /** Omit for traces without sizes: each request is then DEFAULT_REQUEST_SIZE bytes. */
  objSizeCol: number | undefined;
  /** Omit for read-only traces. */
  opCol: number | undefined;
  /** 'auto' follows libCacheSim: a first line whose obj-id is not a number is a header. */
  hasHeader: boolean | 'auto';
  delimiter: string;
  /** False (libCacheSim's default) reads ids as strings and hashes them; ours is true: numeric ids. */
  objIdIsNum?: boolean;
}

/**
 * libCacheSim's common CSV layout, `time-col=1,obj-id-col=2,obj-size-col=3,
 * delimiter=,` with header detection: the layout of its sample traces
 * (`time,object,size,…`) and of `tracePrint`'s CSV output.
 */
export const LIBCACHESIM_CSV_DEFAULTS: LibCacheSimCsvLayout = {
  timeCol: 1,
  objIdCol: 2,
  objSizeCol: 3,
  opCol: undefined,
  hasHeader: 'auto',
  delimiter: ',',
};

/** Reader options; each applies to the formats named in its description and is ignored by the others. */
export interface TraceReadOptions {
  /** csv, libcachesim-csv: the key column holds byte addresses; use their page number (address >> pageShift). */
  addressToPage?: boolean;
  /** csv, libcachesim-csv, lackey: log2 of the page size (default 12, 4 KiB). */
  pageShift?: number;
  /** lackey: emit instruction fetches (`I` lines) as reads too (default false: data accesses only). */
  includeInstructions?: boolean;
  /** libcachesim-csv: overrides of LIBCACHESIM_CSV_DEFAULTS. */
  libCacheSimCsv?: Partial<LibCacheSimCsvLayout>;
}

/** Parses a user-supplied format name; `oracleGeneral` (libCacheSim's spelling) is accepted too. */
export function parseTraceFormat(name: string): TraceFormat {
  if (name === 'oracleGeneral') return 'oracle-general';
  const format = TRACE_FORMATS.find((f) => f === name);
  if (format !== undefined) return format;
  throw new Error(`unknown trace format "${name}" (expected one of ${TRACE_FORMATS.join(', ')})`);
}
