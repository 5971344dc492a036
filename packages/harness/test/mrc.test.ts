/**
 * Miss-ratio curves: exact LRU's whole curve from one pass of stack
 * distances must equal a kernel replay under the exact-lru policy at every
 * size; warm-ups must leave exactly the warm-up's misses out; SHARDS at 1%
 * must stay within its stated error.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  convertTrace,
  lruMisses,
  makeSyntheticTrace,
  missRatioCurve,
  runIdealTrace,
  SHARDS_ERROR,
  SHARDS_MIN_INTERVALS,
  stackHistogram,
  type TraceFormat,
} from '../src/index.js';
import { FIXTURES, tempDir } from './fixtures/traces/trace-test-helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=@reclaim-lab/source', 'apps/harness/src/main.ts', ...args],
    { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function replayMisses(path: string, format: TraceFormat | undefined, pages: number, policy = 'exact-lru') {
  const r = runIdealTrace(path, { memoryPages: pages, policy, ...(format ? { format } : {}) });
  return { misses: r.misses, requests: r.requests };
}

/** Small traces: the bundled fixtures and synthetic ones with loops, skew and scans. */
function traces(): { path: string; format?: TraceFormat }[] {
  const out: { path: string; format?: TraceFormat }[] = [
    { path: `${FIXTURES}plain.csv`, format: 'csv' },
    { path: `${FIXTURES}libcachesim.csv`, format: 'libcachesim-csv' },
    { path: `${FIXTURES}counting.csv.zst` },
  ];
  for (const [pattern, keys] of [
    ['zipf', 300],
    ['loop', 120],
    ['uniform', 200],
  ] as const) {
    const path = tmp.path(`${pattern}.oracleGeneral.bin`);
    makeSyntheticTrace(path, 'oracle-general', { requests: 4000, keys, pattern, zipfAlpha: 0.9, seed: 5 });
    out.push({ path, format: 'oracle-general' });
  }
  return out;
}

describe('exact LRU miss-ratio curve from stack distances', () => {
  it('equals a per-size replay at every size on the bundled and synthetic small traces', () => {
    for (const { path, format } of traces()) {
      const h = stackHistogram(path, format);
      // Every size from 1 to one past the footprint on small traces; a spread on the larger ones.
      const sizes =
        h.footprint <= 40
          ? Array.from({ length: h.footprint + 1 }, (_, i) => i + 1)
          : [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 120, 144, 199, 233, h.footprint, h.footprint + 1];
      const stack = lruMisses(h, sizes);
      sizes.forEach((size, i) => {
        const r = replayMisses(path, format, size);
        expect(r.requests, `${path} requests`).toBe(h.counted);
        expect(stack[i], `${path} at ${size} pages`).toBe(r.misses);
      });
      // A cache as large as the footprint misses only the first accesses.
      expect(lruMisses(h, [h.footprint])[0]).toBe(h.cold);
      expect(h.cold).toBe(h.footprint);
    }
  }, 120_000);

  it('missRatioCurve gives the same lines for exact-lru by stack and fractions of the footprint', async () => {
    const path = tmp.path('mrc.oracleGeneral.bin');
    makeSyntheticTrace(path, 'oracle-general', { requests: 6000, keys: 500, pattern: 'zipf', seed: 9 });
    const r = await missRatioCurve(path, {
      policies: ['exact-lru'],
      sizes: [0.01, 0.1, 0.5, 100],
      workers: 0,
    });
    expect(r.rows.map((x) => x.objects)).toEqual([
      Math.floor(0.01 * r.footprint),
      Math.floor(0.1 * r.footprint),
      Math.floor(0.5 * r.footprint),
      100,
    ]);
    for (const row of r.rows) {
      const replay = replayMisses(path, 'oracle-general', row.objects);
      expect(row.method).toBe('stack');
      expect(row.misses).toBe(replay.misses);
      expect(row.missRatio).toBeCloseTo(replay.misses / replay.requests, 12);
    }
  });
});

describe('warm-up', () => {
  it('leaves out exactly the misses of the first N requests, for stack and replayed policies', async () => {
    const path = tmp.path('warm.oracleGeneral.bin');
    makeSyntheticTrace(path, 'oracle-general', { requests: 5000, keys: 400, pattern: 'zipf', seed: 3 });
    const warmup = 1234;
    // The warm-up prefix as a file of its own: an independent reference for the subtraction.
    const prefixCsv = tmp.path('warm-prefix.csv');
    const all = tmp.path('warm-all.csv');
    convertTrace(path, 'oracle-general', all, 'csv');
    const lines = readFileSync(all, 'utf8').split('\n');
    writeFileSync(prefixCsv, `${lines.slice(0, warmup + 1).join('\n')}\n`);
    const sizes = [10, 50, 200];
    const r = await missRatioCurve(path, {
      policies: ['exact-lru', 'sieve', 'lru'],
      sizes,
      warmupRequests: warmup,
      workers: 0,
    });
    expect(r.warmup).toBe(warmup);
    for (const row of r.rows) {
      const whole = replayMisses(path, 'oracle-general', row.objects, row.policy);
      const prefix = replayMisses(prefixCsv, 'csv', row.objects, row.policy);
      expect(prefix.requests).toBe(warmup);
      expect(row.requests, `${row.policy} ${row.objects}`).toBe(5000 - warmup);
      expect(row.misses, `${row.policy} ${row.objects}`).toBe(whole.misses - prefix.misses);
    }
  }, 120_000);

  it('in time units, leaves out the requests before first time + S', () => {
    const path = tmp.path('timed.csv');
    // Times 0, 10, 20, ...: a 95-unit warm-up covers the first 10 requests.
    const rows = Array.from({ length: 60 }, (_, i) => `${10 * i},${(i * 7) % 13},r`);
    writeFileSync(path, `time,key,op\n${rows.join('\n')}\n`);
    const byTime = stackHistogram(path, 'csv', { warmupTime: 95 });
    const byCount = stackHistogram(path, 'csv', { warmupRequests: 10 });
    expect(byTime.warmup).toBe(10);
    expect(byTime.counted).toBe(50);
    expect(lruMisses(byTime, [1, 4, 13])).toEqual(lruMisses(byCount, [1, 4, 13]));
  });
});

describe('SHARDS', () => {
  it(`at 1% sampling stays within ${SHARDS_ERROR} of the exact curve at sizes of ${SHARDS_MIN_INTERVALS}/R objects and more`, () => {
    const path = tmp.path('shards.oracleGeneral.bin');
    makeSyntheticTrace(path, 'oracle-general', {
      requests: 1_000_000,
      keys: 100_000,
      pattern: 'zipf',
      zipfAlpha: 0.8,
      seed: 7,
    });
    const rate = 0.01;
    const exact = stackHistogram(path, 'oracle-general');
    const sampled = stackHistogram(path, 'oracle-general', { sampleRate: rate });
    const sizes = [1000, 2000, 5000, 0.02, 0.05, 0.1, 0.2, 0.5].map((s) =>
      s < 1 ? Math.floor(s * exact.footprint) : s,
    );
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(SHARDS_MIN_INTERVALS / rate);
    const e = lruMisses(exact, sizes).map((m) => m / exact.counted);
    const s = lruMisses(sampled, sizes).map((m) => m / sampled.counted);
    const errors = e.map((x, i) => Math.abs(x - s[i]));
    expect(Math.max(...errors)).toBeLessThanOrEqual(SHARDS_ERROR);
    // The footprint estimate too, within a few percent.
    expect(Math.abs(sampled.footprint / exact.footprint - 1)).toBeLessThan(0.05);
    expect(sampled.counted).toBe(exact.counted);
  }, 120_000);
});

describe('reclaim-lab mrc', () => {
  it('prints a CSV line per policy and size, replays on a pool of 2 workers equal to in-thread runs', async () => {
    const path = tmp.path('cli.oracleGeneral.bin');
    makeSyntheticTrace(path, 'oracle-general', { requests: 3000, keys: 300, pattern: 'zipf', seed: 4 });
    const r = cli(
      'mrc',
      path,
      '--policies',
      'exact-lru,sieve,s3fifo',
      '--sizes',
      '0.05,0.2,100',
      '--workers',
      '2',
      '--format',
      'csv',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('policy,size,objects,requests,misses,miss_ratio,method');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).toEqual([
      'exact-lru,0.05',
      'exact-lru,0.2',
      'exact-lru,100',
      'sieve,0.05',
      'sieve,0.2',
      'sieve,100',
      's3fifo,0.05',
      's3fifo,0.2',
      's3fifo,100',
    ]);
    const inThread = await missRatioCurve(path, {
      policies: ['exact-lru', 'sieve', 's3fifo'],
      sizes: [0.05, 0.2, 100],
      workers: 0,
    });
    expect(lines.slice(1)).toEqual(
      inThread.rows.map(
        (x) => `${x.policy},${x.size},${x.objects},${x.requests},${x.misses},${x.missRatio},${x.method}`,
      ),
    );
    const json = cli(
      'mrc',
      path,
      '--policies',
      'exact-lru',
      '--sizes',
      '0.1',
      '--format',
      'json',
      '--warmup',
      '500',
    );
    expect(JSON.parse(json.stdout)).toMatchObject({ policy: 'exact-lru', requests: 2500, method: 'stack' });
  }, 120_000);

  it('refuses a size that is neither a fraction nor a count, and a bad warm-up, in one line', () => {
    const bad = cli('mrc', `${FIXTURES}plain.csv`, '--policies', 'exact-lru', '--sizes', '0.1,2.5');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe(
      'reclaim-lab: error: --sizes 0.1,2.5: "2.5" is neither a fraction of the footprint in (0, 1) nor a whole number of objects',
    );
    const warm = cli(
      'mrc',
      `${FIXTURES}plain.csv`,
      '--policies',
      'exact-lru',
      '--sizes',
      '1',
      '--warmup',
      '10m',
    );
    expect(warm.stderr.trim()).toBe(
      'reclaim-lab: error: --warmup 10m: expected N requests or Ns (time), e.g. 100000 or 3600s',
    );
  }, 60_000);
});
