/**
 * Traces as workloads: the scenario and CLI surface (`run --trace`, `trace
 * convert`, `trace stats`), the replay source and its dense key numbering,
 * and the errors a user sees for bad input (naming the file and the line or
 * byte offset, with a non-zero exit and no partial output).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import {
  defaultMachineConfig,
  EventChunk,
  idealMachineConfig,
  OP_LOAD,
  OP_STORE,
} from '@reclaim-lab/hw-model';
import { Kernel } from '@reclaim-lab/reclaim';
import { fcParams } from '@reclaim-lab/reclaim/testing';
import * as fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createPolicy,
  KeyTable,
  makeSyntheticTrace,
  parsePolicySpec,
  prepareRequestsWorkload,
  prepareTraceWorkload,
  runIdealTrace,
  runScenario,
  traceEventSource,
  validateScenario,
} from '../src/index.js';
import { tempDir } from './fixtures/traces/trace-test-helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** The CLI as a user runs it (`pnpm reclaim-lab ...`), from the repository root. */
function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=@reclaim-lab/source', 'apps/harness/src/main.ts', ...args],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const zipf = tmp.path('zipf.oracleGeneral');
makeSyntheticTrace(zipf, 'oracle-general', { requests: 30_000, keys: 4_000, seed: 3, pattern: 'zipf' });

describe('reclaim-lab run --trace', () => {
  it('prints one JSON object with requests and misses (ideal mode, exact-lru, 1024 frames)', () => {
    const r = cli(
      'run',
      '--trace',
      zipf,
      '--trace-format',
      'oracleGeneral',
      '--mode',
      'ideal',
      '--memory-pages',
      '1024',
      '--policy',
      'exact-lru',
      '--format',
      'json',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0]);
    expect(result).toMatchObject({ policy: 'exact-lru', mode: 'ideal', requests: 30_000 });
    expect(result.misses).toBe(runIdealTrace(zipf, { memoryPages: 1024, policy: 'exact-lru' }).misses);
    expect(result.counters.pgsteal_direct).toBe(result.misses - 1024);
  });

  it('keeps that contract for a compressed trace (public traces ship as .oracleGeneral.zst)', () => {
    const gz = `${zipf}.gz`;
    writeFileSync(gz, gzipSync(readFileSync(zipf)));
    const args = ['--mode', 'ideal', '--memory-pages', '1024', '--policy', 'exact-lru', '--format', 'json'];
    const r = cli('run', '--trace', gz, '--trace-format', 'oracleGeneral', ...args);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ requests: 30_000 });
    expect(result.misses).toBe(runIdealTrace(zipf, { memoryPages: 1024, policy: 'exact-lru' }).misses);
  });

  it('replays a trace as a task in kernel mode too', () => {
    const r = cli('run', '--trace', zipf, '--memory-pages', '2048', '--policy', 'lru', '--format', 'json');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ mode: 'kernel', requests: 30_000 });
    // Readahead brings pages in ahead of their first request: fewer misses than distinct keys is fine here.
    expect(result.misses).toBeGreaterThan(0);
    expect(result.counters.pgpgin).toBeGreaterThan(result.misses);
    expect(result.tasks[0].ops).toBe(30_000);
  });

  it('names a missing trace file and exits non-zero', () => {
    const missing = tmp.path('no-such.oracleGeneral');
    const r = cli(
      'run',
      '--trace',
      missing,
      '--mode',
      'ideal',
      '--memory-pages',
      '64',
      '--policy',
      'opt',
      '--format',
      'json',
    );
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${missing}: cannot read trace: no such file`);
  });

  it('names the file and line of a malformed text trace, and the byte offset of a malformed binary one', () => {
    const csv = tmp.path('bad.csv');
    writeFileSync(csv, 'time,key,op\n0,1,r\n1,2,w\n2,3x,r\n');
    const r = cli(
      'run',
      '--trace',
      csv,
      '--mode',
      'ideal',
      '--memory-pages',
      '4',
      '--policy',
      'exact-lru',
      '--format',
      'json',
    );
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${csv}:4:`);
    const bin = tmp.path('truncated.oracleGeneral');
    writeFileSync(bin, readFileSync(zipf).subarray(0, 24 * 5 + 7));
    expect(() => runIdealTrace(bin, { memoryPages: 4, policy: 'exact-lru' })).toThrow(
      `${bin} at byte offset 120: truncated record`,
    );
  });
});

describe('memory as a share of the footprint', () => {
  it('--memory-pages 10% sizes memory as floor(0.1 x distinct pages), as libCacheSim sizes a cache of 0.1', () => {
    const args = [
      '--trace-format',
      'oracleGeneral',
      '--mode',
      'ideal',
      '--policy',
      'exact-lru',
      '--format',
      'json',
    ];
    const share = JSON.parse(cli('run', '--trace', zipf, '--memory-pages', '10%', ...args).stdout);
    const footprint = prepareTraceWorkload({ trace: zipf }, 'ideal').pages;
    expect(share.memoryPages).toBe(Math.floor(0.1 * footprint));
    const exact = JSON.parse(
      cli('run', '--trace', zipf, '--memory-pages', String(share.memoryPages), ...args).stdout,
    );
    expect(share.misses).toBe(exact.misses);
    // The table names the trace and the frames the run had, not the default memory size.
    const table = cli(
      'run',
      '--trace',
      zipf,
      '--memory-pages',
      '10%',
      '--mode',
      'ideal',
      '--policy',
      'exact-lru',
    );
    expect(table.stdout.split('\n')[0]).toContain(`${zipf} under exact-lru`);
    expect(table.stdout.split('\n')[0]).toContain(
      `(memory ${share.memoryPages.toLocaleString('en-US')} pages,`,
    );
  });

  it('is refused for a built-in workload and beside memoryPages, naming the field', () => {
    expect(() => validateScenario({ workload: 'zipf-file', machine: { footprintShare: 0.5 } })).toThrow(
      'machine.footprintShare: memory as a share of the footprint needs a trace workload',
    );
    expect(() =>
      validateScenario({ workload: { trace: zipf }, machine: { footprintShare: 0.5, memoryPages: 64 } }),
    ).toThrow('give memoryPages or footprintShare, not both');
    expect(() => validateScenario({ workload: { trace: zipf }, machine: { footprintShare: 0 } })).toThrow(
      'machine.footprintShare: footprintShare must be above 0',
    );
    // Kernel mode still needs 64 pages at least: the error names the share and the footprint.
    const tiny = validateScenario({ workload: { trace: zipf }, machine: { footprintShare: 0.001 } });
    expect(() => runScenario(tiny)).toThrow(
      /machine\.footprintShare: at least 256KiB .* got 0\.001 of \d+ pages/,
    );
  });
});

describe('reclaim-lab compare --trace', () => {
  it('compares policies on a trace, labelled by its file name, each cell a direct ideal-mode run', () => {
    const r = cli(
      'compare',
      '--policies',
      'exact-lru,sieve',
      '--trace',
      zipf,
      '--trace-format',
      'oracleGeneral',
      '--mode',
      'ideal',
      '--memory-pages',
      '10%',
      '--seeds',
      '1',
      '--workers',
      '0',
      '--format',
      'json',
    );
    expect(r.code).toBe(0);
    const c = JSON.parse(r.stdout);
    expect(c.workloads.map((w: { workload: string }) => w.workload)).toEqual(['zipf.oracleGeneral']);
    expect(c.score.metrics).toEqual(['miss_ratio']);
    for (const cell of c.runs) {
      const res = cell.results[0];
      expect(res.misses).toBe(
        runIdealTrace(zipf, { memoryPages: res.memoryPages, policy: cell.label }).misses,
      );
    }
    expect(cli('compare', '--policies', 'lru', '--trace-format', 'csv').stderr).toContain(
      '--trace-format and --trace-params need --trace',
    );
  });
});

describe('libCacheSim CSV traces with their reader params', () => {
  // cloudPhysics' layout (version,time,op,size,lbn) with SCSI opcodes in the op column.
  const csv = tmp.path('cloudphysics.csv');
  writeFileSync(
    csv,
    'version,time,op,size,lbn\n1,5,2a,512,40\n1,6,28,512,41\n1,7,28,512,40\n1,8,2a,512,42\n1,9,28,512,40\n',
  );
  const params = 'time-col=2, obj-id-col=5, obj-size-col=4, delimiter=,, has-header=true';

  it('run --trace-params reads the columns libCacheSim would', () => {
    const r = cli(
      'run',
      '--trace',
      csv,
      '--trace-format',
      'libcachesim-csv',
      '--trace-params',
      params,
      '--mode',
      'ideal',
      '--memory-pages',
      '1',
      '--policy',
      'exact-lru',
      '--format',
      'json',
    );
    expect(r.stderr).toBe('');
    // 40 41 40 42 40 on one frame: every request misses; on two, both later 40s hit.
    expect(JSON.parse(r.stdout)).toMatchObject({ requests: 5, misses: 5 });
    const scenario = validateScenario({
      mode: 'ideal',
      machine: { memoryPages: 2 },
      workload: { trace: csv, format: 'libcachesim-csv', params },
      policy: 'exact-lru',
    });
    expect(runScenario(scenario)).toMatchObject({ requests: 5, misses: 3 });
  });

  it('trace stats --params, and params refused for a format that has no columns', () => {
    const s = cli('trace', 'stats', csv, '--format', 'libcachesim-csv', '--params', params, '--json');
    expect(s.stderr).toBe('');
    expect(JSON.parse(s.stdout)).toMatchObject({ requests: 5, uniqueKeys: 3, bytes: 5 * 512 });
    const wrong = cli('trace', 'stats', zipf, '--format', 'oracleGeneral', '--params', params);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('reader params apply to libcachesim-csv traces only');
    const bad = cli('trace', 'stats', csv, '--format', 'libcachesim-csv', '--params', 'obj-id-col=9x');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain(`${csv}: trace params "obj-id-col=9x": obj-id-col must be`);
  });
});

describe('reclaim-lab trace convert / stats', () => {
  it('converts CSV to oracleGeneral and back, and describes a trace', () => {
    const csv = tmp.path('small.csv');
    writeFileSync(csv, 'time,key,op\n0,10,r\n1,11,r\n2,10,w\n3,12,r\n4,10,r\n');
    const og = tmp.path('small.oracleGeneral');
    const r = cli('trace', 'convert', csv, og, '--from', 'csv', '--to', 'oracleGeneral');
    expect(r.code).toBe(0);
    expect(readFileSync(og).length).toBe(5 * 24);
    const stats = cli('trace', 'stats', og, '--format', 'oracleGeneral', '--json');
    expect(stats.code).toBe(0);
    const s = JSON.parse(stats.stdout);
    expect(s).toMatchObject({ requests: 5, uniqueKeys: 3, coldMisses: 3 });
    // Reuse distances: 10 after one other key (1), 10 after one other key (1).
    expect(s.reuseDistance).toEqual([
      { min: 0, max: 0, count: 0 },
      { min: 1, max: 1, count: 2 },
    ]);
    const table = cli('trace', 'stats', og);
    expect(table.stdout).toContain('requests   5');
    expect(table.stdout).toContain('footprint  3 distinct keys');
  });

  it('leaves no output, not even a temporary file, when conversion fails', () => {
    const dir = tmpDirFor('convert-fail');
    const bad = `${dir}/bad.csv`;
    writeFileSync(bad, 'time,key,op\n0,1,r\n1,2,r\n2,nope,r\n');
    const out = `${dir}/out.rlt`;
    const r = cli('trace', 'convert', bad, out, '--to', 'native');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`${bad}:4:`);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['bad.csv']);
  });
});

function tmpDirFor(name: string): string {
  const dir = tmp.path(name);
  spawnSync('mkdir', ['-p', dir]);
  return dir;
}

describe('trace workloads in scenarios', () => {
  it('run a trace under OPT: the harness supplies next-access indices, computed when the format has none', () => {
    const csv = tmp.path('belady.csv');
    // 1 2 3 1 4 2 5 1 2 3: Belady misses 6 times with 3 frames.
    writeFileSync(
      csv,
      `time,key,op\n${[1, 2, 3, 1, 4, 2, 5, 1, 2, 3].map((k, i) => `${i},${k},r`).join('\n')}\n`,
    );
    const r = runIdealTrace(csv, { memoryPages: 3, policy: 'opt' });
    expect([r.requests, r.misses]).toEqual([10, 6]);
  });

  it('gives OPT the same oracle from the trace file (streamed replay) as from memory', () => {
    const streamed = prepareTraceWorkload({ trace: zipf, inMemoryMax: 1000 }, 'ideal');
    const kernel = new Kernel({
      machine: idealMachineConfig(512),
      policy: createPolicy(streamed.supply(parsePolicySpec('opt'))),
    });
    kernel.load(streamed.workload);
    const r = kernel.run();
    expect(r.requests).toBe(30_000);
    expect(r.misses).toBe(runIdealTrace(zipf, { memoryPages: 512, policy: 'opt' }).misses);
    expect(r.misses).toBeLessThan(runIdealTrace(zipf, { memoryPages: 512, policy: 'exact-lru' }).misses);
  });

  it('refuses OPT where next-access indices cannot line up with requests', () => {
    const kernel = validateScenario({
      machine: { memoryPages: 128 },
      workload: { trace: zipf },
      policy: 'opt',
    });
    expect(() => runScenario(kernel)).toThrow(/only in ideal mode on a file-fd replay/);
    const anon = validateScenario({
      mode: 'ideal',
      machine: { memoryPages: 128 },
      workload: { trace: zipf, kind: 'anon' },
      policy: 'opt',
    });
    expect(() => runScenario(anon)).toThrow(/kind anon/);
  });

  it('validates the trace workload fields', () => {
    expect(() => validateScenario({ workload: { trace: zipf, format: 'parquet' } })).toThrow(/workload/);
    expect(() =>
      validateScenario({ mode: 'kernel', machine: { memoryPages: 8 }, workload: { trace: zipf } }),
    ).toThrow(/memoryPages: at least/);
    expect(
      validateScenario({ mode: 'ideal', machine: { memoryPages: 8 }, workload: { trace: zipf } }).machine
        .memoryPages,
    ).toBe(8);
  });
});

describe('anon trace replay in kernel mode', () => {
  it('writes each page at its first access, so a read-only trace still holds its data in memory', () => {
    const keys = Array.from({ length: 2000 }, (_, i) => i % 1000);
    const prepared = prepareRequestsWorkload(keys, 'kernel', 'anon');
    const kernel = new Kernel({
      machine: defaultMachineConfig(4096, { swapPages: 0 }),
      policy: createPolicy(prepared.supply(parsePolicySpec('lru'))),
      seed: 1,
      untilNs: 1e12,
    });
    kernel.load(prepared.workload);
    const r = kernel.run();
    // One fault per page (its first touch, a store), none on the second pass; every page resident.
    expect(r.tasks[0].minorFaults).toBe(1000);
    expect(r.counters.pgfault).toBe(1000);
    expect(r.counters.pgalloc_normal).toBeGreaterThanOrEqual(1000);
  });
});

describe('trace replay source', () => {
  it('produces the events traceEventSource does', () => {
    const csv = tmp.path('mixed.csv');
    writeFileSync(csv, 'time,key,op\n0,0x10,r\n1,17,w\n2,0x10,r\n3,5,w\n4,17,r\n5,0x1F,w\n');
    // In memory (the default for short traces) and streamed from the file again (inMemoryMax exceeded).
    for (const [kind, inMemoryMax] of [
      ['file-fd', undefined],
      ['anon', undefined],
      ['file-fd', 2],
      ['anon', 2],
    ] as const) {
      const mine = prepareTraceWorkload({ trace: csv, kind, inMemoryMax }, 'ideal');
      const theirs = traceEventSource(csv, 'csv', { kind });
      expect(mine.pages).toBe(theirs.pages);
      const events = drain(theirs.source, 7);
      expect(drain(mine.workload.tasks[0].source, 5)).toEqual(events);
      // Kernel mode writes an anon page at its first access: the same events, first loads made stores.
      const kernel = prepareTraceWorkload({ trace: csv, kind, inMemoryMax }, 'kernel');
      const seen = new Set<number>();
      const firstStores = events.map(([op, r, a]) => {
        if (kind !== 'anon' || (op !== OP_LOAD && op !== OP_STORE)) return [op, r, a];
        const first = !seen.has(a);
        seen.add(a);
        return [first ? OP_STORE : op, r, a];
      });
      expect(drain(kernel.workload.tasks[0].source, 5)).toEqual(firstStores);
    }
  });

  it('numbers u64 keys densely in first-seen order: small, 2^53±1, 2^64-1 and colliding low halves', () => {
    const TWO_32 = 2 ** 32;
    // Keys as [hi, lo]: the same low half under different high halves must stay distinct.
    const key = fc.oneof(
      fc.tuple(fc.constant(0), fc.nat({ max: 300 })),
      // Small keys far apart: the dense array grows, or gives way to the hash table.
      fc.tuple(fc.constant(0), fc.nat({ max: 6_000_000 })),
      fc.tuple(fc.constantFrom(0, 1, 0x200000, 0xffffffff, 0x80000000), fc.constantFrom(0, 1, 7, 0xffffffff)),
      fc.constantFrom<[number, number]>(
        [0x200000, 0],
        [0x200000, 1],
        [0x1fffff, 0xffffffff],
        [0xffffffff, 0xffffffff],
      ),
    );
    fc.assert(
      fc.property(fc.array(key, { maxLength: 400 }), (keys) => {
        const table = new KeyTable(4);
        const model = new Map<string, number>();
        for (const [hi, lo] of keys) {
          const k = `${hi}:${lo}`;
          if (!model.has(k)) model.set(k, model.size);
          expect(table.add(hi, lo)).toBe(model.get(k));
        }
        for (const [k, id] of model) {
          const [hi, lo] = k.split(':').map(Number);
          expect(table.get(hi, lo)).toBe(id);
        }
        expect(table.get(0x12345, 0x6789)).toBe(-1);
        expect(table.size).toBe(model.size);
        const direct = table.direct();
        if (direct) {
          for (const [k, id] of model) {
            const [hi, lo] = k.split(':').map(Number);
            expect(hi).toBe(0);
            expect(direct[lo]).toBe(id);
          }
        }
        if ([...model.keys()].some((k) => !k.startsWith('0:'))) expect(direct).toBeNull();
        // Numbers below 2^53 name the same keys as their halves.
        for (const [hi, lo] of keys)
          if (hi < 0x200000) expect(table.getNumber(hi * TWO_32 + lo)).toBe(table.get(hi, lo));
      }),
      fcParams(100),
    );
  });
});

function drain(source: { fill(c: EventChunk): number }, capacity: number): number[][] {
  const chunk = new EventChunk(capacity);
  const out: number[][] = [];
  while (source.fill(chunk) > 0)
    for (let i = 0; i < chunk.length; i++) out.push([chunk.op[i], chunk.region[i], chunk.arg[i]]);
  return out;
}
