/**
 * Buffered synchronous file access for trace readers and writers. Reads use
 * explicit positions on one descriptor, or decompress a zstd or gzip file as
 * it is read (public traces, libCacheSim's among them, ship as `.zst`);
 * writes go to a temporary file that is renamed over the destination only
 * when the writer closes, so a failed conversion never leaves a partial
 * trace behind.
 */
import { closeSync, fsyncSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { Gunzip } from 'fflate';
import { Decompress as ZstdDecompress } from 'fzstd';
import { TraceFormatError } from './trace-error.js';

const READ_BUFFER_BYTES = 1 << 16;
const WRITE_BUFFER_BYTES = 1 << 20;
const COMPRESSED_READ_BYTES = 1 << 16;

/** Compressions read as they stream; others are refused by name in `detectFormat`. */
export type Compression = 'zstd' | 'gzip';

/** A file's compression by its magic number: zstd frames start 28 B5 2F FD, gzip members 1F 8B. */
export function compressionOf(head: Uint8Array): Compression | null {
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd)
    return 'zstd';
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  return null;
}

/** A compressed file's bytes, decompressed in order as they are asked for, in constant memory. */
class Decompressor {
  private readonly input = Buffer.allocUnsafe(COMPRESSED_READ_BYTES);
  /** Decompressed chunks not yet handed out; `head` bytes of the first are gone. */
  private readonly pending: Uint8Array[] = [];
  private head = 0;
  private ended = false;
  private readonly stream: ZstdDecompress | Gunzip;

  constructor(
    private readonly fd: number,
    private readonly path: string,
    private readonly kind: Compression,
  ) {
    // A chunk may be a view of the decoder's window, overwritten by the next block: keep a copy.
    const take = (chunk: Uint8Array) => {
      if (chunk.length > 0) this.pending.push(chunk.slice());
    };
    this.stream = kind === 'zstd' ? new ZstdDecompress(take) : new Gunzip(take);
  }

  /** Up to `len` decompressed bytes into `into[at..]`; 0 at the end of the data. */
  read(into: Buffer, at: number, len: number): number {
    while (this.pending.length === 0 && !this.ended) this.pump();
    let n = 0;
    while (n < len && this.pending.length > 0) {
      const chunk = this.pending[0];
      const k = Math.min(len - n, chunk.length - this.head);
      into.set(chunk.subarray(this.head, this.head + k), at + n);
      n += k;
      this.head += k;
      if (this.head === chunk.length) {
        this.pending.shift();
        this.head = 0;
      }
    }
    return n;
  }

  private pump(): void {
    const got = readSync(this.fd, this.input, 0, COMPRESSED_READ_BYTES, null);
    try {
      // The decoders may keep what they are given: hand them a copy of the reused buffer.
      if (got === 0) {
        this.ended = true;
        this.stream.push(new Uint8Array(0), true);
      } else this.stream.push(new Uint8Array(this.input.subarray(0, got)), false);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      // Bad input (exit status 2), like any other malformed trace.
      throw new TraceFormatError(
        this.path,
        undefined,
        `not valid ${this.kind} data (${why}); is the file truncated?`,
      );
    }
  }
}

/**
 * A sliding window over a file: `buf[pos..end)` are unread bytes, `buf[0]`
 * is at offset `base` of the file's data — decompressed data for a zstd or
 * gzip file (`compression`), which is read as any other.
 */
export class InputFile {
  readonly path: string;
  readonly compression: Compression | null;
  buf: Buffer;
  pos = 0;
  end = 0;
  base = 0;
  eof = false;
  private fd: number;
  private filePos = 0;
  private readonly decompressor: Decompressor | null;

  constructor(path: string, bufferBytes = READ_BUFFER_BYTES) {
    this.path = path;
    this.fd = openSync(path, 'r');
    this.buf = Buffer.allocUnsafe(bufferBytes);
    const magic = Buffer.alloc(4);
    const got = readSync(this.fd, magic, 0, 4, 0);
    this.compression = compressionOf(magic.subarray(0, got));
    this.decompressor = this.compression === null ? null : new Decompressor(this.fd, path, this.compression);
  }

  /** Offset of `buf[i]` in the file's (decompressed) data. */
  offsetOf(i: number): number {
    return this.base + i;
  }

  /** Where `buf[i]` is, for a `TraceFormatError`. */
  at(i: number): { offset: number; decompressed: boolean } {
    return { offset: this.base + i, decompressed: this.compression !== null };
  }

  /**
   * Makes at least `n` unread bytes available (growing the buffer if needed)
   * unless the file ends first. Returns the number available.
   */
  fill(n: number): number {
    if (this.end - this.pos >= n || this.eof) return this.end - this.pos;
    if (this.pos > 0) {
      this.buf.copy(this.buf, 0, this.pos, this.end);
      this.base += this.pos;
      this.end -= this.pos;
      this.pos = 0;
    }
    if (n > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
      this.buf.copy(grown, 0, 0, this.end);
      this.buf = grown;
    }
    while (this.end < n) {
      const got =
        this.decompressor !== null
          ? this.decompressor.read(this.buf, this.end, this.buf.length - this.end)
          : readSync(this.fd, this.buf, this.end, this.buf.length - this.end, this.filePos);
      if (got === 0) {
        this.eof = true;
        break;
      }
      this.end += got;
      this.filePos += got;
    }
    return this.end - this.pos;
  }

  close(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}

/**
 * Splits an InputFile into lines without allocating per line: after `next()`
 * the line is `file.buf[start..end)` (without `\n` or `\r\n`), numbered from 1.
 */
export class LineScanner {
  readonly file: InputFile;
  start = 0;
  end = 0;
  lineNo = 0;

  constructor(file: InputFile) {
    this.file = file;
  }

  next(): boolean {
    const f = this.file;
    let scanFrom = f.pos;
    for (;;) {
      let nl = f.buf.indexOf(10, scanFrom);
      if (nl >= f.end) nl = -1;
      if (nl >= 0) {
        this.setLine(f.pos, nl);
        f.pos = nl + 1;
        return true;
      }
      const pending = f.end - f.pos;
      if (f.eof) {
        if (pending === 0) return false;
        this.setLine(f.pos, f.end);
        f.pos = f.end;
        return true;
      }
      // Only the newly read bytes can hold the newline; fill() may move the window.
      f.fill(pending + 1);
      scanFrom = f.pos + pending;
    }
  }

  /** The current line as text, for error messages. */
  text(): string {
    return this.file.buf.toString('latin1', this.start, this.end);
  }

  private setLine(start: number, end: number): void {
    this.lineNo++;
    this.start = start;
    this.end = end > start && this.file.buf[end - 1] === 13 ? end - 1 : end;
  }
}

/** Buffered writer to `<path>.tmp-<pid>`, renamed to `path` on `commit`. */
export class OutputFile {
  readonly path: string;
  readonly tmpPath: string;
  buf: Buffer;
  pos = 0;
  /** Bytes already flushed to the file. */
  flushed = 0;
  private fd: number;

  constructor(path: string) {
    this.path = path;
    this.tmpPath = `${path}.tmp-${process.pid}`;
    this.fd = openSync(this.tmpPath, 'w');
    this.buf = Buffer.allocUnsafe(WRITE_BUFFER_BYTES);
  }

  /** Ensures room for `n` more bytes at `pos`. */
  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
  }

  writeAscii(s: string): void {
    this.reserve(s.length);
    this.pos += this.buf.write(s, this.pos, 'latin1');
  }

  flush(): void {
    let off = 0;
    while (off < this.pos) off += writeSync(this.fd, this.buf, off, this.pos - off, this.flushed + off);
    this.flushed += this.pos;
    this.pos = 0;
  }

  /** Overwrites already-flushed bytes (e.g. a header field known only at the end). */
  patch(offset: number, bytes: Uint8Array): void {
    this.flush();
    writeSync(this.fd, bytes, 0, bytes.length, offset);
  }

  commit(): void {
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
    try {
      renameSync(this.tmpPath, this.path);
    } catch (e) {
      // The destination cannot take it (a directory, gone read-only): leave no temporary file behind.
      try {
        unlinkSync(this.tmpPath);
      } catch {
        // Already gone.
      }
      throw new Error(
        `${this.path}: cannot write: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  }

  abort(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
    try {
      unlinkSync(this.tmpPath);
    } catch {
      // Already gone: nothing to clean up.
    }
  }
}
