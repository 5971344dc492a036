/**
 * libCacheSim's `oracleGeneral` binary trace: packed 24-byte little-endian
 * records, no header.
 *
 *   offset  size  field
 *        0     4  u32 timestamp
 *        4     8  u64 object id
 *       12     4  u32 object size (bytes)
 *       16     8  i64 next-access vtime
 *
 * The vtime follows libCacheSim's `traceConv`: the 1-based position of the
 * next request for the same object, -1 when there is none. We read any
 * negative or ≥ 2^53 value as "never" and convert the rest to our 0-based
 * `next` index. Object ids are any u64 (real traces carry hashed ids), kept
 * exact in the chunk's keyHi/keyLo. libCacheSim skips size-0 records while reading; we keep them,
 * so a round trip is exact and vtimes stay aligned with record positions.
 */
import { statSync } from 'node:fs';
import { InputFile, OutputFile } from './file-io.js';
import type { TraceChunk, TraceReader, TraceWriter } from './trace-chunk.js';
import * as model from './trace-chunk.js';
import { TraceFormatError } from './trace-error.js';

// Copied once at load: tsx and vitest compile imported bindings to getters, a call per use in hot loops.
const { NEXT_NEVER, TRACE_OP_READ } = model;

export const ORACLE_GENERAL_RECORD_BYTES = 24;
const TWO_32 = 4294967296;
const TWO_64 = TWO_32 * TWO_32;
const HI_LIMIT = 0x200000; // hi word of 2^53

class OracleGeneralReader implements TraceReader {
  readonly path: string;
  readonly format = 'oracle-general';
  readonly hasNextAccess = true;
  /** Known from the file's size, unless it is compressed. */
  readonly requestCount: number | undefined;
  private readonly file: InputFile;
  private index = 0;

  constructor(path: string) {
    this.path = path;
    this.file = new InputFile(path, ORACLE_GENERAL_RECORD_BYTES * 4096);
    this.requestCount =
      this.file.compression === null
        ? Math.floor(statSync(path).size / ORACLE_GENERAL_RECORD_BYTES)
        : undefined;
  }

  read(chunk: TraceChunk): number {
    const f = this.file;
    const cap = chunk.capacity;
    let n = 0;
    while (n < cap) {
      let avail = f.end - f.pos;
      if (avail < ORACLE_GENERAL_RECORD_BYTES) {
        avail = f.fill(ORACLE_GENERAL_RECORD_BYTES);
        if (avail === 0) break;
        if (avail < ORACLE_GENERAL_RECORD_BYTES) {
          throw new TraceFormatError(
            this.path,
            f.at(f.pos),
            `truncated record: ${avail} of ${ORACLE_GENERAL_RECORD_BYTES} bytes`,
          );
        }
      }
      const dv = new DataView(f.buf.buffer, f.buf.byteOffset, f.buf.byteLength);
      let o = f.pos;
      const stop = Math.min(cap - n, Math.floor(avail / ORACLE_GENERAL_RECORD_BYTES));
      if (chunk.keysOnly) {
        n = this.readKeys(chunk, dv, o, n, stop);
        f.pos = o + stop * ORACLE_GENERAL_RECORD_BYTES;
        continue;
      }
      for (let r = 0; r < stop; r++, o += ORACLE_GENERAL_RECORD_BYTES, n++) {
        const idHi = dv.getUint32(o + 8, true);
        const idLo = dv.getUint32(o + 4, true);
        const nextHi = dv.getInt32(o + 20, true);
        let next = NEXT_NEVER;
        if (nextHi >= 0 && nextHi < HI_LIMIT) {
          next = nextHi * TWO_32 + dv.getUint32(o + 16, true) - 1;
          if (next <= this.index) {
            throw new TraceFormatError(
              this.path,
              f.at(o),
              `next-access vtime ${next + 1} is not after this record (vtime ${this.index + 1}; vtimes are 1-based)`,
            );
          }
        }
        chunk.time[n] = dv.getUint32(o, true);
        chunk.key[n] = idHi * TWO_32 + idLo;
        chunk.keyHi[n] = idHi;
        chunk.keyLo[n] = idLo;
        chunk.op[n] = TRACE_OP_READ;
        chunk.size[n] = dv.getUint32(o + 12, true);
        chunk.next[n] = next;
        this.index++;
      }
      f.pos = o;
    }
    chunk.length = n;
    return n;
  }

  /**
   * `stop` records from byte `o` into the chunk from `n`, its keys and ops
   * only (`keysOnly`): a third of the loads and stores of a full read, and
   * every next-access vtime checked as there. Returns the new `n`.
   */
  private readKeys(chunk: TraceChunk, dv: DataView, o: number, n: number, stop: number): number {
    const his = chunk.keyHi;
    const los = chunk.keyLo;
    const ops = chunk.op;
    const READ = TRACE_OP_READ;
    let index = this.index;
    for (let r = 0; r < stop; r++, o += ORACLE_GENERAL_RECORD_BYTES, n++, index++) {
      const nextHi = dv.getInt32(o + 20, true);
      if (nextHi >= 0 && nextHi < HI_LIMIT && nextHi * TWO_32 + dv.getUint32(o + 16, true) - 1 <= index) {
        this.index = index;
        throw new TraceFormatError(
          this.path,
          this.file.at(o),
          `next-access vtime ${nextHi * TWO_32 + dv.getUint32(o + 16, true)} is not after this record (vtime ${index + 1}; vtimes are 1-based)`,
        );
      }
      his[n] = dv.getUint32(o + 8, true);
      los[n] = dv.getUint32(o + 4, true);
      ops[n] = READ;
    }
    this.index = index;
    return n;
  }

  close(): void {
    this.file.close();
  }
}

export function openOracleGeneralTrace(path: string): TraceReader {
  return new OracleGeneralReader(path);
}

class OracleGeneralWriter implements TraceWriter {
  readonly format = 'oracle-general';
  written = 0;
  private readonly out: OutputFile;

  constructor(readonly path: string) {
    this.out = new OutputFile(path);
  }

  private fail(message: string): never {
    throw new Error(`${this.path}: request ${this.written}: ${message}`);
  }

  write(chunk: TraceChunk): void {
    const out = this.out;
    out.reserve(chunk.length * ORACLE_GENERAL_RECORD_BYTES);
    const dv = new DataView(out.buf.buffer, out.buf.byteOffset, out.buf.byteLength);
    let o = out.pos;
    for (let i = 0; i < chunk.length; i++, o += ORACLE_GENERAL_RECORD_BYTES) {
      const time = chunk.time[i];
      const key = chunk.key[i];
      const next = chunk.next[i];
      if (!(Number.isInteger(time) && time >= 0 && time < TWO_32)) {
        out.pos = o;
        this.fail(`time ${time} does not fit oracleGeneral's u32 timestamp`);
      }
      if (!(Number.isInteger(key) && key >= 0 && key <= TWO_64)) {
        out.pos = o;
        this.fail(`key ${key} is not an integer in 0..2^64-1`);
      }
      if (Number.isNaN(next)) {
        out.pos = o;
        this.fail('oracleGeneral needs next-access indices (convertTrace computes them)');
      }
      dv.setUint32(o, time, true);
      // The halves, not the double: ids of 2^53 and more are exact only there.
      dv.setUint32(o + 4, chunk.keyLo[i], true);
      dv.setUint32(o + 8, chunk.keyHi[i], true);
      dv.setUint32(o + 12, chunk.size[i], true);
      if (next === NEXT_NEVER) {
        dv.setInt32(o + 16, -1, true);
        dv.setInt32(o + 20, -1, true);
      } else {
        const vtime = next + 1;
        dv.setUint32(o + 16, vtime % TWO_32, true);
        dv.setUint32(o + 20, Math.floor(vtime / TWO_32), true);
      }
      this.written++;
    }
    out.pos = o;
  }

  close(): void {
    this.out.commit();
  }

  abort(): void {
    this.out.abort();
  }
}

export function createOracleGeneralWriter(path: string): TraceWriter {
  return new OracleGeneralWriter(path);
}
