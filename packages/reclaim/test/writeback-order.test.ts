/**
 * The flushers write as `writeback_sb_inodes` → `write_cache_pages` do:
 * inode by inode, the one dirtied first first, each inode's pages in index
 * order whatever order they were dirtied in.
 */
import { NS_PER_SEC, OP_THINK, OP_WRITE } from '@reclaim-lab/hw-model';
import { World } from '@reclaim-lab/mechanisms';
import { describe, expect, it } from 'vitest';
import type { ReclaimOps } from '../src/index.js';
import { runWithPolicy, scripted } from '../src/testing.js';

const policy = (): ReclaimOps<unknown> => ({ name: 'defaults' });

/** Runs `writes` ([region, page]) then sleeps past dirty_expire; returns the flusher's writes as [file, index]. */
function flusherOrder(
  writes: [number, number][],
  files: number,
  pages: number,
  memoryPages = 16384,
): [number, number][] {
  const events: [number, number, number][] = writes.map(([r, i]) => [OP_WRITE, r, i]);
  // Event arguments are 32-bit: sleep in steps of a second, past the 30 s expiry and a 5 s wakeup.
  for (let s = 0; s < 40; s++) events.push([OP_THINK, 0, NS_PER_SEC]);
  const written: [number, number][] = [];
  const original = World.prototype.startWriteback;
  World.prototype.startWriteback = function (this: World, pfn, now, reclaim, newRequest) {
    if (!reclaim) written.push([this.frames.owner[pfn], this.frames.index[pfn]]);
    return original.call(this, pfn, now, reclaim, newRequest);
  };
  try {
    runWithPolicy(
      policy(),
      [
        {
          name: 'writer',
          regions: Array.from({ length: files }, (_, f) => ({ kind: 'file-fd' as const, file: f, pages })),
          source: scripted(events),
        },
      ],
      Array.from({ length: files }, (_, f) => ({ name: `data${f}`, pages })),
      { memoryPages },
    );
  } finally {
    World.prototype.startWriteback = original;
  }
  return written;
}

describe('flusher write-back order', () => {
  it('writes a file dirtied in random order in index order (write_cache_pages)', () => {
    const pages = 300;
    const order = Array.from({ length: pages }, (_, i) => (i * 7) % pages);
    const written = flusherOrder(
      order.map((i) => [0, i]),
      1,
      pages,
    );
    expect(written.map(([, i]) => i)).toEqual(Array.from({ length: pages }, (_, i) => i));
  });

  it('writes whole inodes, the first dirtied first, not pages interleaved as they were dirtied', () => {
    const pages = 200;
    // File 1 is dirtied first; then the two files' pages alternate, backwards.
    const writes: [number, number][] = [[1, pages - 1]];
    for (let i = pages - 2; i >= 0; i--) writes.push([0, i], [1, i]);
    writes.push([0, pages - 1]);
    const written = flusherOrder(writes, 2, pages);
    const expected: [number, number][] = [];
    for (const file of [1, 0]) for (let i = 0; i < pages; i++) expected.push([file, i]);
    expect(written).toEqual(expected);
  });

  it('writes an inode a chunk at a time, then the next inode, and comes back (requeue_io)', () => {
    const pages = 2500;
    const writes: [number, number][] = [];
    for (const file of [0, 1]) for (let i = 0; i < pages; i++) writes.push([file, i]);
    const written = flusherOrder(writes, 2, pages, 65536);
    expect(written.length).toBe(2 * pages);
    // Runs of one file each, in index order, continuing where the last one stopped.
    const runs: { file: number; from: number; length: number }[] = [];
    for (const [file, index] of written) {
      const last = runs.at(-1);
      if (last !== undefined && last.file === file) {
        expect(index).toBe(last.from + last.length);
        last.length++;
      } else runs.push({ file, from: index, length: 1 });
    }
    expect(runs.map((r) => r.file)).toEqual([0, 1, 0, 1]);
    const chunk = runs[0].length;
    // `writeback_chunk_size`: whole multiples of MIN_WRITEBACK_PAGES (4 MiB), less than a file here.
    expect(chunk % 1024).toBe(0);
    expect(chunk).toBeLessThan(pages);
    expect(runs.map((r) => [r.from, r.length])).toEqual([
      [0, chunk],
      [0, chunk],
      [chunk, pages - chunk],
      [chunk, pages - chunk],
    ]);
  });
});
