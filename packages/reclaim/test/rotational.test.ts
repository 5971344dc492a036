/**
 * A spinning disk under the page cache: readahead turns a sequential reader
 * into a stream the head follows at the disk's bandwidth, while random
 * readers share one head and queue behind each other's seeks.
 */
import { DEVICE_PRESETS, OP_READ } from '@reclaim-lab/hw-model';
import { describe, expect, it } from 'vitest';
import type { ReclaimOps } from '../src/index.js';
import { runWithPolicy, scripted } from '../src/testing.js';

const policy = (): ReclaimOps<unknown> => ({ name: 'defaults' });
const hdd = DEVICE_PRESETS.hdd;
const seek = hdd.seekNs as number;

/** `readers` tasks, each reading `order(t)` of its own file through read(2). */
function readers(n: number, pages: number, order: (t: number) => number[], disk = hdd) {
  return runWithPolicy(
    policy(),
    Array.from({ length: n }, (_, t) => ({
      name: `reader${t}`,
      regions: [{ kind: 'file-fd' as const, file: t, pages }],
      source: scripted(order(t).map((i): [number, number, number] => [OP_READ, 0, i])),
    })),
    Array.from({ length: n }, (_, t) => ({ name: `data${t}`, pages })),
    { memoryPages: 65536, machine: { disk } },
  );
}

const sequential = (pages: number) => Array.from({ length: pages }, (_, i) => i);
const scattered = (pages: number, count: number, salt: number) =>
  Array.from({ length: count }, (_, i) => (Math.imul(i + salt * 7717, 2654435761) >>> 0) % pages);

describe('rotational disk', () => {
  it('a sequential read runs at the bandwidth: one seek, not one per readahead window', () => {
    const pages = 8192;
    const { k, r } = readers(1, pages, () => sequential(pages));
    const transfer = (pages * 1e9) / hdd.pagesPerSec;
    expect(k.machine.devices[0].seeks).toBe(1);
    expect(r.tasks[0].ioWaitNs).toBeGreaterThan(transfer * 0.95);
    expect(r.tasks[0].ioWaitNs).toBeLessThan(transfer + seek + 4 * hdd.readLatencyNs);
  });

  it('two random readers share the head: together they run at its seek rate, unlike on flash', () => {
    const pages = 100_000;
    const count = 200;
    const run = (disk: typeof hdd) => {
      const { k, r } = readers(2, pages, (t) => scattered(pages, count, t + 1), disk);
      return { k, r, end: Math.max(...r.tasks.map((t) => t.ioWaitNs)) };
    };
    const h = run(hdd);
    const reads = h.k.machine.devices[0].readsIssued;
    expect(h.k.machine.devices[0].seeks).toBe(reads);
    // Each reader waits for its own seeks and, in between, the other's.
    expect(h.end).toBeGreaterThan(reads * seek * 0.95);
    const s = run(DEVICE_PRESETS.ssd);
    // On an SSD the two readers overlap: each waits about its own latencies.
    expect(s.end).toBeLessThan(
      count * 1.2 * (DEVICE_PRESETS.ssd.readLatencyNs + 2e9 / DEVICE_PRESETS.ssd.pagesPerSec),
    );
  });

  it('two sequential readers of different files make the head seek between their windows', () => {
    const pages = 4096;
    const { k } = readers(2, pages, () => sequential(pages));
    const dev = k.machine.devices[0];
    // Interleaved windows: most requests follow the other file's.
    expect(dev.seeks).toBeGreaterThan(dev.readsIssued / 2);
    // Readahead keeps the seeks per page few: windows of up to 32 pages.
    expect(dev.seeks).toBeLessThan((2 * pages) / 16);
  });
});
