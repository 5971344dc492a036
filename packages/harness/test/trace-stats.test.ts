import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  computeNextAccess,
  makeSyntheticTrace,
  NEXT_NEVER,
  StackDistanceTracker,
  syntheticRequests,
  TraceChunk,
  traceStats,
} from '../src/trace/index.js';
import { tempDir } from './fixtures/traces/trace-test-helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const INF = Number.POSITIVE_INFINITY;

function csvOf(keys: number[], ops?: string): string {
  const path = tmp.path(`t${keys.join('-')}.csv`);
  const lines = keys.map((k, i) => `${i},${k},${ops?.[i] ?? 'r'}`);
  writeFileSync(path, `time,key,op\n${lines.join('\n')}\n`);
  return path;
}

/** Stack distance by definition: distinct keys strictly between the two accesses. */
function naiveDistances(keys: number[]): number[] {
  return keys.map((k, i) => {
    const prev = i === 0 ? -1 : keys.lastIndexOf(k, i - 1);
    return prev < 0 ? INF : new Set(keys.slice(prev + 1, i)).size;
  });
}

describe('reuse (stack) distance', () => {
  it('a b c a b c: three cold misses, then distance 2 each', () => {
    const t = new StackDistanceTracker();
    expect([1, 2, 3, 1, 2, 3].map((k) => t.access(k))).toEqual([INF, INF, INF, 2, 2, 2]);
  });

  it('a a: distance 0', () => {
    const t = new StackDistanceTracker();
    expect([1, 1].map((k) => t.access(k))).toEqual([INF, 0]);
  });

  it('matches the definition across slot compactions and growth', () => {
    const keys: number[] = [];
    const src = syntheticRequests({ requests: 3000, keys: 60, seed: 5, pattern: 'zipf' });
    const c = new TraceChunk(1000);
    while (src.read(c) > 0) keys.push(...c.key.subarray(0, c.length));
    // Sweeping in new keys forces growth as well as compaction.
    for (let k = 1000; k < 1200; k++) keys.push(k);
    keys.push(...keys.slice(0, 300));
    const t = new StackDistanceTracker(4);
    expect(keys.map((k) => t.access(k))).toEqual(naiveDistances(keys));
  });

  it('traceStats buckets distances by log2 and counts footprint and op mix', () => {
    const stats = traceStats(csvOf([1, 2, 3, 1, 2, 3, 3], 'rrwrrwr'), 'csv');
    expect(stats).toEqual({
      requests: 7,
      uniqueKeys: 3,
      reads: 5,
      writes: 2,
      bytes: 7 * 4096,
      coldMisses: 3,
      reuseDistance: [
        { min: 0, max: 0, count: 1 },
        { min: 1, max: 1, count: 0 },
        { min: 2, max: 3, count: 3 },
      ],
    });
  });
});

describe('next access', () => {
  it('a b a c b a', () => {
    const next = computeNextAccess(csvOf([1, 2, 1, 3, 2, 1]), 'csv');
    expect(Array.from(next)).toEqual([2, 4, 5, NEXT_NEVER, NEXT_NEVER, NEXT_NEVER]);
  });

  it('agrees with the indices stored in an oracleGeneral trace', () => {
    const path = tmp.path('z.oracleGeneral.bin');
    makeSyntheticTrace(path, 'oracle-general', { requests: 20_000, keys: 3000, seed: 9, pattern: 'zipf' });
    const computed = computeNextAccess(path, 'oracle-general');
    const stored = new Float64Array(20_000);
    const src = syntheticRequests({ requests: 20_000, keys: 3000, seed: 9, pattern: 'zipf' });
    const keys: number[] = [];
    const c = new TraceChunk();
    while (src.read(c) > 0) keys.push(...c.key.subarray(0, c.length));
    keys.forEach((k, i) => {
      const j = keys.indexOf(k, i + 1);
      stored[i] = j < 0 ? NEXT_NEVER : j;
    });
    expect(computed.length).toBe(20_000);
    expect(computed).toEqual(stored);
  });
});
