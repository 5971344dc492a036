import { statSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  makeSyntheticTrace,
  openTrace,
  syntheticRequests,
  TRACE_OP_WRITE,
  TraceChunk,
  traceStats,
} from '../src/trace/index.js';
import { readAll, tempDir } from './fixtures/traces/trace-test-helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('synthetic traces', () => {
  it('are deterministic for a seed and follow their pattern', () => {
    const a = readAll(
      syntheticRequests({ requests: 2000, keys: 100, seed: 1, pattern: 'zipf', writeRatio: 0.3 }),
    );
    const b = readAll(
      syntheticRequests({ requests: 2000, keys: 100, seed: 1, pattern: 'zipf', writeRatio: 0.3 }),
    );
    const c = readAll(
      syntheticRequests({ requests: 2000, keys: 100, seed: 2, pattern: 'zipf', writeRatio: 0.3 }),
    );
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.every((r) => r.key >= 0 && r.key < 100 && Number.isInteger(r.key))).toBe(true);
    const writes = a.filter((r) => r.op === TRACE_OP_WRITE).length;
    expect(writes).toBeGreaterThan(450);
    expect(writes).toBeLessThan(750);
    // Zipf 0.99 over 100 keys: key 0 takes about 19% of requests, far above uniform's 1%.
    const hot = a.filter((r) => r.key === 0).length;
    expect(hot).toBeGreaterThan(250);
    expect(hot).toBeLessThan(500);
    const loop = readAll(syntheticRequests({ requests: 7, keys: 3, seed: 1, pattern: 'loop' }));
    expect(loop.map((r) => r.key)).toEqual([0, 1, 2, 0, 1, 2, 0]);
    const uniform = readAll(syntheticRequests({ requests: 3000, keys: 10, seed: 1, pattern: 'uniform' }));
    expect(new Set(uniform.map((r) => r.key)).size).toBe(10);
  });

  it('a 1-million-request trace reads with bounded memory', () => {
    const path = tmp.path('million.rlt');
    const { requests } = makeSyntheticTrace(path, 'native', {
      requests: 1_000_000,
      keys: 100_000,
      seed: 42,
      pattern: 'zipf',
      writeRatio: 0.05,
    });
    expect(requests).toBe(1_000_000);
    expect(statSync(path).size).toBeLessThan(8 * 1_000_000);

    const before = process.memoryUsage();
    let peakHeap = before.heapUsed;
    let peakBuffers = before.arrayBuffers;
    const reader = openTrace(path);
    const chunk = new TraceChunk();
    let n = 0;
    let chunks = 0;
    let keySum = 0;
    while (reader.read(chunk) > 0) {
      n += chunk.length;
      for (let i = 0; i < chunk.length; i++) keySum += chunk.key[i];
      if (++chunks % 16 === 0) {
        const m = process.memoryUsage();
        peakHeap = Math.max(peakHeap, m.heapUsed);
        peakBuffers = Math.max(peakBuffers, m.arrayBuffers);
      }
    }
    reader.close();
    expect(n).toBe(1_000_000);
    expect(keySum).toBeGreaterThan(0);
    // Holding the requests would need > 24 MB; the reader keeps one chunk and one 64 KiB window.
    expect(peakHeap - before.heapUsed).toBeLessThan(16 * 1024 * 1024);
    expect(peakBuffers - before.arrayBuffers).toBeLessThan(1024 * 1024);

    const stats = traceStats(path, 'native');
    expect(stats.requests).toBe(1_000_000);
    expect(stats.coldMisses).toBe(stats.uniqueKeys);
    expect(stats.reads + stats.writes).toBe(1_000_000);
  });
});
