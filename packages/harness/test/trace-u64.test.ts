/**
 * Real traces carry hashed 64-bit object ids. Every reader, writer, `trace
 * stats`, convert and the replay must keep them exact: 2^53 and 2^53+1 are
 * one double but two objects, and ids that share their low 32 bits are
 * different objects too. BigInt appears only here, as the reference.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  convertTrace,
  openTrace,
  prepareTraceWorkload,
  runIdealTrace,
  TraceChunk,
  traceStats,
  u64ToString,
} from '../src/index.js';
import { tempDir } from './fixtures/traces/trace-test-helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const WIDE: bigint[] = [
  2n ** 64n - 1n,
  2n ** 53n,
  2n ** 53n + 1n,
  2n ** 53n - 1n,
  // Same low half (5) under four high halves: a table keyed on the low half alone merges them.
  5n,
  (1n << 32n) + 5n,
  (0xdeadbeefn << 32n) + 5n,
  (0xffffffffn << 32n) + 5n,
  11400714819323198485n,
];
// A request stream over them with repeats, so hits and misses both happen.
const STREAM: bigint[] = [...WIDE, ...WIDE.slice().reverse(), WIDE[1], WIDE[2], WIDE[0], WIDE[4], WIDE[5]];

/** The ids a reader yields, as exact decimal strings (from the u64 halves). */
function ids(
  path: string,
  format?: Parameters<typeof openTrace>[1],
  params?: Parameters<typeof openTrace>[2],
) {
  const reader = openTrace(path, format, params);
  const chunk = new TraceChunk(4);
  const out: string[] = [];
  try {
    while (reader.read(chunk) > 0)
      for (let i = 0; i < chunk.length; i++) out.push(u64ToString(chunk.keyHi[i], chunk.keyLo[i]));
  } finally {
    reader.close();
  }
  return out;
}

function oracleGeneral(path: string, keys: bigint[]): void {
  const buf = Buffer.alloc(24 * keys.length);
  keys.forEach((k, i) => {
    buf.writeUInt32LE(i, 24 * i);
    buf.writeBigUInt64LE(k, 24 * i + 4);
    buf.writeUInt32LE(4096, 24 * i + 12);
    const next = keys.indexOf(k, i + 1);
    buf.writeBigInt64LE(next < 0 ? -1n : BigInt(next + 1), 24 * i + 16);
  });
  writeFileSync(path, buf);
}

const expected = STREAM.map(String);
const distinct = new Set(STREAM).size;

describe('u64 object ids', () => {
  it('u64ToString prints every u64 exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (v) => {
        expect(u64ToString(Number(v >> 32n), Number(v & 0xffffffffn))).toBe(String(v));
      }),
    );
    expect(u64ToString(0xffffffff, 0xffffffff)).toBe('18446744073709551615');
  });

  it('oracleGeneral reads ids up to 2^64-1 exactly', () => {
    const path = tmp.path('wide.oracleGeneral.bin');
    oracleGeneral(path, STREAM);
    expect(ids(path, 'oracle-general')).toEqual(expected);
  });

  it('plain CSV reads decimal and 0x-hex u64 keys exactly, and pages of 64-bit addresses', () => {
    const path = tmp.path('wide.csv');
    const rows = STREAM.map((k, i) => `${i},${i % 2 ? `0x${k.toString(16)}` : k},r`);
    writeFileSync(path, `time,key,op\n${rows.join('\n')}\n`);
    expect(ids(path, 'csv')).toEqual(expected);
    expect(ids(path, 'csv', { addressToPage: true })).toEqual(STREAM.map((k) => String(k >> 12n)));
    writeFileSync(path, 'time,key,op\n0,18446744073709551616,r\n');
    expect(() => ids(path, 'csv')).toThrow(`${path}:2: bad key "18446744073709551616"`);
  });

  it('libCacheSim CSV reads numeric u64 ids exactly and hashes string ids to 64 bits', () => {
    const path = tmp.path('wide-lcs.csv');
    writeFileSync(path, `time,id,size\n${STREAM.map((k, i) => `${i},${k},10`).join('\n')}\n`);
    expect(ids(path, 'libcachesim-csv', { libCacheSimCsv: { objIdIsNum: true } })).toEqual(expected);
    // As strings, equal ids hash equal and the distinct ones stay distinct.
    const hashed = ids(path, 'libcachesim-csv', { libCacheSimCsv: { objIdIsNum: false } });
    expect(new Set(hashed).size).toBe(distinct);
    STREAM.forEach((k, i) => {
      expect(hashed[i]).toBe(hashed[STREAM.indexOf(k)]);
    });
  });

  it('convert round-trips u64 ids through native, CSV and oracleGeneral, byte for byte', () => {
    const src = tmp.path('src.oracleGeneral.bin');
    oracleGeneral(src, STREAM);
    const native = tmp.path('wide.rlt');
    const csv = tmp.path('wide-out.csv');
    const back = tmp.path('back.oracleGeneral.bin');
    convertTrace(src, 'oracle-general', native, 'native');
    // A key delta wider than 53 bits makes the file version 2, so older readers refuse it clearly.
    expect(readFileSync(native)[4]).toBe(2);
    expect(ids(native)).toEqual(expected);
    convertTrace(native, 'native', csv, 'csv');
    expect(ids(csv, 'csv')).toEqual(expected);
    convertTrace(csv, 'csv', back, 'oracle-general');
    const a = readFileSync(src);
    const b = readFileSync(back);
    // Same ids, sizes and next-access vtimes; only the timestamps differ (CSV times are the source's).
    for (let i = 0; i < STREAM.length; i++)
      expect(b.subarray(24 * i + 4, 24 * i + 24)).toEqual(a.subarray(24 * i + 4, 24 * i + 24));
  });

  it('a native trace of keys below 2^53 stays version 1', () => {
    const src = tmp.path('narrow.oracleGeneral.bin');
    oracleGeneral(src, [2n ** 53n - 1n, 0n, 7n, 2n ** 53n - 1n]);
    const native = tmp.path('narrow.rlt');
    convertTrace(src, 'oracle-general', native, 'native');
    expect(readFileSync(native)[4]).toBe(1);
    expect(ids(native)).toEqual(['9007199254740991', '0', '7', '9007199254740991']);
  });

  it('trace stats counts 2^53 and 2^53+1, and ids sharing a low half, as distinct keys', () => {
    const path = tmp.path('stats.oracleGeneral.bin');
    oracleGeneral(path, STREAM);
    const s = traceStats(path, 'oracle-general');
    expect(s.requests).toBe(STREAM.length);
    expect(s.uniqueKeys).toBe(distinct);
    expect(s.coldMisses).toBe(distinct);
  });

  it('the replay numbers u64 ids densely and LRU misses exactly where a BigInt model does', () => {
    const path = tmp.path('replay.oracleGeneral.bin');
    oracleGeneral(path, STREAM);
    const prepared = prepareTraceWorkload({ trace: path }, 'ideal');
    expect(prepared.pages).toBe(distinct);
    prepared.close();
    for (const frames of [1, 3, 6]) {
      // Reference: an LRU over the BigInt ids.
      const lru: bigint[] = [];
      let misses = 0;
      for (const k of STREAM) {
        const at = lru.indexOf(k);
        if (at >= 0) lru.splice(at, 1);
        else {
          misses++;
          if (lru.length === frames) lru.shift();
        }
        lru.push(k);
      }
      const r = runIdealTrace(path, { memoryPages: frames, policy: 'exact-lru' });
      expect(r.requests).toBe(STREAM.length);
      expect(r.misses).toBe(misses);
    }
  });
});
