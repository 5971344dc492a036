/**
 * Public traces ship compressed (libCacheSim's as `.oracleGeneral.zst`): a
 * zstd or gzip file is read as it streams, request for request as the plain
 * file, and a damaged one fails naming the file, never as a shorter trace.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { runIdealTrace } from '../src/index.js';
import {
  convertTrace,
  createTraceWriter,
  detectFormat,
  makeSyntheticTrace,
  openTrace,
  TRACE_OP_READ as R,
  TRACE_OP_WRITE as W,
  type WritableTraceFormat,
} from '../src/trace/index.js';
import { FIXTURES, readAll, tempDir, thrown } from './fixtures/traces/trace-test-helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/**
 * A zstd frame of raw (stored) blocks: what any zstd decoder must read, made
 * here because Node 20 has no zstd compressor. Blocks of at most 128 KiB
 * under a 128 KiB window, no checksum.
 */
function zstdStored(data: Uint8Array): Buffer {
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 7 << 3])];
  const max = 128 * 1024;
  for (let o = 0; o === 0 || o < data.length; o += max) {
    const n = Math.min(max, data.length - o);
    const last = o + n >= data.length ? 1 : 0;
    const header = (n << 3) | last; // block type 0: raw
    parts.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff]));
    parts.push(Buffer.from(data.subarray(o, o + n)));
  }
  return Buffer.concat(parts);
}

const formats: [WritableTraceFormat, string][] = [
  ['oracle-general', 't.oracleGeneral.bin'],
  ['csv', 't.csv'],
  ['native', 't.rlt'],
];

describe('compressed traces', () => {
  for (const [format, name] of formats) {
    it(`reads a ${format} trace compressed with zstd or gzip as the plain one`, () => {
      const plain = tmp.path(name);
      // Enough records that the compressed and the decompressed reads both cross many buffer refills.
      makeSyntheticTrace(plain, format, {
        requests: 30_000,
        keys: 2_000,
        seed: 3,
        pattern: 'zipf',
        writeRatio: 0.2,
      });
      const bytes = readFileSync(plain);
      const zst = `${plain}.zst`;
      const gz = `${plain}.gz`;
      writeFileSync(zst, zstdStored(bytes));
      writeFileSync(gz, gzipSync(bytes));
      const want = readAll(openTrace(plain, format), 1000);
      expect(want).toHaveLength(30_000);
      for (const file of [zst, gz]) {
        expect(detectFormat(file)).toBe(format);
        expect(readAll(openTrace(file), 997)).toEqual(want);
      }
    });
  }

  it('replays a compressed trace in ideal mode as the plain one, OPT included', () => {
    const plain = tmp.path('replay.oracleGeneral.bin');
    makeSyntheticTrace(plain, 'oracle-general', { requests: 20_000, keys: 3_000, seed: 5, pattern: 'zipf' });
    const zst = `${plain}.zst`;
    writeFileSync(zst, zstdStored(readFileSync(plain)));
    for (const policy of ['exact-lru', 'opt']) {
      const a = runIdealTrace(plain, { memoryPages: 500, policy });
      const b = runIdealTrace(zst, { memoryPages: 500, policy });
      expect([b.requests, b.misses]).toEqual([a.requests, a.misses]);
      expect(a.misses).toBeGreaterThan(0);
    }
  });

  it('reads a trace compressed by the zstd tool (compressed blocks, not stored ones)', () => {
    // counting.csv.zst: `zstd -19` of "time,key_or_address,op" then i, i mod 1009, w when 5 divides i, for i < 8000.
    const file = join(FIXTURES, 'counting.csv.zst');
    expect(detectFormat(file)).toBe('csv');
    const reqs = readAll(openTrace(file), 512);
    expect(reqs).toHaveLength(8000);
    reqs.forEach((r, i) => {
      expect([r.time, r.key, r.op]).toEqual([i, i % 1009, i % 5 === 0 ? W : R]);
    });
  });

  it('fails on a truncated or corrupt file, naming it, and converts nothing from it', () => {
    const plain = tmp.path('cut.oracleGeneral.bin');
    makeSyntheticTrace(plain, 'oracle-general', { requests: 5_000, keys: 100, seed: 1, pattern: 'uniform' });
    const gz = gzipSync(readFileSync(plain));
    const cut = tmp.path('cut.oracleGeneral.bin.gz');
    // Cut on a record boundary of the data: only the decoder can tell it ended early.
    writeFileSync(cut, gz.subarray(0, gz.length - 1000));
    const e = thrown(() => readAll(openTrace(cut), 4096));
    expect(e.message).toContain(cut);
    expect(e.message).toMatch(/gzip data.*truncated/);
    const out = tmp.path('from-cut.rlt');
    expect(() => convertTrace(cut, undefined, out, 'native')).toThrow(cut);
    expect(existsSync(out)).toBe(false);

    const zst = tmp.path('corrupt.csv.zst');
    const good = zstdStored(Buffer.from('time,key_or_address,op\n0,1,r\n'));
    good[4] = 0xff; // reserved frame-header bits set
    writeFileSync(zst, good);
    expect(thrown(() => readAll(openTrace(zst, 'csv'))).message).toContain(`${zst}: not valid zstd data`);
  });

  it('says a byte offset is in the decompressed data', () => {
    const bytes = Buffer.alloc(48);
    bytes.writeUInt32LE(1, 0);
    bytes.writeUInt32LE(7, 4);
    bytes.writeUInt32LE(4096, 12);
    bytes.writeInt32LE(1, 16); // next access at vtime 1: not after this record's
    const file = tmp.path('bad-next.oracleGeneral.zst');
    writeFileSync(file, zstdStored(bytes));
    expect(thrown(() => readAll(openTrace(file))).message).toBe(
      `${file} at byte offset 0 of the decompressed data: next-access vtime 1 is not after this record (vtime 1; vtimes are 1-based)`,
    );
  });

  it('asks for a name when compressed binary content has none, and refuses other compressions and compressed output', () => {
    const file = tmp.path('mystery.zst');
    const records = Buffer.alloc(48, 0);
    for (const o of [0, 24]) {
      records.writeUInt32LE(5, o + 4);
      records.writeInt32LE(-1, o + 16);
      records.writeInt32LE(-1, o + 20);
    }
    writeFileSync(file, zstdStored(records));
    expect(thrown(() => detectFormat(file)).message).toContain('name it explicitly');
    expect(readAll(openTrace(file, 'oracle-general'))).toHaveLength(2);
    writeFileSync(tmp.path('t.csv.xz'), 'x');
    expect(thrown(() => detectFormat(tmp.path('t.csv.xz'))).message).toContain('decompress it first');
    expect(thrown(() => createTraceWriter(tmp.path('out.csv.zst'), 'csv')).message).toContain(
      'traces are written uncompressed',
    );
    expect(existsSync(tmp.path('out.csv.zst'))).toBe(false);
  });
});
