import { OP_READ, OP_THINK, type TaskSpec } from '@reclaim-lab/hw-model';
import { createClockPro } from '@reclaim-lab/policy-clockpro';
import type { ReclaimOps } from '@reclaim-lab/reclaim';
import { generated, runWithPolicy } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

const MEM = 4096;

const run = (policy: ReclaimOps<unknown>, tasks: TaskSpec[], files: { name: string; pages: number }[]) =>
  runWithPolicy(policy, tasks, files, { memoryPages: MEM, seed: 23 });

describe('CLOCK-Pro, pinned behaviours', () => {
  it('resists a scan: a set re-read within its test period turns hot and survives a one-time scan twice the size of memory', () => {
    const hot = Math.floor(MEM * 0.4);
    const scan = MEM * 2;
    const tasks = (): TaskSpec[] => [
      {
        name: 'hot',
        regions: [{ kind: 'file-fd', file: 0, pages: hot }],
        source: generated((i) => {
          if (i < hot * 2) return [OP_READ, 0, i % hot];
          if (i < hot * 2 + 100) return [OP_THINK, 0, 1_000_000];
          return i < hot * 3 + 100 ? [OP_READ, 0, (i - 100) % hot] : null;
        }),
      },
      {
        name: 'scan',
        regions: [{ kind: 'file-fd', file: 1, pages: scan }],
        source: generated((i) => (i < scan ? [OP_READ, 0, i] : null)),
        startNs: 20_000_000,
      },
    ];
    const files = [
      { name: 'hot', pages: hot },
      { name: 'scan', pages: scan },
    ];
    const cp = run(createClockPro(), tasks(), files);
    const fifo = run({ name: 'fifo-by-default' }, tasks(), files);
    expect(cp.r.tasks[1].finished).toBe(true);
    // Only the cold start: the last pass over the hot set hits.
    expect(fifo.r.tasks[0].majorFaults).toBeGreaterThan(cp.r.tasks[0].majorFaults * 1.8);
    // The hot pages are exactly the hot set; the scan's test periods all ran out
    // without a reuse, so the cold share m_c shrank from its start to its floor.
    const series = cp.r.series.policyLists;
    expect(series.hot.at(-1)).toBe(hot);
    expect(series.coldTarget.at(-1)).toBeLessThan(series.coldTarget[0]);
  });
});
