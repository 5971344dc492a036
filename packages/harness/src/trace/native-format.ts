/**
 * reclaim-lab's native trace format (`.rlt`): small, exact and streamable.
 *
 * Header, 16 bytes:
 *
 *   offset  size  field
 *        0     4  magic "RLTR"
 *        4     1  version: 1, or 2 when a key delta needs more than 53 bits
 *        5     1  flags: bit 0 = records carry next-access indices
 *        6     2  reserved, 0
 *        8     8  u64 LE record count (patched in when the writer closes)
 *
 * Then one record per request, each field relative to the previous record
 * (initially time 0, key 0, size 4096):
 *
 *   1 byte  flags
 *             bit 0     op: 0 read, 1 write
 *             bit 1     key delta is negative
 *             bits 2-3  time: 0 same as before, 1 +delta, 2 -delta,
 *                       3 raw float64 (non-integer or huge times)
 *             bit 4     size changed
 *             bits 5-6  next access: 0 unknown, 1 delta follows, 2 never
 *             bit 7     reserved, 0
 *   time    varint |delta| (modes 1, 2) or 8-byte LE float64 (mode 3)
 *   key     varint |key - previous key|
 *   size    varint bytes (only if bit 4)
 *   next    varint (next index - this index), ≥ 1 (only if mode 1)
 *
 * Varints are unsigned LEB128 (7 bits a byte, low first, at most 8 bytes;
 * a key delta in version 2 up to 10, for u64 keys). Signs live in the flags
 * byte rather than zigzag so deltas stay exact: time, size and next deltas
 * in a JS number, key deltas in two 32-bit halves. A typical page-trace record is 3-8
 * bytes against oracleGeneral's 24.
 */
import { InputFile, OutputFile } from './file-io.js';
import type { TraceChunk, TraceReader, TraceWriter } from './trace-chunk.js';
import * as model from './trace-chunk.js';
import { TraceFormatError } from './trace-error.js';

// Copied once at load: tsx and vitest compile imported bindings to getters, a call per use in hot loops.
const { DEFAULT_REQUEST_SIZE, MAX_TRACE_KEY, NEXT_NEVER, NEXT_UNKNOWN } = model;

export const NATIVE_MAGIC = 'RLTR';
export const NATIVE_VERSION = 1;
/** The version of files whose keys need all 64 bits (key varints up to 10 bytes). */
export const NATIVE_VERSION_WIDE = 2;
export const NATIVE_EXTENSION = '.rlt';
const HEADER_BYTES = 16;
const MAX_RECORD_BYTES = 1 + 8 + 10 + 5 + 8;
const TWO_32 = 4294967296;

const F_WRITE = 1;
const F_KEY_NEG = 2;
const T_SHIFT = 2;
const T_SAME = 0;
const T_PLUS = 1;
const T_MINUS = 2;
const T_RAW = 3;
const F_SIZE = 16;
const N_SHIFT = 5;
const N_DELTA = 1;
const N_NEVER = 2;
const F_RESERVED = 128;

/** True when `bytes` starts with the native magic. */
export function hasNativeMagic(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 && Buffer.from(bytes.buffer, bytes.byteOffset, 4).toString('latin1') === NATIVE_MAGIC
  );
}

class NativeReader implements TraceReader {
  readonly path: string;
  readonly format = 'native';
  readonly hasNextAccess: boolean;
  readonly requestCount: number;
  private readonly file: InputFile;
  private index = 0;
  private time = 0;
  private keyHi = 0;
  private keyLo = 0;
  /** The last key delta read, as halves. */
  private dHi = 0;
  private dLo = 0;
  private readonly keyVarintMax: number;
  private size = DEFAULT_REQUEST_SIZE;
  /** Read position inside file.buf while decoding a batch. */
  private p = 0;
  private recordStart = 0;

  constructor(path: string) {
    this.path = path;
    this.file = new InputFile(path);
    try {
      const f = this.file;
      const got = f.fill(HEADER_BYTES);
      if (got < 4 || !hasNativeMagic(f.buf.subarray(0, 4))) {
        throw new TraceFormatError(path, f.at(0), `not a native trace (no "${NATIVE_MAGIC}" magic)`);
      }
      if (got < HEADER_BYTES) throw new TraceFormatError(path, f.at(got), 'truncated header');
      const version = f.buf[4];
      if (version !== NATIVE_VERSION && version !== NATIVE_VERSION_WIDE) {
        throw new TraceFormatError(
          path,
          f.at(4),
          `unsupported version ${version} (this reader knows ${NATIVE_VERSION} and ${NATIVE_VERSION_WIDE})`,
        );
      }
      this.keyVarintMax = version === NATIVE_VERSION_WIDE ? 10 : 8;
      this.hasNextAccess = (f.buf[5] & 1) !== 0;
      this.requestCount = f.buf.readUInt32LE(12) * TWO_32 + f.buf.readUInt32LE(8);
      f.pos = HEADER_BYTES;
    } catch (e) {
      this.file.close();
      throw e;
    }
  }

  private fail(offset: number, message: string): never {
    throw new TraceFormatError(this.path, this.file.at(offset), message);
  }

  private varint(buf: Buffer, end: number): number {
    let p = this.p;
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      if (p >= end) this.fail(this.recordStart, 'truncated record');
      const b = buf[p++];
      v += (b & 0x7f) * mul;
      if (b < 0x80) {
        this.p = p;
        if (v > MAX_TRACE_KEY) this.fail(this.recordStart, `varint ${v} exceeds 2^53-1`);
        return v;
      }
      mul *= 128;
    }
    return this.fail(this.recordStart, 'varint longer than 8 bytes');
  }

  /** A key delta's varint into dHi/dLo: up to 64 bits without BigInt. */
  private keyVarint(buf: Buffer, end: number): void {
    let p = this.p;
    let hi = 0;
    let lo = 0;
    for (let i = 0, shift = 0; i < this.keyVarintMax; i++, shift += 7) {
      if (p >= end) this.fail(this.recordStart, 'truncated record');
      const b = buf[p++];
      const bits = b & 0x7f;
      if (shift < 32) {
        lo = (lo | (bits << shift)) >>> 0;
        if (shift > 25) hi = (hi | (bits >>> (32 - shift))) >>> 0;
      } else {
        if (shift === 63 && bits > 1) this.fail(this.recordStart, 'key delta exceeds 2^64-1');
        hi = (hi | (bits << (shift - 32))) >>> 0;
      }
      if (b < 0x80) {
        this.p = p;
        this.dHi = hi;
        this.dLo = lo;
        return;
      }
    }
    this.fail(this.recordStart, `key varint longer than ${this.keyVarintMax} bytes`);
  }

  read(chunk: TraceChunk): number {
    const f = this.file;
    const cap = chunk.capacity;
    let n = 0;
    while (n < cap) {
      if (f.end - f.pos < MAX_RECORD_BYTES) f.fill(MAX_RECORD_BYTES);
      if (f.pos === f.end) {
        if (this.index !== this.requestCount) {
          this.fail(f.pos, `file ends after ${this.index} records but the header says ${this.requestCount}`);
        }
        break;
      }
      const buf = f.buf;
      const end = f.end;
      this.p = f.pos;
      while (n < cap && this.p < end && (end - this.p >= MAX_RECORD_BYTES || f.eof)) {
        this.recordStart = this.p;
        if (this.index === this.requestCount)
          this.fail(this.p, `more records than the header's ${this.requestCount}`);
        const flags = buf[this.p++];
        if (flags & F_RESERVED)
          this.fail(this.recordStart, `reserved flag bit set in 0x${flags.toString(16)}`);
        const tmode = (flags >> T_SHIFT) & 3;
        if (tmode === T_RAW) {
          if (this.p + 8 > end) this.fail(this.recordStart, 'truncated record');
          this.time = buf.readDoubleLE(this.p);
          this.p += 8;
        } else if (tmode === T_PLUS) this.time += this.varint(buf, end);
        else if (tmode === T_MINUS) this.time -= this.varint(buf, end);
        this.keyVarint(buf, end);
        let hi: number;
        let lo: number;
        if (flags & F_KEY_NEG) {
          lo = this.keyLo - this.dLo;
          hi = this.keyHi - this.dHi;
          if (lo < 0) {
            lo += TWO_32;
            hi--;
          }
          if (hi < 0) this.fail(this.recordStart, 'key below 0');
        } else {
          lo = this.keyLo + this.dLo;
          hi = this.keyHi + this.dHi;
          if (lo >= TWO_32) {
            lo -= TWO_32;
            hi++;
          }
          if (hi >= TWO_32) this.fail(this.recordStart, 'key above 2^64-1');
        }
        this.keyHi = hi;
        this.keyLo = lo;
        if (flags & F_SIZE) {
          const size = this.varint(buf, end);
          if (size >= TWO_32) this.fail(this.recordStart, `size ${size} exceeds 2^32-1`);
          this.size = size;
        }
        const nmode = (flags >> N_SHIFT) & 3;
        let next = NEXT_UNKNOWN;
        if (nmode === N_DELTA) {
          const d = this.varint(buf, end);
          if (d === 0) this.fail(this.recordStart, 'next-access delta 0');
          next = this.index + d;
        } else if (nmode === N_NEVER) next = NEXT_NEVER;
        else if (this.hasNextAccess)
          this.fail(this.recordStart, 'record lacks the next access the header promises');
        chunk.time[n] = this.time;
        chunk.key[n] = hi * TWO_32 + lo;
        chunk.keyHi[n] = hi;
        chunk.keyLo[n] = lo;
        chunk.op[n] = flags & F_WRITE;
        chunk.size[n] = this.size;
        chunk.next[n] = next;
        n++;
        this.index++;
      }
      f.pos = this.p;
    }
    chunk.length = n;
    return n;
  }

  close(): void {
    this.file.close();
  }
}

export function openNativeTrace(path: string): TraceReader {
  return new NativeReader(path);
}

export interface NativeWriterOptions {
  /** Record next-access indices (every request must then carry one). Default false. */
  nextAccess?: boolean;
}

class NativeWriter implements TraceWriter {
  readonly path: string;
  readonly format = 'native';
  written = 0;
  private readonly out: OutputFile;
  private readonly nextAccess: boolean;
  private time = 0;
  private keyHi = 0;
  private keyLo = 0;
  /** A key delta needed more than 53 bits: the header says version 2. */
  private wide = false;
  private size = DEFAULT_REQUEST_SIZE;

  constructor(path: string, options: NativeWriterOptions) {
    this.path = path;
    this.nextAccess = options.nextAccess ?? false;
    this.out = new OutputFile(path);
    const header = Buffer.alloc(HEADER_BYTES);
    header.write(NATIVE_MAGIC, 0, 'latin1');
    header[4] = NATIVE_VERSION;
    header[5] = this.nextAccess ? 1 : 0;
    this.out.reserve(HEADER_BYTES);
    header.copy(this.out.buf, this.out.pos);
    this.out.pos += HEADER_BYTES;
  }

  private fail(message: string): never {
    throw new Error(`${this.path}: request ${this.written}: ${message}`);
  }

  write(chunk: TraceChunk): void {
    const out = this.out;
    out.reserve(chunk.length * MAX_RECORD_BYTES);
    const buf = out.buf;
    let p = out.pos;
    const varint = (v: number): void => {
      while (v >= 128) {
        buf[p++] = (v % 128) | 128;
        v = Math.floor(v / 128);
      }
      buf[p++] = v;
    };
    try {
      for (let i = 0; i < chunk.length; i++) {
        const time = chunk.time[i];
        const key = chunk.key[i];
        const size = chunk.size[i];
        const next = chunk.next[i];
        if (!(Number.isInteger(key) && key >= 0 && key <= TWO_32 * TWO_32)) {
          this.fail(`key ${key} is not an integer in 0..2^64-1`);
        }
        const hi = chunk.keyHi[i];
        const lo = chunk.keyLo[i];
        let flags = chunk.op[i] & F_WRITE;
        const dt = time - this.time;
        let tmode = T_RAW;
        if (dt === 0) tmode = T_SAME;
        else if (
          Number.isInteger(time) &&
          Number.isInteger(this.time) &&
          Math.abs(time) <= MAX_TRACE_KEY &&
          Math.abs(dt) <= MAX_TRACE_KEY
        ) {
          tmode = dt > 0 ? T_PLUS : T_MINUS;
        }
        flags |= tmode << T_SHIFT;
        // |key - previous| in halves; the sign goes to the flags.
        const neg = hi < this.keyHi || (hi === this.keyHi && lo < this.keyLo);
        let dHi = neg ? this.keyHi - hi : hi - this.keyHi;
        let dLo = neg ? this.keyLo - lo : lo - this.keyLo;
        if (dLo < 0) {
          dLo += TWO_32;
          dHi--;
        }
        if (neg) flags |= F_KEY_NEG;
        if (size !== this.size) flags |= F_SIZE;
        let nmode = 0;
        if (this.nextAccess) {
          if (next === NEXT_NEVER) nmode = N_NEVER;
          else if (Number.isInteger(next) && next > this.written) nmode = N_DELTA;
          else this.fail(`next access ${next} is not the index of a later request`);
        }
        flags |= nmode << N_SHIFT;

        buf[p++] = flags;
        if (tmode === T_RAW) {
          buf.writeDoubleLE(time, p);
          p += 8;
        } else if (tmode !== T_SAME) varint(Math.abs(dt));
        if (dHi < 0x200000) varint(dHi * TWO_32 + dLo);
        else {
          this.wide = true;
          // Seven bits at a time across the halves.
          while (dHi !== 0 || dLo >= 128) {
            buf[p++] = (dLo & 127) | 128;
            dLo = ((dLo >>> 7) | (dHi << 25)) >>> 0;
            dHi >>>= 7;
          }
          buf[p++] = dLo;
        }
        if (flags & F_SIZE) varint(size);
        if (nmode === N_DELTA) varint(next - this.written);
        this.time = time;
        this.keyHi = hi;
        this.keyLo = lo;
        this.size = size;
        this.written++;
      }
    } finally {
      out.pos = p;
    }
  }

  close(): void {
    const count = Buffer.alloc(8);
    count.writeUInt32LE(this.written % TWO_32, 0);
    count.writeUInt32LE(Math.floor(this.written / TWO_32), 4);
    this.out.patch(8, count);
    if (this.wide) this.out.patch(4, Buffer.from([NATIVE_VERSION_WIDE]));
    this.out.commit();
  }

  abort(): void {
    this.out.abort();
  }
}

export function createNativeWriter(path: string, options: NativeWriterOptions = {}): TraceWriter {
  return new NativeWriter(path, options);
}
