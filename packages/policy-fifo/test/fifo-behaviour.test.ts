import { defaultMachineConfig, OP_LOAD, OP_READ, OP_THINK, type TaskSpec } from '@reclaim-lab/hw-model';
import { createFifo, type FifoOptions } from '@reclaim-lab/policy-fifo';
import { Kernel } from '@reclaim-lab/reclaim';
import { generated } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

const MEM = 4096;

function run(
  tasks: TaskSpec[],
  files: { name: string; pages: number }[],
  options: Partial<FifoOptions> = {},
) {
  const k = new Kernel({ machine: defaultMachineConfig(MEM), policy: createFifo(options), seed: 5 });
  k.load({ files, memcgs: [], tasks });
  const r = k.run();
  k.checkInvariants('end of run');
  return { k, r };
}

describe('FIFO, pinned behaviours', () => {
  it('evicts in arrival order: after a stream, the pages still cached are exactly the newest ones', () => {
    // MADV_RANDOM: one page per read, no readahead, so arrival order is read order.
    const pages = Math.floor(MEM * 1.5);
    const { k, r } = run(
      [
        {
          name: 'stream',
          regions: [{ kind: 'file-fd', file: 0, pages, advice: 'random' }],
          source: generated((i) => (i < pages ? [OP_READ, 0, i] : null)),
        },
      ],
      [{ name: 'data', pages }],
    );
    const file = k.machine.files[0];
    expect(r.counters.pgsteal_file).toBeGreaterThan(pages - MEM);
    const firstCached = file.cache.findIndex((p) => p !== 0);
    expect(file.nrCached).toBe(pages - firstCached);
    expect(r.counters.policy_fallback_folios).toBe(0);
  });

  it('ignores use: a mapped hot set is evicted by a stream, unless the CLOCK preset gives young pages a second chance', () => {
    const hot = Math.floor(MEM * 0.3);
    const stream = MEM * 2;
    const hotTask: () => TaskSpec = () => ({
      name: 'hot',
      regions: [{ kind: 'file-mapped', file: 0, pages: hot }],
      // Touch the hot set over and over, at about the pace of the stream.
      source: generated((i) =>
        i < hot * 40 ? (i % 2 ? [OP_THINK, 0, 2000] : [OP_LOAD, 0, (i >> 1) % hot]) : null,
      ),
    });
    const streamTask: () => TaskSpec = () => ({
      name: 'stream',
      regions: [{ kind: 'file-fd', file: 1, pages: stream }],
      source: generated((i) => (i < stream ? [OP_READ, 0, i] : null)),
    });
    const files = [
      { name: 'hot', pages: hot },
      { name: 'stream', pages: stream },
    ];
    // The hot set's cold-start faults, with nothing competing for memory.
    const alone = run([hotTask()], files).r.tasks[0].majorFaults;
    const fifo = run([hotTask(), streamTask()], files).r.tasks[0].majorFaults;
    const clock = run([hotTask(), streamTask()], files, { secondChance: true }).r.tasks[0].majorFaults;
    expect(fifo).toBeGreaterThan(alone * 2);
    expect(clock).toBeLessThanOrEqual(alone + 2);
  });
});
