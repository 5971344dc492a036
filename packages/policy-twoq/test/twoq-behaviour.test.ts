import { createTwoq } from '@reclaim-lab/policy-twoq';
import type { Kernel, ReclaimOps } from '@reclaim-lab/reclaim';
import { hotSetWithStream, idealReadReplay, runWithPolicy } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

const replay = (frames: number, seq: number[]): Kernel =>
  idealReadReplay(createTwoq() as ReclaimOps<unknown>, frames, seq);

const listOf = (k: Kernel, page: number): string | undefined => {
  const p = k.machine.files[0].cache[page];
  return p === 0 ? undefined : k.world.lists.name(k.world.lists.listOf[p - 1]);
};

describe('2Q, pinned behaviours', () => {
  it('a burst of uses in A1in does not promote; a return after eviction from A1in enters Am', () => {
    // 8 frames: Kin = 2, Kout = 4. Page 0 is read three times in a row, then
    // pushed out of A1in by new pages, then read again from A1out's memory.
    const k = replay(8, [0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0]);
    expect(listOf(k, 0)).toBe('twoq:am');
    // The pages read once are in A1in, never in Am.
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((p) => listOf(k, p)).filter((l) => l === 'twoq:am')).toEqual([]);
  });

  it('a page forgotten by A1out comes back to A1in', () => {
    // Kout = 4 on 8 frames: 0 leaves A1in first, and four more A1in evictions push it out of A1out.
    const k = replay(8, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0]);
    expect(listOf(k, 0)).toBe('twoq:a1in');
  });

  it('one-hit wonders of a stream pass through A1in; a reused set stays in Am (kernel mode)', () => {
    const mem = 4096;
    const hot = Math.floor(mem * 0.4);
    const { tasks, files } = hotSetWithStream(hot, mem * 3, 1);
    const q = runWithPolicy(createTwoq() as ReclaimOps<unknown>, tasks(), files, {
      memoryPages: mem,
      seed: 13,
    });
    const fifo = runWithPolicy({ name: 'fifo-by-default' }, tasks(), files, { memoryPages: mem, seed: 13 });
    const misses = (r: typeof q.r) => r.tasks[0].majorFaults + r.tasks[0].readMisses;
    // A hot page pays twice (its first read, and its return from A1out) and then stays.
    expect(misses(q.r)).toBeLessThan(misses(fifo.r) * 0.8);
    const lists = q.k.world.lists;
    const inAm = (file: number) =>
      q.k.machine.files[file].cache.filter((p) => p !== 0 && lists.name(lists.listOf[p - 1]) === 'twoq:am')
        .length;
    // No page of the stream ever reached Am; most of the hot set lives there (a
    // hot page whose next read falls beyond A1out's memory starts over in A1in).
    expect(inAm(1)).toBe(0);
    expect(inAm(0)).toBeGreaterThan(hot * 0.75);
  });
});
