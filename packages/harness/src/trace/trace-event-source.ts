/**
 * Traces as simulator input. Keys are sparse (object ids, page numbers of a
 * 48-bit address space) while regions are dense page ranges, so a first pass
 * numbers the distinct keys 0..footprint-1 in first-seen order; the second
 * pass streams. Memory is one table slot pair per distinct key (u64 keys as
 * two 32-bit halves, see KeyTable).
 */

import type { EventChunk, EventSource } from '@reclaim-lab/hw-model';
import * as hw from '@reclaim-lab/hw-model';
import { KeyTable } from './key-table.js';
import { detectFormat, openTrace } from './open-trace.js';
import type { TraceFormat, TraceReader, TraceReadOptions } from './trace-chunk.js';
import * as model from './trace-chunk.js';

// Copied once at load: tsx and vitest compile imported bindings to getters, a call per use in hot loops.
const { OP_LOAD, OP_OPDONE, OP_READ, OP_STORE, OP_WRITE } = hw;
const { TRACE_OP_WRITE, TraceChunk } = model;

/** Dense page ids must fit the event stream's Int32Array args. */
const MAX_PAGES = 2 ** 31 - 1;

export interface DenseKeys {
  /** Key → dense page index, in first-seen order (`pageOf.size` pages). */
  pageOf: KeyTable;
  requests: number;
}

/** First pass: numbers the distinct keys of a trace in first-seen order. */
export function denseKeyMap(path: string, format?: TraceFormat, options: TraceReadOptions = {}): DenseKeys {
  const pageOf = new KeyTable();
  const chunk = new TraceChunk();
  let requests = 0;
  const reader = openTrace(path, format, options);
  try {
    while (reader.read(chunk) > 0) {
      requests += chunk.length;
      for (let i = 0; i < chunk.length; i++) {
        pageOf.add(chunk.keyHi[i], chunk.keyLo[i]);
        if (pageOf.size > MAX_PAGES) throw new Error(`${path}: more than ${MAX_PAGES} distinct keys`);
      }
    }
  } finally {
    reader.close();
  }
  return { pageOf, requests };
}

export interface TraceEventSourceOptions extends TraceReadOptions {
  /** 'file-fd': requests become read()/write() of a file region; 'anon': loads/stores of anon memory. */
  kind: 'file-fd' | 'anon';
  /** Keys are renumbered densely in first-seen order (the only mapping so far). */
  dense?: true;
}

/** An EventSource over a trace; `close` releases the file early if the run stops before the end. */
export interface TraceEventSource extends EventSource {
  close(): void;
}

export interface TraceEvents {
  /** Footprint: the region must be this many pages long. */
  pages: number;
  requests: number;
  source: TraceEventSource;
}

class TraceReplaySource implements TraceEventSource {
  private reader: TraceReader | undefined;
  private readonly chunk = new TraceChunk();
  private cursor = 0;
  private done = false;

  constructor(
    private readonly open: () => TraceReader,
    private readonly pageOf: KeyTable,
    private readonly readOp: number,
    private readonly writeOp: number,
  ) {}

  fill(out: EventChunk): number {
    out.length = 0;
    if (this.done) return 0;
    this.reader ??= this.open();
    const tc = this.chunk;
    const room = out.capacity - 1;
    while (out.length < room) {
      if (this.cursor === tc.length) {
        this.cursor = 0;
        if (this.reader.read(tc) === 0) {
          this.close();
          break;
        }
      }
      const i = this.cursor++;
      const page = this.pageOf.get(tc.keyHi[i], tc.keyLo[i]);
      if (page === -1) throw new Error(`${this.reader.path}: key ${tc.key[i]} changed since the first pass`);
      out.push(tc.op[i] === TRACE_OP_WRITE ? this.writeOp : this.readOp, 0, page);
      out.push(OP_OPDONE, 0, 0);
    }
    return out.length;
  }

  close(): void {
    this.done = true;
    this.reader?.close();
    this.reader = undefined;
  }
}

/**
 * Replays a trace as one task's events on region 0: each request becomes
 * OP_READ/OP_WRITE (file-fd) or OP_LOAD/OP_STORE (anon) of its dense page,
 * followed by OP_OPDONE. The trace file is opened on the first `fill`. In
 * kernel mode a load of an anon page never stored maps the zero page;
 * `prepareTraceWorkload` makes each page's first access a store.
 */
export function traceEventSource(
  path: string,
  format: TraceFormat | undefined,
  options: TraceEventSourceOptions,
): TraceEvents {
  const f = format ?? detectFormat(path);
  const { pageOf, requests } = denseKeyMap(path, f, options);
  const fileFd = options.kind === 'file-fd';
  const source = new TraceReplaySource(
    () => openTrace(path, f, options),
    pageOf,
    fileFd ? OP_READ : OP_LOAD,
    fileFd ? OP_WRITE : OP_STORE,
  );
  return { pages: pageOf.size, requests, source };
}

/**
 * Dense page ids of a trace's requests, for the ideal-mode simulator:
 * `read(out)` fills `out` from 0 and returns the count (0 at the end), and
 * `writes` (when passed) receives 1 for each write.
 */
export class TraceKeyStream implements Iterable<Int32Array> {
  readonly pages: number;
  readonly requests: number;
  private readonly pageOf: KeyTable;
  private readonly open: () => TraceReader;
  private reader: TraceReader | undefined;
  private readonly chunk = new TraceChunk();
  private cursor = 0;
  private done = false;

  constructor(open: () => TraceReader, keys: DenseKeys) {
    this.open = open;
    this.pageOf = keys.pageOf;
    this.pages = keys.pageOf.size;
    this.requests = keys.requests;
  }

  read(out: Int32Array, writes?: Uint8Array): number {
    if (this.done) return 0;
    this.reader ??= this.open();
    const tc = this.chunk;
    let n = 0;
    while (n < out.length) {
      if (this.cursor === tc.length) {
        this.cursor = 0;
        if (this.reader.read(tc) === 0) {
          this.close();
          break;
        }
      }
      const take = Math.min(tc.length - this.cursor, out.length - n);
      for (let k = 0; k < take; k++) {
        const i = this.cursor + k;
        const page = this.pageOf.get(tc.keyHi[i], tc.keyLo[i]);
        if (page === -1)
          throw new Error(`${this.reader.path}: key ${tc.key[i]} changed since the first pass`);
        out[n + k] = page;
        if (writes !== undefined) writes[n + k] = tc.op[i] === TRACE_OP_WRITE ? 1 : 0;
      }
      this.cursor += take;
      n += take;
    }
    return n;
  }

  /** Iterates views of one reused buffer (copy a view to keep it past the next step). */
  *[Symbol.iterator](): Iterator<Int32Array> {
    const buf = new Int32Array(this.chunk.capacity);
    try {
      for (let n = this.read(buf); n > 0; n = this.read(buf)) yield buf.subarray(0, n);
    } finally {
      this.close();
    }
  }

  close(): void {
    this.done = true;
    this.reader?.close();
    this.reader = undefined;
  }
}

/** A TraceKeyStream over `path` (runs the dense-numbering pass now; opens the stream on first read). */
export function traceKeyStream(
  path: string,
  format?: TraceFormat,
  options: TraceReadOptions = {},
): TraceKeyStream {
  const f = format ?? detectFormat(path);
  const keys = denseKeyMap(path, f, options);
  return new TraceKeyStream(() => openTrace(path, f, options), keys);
}
