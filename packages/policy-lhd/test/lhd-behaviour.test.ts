import { OP_READ, Rng, type TaskSpec } from '@reclaim-lab/hw-model';
import { createLhd } from '@reclaim-lab/policy-lhd';
import type { ReclaimOps } from '@reclaim-lab/reclaim';
import { generated, hotSetWithStream, runWithPolicy } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

const MEM = 4096;

const run = (policy: ReclaimOps<unknown>, tasks: TaskSpec[], files: { name: string; pages: number }[]) =>
  runWithPolicy(policy, tasks, files, { memoryPages: MEM, seed: 17 });

describe('LHD-like sampled hit density, pinned behaviours', () => {
  it('learns that pages never hit are worth least and keeps a randomly read hot set against a stream', () => {
    const hot = Math.floor(MEM * 0.4);
    const stream = MEM * 3;
    const { tasks, files } = hotSetWithStream(hot, stream, 2);
    const lhd = run(createLhd(), tasks(), files);
    const fifo = run({ name: 'fifo-by-default' }, tasks(), files);
    expect(lhd.r.tasks[0].majorFaults + lhd.r.tasks[0].readMisses).toBeLessThan(
      (fifo.r.tasks[0].majorFaults + fifo.r.tasks[0].readMisses) * 0.7,
    );
    // At the end, most of the hot set is resident and most of the stream is gone.
    expect(lhd.k.machine.files[0].nrCached).toBeGreaterThan(hot * 0.85);
  });

  it("samples with the kernel's seeded generator: the same seed gives the same run", () => {
    const pages = MEM * 2;
    const tasks = (): TaskSpec[] => {
      const rng = new Rng(3);
      return [
        {
          name: 'random',
          regions: [{ kind: 'file-fd', file: 0, pages, advice: 'random' }],
          source: generated((i) => (i < pages * 2 ? [OP_READ, 0, rng.int(pages)] : null)),
        },
      ];
    };
    const files = [{ name: 'data', pages }];
    const a = run(createLhd(), tasks(), files).r;
    const b = run(createLhd(), tasks(), files).r;
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});
