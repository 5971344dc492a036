import { appendFileSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  convertTrace,
  createNativeWriter,
  detectFormat,
  makeSyntheticTrace,
  NEXT_NEVER,
  openTrace,
  parseLibCacheSimCsvParams,
  parseTraceFormat,
  TRACE_OP_READ as R,
  TraceChunk,
  TraceFormatError,
  TRACE_OP_WRITE as W,
} from '../src/trace/index.js';
import { FIXTURES, readAll, tempDir, thrown } from './fixtures/traces/trace-test-helpers.js';

const fx = (name: string): string => join(FIXTURES, name);
const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('plain CSV', () => {
  it('reads decimal and 0x-hex keys and every op spelling', () => {
    const reqs = readAll(openTrace(fx('plain.csv'), 'csv'));
    expect(reqs.map((r) => [r.time, r.key, r.op])).toEqual([
      [0, 16, R],
      [1, 17, W],
      [2, 16, R],
      [3, 5, W],
      [4.5, 17, R],
      [5, 31, W],
    ]);
    expect(reqs.every((r) => r.size === 4096 && Number.isNaN(r.next))).toBe(true);
  });

  it('turns addresses into page numbers with addressToPage, exactly for 64-bit addresses', () => {
    const keys = readAll(openTrace(fx('addresses.csv'), 'csv', { addressToPage: true })).map((r) => r.key);
    expect(keys).toEqual([0x7ff000, 0x7ff000, 1, Number(0xffffffff80001000n >> 12n)]);
  });

  it('rejects a key above 2^64-1, naming the line', () => {
    const path = tmp.path('wide.csv');
    writeFileSync(path, 'time,key,op\n0,1,r\n1,0x1ffffffff80001000,r\n');
    const e = thrown(() => readAll(openTrace(path, 'csv')));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toContain(`${path}:3: bad key "0x1ffffffff80001000"`);
  });

  it('names the file and line of a bad number', () => {
    const path = fx('bad-number.csv');
    const e = thrown(() => readAll(openTrace(path, 'csv')));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect((e as TraceFormatError).line).toBe(4);
    expect(e.message).toContain(`${path}:4: bad key "3x"`);
  });

  it('names the file and line 1 for a wrong header', () => {
    const path = fx('bad-header.csv');
    const e = thrown(() => openTrace(path, 'csv'));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect((e as TraceFormatError).line).toBe(1);
    expect(e.message).toContain(`${path}:1: unknown column "operation"`);
  });

  it('rejects a bad op and a short line with their line numbers', () => {
    const path = tmp.path('bad-op.csv');
    writeFileSync(path, 'time,key,op\n\n0,1,r\n1,2,x\n');
    expect(thrown(() => readAll(openTrace(path, 'csv'))).message).toContain(`${path}:4: bad op "x"`);
    writeFileSync(path, 'time,key,op\r\n0,1,r\r\n1,2\r\n');
    expect(thrown(() => readAll(openTrace(path, 'csv'))).message).toContain(
      `${path}:3: expected 3 fields, got 2`,
    );
  });

  it('handles lines longer than the read buffer and a missing final newline', () => {
    const path = tmp.path('long.csv');
    const pad = ' '.repeat(100_000);
    writeFileSync(path, `time,key,op\n0,${pad}7${pad},r\n1,8,w`);
    expect(readAll(openTrace(path, 'csv')).map((r) => r.key)).toEqual([7, 8]);
  });
});

describe('libCacheSim CSV', () => {
  it('defaults to time-col=1, obj-id-col=2, obj-size-col=3 and detects the header', () => {
    const reqs = readAll(openTrace(fx('libcachesim.csv'), 'libcachesim-csv'));
    expect(reqs.map((r) => [r.time, r.key, r.size, r.op])).toEqual([
      [10, 100, 4096, R],
      [11, 200, 512, R],
      [12, 100, 4096, R],
      [13, 300, 8192, R],
      [14, 200, 512, R],
    ]);
  });

  it('reads a headerless file in auto mode (first line kept)', () => {
    const path = tmp.path('noheader.csv');
    writeFileSync(path, '1,5,100\n2,6,200\n');
    expect(readAll(openTrace(path, 'libcachesim-csv')).map((r) => r.key)).toEqual([5, 6]);
  });

  it('takes configurable columns, op and delimiter', () => {
    const reqs = readAll(
      openTrace(fx('cloudphysics-layout.csv'), 'libcachesim-csv', {
        libCacheSimCsv: { timeCol: 2, objIdCol: 5, objSizeCol: 4, opCol: 3, hasHeader: true },
      }),
    );
    expect(reqs.map((r) => [r.time, r.key, r.op, r.size])).toEqual([
      [100, 77, R, 4096],
      [101, 78, W, 4096],
      [102, 77, R, 4096],
      [103, 79, W, 512],
    ]);
    const tsv = tmp.path('trace.tsv');
    writeFileSync(tsv, '7\t1\n8\t2\n');
    const opts = {
      libCacheSimCsv: { timeCol: undefined, objIdCol: 1, objSizeCol: undefined, delimiter: '\t' },
    };
    expect(readAll(openTrace(tsv, 'libcachesim-csv', opts)).map((r) => [r.time, r.key])).toEqual([
      [0, 7],
      [1, 8],
    ]);
  });

  it("reads libCacheSim's reader params as its cachesim -t takes them", () => {
    // The README's cloudPhysics example: spaces after commas, and a comma as the delimiter.
    expect(
      parseLibCacheSimCsvParams('time-col=2, obj-id-col=5, obj-size-col=4, delimiter=,, has-header=true'),
    ).toEqual({ timeCol: 2, objIdCol: 5, objSizeCol: 4, delimiter: ',', hasHeader: true });
    expect(
      parseLibCacheSimCsvParams('obj_id_field=1,time-col=0,size-col=0,delimiter=\\t,header=false'),
    ).toEqual({
      objIdCol: 1,
      timeCol: undefined,
      objSizeCol: undefined,
      delimiter: '\t',
      hasHeader: false,
    });
    expect(parseLibCacheSimCsvParams('delimiter=;,obj-id-col=3,op-col=2,obj-id-is-num=true')).toEqual({
      delimiter: ';',
      objIdCol: 3,
      opCol: 2,
      objIdIsNum: true,
    });
  });

  it('reads string ids with obj-id-is-num=false, as libCacheSim does by default: equal ids, equal keys', () => {
    const path = tmp.path('strings.csv');
    writeFileSync(path, 'ts,key,size\n1,user:42,10\n2,user:7,10\n3,user:42,10\n4,42,10\n');
    const opts = { libCacheSimCsv: parseLibCacheSimCsvParams('obj-id-is-num=false') };
    const keys = readAll(openTrace(path, 'libcachesim-csv', opts)).map((r) => r.key);
    // The header is found by its non-numeric time; "42" is a string like the others.
    expect(keys).toHaveLength(4);
    expect(keys[0]).toBe(keys[2]);
    expect(new Set(keys).size).toBe(3);
    // 64-bit FNV-1a hashes: integers, and most of them beyond 2^53 (kept exact in the chunk's halves).
    expect(keys.every((k) => Number.isInteger(k) && k >= 0 && k <= 2 ** 64)).toBe(true);
    // Without the param a string id is an error that says how to read it.
    const e = thrown(() => readAll(openTrace(path, 'libcachesim-csv')));
    expect(e.message).toContain(':2: bad key "user:42"');
    expect(e.message).toContain('obj-id-is-num=false');
  });

  it('names the key of bad reader params', () => {
    expect(() => parseLibCacheSimCsvParams('obj-id-col=five')).toThrow(
      'obj-id-col must be a 1-based column number or 0 for none, got "five"',
    );
    expect(() => parseLibCacheSimCsvParams('obj-id-col=0')).toThrow(
      'obj-id-col must be a 1-based column number',
    );
    expect(() => parseLibCacheSimCsvParams('time-col=1,colour=red')).toThrow('unknown key "colour"');
    expect(() => parseLibCacheSimCsvParams('next-access-col=6')).toThrow(
      "libCacheSim's next-access-col is not read by reclaim-lab",
    );
    expect(() => parseLibCacheSimCsvParams('has-header=maybe')).toThrow('has-header must be true or false');
    expect(() => parseLibCacheSimCsvParams('time-col')).toThrow('"time-col" is not key=value');
  });

  it('says how to choose the columns when the default layout does not fit the file', () => {
    const e = thrown(() => readAll(openTrace(fx('cloudphysics-layout.csv'), 'libcachesim-csv')));
    expect(e.message).toContain(':2: bad size "read"');
    expect(e.message).toContain('columns read: time-col=1, obj-id-col=2, obj-size-col=3');
    expect(e.message).toContain('--trace-params');
  });

  it('names the line of a bad size', () => {
    const path = tmp.path('badsize.csv');
    writeFileSync(path, 'time,obj,size\n1,2,3\n2,3,-4\n');
    const e = thrown(() => readAll(openTrace(path, 'libcachesim-csv')));
    expect((e as TraceFormatError).line).toBe(3);
    expect(e.message).toContain(`${path}:3: bad size "-4"`);
  });
});

describe('valgrind lackey', () => {
  it('skips chatter and instruction fetches, splits page-crossing accesses, M = loads then stores', () => {
    const reqs = readAll(openTrace(fx('sample.lackey'), 'lackey'));
    expect(reqs.map((r) => [r.time, r.key, r.op, r.size])).toEqual([
      [0, 0x7ff000, W, 8],
      [1, 0x4020, R, 8],
      [1, 0x7ff000, R, 4],
      [1, 0x7ff001, R, 4],
      [1, 0x7ff000, W, 4],
      [1, 0x7ff001, W, 4],
      [2, 0x401f, R, 2],
      [2, 0x4020, R, 2],
    ]);
  });

  it('includes instruction fetches as reads when asked', () => {
    const reqs = readAll(openTrace(fx('sample.lackey'), 'lackey', { includeInstructions: true }), 1);
    expect(reqs.length).toBe(11);
    expect(reqs.filter((r) => r.key === 0x4000).map((r) => [r.time, r.op, r.size])).toEqual([
      [0, R, 3],
      [1, R, 4],
      [2, R, 2],
    ]);
  });

  it('names the line of garbage', () => {
    const path = fx('bad.lackey');
    const e = thrown(() => readAll(openTrace(path, 'lackey')));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect((e as TraceFormatError).line).toBe(4);
    expect(e.message).toContain(`${path}:4: not a lackey --trace-mem line`);
  });
});

describe('oracleGeneral', () => {
  it('reads libCacheSim records: 1-based next-access vtimes, -1 and huge values mean never', () => {
    const path = tmp.path('hand.oracleGeneral.bin');
    const buf = Buffer.alloc(24 * 3);
    const rec = (i: number, t: number, id: bigint, size: number, next: bigint): void => {
      buf.writeUInt32LE(t, 24 * i);
      buf.writeBigUInt64LE(id, 24 * i + 4);
      buf.writeUInt32LE(size, 24 * i + 12);
      buf.writeBigInt64LE(next, 24 * i + 16);
    };
    rec(0, 5, 42n, 100, 3n);
    rec(1, 6, 2n ** 53n - 1n, 200, -1n);
    rec(2, 7, 42n, 300, 2n ** 63n - 1n);
    writeFileSync(path, buf);
    const reader = openTrace(path);
    expect(reader.format).toBe('oracle-general');
    expect(reader.requestCount).toBe(3);
    expect(readAll(reader)).toEqual([
      { time: 5, key: 42, op: R, size: 100, next: 2 },
      { time: 6, key: 2 ** 53 - 1, op: R, size: 200, next: NEXT_NEVER },
      { time: 7, key: 42, op: R, size: 300, next: NEXT_NEVER },
    ]);
  });

  it('reads the same keys and ops with keysOnly, and still rejects a vtime that is not ahead', () => {
    // More records than one chunk and one file buffer, so the keys-only loop crosses both.
    const path = tmp.path('keys.oracleGeneral.bin');
    makeSyntheticTrace(path, 'oracle-general', { requests: 20_000, keys: 3000, seed: 5, pattern: 'zipf' });
    const read = (keysOnly: boolean): number[][] => {
      const reader = openTrace(path);
      const chunk = new TraceChunk(1000);
      chunk.keysOnly = keysOnly;
      const out: number[][] = [];
      while (reader.read(chunk) > 0)
        for (let i = 0; i < chunk.length; i++) out.push([chunk.keyHi[i], chunk.keyLo[i], chunk.op[i]]);
      reader.close();
      return out;
    };
    const full = read(false);
    expect(full.length).toBe(20_000);
    expect(read(true)).toEqual(full);
    // Record 2 (vtime 2) says its next access is vtime 1: behind it.
    const bad = tmp.path('behind.oracleGeneral.bin');
    const buf = Buffer.alloc(24 * 2);
    buf.writeBigInt64LE(-1n, 16);
    buf.writeBigUInt64LE(7n, 24 + 4);
    buf.writeBigInt64LE(1n, 24 + 16);
    writeFileSync(bad, buf);
    const reader = openTrace(bad);
    const chunk = new TraceChunk(16);
    chunk.keysOnly = true;
    const e = thrown(() => reader.read(chunk));
    reader.close();
    expect(e.message).toBe(
      `${bad} at byte offset 24: next-access vtime 1 is not after this record (vtime 2; vtimes are 1-based)`,
    );
  });

  it('names the byte offset of a truncated final record', () => {
    const path = tmp.path('trunc.oracleGeneral.bin');
    makeSyntheticTrace(path, 'oracle-general', { requests: 3, keys: 2, seed: 1, pattern: 'loop' });
    appendFileSync(path, Buffer.alloc(10));
    const e = thrown(() => readAll(openTrace(path, 'oracle-general')));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect((e as TraceFormatError).offset).toBe(72);
    expect(e.message).toBe(`${path} at byte offset 72: truncated record: 10 of 24 bytes`);
  });
});

describe('native format', () => {
  it('names the byte offset of a truncated record and of a missing record', () => {
    const full = tmp.path('full.rlt');
    const short = tmp.path('short.rlt');
    const opts = { requests: 50, keys: 1000, seed: 3, pattern: 'uniform' } as const;
    makeSyntheticTrace(full, 'native', opts);
    makeSyntheticTrace(short, 'native', { ...opts, requests: 49 });
    const lastRecordAt = readFileSync(short).length; // same 49-record prefix, so record 50 starts here
    truncateSync(full, readFileSync(full).length - 1);
    const e = thrown(() => readAll(openTrace(full)));
    expect((e as TraceFormatError).offset).toBe(lastRecordAt);
    expect(e.message).toBe(`${full} at byte offset ${lastRecordAt}: truncated record`);

    truncateSync(full, lastRecordAt);
    const e2 = thrown(() => readAll(openTrace(full)));
    expect(e2.message).toBe(
      `${full} at byte offset ${lastRecordAt}: file ends after 49 records but the header says 50`,
    );
  });

  it('rejects a file without the magic at offset 0', () => {
    const path = tmp.path('nomagic.rlt');
    writeFileSync(path, 'time,key,op\n');
    expect(thrown(() => openTrace(path, 'native')).message).toBe(
      `${path} at byte offset 0: not a native trace (no "RLTR" magic)`,
    );
  });

  it('keeps odd values exactly: fractional and negative times, huge keys, size changes, key jumps', () => {
    const path = tmp.path('odd.rlt');
    const w = createNativeWriter(path, { nextAccess: true });
    const c = new TraceChunk(8);
    c.push(1.25, 2 ** 53 - 1, W, 0, 3);
    c.push(-7, 0, R, 4096, NEXT_NEVER);
    c.push(1e300, 12345, R, 2 ** 32 - 1, 4);
    c.push(1e300, 2 ** 53 - 1, W, 1, NEXT_NEVER);
    c.push(3, 12345, R, 1, NEXT_NEVER);
    w.write(c);
    w.close();
    const reqs = readAll(openTrace(path));
    expect(reqs).toEqual(
      Array.from({ length: 5 }, (_, i) => ({
        time: c.time[i],
        key: c.key[i],
        op: c.op[i],
        size: c.size[i],
        next: c.next[i],
      })),
    );
  });

  it('refuses invalid requests and leaves no output behind', () => {
    const path = tmp.path('invalid.rlt');
    const w = createNativeWriter(path);
    const c = new TraceChunk(2);
    c.push(0, 1.5, R, 1);
    expect(thrown(() => w.write(c)).message).toBe(
      `${path}: request 0: key 1.5 is not an integer in 0..2^64-1`,
    );
    w.abort();
    expect(() => readFileSync(path)).toThrow();
  });
});

describe('detectFormat / openTrace', () => {
  it('detects each format from magic, name or content', () => {
    const native = tmp.path('x.rlt');
    const og = tmp.path('x.oracleGeneral.bin');
    const anon = tmp.path('x.bin');
    makeSyntheticTrace(native, 'native', { requests: 10, keys: 3, seed: 1, pattern: 'loop' });
    makeSyntheticTrace(og, 'oracle-general', { requests: 10, keys: 3, seed: 1, pattern: 'loop' });
    convertTrace(og, undefined, anon, 'oracle-general');
    expect(detectFormat(native)).toBe('native');
    expect(detectFormat(og)).toBe('oracle-general');
    expect(detectFormat(anon)).toBe('oracle-general');
    expect(detectFormat(fx('plain.csv'))).toBe('csv');
    expect(detectFormat(fx('addresses.csv'))).toBe('csv');
    expect(detectFormat(fx('libcachesim.csv'))).toBe('libcachesim-csv');
    expect(detectFormat(fx('sample.lackey'))).toBe('lackey');
    const lackeyNoExt = tmp.path('lackey.out');
    writeFileSync(lackeyNoExt, readFileSync(fx('sample.lackey')));
    expect(detectFormat(lackeyNoExt)).toBe('lackey');
    expect(() => detectFormat(tmp.path('t.oracleGeneral.xz'))).toThrow(/decompress it first/);
  });

  it('parses format names, including libCacheSim spelling', () => {
    expect(parseTraceFormat('oracleGeneral')).toBe('oracle-general');
    expect(parseTraceFormat('lackey')).toBe('lackey');
    expect(() => parseTraceFormat('vscsi')).toThrow(/unknown trace format "vscsi"/);
  });
});
