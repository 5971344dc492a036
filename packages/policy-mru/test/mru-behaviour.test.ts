import { defaultMachineConfig, OP_READ, type TaskSpec } from '@reclaim-lab/hw-model';
import { createMru } from '@reclaim-lab/policy-mru';
import { Kernel, type ReclaimOps } from '@reclaim-lab/reclaim';
import { generated } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

const MEM = 4096;

function run(policy: ReclaimOps<unknown>, tasks: TaskSpec[], files: { name: string; pages: number }[]) {
  const k = new Kernel({ machine: defaultMachineConfig(MEM), policy, seed: 9 });
  k.load({ files, memcgs: [], tasks });
  const r = k.run();
  k.checkInvariants('end of run');
  return { k, r };
}

describe('MRU, pinned behaviours', () => {
  it('keeps the start of a loop slightly larger than memory resident, where arrival order misses on every read', () => {
    // Four passes over 1.25x memory, one page per read (MADV_RANDOM: no readahead
    // to blur the order). The baseline is the core's default order, FIFO.
    const pages = Math.floor(MEM * 1.25);
    const passes = 4;
    const loop = (): TaskSpec[] => [
      {
        name: 'loop',
        regions: [{ kind: 'file-fd', file: 0, pages, advice: 'random' }],
        source: generated((i) => (i < pages * passes ? [OP_READ, 0, i % pages] : null)),
      },
    ];
    const files = [{ name: 'table', pages }];
    const mru = run(createMru(), loop(), files);
    const fifo = run({ name: 'fifo-by-default' }, loop(), files);
    // FIFO: every read of every pass misses.
    expect(fifo.r.misses).toBeGreaterThan(pages * passes * 0.95);
    // MRU: after the first pass, only the part that does not fit misses.
    expect(mru.r.misses).toBeLessThan(pages + (passes - 1) * (pages - MEM * 0.8));
    const file = mru.k.machine.files[0];
    for (let i = 0; i < MEM / 2; i++) expect(file.cache[i]).not.toBe(0);
  });
});
