/**
 * Two CSV dialects on one parser.
 *
 * Plain CSV (`csv`): a header naming the columns, then one request a line.
 * Required: `time`, a key column (`key`, `address` or `key_or_address`) and
 * `op` (r/w/read/write, any case); optional `size` (bytes, default 4096) and
 * `next` (0-based index of the next request for the key, -1 for never) — the
 * columns our CSV writer emits. Keys are decimal or 0x-hex; with
 * `addressToPage` they are byte addresses and the request's key is the page
 * number. Blank lines and lines starting with `#` are skipped.
 *
 * libCacheSim CSV (`libcachesim-csv`): columns chosen by 1-based number like
 * libCacheSim's `-t "time-col=…,obj-id-col=…"`, see LIBCACHESIM_CSV_DEFAULTS;
 * extra columns are ignored; without a time column, time is the request
 * index. Object ids are numbers unless `objIdIsNum` is false, when any
 * string is an id, hashed as libCacheSim hashes them (its default).
 */
import { InputFile, LineScanner } from './file-io.js';
import * as fieldParsers from './parse-field.js';
import type {
  LibCacheSimCsvLayout,
  TraceChunk,
  TraceFormat,
  TraceReader,
  TraceReadOptions,
} from './trace-chunk.js';
import * as model from './trace-chunk.js';
import { TraceFormatError } from './trace-error.js';

// Copied once at load: tsx and vitest compile imported bindings to getters, a call per use in hot loops.
const { OP_SPELLINGS, U64, parseNumber, parseOp, parseU64, parseUint, shiftU64 } = fieldParsers;
const {
  DEFAULT_REQUEST_SIZE,
  LIBCACHESIM_CSV_DEFAULTS,
  MAX_TRACE_KEY,
  NEXT_NEVER,
  NEXT_UNKNOWN,
  TRACE_OP_READ,
} = model;

/** 0-based field indices; -1 when the column is absent. */
interface Columns {
  time: number;
  key: number;
  op: number;
  size: number;
  next: number;
}

const PLAIN_HEADER_NAMES: Record<string, keyof Columns> = {
  time: 'time',
  key: 'key',
  address: 'key',
  key_or_address: 'key',
  op: 'op',
  size: 'size',
  next: 'next',
};
export const PLAIN_CSV_HEADER_HELP =
  'time,key_or_address,op[,size][,next] (key column may be named key or address)';

type HeaderSpec =
  | { kind: 'plain' }
  | { kind: 'layout'; cols: Columns; hasHeader: boolean | 'auto'; delimiter: string; idIsNum: boolean };

class CsvTraceReader implements TraceReader {
  readonly path: string;
  readonly format: TraceFormat;
  readonly hasNextAccess: boolean;
  readonly requestCount = undefined;
  private readonly file: InputFile;
  private readonly lines: LineScanner;
  private readonly cols: Columns;
  private readonly fieldCount: number;
  private readonly strictFieldCount: boolean;
  private readonly delimiter: number;
  private readonly trimTabs: boolean;
  private readonly pageShift: number;
  private readonly addressToPage: boolean;
  private readonly fields: Int32Array;
  private readonly scratch = new U64();
  /** libcachesim-csv with obj-id-is-num=false: ids are strings, hashed (`hashId`). */
  private readonly hashIds: boolean;
  /** A header probe found data on line 1: parse it on the first read. */
  private pendingFirstLine = false;
  private index = 0;

  constructor(path: string, format: TraceFormat, options: TraceReadOptions, header: HeaderSpec) {
    this.path = path;
    this.format = format;
    this.addressToPage = options.addressToPage ?? false;
    this.hashIds = header.kind === 'layout' && !header.idIsNum;
    this.pageShift = checkPageShift(options.pageShift);
    const delimiter = header.kind === 'plain' ? ',' : header.delimiter;
    if (delimiter.length !== 1)
      throw new Error(`${path}: CSV delimiter must be one character, got "${delimiter}"`);
    this.file = new InputFile(path);
    this.lines = new LineScanner(this.file);
    try {
      this.cols = header.kind === 'plain' ? readPlainHeader(path, this.lines) : header.cols;
      this.strictFieldCount = header.kind === 'plain';
      this.delimiter = delimiter.charCodeAt(0);
      this.trimTabs = delimiter !== '\t';
      const c = this.cols;
      this.fieldCount = Math.max(c.time, c.key, c.op, c.size, c.next) + 1;
      this.fields = new Int32Array(2 * (this.fieldCount + 1));
      this.hasNextAccess = c.next >= 0;
      if (header.kind === 'layout') {
        if (header.hasHeader === true) this.lines.next();
        else if (header.hasHeader === 'auto' && this.lines.next()) this.pendingFirstLine = this.keyIsNumber();
      }
    } catch (e) {
      this.file.close();
      throw e;
    }
  }

  read(chunk: TraceChunk): number {
    const cap = chunk.capacity;
    let n = 0;
    if (this.pendingFirstLine) {
      this.pendingFirstLine = false;
      if (this.parseLine(chunk, n)) n++;
    }
    while (n < cap && this.lines.next()) {
      if (this.parseLine(chunk, n)) n++;
    }
    chunk.length = n;
    return n;
  }

  close(): void {
    this.file.close();
  }

  private fail(message: string): never {
    // A libCacheSim CSV read with the wrong columns fails on its first line: say how to name them.
    const hint =
      this.format === 'libcachesim-csv'
        ? ` (columns read: ${describeLayout(this.cols)}; choose them with reader params in libCacheSim's syntax: run --trace-params, trace --params or a scenario's workload.params, e.g. "time-col=2,obj-id-col=5,obj-size-col=4,has-header=true")`
        : '';
    throw new TraceFormatError(this.path, { line: this.lines.lineNo }, message + hint);
  }

  private fieldText(f: number): string {
    return this.file.buf.toString('latin1', this.fields[2 * f], this.fields[2 * f + 1]);
  }

  /** Splits the current line into `fields`; returns the field count (stops after fieldCount + 1). */
  private split(): number {
    const buf = this.file.buf;
    const end = this.lines.end;
    const fields = this.fields;
    const max = this.fieldCount + 1;
    let count = 0;
    let i = this.lines.start;
    while (count < max) {
      let s = i;
      while (i < end && buf[i] !== this.delimiter) i++;
      let e = i;
      while (s < e && (buf[s] === 32 || (this.trimTabs && buf[s] === 9))) s++;
      while (e > s && (buf[e - 1] === 32 || (this.trimTabs && buf[e - 1] === 9))) e--;
      fields[2 * count] = s;
      fields[2 * count + 1] = e;
      count++;
      if (i >= end) break;
      i++;
    }
    return count;
  }

  private parseLine(chunk: TraceChunk, at: number): boolean {
    const buf = this.file.buf;
    const { start, end } = this.lines;
    let first = start;
    while (first < end && (buf[first] === 32 || buf[first] === 9)) first++;
    if (first === end || buf[first] === 35) return false;
    const count = this.split();
    if (count < this.fieldCount || (this.strictFieldCount && count > this.fieldCount)) {
      this.fail(
        `expected ${this.fieldCount} fields, got ${count > this.fieldCount ? 'more' : count}: "${this.lines.text()}"`,
      );
    }
    const f = this.fields;
    const c = this.cols;

    let time = this.index;
    if (c.time >= 0) {
      time = parseNumber(buf, f[2 * c.time], f[2 * c.time + 1]);
      if (!Number.isFinite(time)) this.fail(`bad time "${this.fieldText(c.time)}" (expected a number)`);
    }

    const ks = f[2 * c.key];
    const ke = f[2 * c.key + 1];
    const id = this.scratch;
    if (this.hashIds) {
      if (ke === ks) this.fail('empty object id');
      hashId(buf, ks, ke, id);
    } else {
      if (!parseU64(buf, ks, ke, this.scratch)) {
        const hint =
          this.format === 'libcachesim-csv' ? '; obj-id-is-num=false reads any string as an id' : '';
        this.fail(
          `bad key "${this.fieldText(c.key)}" (expected a non-negative integer, decimal or 0x-hex${hint})`,
        );
      }
      if (this.addressToPage) shiftU64(id, this.pageShift);
    }
    // Halves taken before size and next reuse the scratch.
    const keyHi = id.hi;
    const keyLo = id.lo;

    let op = TRACE_OP_READ;
    if (c.op >= 0) {
      op = parseOp(buf, f[2 * c.op], f[2 * c.op + 1]);
      if (Number.isNaN(op)) this.fail(`bad op "${this.fieldText(c.op)}" (expected ${OP_SPELLINGS})`);
    }

    let size = DEFAULT_REQUEST_SIZE;
    if (c.size >= 0) {
      size = parseUint(buf, f[2 * c.size], f[2 * c.size + 1], this.scratch, 0xffffffff);
      if (Number.isNaN(size))
        this.fail(`bad size "${this.fieldText(c.size)}" (expected an integer below 2^32)`);
    }

    let next = NEXT_UNKNOWN;
    if (c.next >= 0) {
      const ns = f[2 * c.next];
      const ne = f[2 * c.next + 1];
      if (ne - ns === 2 && buf[ns] === 45 && buf[ns + 1] === 49) next = NEXT_NEVER;
      else {
        next = parseUint(buf, ns, ne, this.scratch, MAX_TRACE_KEY);
        if (!(next > this.index)) {
          this.fail(
            `bad next "${this.fieldText(c.next)}" (expected -1 or the index of a later request than ${this.index})`,
          );
        }
      }
    }

    chunk.time[at] = time;
    chunk.setKeyU64(at, keyHi, keyLo);
    chunk.op[at] = op;
    chunk.size[at] = size;
    chunk.next[at] = next;
    this.index++;
    return true;
  }

  /** libCacheSim's header detection: a first line whose obj-id is not a number is a header. */
  private keyIsNumber(): boolean {
    const count = this.split();
    const buf = this.file.buf;
    const f = this.fields;
    // String ids say nothing: a header is then a line whose time or size is not a number.
    if (this.hashIds) {
      for (const col of [this.cols.time, this.cols.size]) {
        if (col < 0) continue;
        if (col >= count || !parseU64(buf, f[2 * col], f[2 * col + 1], this.scratch)) return false;
      }
      return true;
    }
    const k = this.cols.key;
    return k < count && parseU64(buf, f[2 * k], f[2 * k + 1], this.scratch);
  }
}

/**
 * A string id as a key: 64-bit FNV-1a of its bytes, folded to 53 bits so
 * that it is an exact double. As libCacheSim hashes string ids (to 64
 * bits), two ids may share a key; among a million distinct ids the chance
 * that any two do is about 1 in 18,000.
 */
/** A string id's 64-bit FNV-1a hash into `out` (ids are then equal when their hashes are, as in libCacheSim). */
function hashId(buf: Uint8Array, start: number, end: number, out: InstanceType<typeof U64>): void {
  // FNV-1a's 64-bit prime is 2^40 + 0x1b3: multiply the halves by hand.
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = start; i < end; i++) {
    lo = (lo ^ buf[i]) >>> 0;
    const loMul = lo * 0x1b3;
    const carry = Math.floor(loMul / 4294967296);
    const newLo = loMul >>> 0;
    hi = (Math.imul(hi, 0x1b3) + carry + ((lo << 8) >>> 0)) >>> 0;
    lo = newLo;
  }
  out.hi = hi;
  out.lo = lo;
}

export function checkPageShift(shift: number | undefined): number {
  const s = shift ?? 12;
  if (!Number.isInteger(s) || s < 0 || s > 31)
    throw new Error(`pageShift must be an integer in 0..31, got ${s}`);
  return s;
}

function readPlainHeader(path: string, lines: LineScanner): Columns {
  if (!lines.next()) {
    throw new TraceFormatError(path, { line: 1 }, `empty file; expected a header ${PLAIN_CSV_HEADER_HELP}`);
  }
  const cols: Columns = { time: -1, key: -1, op: -1, size: -1, next: -1 };
  // Binary data is named as such, never quoted back (the format is probably wrong).
  // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for binary bytes
  const binary = /[\x00-\x08\x0e-\x1f\ufffd]/.exec(lines.text());
  if (binary !== null)
    throw new TraceFormatError(
      path,
      { line: lines.lineNo },
      `binary data, not CSV text (byte ${binary.index} of the line); is --trace-format right? (${PLAIN_CSV_HEADER_HELP} is the CSV header)`,
    );
  const bad = (why: string): never => {
    throw new TraceFormatError(
      path,
      { line: lines.lineNo },
      `${why}; expected a header ${PLAIN_CSV_HEADER_HELP}, got "${lines.text()}"`,
    );
  };
  lines
    .text()
    .split(',')
    .forEach((raw, i) => {
      const name = raw.trim().toLowerCase();
      const col = Object.hasOwn(PLAIN_HEADER_NAMES, name) ? PLAIN_HEADER_NAMES[name] : undefined;
      if (col === undefined) bad(`unknown column "${raw.trim()}"`);
      else if (cols[col] >= 0) bad(`duplicate column "${raw.trim()}"`);
      else cols[col] = i;
    });
  for (const need of ['time', 'key', 'op'] as const) if (cols[need] < 0) bad(`missing column "${need}"`);
  return cols;
}

/** Opens a plain CSV trace (`time,key_or_address,op[,size][,next]` header required). */
export function openCsvTrace(path: string, options: TraceReadOptions = {}): TraceReader {
  return new CsvTraceReader(path, 'csv', options, { kind: 'plain' });
}

function describeLayout(c: Columns): string {
  const col = (name: string, i: number) => (i < 0 ? [] : [`${name}=${i + 1}`]);
  return [
    ...col('time-col', c.time),
    ...col('obj-id-col', c.key),
    ...col('obj-size-col', c.size),
    ...col('op-col', c.op),
  ].join(', ');
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'y', 't']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'n', 'f']);

/**
 * libCacheSim's CSV reader parameters (`cachesim … csv -t "…"`), in its own
 * syntax, as a layout: `time-col`, `obj-id-col`, `obj-size-col` (1-based,
 * 0 for none; `-field` spellings and `_` for `-` accepted),
 * `has-header`/`header`, `delimiter` (`delimiter=,,` or `delimiter=\,` for
 * a comma, `\t` for a tab), `obj-id-is-num` (false: string ids, hashed),
 * and our `op-col`. A key it does not know, or one of libCacheSim's we do
 * not read (`cnt-col`, `next-access-col`, `format`), is an error naming it.
 */
export function parseLibCacheSimCsvParams(text: string): Partial<LibCacheSimCsvLayout> {
  const out: Partial<LibCacheSimCsvLayout> = {};
  let rest = text.trim();
  const bad = (message: string): never => {
    throw new Error(`trace params "${text}": ${message}`);
  };
  while (rest.length > 0) {
    const eq = rest.indexOf('=');
    if (eq < 0) bad(`"${rest}" is not key=value`);
    const key = rest.slice(0, eq).trim().toLowerCase().replaceAll('_', '-');
    rest = rest.slice(eq + 1);
    let value: string;
    if (key === 'delimiter' && (rest.startsWith(',') || rest.startsWith('\\,'))) {
      // `delimiter=,,` and `delimiter=\,`: the comma is the value, not the separator.
      value = ',';
      rest = rest.slice(rest.startsWith(',') ? 1 : 2);
      const comma = rest.indexOf(',');
      if (comma >= 0 && rest.slice(0, comma).trim() !== '')
        bad(`unexpected "${rest.slice(0, comma)}" after delimiter`);
      rest = comma < 0 ? rest.trim() : rest.slice(comma + 1);
    } else {
      const comma = rest.indexOf(',');
      value = (comma < 0 ? rest : rest.slice(0, comma)).trim();
      rest = comma < 0 ? '' : rest.slice(comma + 1);
    }
    rest = rest.replace(/^[\s,]+/, '');
    // 0 is libCacheSim's "no such column" (its default), for all but the id.
    const column = (): number | undefined => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0)
        bad(`${key} must be a 1-based column number or 0 for none, got "${value}"`);
      return n === 0 ? undefined : n;
    };
    const flag = (): boolean => {
      const v = value.toLowerCase();
      if (TRUE_WORDS.has(v)) return true;
      if (FALSE_WORDS.has(v)) return false;
      return bad(`${key} must be true or false, got "${value}"`);
    };
    switch (key) {
      case 'time-col':
      case 'time-field':
        out.timeCol = column();
        break;
      case 'obj-id-col':
      case 'obj-id-field': {
        const n = column();
        if (n === undefined) bad(`${key} must be a 1-based column number, got "${value}"`);
        out.objIdCol = n;
        break;
      }
      case 'obj-size-col':
      case 'obj-size-field':
      case 'size-col':
      case 'size-field':
        out.objSizeCol = column();
        break;
      case 'op-col':
      case 'op-field':
        out.opCol = column();
        break;
      case 'has-header':
      case 'header':
        out.hasHeader = flag();
        break;
      case 'delimiter':
        if (value === '\\t' || value === '\t') out.delimiter = '\t';
        else if (value.length === 1) out.delimiter = value;
        else bad(`unsupported delimiter "${value}" (one character, ",," for a comma, "\\t" for a tab)`);
        break;
      case 'obj-id-is-num':
        out.objIdIsNum = flag();
        break;
      case 'cnt-col':
      case 'cnt-field':
      case 'next-access-col':
      case 'next-access-field':
      case 'format':
        bad(`libCacheSim's ${key} is not read by reclaim-lab`);
        break;
      default:
        bad(
          `unknown key "${key}" (expected time-col, obj-id-col, obj-size-col, op-col, has-header, delimiter, obj-id-is-num)`,
        );
    }
  }
  return out;
}

/** Opens a libCacheSim CSV trace; `options.libCacheSimCsv` overrides LIBCACHESIM_CSV_DEFAULTS. */
export function openLibCacheSimCsvTrace(path: string, options: TraceReadOptions = {}): TraceReader {
  const layout: LibCacheSimCsvLayout = { ...LIBCACHESIM_CSV_DEFAULTS, ...options.libCacheSimCsv };
  const col = (name: string, n: number | undefined): number => {
    if (n === undefined) return -1;
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`libCacheSim CSV ${name} must be a 1-based column number, got ${n}`);
    return n - 1;
  };
  if (layout.objIdCol === undefined) throw new Error('libCacheSim CSV needs objIdCol');
  const cols: Columns = {
    time: col('timeCol', layout.timeCol),
    key: col('objIdCol', layout.objIdCol),
    op: col('opCol', layout.opCol),
    size: col('objSizeCol', layout.objSizeCol),
    next: -1,
  };
  return new CsvTraceReader(path, 'libcachesim-csv', options, {
    kind: 'layout',
    cols,
    hasHeader: layout.hasHeader,
    delimiter: layout.delimiter,
    idIsNum: layout.objIdIsNum ?? true,
  });
}
