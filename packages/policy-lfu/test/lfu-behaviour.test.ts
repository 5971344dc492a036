import { OP_READ, type TaskSpec } from '@reclaim-lab/hw-model';
import { createLfu } from '@reclaim-lab/policy-lfu';
import type { ReclaimOps } from '@reclaim-lab/reclaim';
import { generated, hotSetThenScan, runWithPolicy } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

const MEM = 4096;

const run = (policy: ReclaimOps<unknown>, tasks: TaskSpec[], files: { name: string; pages: number }[]) =>
  runWithPolicy(policy, tasks, files, { memoryPages: MEM, seed: 11 }).r;

describe('LFU, pinned behaviours', () => {
  it('keeps a frequently read set against a one-time scan larger than memory', () => {
    const hot = Math.floor(MEM * 0.4);
    const scan = MEM * 2;
    // Read the set four times, wait for the scan, read it again.
    const { tasks, files } = hotSetThenScan(hot, scan, 4);
    const lfu = run(createLfu(), tasks(), files);
    const fifo = run({ name: 'fifo-by-default' }, tasks(), files);
    expect(lfu.tasks[1].finished && fifo.tasks[1].finished).toBe(true);
    // Both pay the cold start; only FIFO pays the scan again in the last pass.
    const coldStart = lfu.tasks[0].majorFaults + lfu.tasks[0].readMisses;
    expect(fifo.tasks[0].majorFaults + fifo.tasks[0].readMisses).toBeGreaterThan(coldStart * 1.8);
  });

  it('forgets a formerly hot set by halving counts; pure LFU keeps it and the new working set thrashes', () => {
    // Phase 1 reads set A four times; phase 2 loops over set B, which fits
    // only once A is gone. Without aging A's counts never fall.
    const a = Math.floor(MEM * 0.55);
    const b = Math.floor(MEM * 0.6);
    const tasks = (): TaskSpec[] => [
      {
        name: 'phases',
        regions: [
          { kind: 'file-fd', file: 0, pages: a, advice: 'random' },
          { kind: 'file-fd', file: 1, pages: b, advice: 'random' },
        ],
        source: generated((i) => {
          if (i < a * 4) return [OP_READ, 0, i % a];
          const j = i - a * 4;
          return j < b * 12 ? [OP_READ, 1, j % b] : null;
        }),
      },
    ];
    const files = [
      { name: 'a', pages: a },
      { name: 'b', pages: b },
    ];
    const aged = run(createLfu(), tasks(), files);
    const pure = run(createLfu({ halveAfter: 0 }), tasks(), files);
    // Every request is a read(2): misses are its disk reads.
    expect(pure.misses).toBeGreaterThan(aged.misses * 2);
  });
});
