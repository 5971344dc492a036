/**
 * Readahead under pressure: the window is allocated with __GFP_NORETRY and
 * its folios are locked until the read is issued, so a window larger than
 * what is left shrinks to fit instead of evicting its own first pages (the
 * page the reader asked for among them) or calling the OOM killer.
 */
import { OP_READ } from '@reclaim-lab/hw-model';
import { describe, expect, it } from 'vitest';
import type { ReclaimOps } from '../src/index.js';
import { runWithPolicy, scripted } from '../src/testing.js';

const policy = (): ReclaimOps<unknown> => ({ name: 'defaults' });

describe('readahead under pressure', () => {
  it('a window larger than the memcg shrinks to fit; no page is read twice and every read finds its page', () => {
    const pages = 240;
    const events: [number, number, number][] = [];
    for (let i = 0; i < pages; i++) events.push([OP_READ, 0, i]);
    const { r } = runWithPolicy(
      policy(),
      [
        {
          name: 'reader',
          memcg: '/g',
          // MADV_SEQUENTIAL: every miss asks for a 32-page window.
          regions: [{ kind: 'file-fd', file: 0, pages, advice: 'sequential' }],
          source: scripted(events),
        },
      ],
      [{ name: 'data', pages }],
      { memoryPages: 4096, memcgs: [{ path: '/g', max: 24 }] },
    );
    expect(r.oomKills).toEqual([]);
    // Each page came in once: nothing was evicted before it was read.
    expect(r.counters.workingset_refault_file).toBe(0);
    expect(r.counters.pgpgin).toBe(pages * 4);
    // Windows of up to 24 pages: about one miss per 24 reads, not one per read.
    expect(r.tasks[0].readMisses).toBeLessThanOrEqual(Math.ceil(pages / 20));
    expect(r.tasks[0].readMisses).toBeGreaterThanOrEqual(Math.ceil(pages / 24));
  });
});
