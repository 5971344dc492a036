/**
 * valgrind lackey `--trace-mem=yes` output:
 *
 *   ==1234== Lackey, an example Valgrind tool      (chatter: skipped)
 *   I  04016a3c,3                                   instruction fetch
 *    L 7ff000398,8                                  load
 *    S 7ff000390,8                                  store
 *    M 0421c7f0,4                                   modify = load + store
 *
 * Addresses are hex. Keys are page numbers (address >> pageShift); an access
 * that crosses a page boundary yields one request per page, each sized to
 * its part of the access. An M yields its loads then its stores. Time counts
 * instructions: a data access carries the time of the instruction before it,
 * so time is "instructions executed", the trace's natural clock. Instruction
 * fetches are read requests when `includeInstructions` is set.
 */
import { checkPageShift } from './csv-reader.js';
import { InputFile, LineScanner } from './file-io.js';
import * as fieldParsers from './parse-field.js';
import type { TraceChunk, TraceReader, TraceReadOptions } from './trace-chunk.js';
import * as model from './trace-chunk.js';
import { TraceFormatError } from './trace-error.js';

// Copied once at load: tsx and vitest compile imported bindings to getters, a call per use in hot loops.
const { U64, parseHexU64, parseUint, u64ToPage } = fieldParsers;
const { NEXT_UNKNOWN, TRACE_OP_READ, TRACE_OP_WRITE } = model;

const SPACE = 32;
const TAB = 9;

class LackeyReader implements TraceReader {
  readonly path: string;
  readonly format = 'lackey';
  readonly hasNextAccess = false;
  readonly requestCount = undefined;
  private readonly file: InputFile;
  private readonly lines: LineScanner;
  private readonly includeInstructions: boolean;
  private readonly shift: number;
  private readonly pageSize: number;
  private readonly scratch = new U64();
  private instructions = 0;

  // The access being emitted; it may continue into the next chunk.
  private pending = false;
  private basePage = 0;
  private pageCount = 0;
  private offset = 0;
  private bytes = 0;
  private time = 0;
  private page = 0;
  private phase = 0;
  private phases = 0;
  private firstOp = 0;

  constructor(path: string, options: TraceReadOptions) {
    this.path = path;
    this.includeInstructions = options.includeInstructions ?? false;
    this.shift = checkPageShift(options.pageShift);
    this.pageSize = 2 ** this.shift;
    this.file = new InputFile(path);
    this.lines = new LineScanner(this.file);
  }

  read(chunk: TraceChunk): number {
    const cap = chunk.capacity;
    let n = 0;
    for (;;) {
      while (this.pending && n < cap) {
        const k = this.page;
        const lo = k === 0 ? this.offset : 0;
        const hi = Math.min(this.pageSize, this.offset + this.bytes - k * this.pageSize);
        chunk.time[n] = this.time;
        chunk.setKey(n, this.basePage + k);
        chunk.op[n] = this.phase === 0 ? this.firstOp : TRACE_OP_WRITE;
        chunk.size[n] = Math.max(hi - lo, 0);
        chunk.next[n] = NEXT_UNKNOWN;
        n++;
        if (++this.page === this.pageCount) {
          this.page = 0;
          if (++this.phase === this.phases) this.pending = false;
        }
      }
      if (n === cap || !this.lines.next()) break;
      this.parseLine();
    }
    chunk.length = n;
    return n;
  }

  close(): void {
    this.file.close();
  }

  private garbage(): never {
    throw new TraceFormatError(
      this.path,
      { line: this.lines.lineNo },
      `not a lackey --trace-mem line (expected "I  addr,size" or " L|S|M addr,size"): "${this.lines.text()}"`,
    );
  }

  private parseLine(): void {
    const buf = this.file.buf;
    let { start: i, end } = this.lines;
    while (end > i && (buf[end - 1] === SPACE || buf[end - 1] === TAB)) end--;
    if (i === end) return;
    if ((buf[i] === 61 || buf[i] === 45) && buf[i + 1] === buf[i]) return; // "==pid==" / "--pid--" chatter
    while (i < end && buf[i] === SPACE) i++;
    const kind = buf[i++];
    if (i >= end || buf[i] !== SPACE || (kind !== 73 && kind !== 76 && kind !== 83 && kind !== 77))
      this.garbage();
    while (i < end && buf[i] === SPACE) i++;
    let comma = i;
    while (comma < end && buf[comma] !== 44) comma++;
    if (comma === end || !parseHexU64(buf, i, comma, this.scratch)) this.garbage();
    const offset = this.scratch.lo & (this.pageSize - 1);
    const page = u64ToPage(this.scratch, this.shift);
    const size = parseUint(buf, comma + 1, end, this.scratch, 0xffffffff);
    if (Number.isNaN(size) || Number.isNaN(page)) this.garbage();

    if (kind === 73) {
      this.time = this.instructions++;
      if (!this.includeInstructions) return;
    } else {
      this.time = Math.max(this.instructions - 1, 0);
    }
    this.pending = true;
    this.basePage = page;
    this.offset = offset;
    this.bytes = size;
    this.pageCount = Math.floor((offset + Math.max(size, 1) - 1) / this.pageSize) + 1;
    this.page = 0;
    this.phase = 0;
    this.phases = kind === 77 ? 2 : 1;
    this.firstOp = kind === 83 ? TRACE_OP_WRITE : TRACE_OP_READ;
  }
}

export function openLackeyTrace(path: string, options: TraceReadOptions = {}): TraceReader {
  return new LackeyReader(path, options);
}
