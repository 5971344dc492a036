/**
 * Number and op parsing straight from bytes of a line, so text readers
 * allocate no string per field. Failures return false or NaN; the caller
 * knows the file and line and raises the TraceFormatError.
 */
import * as model from './trace-chunk.js';

// Copied once at load: tsx and vitest compile imported bindings to getters, a call per use in hot loops.
const { MAX_TRACE_KEY, TRACE_OP_READ, TRACE_OP_WRITE } = model;

const TWO_32 = 4294967296;

/** A parsed 64-bit unsigned value as two 32-bit halves (exact where a double is not). */
export class U64 {
  hi = 0;
  lo = 0;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/** Hex digits only (no prefix), as in lackey output. */
export function parseHexU64(buf: Uint8Array, start: number, end: number, out: U64): boolean {
  if (start >= end) return false;
  let hi = 0;
  let lo = 0;
  for (let i = start; i < end; i++) {
    const d = hexDigit(buf[i]);
    if (d < 0) return false;
    hi = hi * 16 + (lo >>> 28);
    lo = ((lo << 4) | d) >>> 0;
    if (hi >= TWO_32) return false;
  }
  out.hi = hi;
  out.lo = lo;
  return true;
}

/** Decimal, or hex with a 0x prefix. */
export function parseU64(buf: Uint8Array, start: number, end: number, out: U64): boolean {
  if (end - start > 2 && buf[start] === 48 && (buf[start + 1] | 0x20) === 120) {
    return parseHexU64(buf, start + 2, end, out);
  }
  if (start >= end) return false;
  let hi = 0;
  let lo = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return false;
    lo = lo * 10 + d;
    const carry = Math.floor(lo / TWO_32);
    lo -= carry * TWO_32;
    hi = hi * 10 + carry;
    if (hi >= TWO_32) return false;
  }
  out.hi = hi;
  out.lo = lo;
  return true;
}

/** Shifts the value right by `shift` (0..31) in place: a byte address's page number, exact for 64 bits. */
export function shiftU64(v: U64, shift: number): void {
  if (shift === 0) return;
  v.lo = ((v.lo >>> shift) | (v.hi << (32 - shift))) >>> 0;
  v.hi = v.hi >>> shift;
}

/** The value as a key, or NaN when it exceeds MAX_TRACE_KEY. */
export function u64ToKey(v: U64): number {
  const n = v.hi * TWO_32 + v.lo;
  return v.hi < 0x200000 && n <= MAX_TRACE_KEY ? n : Number.NaN;
}

/** The page number of a byte address (address >> shift, exact for 64-bit addresses), NaN if too wide. */
export function u64ToPage(v: U64, shift: number): number {
  const n = v.hi * 2 ** (32 - shift) + (shift === 0 ? v.lo : v.lo >>> shift);
  return n <= MAX_TRACE_KEY ? n : Number.NaN;
}

/** A non-negative decimal or 0x-hex integer no larger than `max`, else NaN. */
export function parseUint(buf: Uint8Array, start: number, end: number, scratch: U64, max: number): number {
  if (!parseU64(buf, start, end, scratch)) return Number.NaN;
  const n = scratch.hi * TWO_32 + scratch.lo;
  return scratch.hi < 0x200000 && n <= max ? n : Number.NaN;
}

/** A finite number (integer fast path; decimals, exponents and signs through Number()). */
export function parseNumber(buf: Uint8Array, start: number, end: number): number {
  if (start >= end) return Number.NaN;
  if (end - start <= 15) {
    let n = 0;
    let i = start;
    for (; i < end; i++) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    if (i === end) return n;
  }
  const text = Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1');
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Number.NaN;
  return Number(text);
}

function isWord(buf: Uint8Array, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) if ((buf[start + i] | 0x20) !== word.charCodeAt(i)) return false;
  return true;
}

const READ_WORDS = ['r', 'read', 'get', 'gets'];
const WRITE_WORDS = ['w', 'write', 'set', 'add', 'replace', 'cas', 'append', 'prepend', 'update'];

/** TRACE_OP_READ / TRACE_OP_WRITE for the usual spellings (case-insensitive), else NaN. */
export function parseOp(buf: Uint8Array, start: number, end: number): number {
  for (const w of READ_WORDS) if (isWord(buf, start, end, w)) return TRACE_OP_READ;
  for (const w of WRITE_WORDS) if (isWord(buf, start, end, w)) return TRACE_OP_WRITE;
  return Number.NaN;
}

export const OP_SPELLINGS = `${READ_WORDS.join('/')} for reads, ${WRITE_WORDS.join('/')} for writes`;
