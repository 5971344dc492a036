import type { TaskSpec } from '@reclaim-lab/hw-model';
import { createS3Fifo } from '@reclaim-lab/policy-s3fifo';
import type { ReclaimOps } from '@reclaim-lab/reclaim';
import { hotSetWithStream, runWithPolicy } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

const MEM = 4096;

const run = (policy: ReclaimOps<unknown>, tasks: TaskSpec[], files: { name: string; pages: number }[]) =>
  runWithPolicy(policy, tasks, files, { memoryPages: MEM, seed: 13 });

describe('S3-FIFO, pinned behaviours', () => {
  it('one-hit wonders leave through the small queue; the reused set settles in main', () => {
    // One task interleaves random reads of a hot set with a stream of pages read once each.
    const hot = Math.floor(MEM * 0.4);
    const stream = MEM * 3;
    const { tasks, files } = hotSetWithStream(hot, stream, 1);
    const s3 = run(createS3Fifo(), tasks(), files);
    const fifo = run({ name: 'fifo-by-default' }, tasks(), files);
    const lists = s3.k.world.lists;
    const where = (file: number) => {
      const count: Record<string, number> = {};
      for (const p of s3.k.machine.files[file].cache) {
        if (p === 0) continue;
        const name = lists.name(lists.listOf[p - 1]);
        count[name] = (count[name] ?? 0) + 1;
      }
      return count;
    };
    // No page of the stream ever reached main.
    expect(where(1)['s3fifo:main'] ?? 0).toBe(0);
    // Most of the hot set lives in main.
    expect(where(0)['s3fifo:main']).toBeGreaterThan(hot * 0.9);
    // FIFO pays for the hot set over and over; S3-FIFO about once, plus a refault to reach main.
    expect(s3.r.tasks[0].majorFaults + s3.r.tasks[0].readMisses).toBeLessThan(
      (fifo.r.tasks[0].majorFaults + fifo.r.tasks[0].readMisses) * 0.6,
    );
  });
});
