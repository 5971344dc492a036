import type { TaskSpec } from '@reclaim-lab/hw-model';
import { createClockPro } from '@reclaim-lab/policy-clockpro';
import type { ReclaimOps } from '@reclaim-lab/reclaim';
import { hotSetThenScan, runWithPolicy } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

const MEM = 4096;

const run = (policy: ReclaimOps<unknown>, tasks: TaskSpec[], files: { name: string; pages: number }[]) =>
  runWithPolicy(policy, tasks, files, { memoryPages: MEM, seed: 23 });

describe('CLOCK-Pro, pinned behaviours', () => {
  it('resists a scan: a set re-read within its test period turns hot and survives a one-time scan twice the size of memory', () => {
    const hot = Math.floor(MEM * 0.4);
    const scan = MEM * 2;
    const { tasks, files } = hotSetThenScan(hot, scan, 2);
    const cp = run(createClockPro(), tasks(), files);
    const fifo = run({ name: 'fifo-by-default' }, tasks(), files);
    expect(cp.r.tasks[1].finished).toBe(true);
    // Only the cold start: the last pass over the hot set hits.
    expect(fifo.r.tasks[0].majorFaults + fifo.r.tasks[0].readMisses).toBeGreaterThan(
      (cp.r.tasks[0].majorFaults + cp.r.tasks[0].readMisses) * 1.8,
    );
    // The hot pages are exactly the hot set; the scan's test periods all ran out
    // without a reuse, so the cold share m_c shrank from its start to its floor.
    const series = cp.r.series.policyLists;
    expect(series.hot.at(-1)).toBe(hot);
    expect(series.coldTarget.at(-1)).toBeLessThan(series.coldTarget[0]);
  });
});
