/**
 * Traces as scenario workloads: `workload: { trace: PATH, format?: NAME,
 * kind?: 'file-fd' | 'anon' }`. The trace becomes one task over one region
 * as long as its footprint; each request is one access of its (densely
 * renumbered) page. By default requests are fd reads and writes of a file,
 * so every one of them reaches the policy through `folioAccessed` (the
 * kernel's `folio_mark_accessed`); `anon` replays them as loads and stores
 * through a page table, which only the accessed bit sees.
 *
 * Policies that declare an `oracle` option (Belady's OPT) receive the
 * trace's next-access indices here: read from the trace when its format
 * carries them (oracleGeneral, native with next access), computed otherwise.
 */
import { statSync } from 'node:fs';
import type { EventChunk, EventSource, WorkloadInstance } from '@reclaim-lab/hw-model';
import * as hw from '@reclaim-lab/hw-model';
import { getPolicyFactory, type PolicySpec } from './policies.js';
import { hasTracePath, ScenarioError } from './scenario.js';
import {
  detectFormat,
  KeyTable,
  nextAccessFromReader,
  openTrace,
  parseLibCacheSimCsvParams,
  parseTraceFormat,
  TraceChunk,
  type TraceFormat,
  TraceFormatError,
  type TraceReader,
  type TraceReadOptions,
} from './trace/index.js';
import * as model from './trace/trace-chunk.js';

// Copied once at load: tsx and vitest compile imported bindings to getters, a call per use in hot loops.
const { OP_LOAD, OP_OPDONE, OP_READ, OP_STORE, OP_WRITE } = hw;
const { TRACE_OP_WRITE } = model;

export type TraceKind = 'file-fd' | 'anon';

export interface TraceWorkload {
  /** Path of the trace file. */
  trace: string;
  /** Format name (see TRACE_FORMATS; `oracleGeneral` is accepted); detected when absent. */
  format?: string;
  /** How requests reach memory: fd reads/writes (default) or page-table loads/stores. */
  kind?: TraceKind;
  /** Keep the dense request stream in memory up to this many requests (default REPLAY_IN_MEMORY_MAX). */
  inMemoryMax?: number;
  /**
   * libcachesim-csv: its reader parameters in libCacheSim's own syntax
   * (`time-col=2,obj-id-col=5,obj-size-col=4,has-header=true`), see
   * `parseLibCacheSimCsvParams`.
   */
  params?: string;
  /** Replay only the trace's first N requests. */
  requests?: number;
}

/** The reader options a trace workload's `params` stand for (none for other formats). */
export function traceReadOptions(
  path: string,
  format: TraceFormat,
  params: string | undefined,
): TraceReadOptions {
  if (params === undefined) return {};
  if (format !== 'libcachesim-csv')
    throw new TraceFormatError(
      path,
      undefined,
      `reader params apply to libcachesim-csv traces only, not ${format}`,
    );
  try {
    return { libCacheSimCsv: parseLibCacheSimCsvParams(params) };
  } catch (e) {
    throw new TraceFormatError(path, undefined, (e as Error).message);
  }
}

/** The option through which a policy asks for the trace's next-access indices. */
export const ORACLE_OPTION = 'oracle';

export function isTraceWorkload(w: unknown): w is TraceWorkload {
  return hasTracePath(w);
}

/** A trace ready to run: its workload instance, and next-access indices for the policies that ask. */
export interface PreparedTrace {
  workload: WorkloadInstance;
  format: TraceFormat;
  /** Footprint in pages; for a one-pass replay (PrepareOptions.footprint false) the request count, a bound. */
  pages: number;
  requests: number;
  /** The spec with `oracle` filled in when the policy declares it; other specs unchanged. */
  supply(spec: PolicySpec): PolicySpec;
  /** Releases the trace file if the run stopped before its end. */
  close(): void;
}

/** Names a trace format or detects it, with errors that name the file. */
export function resolveTraceFormat(path: string, format?: string): TraceFormat {
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new Error('not a regular file');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new TraceFormatError(path, undefined, `cannot read trace: ${why}`);
  }
  if (format !== undefined) return parseTraceFormat(format);
  try {
    return detectFormat(path);
  } catch (e) {
    // detectFormat's messages already start with the path.
    throw new TraceFormatError(path, undefined, (e as Error).message.replace(`${path}: `, ''));
  }
}

/** Next-access index per request: the trace's own when it has them, computed otherwise. */
export function traceNextAccess(
  path: string,
  format: TraceFormat,
  options: TraceReadOptions = {},
): Float64Array {
  const reader = openTrace(path, format, options);
  try {
    if (!reader.hasNextAccess) return nextAccessFromReader(reader);
    let next = new Float64Array(Math.max(reader.requestCount ?? 0, 1024));
    const chunk = new TraceChunk();
    let n = 0;
    while (reader.read(chunk) > 0) {
      if (n + chunk.length > next.length) {
        const grown = new Float64Array(Math.max(2 * next.length, n + chunk.length));
        grown.set(next);
        next = grown;
      }
      next.set(chunk.next.subarray(0, chunk.length), n);
      n += chunk.length;
    }
    return n === next.length ? next : next.slice(0, n);
  } finally {
    reader.close();
  }
}

/** Dense page ids must fit the event stream's Int32Array args. */
const MAX_PAGES = 2 ** 31 - 1;

/**
 * Traces of up to this many requests keep their dense page ids in memory
 * after the first pass (4 bytes a request), so the file is read once; longer
 * traces are streamed from the file again, in constant memory.
 */
export const REPLAY_IN_MEMORY_MAX = 1 << 25;

/**
 * The first pass: number the trace's keys and count its requests, keeping
 * the request stream as dense ids (`~id` for a write) while it fits
 * REPLAY_IN_MEMORY_MAX.
 */
function numberKeys(
  path: string,
  open: () => TraceReader,
  keep: number,
  limit: number,
): { table: KeyTable; requests: number; ids: Int32Array | null } {
  const table = new KeyTable();
  const chunk = new TraceChunk();
  const reader = open();
  let requests = 0;
  let ids: Int32Array | null = new Int32Array(Math.min(keep, Math.max(reader.requestCount ?? 0, 1 << 16)));
  try {
    while (requests < limit && reader.read(chunk) > 0) {
      const { keyHi, keyLo, op } = chunk;
      const n = Math.min(chunk.length, limit - requests);
      if (ids !== null && requests + n > ids.length) {
        if (requests + n > keep) ids = null;
        else {
          const grown: Int32Array = new Int32Array(Math.min(keep, Math.max(2 * ids.length, requests + n)));
          grown.set(ids.subarray(0, requests));
          ids = grown;
        }
      }
      if (ids === null) for (let i = 0; i < n; i++) table.add(keyHi[i], keyLo[i]);
      else {
        for (let i = 0; i < n; i++) {
          const id = table.add(keyHi[i], keyLo[i]);
          ids[requests + i] = op[i] === TRACE_OP_WRITE ? ~id : id;
        }
      }
      requests += n;
      if (table.size > MAX_PAGES)
        throw new TraceFormatError(path, undefined, `more than ${MAX_PAGES} distinct keys`);
    }
  } finally {
    reader.close();
  }
  return { table, requests, ids: ids === null ? null : ids.subarray(0, requests) };
}

/**
 * Requests (`~id` for a write) as the events `traceEventSource` produces:
 * each a read/write (file-fd) or load/store (anon) of its dense page on
 * region 0, then OP_OPDONE.
 */
function expandRequests(
  reqs: Int32Array,
  n: number,
  out: EventChunk,
  readOp: number,
  writeOp: number,
): number {
  const { op, region, arg } = out;
  let k = 0;
  for (let i = 0; i < n; i++) {
    const id = reqs[i];
    op[k] = id < 0 ? writeOp : readOp;
    region[k] = 0;
    arg[k++] = id < 0 ? ~id : id;
    op[k] = OP_OPDONE;
    region[k] = 0;
    arg[k++] = 0;
  }
  out.length = k;
  return k;
}

/** The second pass from memory: the dense ids kept by the first. */
class MemoryReplay implements EventSource {
  private pos = 0;
  private scratch: Int32Array | null = null;
  /** Offered for fd replays only: the request stream as it is (see EventSource). */
  readonly fillRequests?: (out: Int32Array) => number;

  constructor(
    private ids: Int32Array,
    private readonly readOp: number,
    private readonly writeOp: number,
  ) {
    if (readOp === OP_READ) this.fillRequests = (out) => this.requests(out);
  }

  private requests(out: Int32Array): number {
    const n = Math.min(out.length, this.ids.length - this.pos);
    out.set(this.ids.subarray(this.pos, this.pos + n));
    this.pos += n;
    return n;
  }

  fill(out: EventChunk): number {
    this.scratch ??= new Int32Array(out.capacity >> 1);
    return expandRequests(this.scratch, this.requests(this.scratch), out, this.readOp, this.writeOp);
  }

  /** Lets the ids go (the run stopped early, or ended). */
  close(): void {
    this.pos = 0;
    this.ids = new Int32Array(0);
  }
}

/**
 * A replay streamed from the file in constant memory, its keys made dense
 * ids by `table` (`expandRequests` makes them events). Two uses:
 * - `number` true, one pass: keys numbered as the replay meets them (no
 *   first pass, no id stream in memory). The region is then as long as the
 *   trace's request count, a bound on its footprint: pages past the
 *   footprint are never touched, so their zeroed page-cache slots cost
 *   address space, not memory.
 * - `number` false, the second pass of a trace too long to keep in memory:
 *   keys looked up in the table the first pass filled; a key it never saw
 *   means the file changed in between.
 */
class StreamReplay implements EventSource {
  private reader: TraceReader | undefined;
  private readonly chunk = new TraceChunk();
  private cursor = 0;
  private done = false;
  /** Lookups only: the table as a plain array when its keys are compact (`KeyTable.direct`). */
  private readonly direct: Int32Array | null;
  private scratch: Int32Array | null = null;
  /** Offered for fd replays only: the request stream as it is (see EventSource). */
  readonly fillRequests?: (out: Int32Array) => number;

  constructor(
    private readonly open: () => TraceReader,
    readonly table: KeyTable,
    private readonly number: boolean,
    private readonly readOp: number,
    private readonly writeOp: number,
    /** Requests left to replay (a `requests` limit), Infinity for all. */
    private left: number,
  ) {
    this.direct = number ? null : table.direct();
    // The one pass reads keys and ops alone; the second pass names a changed key by its value.
    this.chunk.keysOnly = number;
    if (readOp === OP_READ) this.fillRequests = (out) => this.requests(out);
  }

  private requests(out: Int32Array): number {
    if (this.done) return 0;
    this.reader ??= this.open();
    const tc = this.chunk;
    let n = 0;
    while (n < out.length) {
      if (this.cursor === tc.length) {
        this.cursor = 0;
        if (this.left <= 0 || this.reader.read(tc) === 0) {
          this.close();
          break;
        }
        if (tc.length > this.left) tc.length = this.left;
        this.left -= tc.length;
      }
      const stop = Math.min(tc.length, this.cursor + (out.length - n));
      n = this.number ? this.numbered(tc, stop, out, n) : this.looked(tc, stop, out, n);
      this.cursor = stop;
    }
    return n;
  }

  /** The one pass's keys, numbered as met: requests cursor..stop of `tc` into `out` from `n`. */
  private numbered(tc: TraceChunk, stop: number, out: Int32Array, n: number): number {
    const table = this.table;
    const his = tc.keyHi;
    const los = tc.keyLo;
    const tops = tc.op;
    for (let i = this.cursor; i < stop; i++) {
      const page = table.add(his[i], los[i]);
      out[n++] = tops[i] === TRACE_OP_WRITE ? ~page : page;
    }
    return n;
  }

  /** The second pass's keys, looked up in the first pass's table. */
  private looked(tc: TraceChunk, stop: number, out: Int32Array, n: number): number {
    const table = this.table;
    const direct = this.direct;
    const his = tc.keyHi;
    const los = tc.keyLo;
    const tops = tc.op;
    for (let i = this.cursor; i < stop; i++) {
      const lo = los[i];
      const page =
        direct !== null ? (his[i] === 0 && lo < direct.length ? direct[lo] : -1) : table.get(his[i], lo);
      if (page === -1)
        throw new TraceFormatError(
          (this.reader as TraceReader).path,
          undefined,
          `key ${tc.key[i]} changed since the first pass`,
        );
      out[n++] = tops[i] === TRACE_OP_WRITE ? ~page : page;
    }
    return n;
  }

  fill(out: EventChunk): number {
    this.scratch ??= new Int32Array(out.capacity >> 1);
    return expandRequests(this.scratch, this.requests(this.scratch), out, this.readOp, this.writeOp);
  }

  close(): void {
    this.done = true;
    this.reader?.close();
    this.reader = undefined;
  }
}

export interface PrepareOptions {
  /**
   * The footprint is needed before the run (memory as a share of it): read
   * the trace once to number its keys. Without it (the default false for
   * runs whose memory is a count) a file-fd replay of a trace whose request
   * count is known up front (oracleGeneral, native) in ideal mode numbers
   * keys as it goes, in one pass; `pages` is then that bound. Default true.
   */
  footprint?: boolean;
}

/**
 * Reads a trace's footprint (the first pass) and builds the workload that
 * replays it, or, where `options.footprint` is false and the trace allows,
 * a one-pass replay (see StreamReplay). `mode` decides whether next-access indices can be honoured:
 * they line up with requests only in ideal mode on an fd replay, where each
 * request is exactly one `folioAccessed` call.
 */
export function prepareTraceWorkload(
  w: TraceWorkload,
  mode: 'kernel' | 'ideal',
  options: PrepareOptions = {},
): PreparedTrace {
  const path = w.trace;
  const kind = w.kind ?? 'file-fd';
  const format = resolveTraceFormat(path, w.format);
  const readOptions = traceReadOptions(path, format, w.params);
  const open = () => openTrace(path, format, readOptions);
  const limit = w.requests ?? Number.POSITIVE_INFINITY;
  // Ideal mode only: in kernel mode readahead reads up to the file's end, so the file's length matters.
  if (options.footprint === false && kind === 'file-fd' && mode === 'ideal') {
    const probe = open();
    const count = probe.requestCount;
    probe.close();
    if (count !== undefined && count > 0 && count <= MAX_PAGES) {
      const requests = Math.min(count, limit);
      const source = new StreamReplay(open, new KeyTable(), true, OP_READ, OP_WRITE, requests);
      // Look-ahead (OPT) reads the trace once more; nobody else pays for it.
      const nextAccess = () => {
        const next = traceNextAccess(path, format, readOptions);
        return requests < next.length
          ? next.subarray(0, requests).map((n) => (n < requests ? n : Infinity))
          : next;
      };
      return prepared(path, format, requests, requests, source, kind, mode, nextAccess);
    }
  }
  const { table, requests, ids } = numberKeys(path, open, w.inMemoryMax ?? REPLAY_IN_MEMORY_MAX, limit);
  const pages = table.size;
  const [readOp, writeOp] = kind === 'file-fd' ? [OP_READ, OP_WRITE] : [OP_LOAD, OP_STORE];
  const source =
    ids === null
      ? new StreamReplay(open, table, false, readOp, writeOp, limit)
      : new MemoryReplay(ids, readOp, writeOp);
  if (pages === 0) throw new TraceFormatError(path, undefined, 'the trace holds no requests');
  const nextAccess = () =>
    ids === null
      ? traceNextAccess(path, format, readOptions)
          .subarray(0, requests)
          .map((n) => (n < requests ? n : Infinity))
      : nextAccessOf(ids, pages);
  return prepared(path, format, pages, requests, source, kind, mode, nextAccess);
}

/** An in-memory request sequence (integer keys) as a trace workload, for tests and tools. */
export function prepareRequestsWorkload(
  keys: ArrayLike<number>,
  mode: 'kernel' | 'ideal',
  kind: TraceKind = 'file-fd',
  writes?: ArrayLike<boolean>,
): PreparedTrace {
  const table = new KeyTable();
  const ids = new Int32Array(keys.length);
  if (writes !== undefined && writes.length !== keys.length)
    throw new Error(`${writes.length} write flags for ${keys.length} requests`);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (!Number.isSafeInteger(k) || k < 0)
      throw new Error(`request ${i}: key ${k} is not a non-negative integer`);
    const id = table.addNumber(k);
    ids[i] = writes?.[i] ? ~id : id;
  }
  if (table.size === 0) throw new Error('no requests');
  const source =
    kind === 'file-fd' ? new MemoryReplay(ids, OP_READ, OP_WRITE) : new MemoryReplay(ids, OP_LOAD, OP_STORE);
  const nextAccess = () => nextAccessOf(ids, table.size);
  return prepared('requests', 'native', table.size, ids.length, source, kind, mode, nextAccess);
}

/** Next-access index of each request of a dense id stream (`~id` for a write), Infinity for none. */
function nextAccessOf(ids: Int32Array, pages: number): Float64Array {
  const next = new Float64Array(ids.length).fill(Number.POSITIVE_INFINITY);
  const last = new Int32Array(pages).fill(-1);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] < 0 ? ~ids[i] : ids[i];
    if (last[id] >= 0) next[last[id]] = i;
    last[id] = i;
  }
  return next;
}

/** An anon replay's events with each page's first load made a store (the data is written before it is read). */
class FirstTouchStores implements EventSource {
  private readonly seen: Uint8Array;

  constructor(
    private readonly inner: EventSource,
    pages: number,
  ) {
    this.seen = new Uint8Array(pages);
  }

  fill(chunk: EventChunk): number {
    const n = this.inner.fill(chunk);
    const { op, region, arg } = chunk;
    const seen = this.seen;
    for (let i = 0; i < n; i++) {
      if (region[i] !== 0 || (op[i] !== OP_LOAD && op[i] !== OP_STORE)) continue;
      if (seen[arg[i]] === 0) {
        seen[arg[i]] = 1;
        op[i] = OP_STORE;
      }
    }
    return n;
  }
}

function prepared(
  name: string,
  format: TraceFormat,
  pages: number,
  requests: number,
  source: EventSource & { close?(): void },
  kind: TraceKind,
  mode: 'kernel' | 'ideal',
  nextAccess: () => Float64Array,
): PreparedTrace {
  const region =
    kind === 'file-fd' ? { kind: 'file-fd' as const, file: 0, pages } : { kind: 'anon' as const, pages };
  // In kernel mode a load of untouched anon memory maps the zero page: a
  // traced page holds data, so its first access writes it.
  const events = kind === 'anon' && mode === 'kernel' ? new FirstTouchStores(source, pages) : source;
  const workload: WorkloadInstance = {
    files: kind === 'file-fd' ? [{ name, pages }] : [],
    memcgs: [],
    tasks: [{ name: 'trace', regions: [region], source: events }],
  };
  let oracle: Float64Array | undefined;
  const supply = (spec: PolicySpec): PolicySpec => {
    const factory = getPolicyFactory(spec.module ?? spec.name);
    if (!(ORACLE_OPTION in factory.defaults)) return spec;
    if (mode !== 'ideal' || kind !== 'file-fd') {
      throw new ScenarioError(
        `policy ${spec.name} needs the trace's next-access indices, which line up with requests only in ideal mode on a file-fd replay (got ${mode} mode, kind ${kind})`,
      );
    }
    if (spec.options[ORACLE_OPTION] !== factory.defaults[ORACLE_OPTION]) {
      throw new ScenarioError(
        `policy ${spec.name}: option ${ORACLE_OPTION} is supplied from the trace, not set by hand`,
      );
    }
    oracle ??= nextAccess();
    return { ...spec, options: { ...spec.options, [ORACLE_OPTION]: oracle } };
  };
  return { workload, format, pages, requests, supply, close: () => source.close?.() };
}
