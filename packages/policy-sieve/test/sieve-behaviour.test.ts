import { idealMachineConfig } from '@reclaim-lab/hw-model';
import { createFifo } from '@reclaim-lab/policy-fifo';
import { createSieve } from '@reclaim-lab/policy-sieve';
import { Kernel, type ReclaimOps } from '@reclaim-lab/reclaim';
import {
  generated,
  hotSetWithStream,
  idealReadReplay,
  OP_LOAD,
  OP_READ,
  runWithPolicy,
} from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

const replay = (policy: ReclaimOps<unknown>, frames: number, seq: number[]): Kernel =>
  idealReadReplay(policy, frames, seq);

const resident = (k: Kernel, page: number) => k.machine.files[0].cache[page] !== 0;

describe('SIEVE, pinned behaviours', () => {
  it('keeps a visited page in place while new pages go before it (lazy promotion, quick demotion)', () => {
    // Fill 4 frames with 0..3, use 0 again, then read 4..8 once each. The hand
    // passes 0 (clearing its bit) and evicts 1; it then walks the newer pages
    // 2, 3, 4, 5 towards the head before it comes back to 0. CLOCK instead
    // moved 0 to the head, behind which it is the next victim when 8 arrives.
    const seq = [0, 1, 2, 3, 0, 4, 5, 6, 7, 8];
    const sieve = replay(createSieve() as ReclaimOps<unknown>, 4, seq);
    const clock = replay(createFifo({ secondChance: true }) as ReclaimOps<unknown>, 4, seq);
    expect(resident(sieve, 0)).toBe(true);
    expect([5, 6, 7, 8].filter((p) => resident(sieve, p))).toEqual([6, 7, 8]);
    expect(resident(clock, 0)).toBe(false);
  });

  it('the access that brings a page in is not a use: a page read once is the first to go', () => {
    // 0, 1, 2 fill 3 frames; 2 and 0 are read again. When 3 arrives the hand
    // passes 0 (visited) and takes 1, whose only read was the one that brought it in.
    const k = replay(createSieve() as ReclaimOps<unknown>, 3, [0, 1, 2, 2, 0, 3]);
    expect(resident(k, 1)).toBe(false);
    expect([0, 2, 3].every((p) => resident(k, p))).toBe(true);
  });

  it('when every page is visited, the hand clears them all in one turn and takes the oldest', () => {
    // 0..3 fill 4 frames and are each used again. When 4 arrives the hand
    // clears 0, 1, 2, 3, wraps, and takes 0; it rests on 1, whose bit it
    // cleared: 5 takes 1 at once, though 1 was used as often as 2 and 3.
    const k = replay(createSieve() as ReclaimOps<unknown>, 4, [0, 1, 2, 3, 0, 1, 2, 3, 4, 5]);
    expect([0, 1].filter((p) => resident(k, p))).toEqual([]);
    expect([2, 3, 4, 5].every((p) => resident(k, p))).toBe(true);
  });

  it('one-hit wonders of a stream leave quickly; a reused set stays (kernel mode, next to FIFO)', () => {
    const mem = 4096;
    const hot = Math.floor(mem * 0.4);
    const { tasks, files } = hotSetWithStream(hot, mem * 3, 1);
    const sieve = runWithPolicy(createSieve() as ReclaimOps<unknown>, tasks(), files, {
      memoryPages: mem,
      seed: 13,
    });
    const fifo = runWithPolicy(createFifo() as ReclaimOps<unknown>, tasks(), files, {
      memoryPages: mem,
      seed: 13,
    });
    const misses = (r: typeof sieve.r) => r.tasks[0].majorFaults + r.tasks[0].readMisses;
    expect(misses(sieve.r)).toBeLessThan(misses(fifo.r) * 0.6);
    // Nearly all of the hot set is in memory at the end.
    const cached = sieve.k.machine.files[0].cache.filter((p) => p !== 0).length;
    expect(cached).toBeGreaterThan(hot * 0.9);
  });

  it('a mapped page needs two young PTEs (the fault and one use) to be visited', () => {
    // Pages 0..7 mapped and touched once each (their faults), then a 16-page
    // fd stream on 8 frames: every mapped page goes, none was visited.
    const k = new Kernel({
      machine: idealMachineConfig(8),
      policy: createSieve() as ReclaimOps<unknown>,
      seed: 1,
    });
    k.load({
      files: [
        { name: 'm', pages: 8 },
        { name: 's', pages: 16 },
      ],
      memcgs: [],
      tasks: [
        {
          name: 't',
          regions: [
            { kind: 'file-mapped', file: 0, pages: 8 },
            { kind: 'file-fd', file: 1, pages: 16 },
          ],
          source: generated((i) => (i < 8 ? [OP_LOAD, 0, i] : i < 24 ? [OP_READ, 1, i - 8] : null)),
        },
      ],
    });
    k.run();
    expect(k.machine.files[0].cache.every((p) => p === 0)).toBe(true);
  });
});
