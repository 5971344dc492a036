/**
 * Buffered synchronous file access for trace readers and writers. Reads use
 * explicit positions on one descriptor; writes go to a temporary file that is
 * renamed over the destination only when the writer closes, so a failed
 * conversion never leaves a partial trace behind.
 */
import { closeSync, fsyncSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';

const READ_BUFFER_BYTES = 1 << 16;
const WRITE_BUFFER_BYTES = 1 << 20;

/** A sliding window over a file: `buf[pos..end)` are unread bytes, `buf[0]` is at file offset `base`. */
export class InputFile {
  readonly path: string;
  buf: Buffer;
  pos = 0;
  end = 0;
  base = 0;
  eof = false;
  private fd: number;
  private filePos = 0;

  constructor(path: string, bufferBytes = READ_BUFFER_BYTES) {
    this.path = path;
    this.fd = openSync(path, 'r');
    this.buf = Buffer.allocUnsafe(bufferBytes);
  }

  /** File offset of `buf[i]`. */
  offsetOf(i: number): number {
    return this.base + i;
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
      const got = readSync(this.fd, this.buf, this.end, this.buf.length - this.end, this.filePos);
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
    renameSync(this.tmpPath, this.path);
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
