import { DEVICE_PRESETS, OP_STORE, OP_THINK, OP_WRITE } from '@reclaim-lab/hw-model';
import { KIB_PER_PAGE } from '@reclaim-lab/mechanisms';
import { createLru } from '@reclaim-lab/policy-lru';
import type { ReclaimOps } from '@reclaim-lab/reclaim';
import { generated, runWithPolicy } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

const MEM = 8192;

describe('dirty mapped file pages (a store dirties the folio at its write fault)', () => {
  it('a file written through mmap larger than memory is written back by the flushers and reclaimed, not stuck dirty', () => {
    const pages = MEM * 2;
    const { k, r } = runWithPolicy(
      createLru() as ReclaimOps<unknown>,
      [
        {
          name: 'mmap-writer',
          regions: [{ kind: 'file-mapped', file: 0, pages }],
          source: generated((i) =>
            i < pages ? [OP_STORE, 0, i] : i < pages + 20 ? [OP_THINK, 0, 50_000_000] : null,
          ),
        },
      ],
      [{ name: 'out', pages }],
      { memoryPages: MEM, seed: 2 },
    );
    // Every page evicted was dirty and had to reach the disk first.
    expect(r.counters.pgsteal_file).toBeGreaterThan(MEM / 2);
    expect(r.counters.pgpgout / KIB_PER_PAGE).toBeGreaterThanOrEqual(r.counters.pgsteal_file);
    expect(r.oomKills).toHaveLength(0);
    // Reclaim leaves file writeback to the flushers (kswapd writes only when the node is clogged).
    expect(r.counters.flusher_pages).toBeGreaterThan(r.counters.nr_vmscan_write);
    expect(k.machine.files[0].nrDirty).toBeLessThan(pages / 2);
  });
});

describe('congestion throttling (reclaim_throttle CONGESTED)', () => {
  it('memcg reclaim that finds every dirty folio already under write-back waits for the disk', () => {
    const pages = 10_000;
    const { r } = runWithPolicy(
      createLru() as ReclaimOps<unknown>,
      [
        {
          // write(2): a mapping's pages stay referenced through their PTEs and
          // are clean again by the time reclaim reaches them.
          name: 'writer',
          memcg: '/w',
          regions: [{ kind: 'file-fd', file: 0, pages }],
          source: generated((i) => (i < pages ? [OP_WRITE, 0, i] : null)),
        },
      ],
      [{ name: 'out', pages }],
      {
        memoryPages: 16_384,
        seed: 2,
        // Dirty limits as high as they go, so that the memcg fills with dirty
        // pages: its own dirty domain otherwise keeps most of them clean.
        machine: { disk: DEVICE_PRESETS.hdd, dirtyRatio: 100, dirtyBackgroundRatio: 90 },
        memcgs: [{ path: '/w', max: 2048 }],
      },
    );
    expect(r.counters.pgsteal_file).toBeGreaterThan(pages / 2);
    expect(r.counters.throttle_congested).toBeGreaterThan(0);
    expect(r.oomKills).toHaveLength(0);
  });
});
