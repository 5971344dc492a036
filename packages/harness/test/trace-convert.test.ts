import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  convertTrace,
  makeSyntheticTrace,
  NEXT_NEVER,
  openTrace,
  type TraceFormat,
  type TraceReadOptions,
  type WritableTraceFormat,
} from '../src/trace/index.js';
import { FIXTURES, type Req, readAll, tempDir, thrown } from './fixtures/traces/trace-test-helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const read = (path: string, format?: TraceFormat, options?: TraceReadOptions): Req[] =>
  readAll(openTrace(path, format, options), 7);

describe('round trips through the native format', () => {
  const ogPath = tmp.path('zipf.oracleGeneral.bin');
  makeSyntheticTrace(ogPath, 'oracle-general', {
    requests: 5000,
    keys: 800,
    seed: 7,
    pattern: 'zipf',
    writeRatio: 0,
  });

  const cases: {
    name: string;
    path: string;
    format: TraceFormat;
    options?: TraceReadOptions;
    back: WritableTraceFormat;
  }[] = [
    { name: 'plain CSV', path: join(FIXTURES, 'plain.csv'), format: 'csv', back: 'csv' },
    {
      name: 'plain CSV of addresses',
      path: join(FIXTURES, 'addresses.csv'),
      format: 'csv',
      options: { addressToPage: true },
      back: 'csv',
    },
    {
      name: 'libCacheSim CSV',
      path: join(FIXTURES, 'libcachesim.csv'),
      format: 'libcachesim-csv',
      back: 'csv',
    },
    {
      name: 'libCacheSim CSV, custom layout',
      path: join(FIXTURES, 'cloudphysics-layout.csv'),
      format: 'libcachesim-csv',
      options: { libCacheSimCsv: { timeCol: 2, objIdCol: 5, objSizeCol: 4, opCol: 3 } },
      back: 'csv',
    },
    { name: 'lackey', path: join(FIXTURES, 'sample.lackey'), format: 'lackey', back: 'csv' },
    {
      name: 'lackey with instructions',
      path: join(FIXTURES, 'sample.lackey'),
      format: 'lackey',
      options: { includeInstructions: true },
      back: 'csv',
    },
    { name: 'oracleGeneral', path: ogPath, format: 'oracle-general', back: 'oracle-general' },
  ];

  for (const c of cases) {
    it(`${c.name} → native → ${c.back} gives the same requests`, () => {
      const original = read(c.path, c.format, c.options);
      expect(original.length).toBeGreaterThan(0);
      const native = tmp.path(`${c.name}.rlt`);
      const r1 = convertTrace(c.path, c.format, native, 'native', c.options);
      expect(r1.requests).toBe(original.length);
      expect(read(native, 'native')).toEqual(original);
      const back = tmp.path(`${c.name}.back`);
      convertTrace(native, 'native', back, c.back);
      expect(read(back, c.back)).toEqual(original);
    });
  }

  it('oracleGeneral → native → oracleGeneral is byte-identical', () => {
    const native = tmp.path('og.rlt');
    const back = tmp.path('og.back.oracleGeneral.bin');
    convertTrace(ogPath, undefined, native, 'native');
    convertTrace(native, undefined, back, 'oracle-general');
    expect(readFileSync(back).equals(readFileSync(ogPath))).toBe(true);
  });

  it('native is much smaller than oracleGeneral for the same trace', () => {
    const og = tmp.path('big.oracleGeneral.bin');
    const native = tmp.path('big.rlt');
    const opts = { requests: 100_000, keys: 20_000, seed: 11, pattern: 'zipf', writeRatio: 0.1 } as const;
    makeSyntheticTrace(og, 'oracle-general', opts);
    convertTrace(og, 'oracle-general', native, 'native');
    const ogBytes = statSync(og).size;
    const nativeBytes = statSync(native).size;
    expect(ogBytes).toBe(24 * 100_000);
    expect(nativeBytes).toBeLessThan(ogBytes / 2);
    expect(read(native)).toEqual(read(og));
  });
});

describe('convertTrace', () => {
  it('computes 1-based next-access vtimes for oracleGeneral output when the input lacks them', () => {
    const csv = tmp.path('abacba.csv');
    writeFileSync(csv, 'time,key,op\n0,1,r\n1,2,r\n2,1,w\n3,3,r\n4,2,r\n5,1,r\n');
    const og = tmp.path('abacba.oracleGeneral.bin');
    expect(convertTrace(csv, 'csv', og, 'oracle-general')).toEqual({ requests: 6, bytes: 144 });
    const bytes = readFileSync(og);
    const vtimes = Array.from({ length: 6 }, (_, i) => bytes.readBigInt64LE(24 * i + 16));
    expect(vtimes).toEqual([3n, 5n, 6n, -1n, -1n, -1n]);
    expect(read(og).map((r) => r.next)).toEqual([2, 4, 5, NEXT_NEVER, NEXT_NEVER, NEXT_NEVER]);
  });

  it('keeps, computes or drops next access in native and CSV output', () => {
    const csv = tmp.path('n.csv');
    writeFileSync(csv, 'time,key,op\n0,1,r\n1,1,r\n');
    const withNext = tmp.path('n-with.csv');
    convertTrace(csv, 'csv', withNext, 'csv', { nextAccess: true });
    expect(readFileSync(withNext, 'utf8')).toBe('time,key,op,size,next\n0,1,r,4096,1\n1,1,r,4096,-1\n');
    const kept = tmp.path('n-kept.rlt');
    convertTrace(withNext, 'csv', kept, 'native');
    expect(read(kept).map((r) => r.next)).toEqual([1, NEXT_NEVER]);
    const dropped = tmp.path('n-dropped.rlt');
    convertTrace(withNext, 'csv', dropped, 'native', { nextAccess: false });
    expect(read(dropped).every((r) => Number.isNaN(r.next))).toBe(true);
  });

  it('leaves no partial output when the input is malformed', () => {
    const out = tmp.path('never.rlt');
    const e = thrown(() => convertTrace(join(FIXTURES, 'bad-number.csv'), 'csv', out, 'native'));
    expect(e.message).toContain('bad-number.csv:4:');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(tmp.dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('leaves no partial output when the output format cannot hold a value', () => {
    const csv = tmp.path('frac.csv');
    writeFileSync(csv, 'time,key,op\n0,1,r\n0.5,2,r\n');
    const out = tmp.path('frac.oracleGeneral.bin');
    const e = thrown(() => convertTrace(csv, 'csv', out, 'oracle-general'));
    expect(e.message).toBe(`${out}: request 1: time 0.5 does not fit oracleGeneral's u32 timestamp`);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(tmp.dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
