/**
 * Seeded synthetic traces for tests and benchmarks: a request generator
 * (RequestSource) and makeSyntheticTrace, which writes one to a file. Zipf
 * keys come from rejection-inversion sampling (Hörmann and Derflinger 1996),
 * O(1) time and memory per draw whatever the key count, so a ten-million
 * request trace over millions of keys takes seconds.
 */
import { Rng } from '@reclaim-lab/hw-model';
import { ZipfSampler } from '../workload/zipf.js';
import { type ConvertResult, writeTraceFrom } from './convert.js';
import type { RequestSource, TraceChunk, WritableTraceFormat } from './trace-chunk.js';
import * as model from './trace-chunk.js';

// Copied once at load: tsx and vitest compile imported bindings to getters, a call per use in hot loops.
const { DEFAULT_REQUEST_SIZE, NEXT_UNKNOWN, TRACE_OP_READ, TRACE_OP_WRITE } = model;

export interface SyntheticTraceOptions {
  requests: number;
  /** Distinct keys to draw from (0..keys-1). */
  keys: number;
  seed: number;
  /** zipf: key 0 hottest; uniform; loop: 0, 1, …, keys-1, 0, 1, … */
  pattern: 'zipf' | 'uniform' | 'loop';
  /** Zipf exponent (default 0.99, the YCSB and memtier skew). */
  zipfAlpha?: number;
  /** Fraction of requests that are writes (default 0). */
  writeRatio?: number;
  /** Bytes per request (default 4096). */
  size?: number;
}

class SyntheticSource implements RequestSource {
  readonly hasNextAccess = false;
  readonly requestCount: number;
  private readonly rng: Rng;
  private readonly zipf: ZipfSampler | undefined;
  private produced = 0;

  constructor(private readonly o: SyntheticTraceOptions) {
    if (!Number.isSafeInteger(o.requests) || o.requests < 0)
      throw new Error(`requests must be a non-negative integer, got ${o.requests}`);
    if (!Number.isSafeInteger(o.keys) || o.keys < 1)
      throw new Error(`keys must be a positive integer, got ${o.keys}`);
    const wr = o.writeRatio ?? 0;
    if (!(wr >= 0 && wr <= 1)) throw new Error(`writeRatio must be in [0, 1], got ${wr}`);
    const alpha = o.zipfAlpha ?? 0.99;
    if (!(alpha > 0)) throw new Error(`zipfAlpha must be positive, got ${alpha}`);
    this.requestCount = o.requests;
    this.rng = new Rng(o.seed);
    this.zipf = o.pattern === 'zipf' ? new ZipfSampler(o.keys, alpha) : undefined;
  }

  read(chunk: TraceChunk): number {
    const { keys, pattern } = this.o;
    const writeRatio = this.o.writeRatio ?? 0;
    const size = this.o.size ?? DEFAULT_REQUEST_SIZE;
    const n = Math.min(chunk.capacity, this.requestCount - this.produced);
    for (let i = 0; i < n; i++) {
      const index = this.produced + i;
      let key: number;
      if (this.zipf !== undefined) key = this.zipf.sample(this.rng) - 1;
      else if (pattern === 'uniform') key = this.rng.int(keys);
      else key = index % keys;
      chunk.time[i] = index;
      chunk.setKey(i, key);
      chunk.op[i] = writeRatio > 0 && this.rng.next() < writeRatio ? TRACE_OP_WRITE : TRACE_OP_READ;
      chunk.size[i] = size;
      chunk.next[i] = NEXT_UNKNOWN;
    }
    this.produced += n;
    chunk.length = n;
    return n;
  }

  close(): void {}
}

/** A generator of synthetic requests (time = request index); the same options give the same stream. */
export function syntheticRequests(options: SyntheticTraceOptions): RequestSource {
  return new SyntheticSource(options);
}

/**
 * Writes a synthetic trace to `path` (atomically). oracleGeneral output gets
 * next-access indices from a second, identical generation pass; `nextAccess`
 * asks for them in native and CSV output too.
 */
export function makeSyntheticTrace(
  path: string,
  format: WritableTraceFormat,
  options: SyntheticTraceOptions & { nextAccess?: boolean },
): ConvertResult {
  return writeTraceFrom(() => new SyntheticSource(options), path, format, options.nextAccess);
}
