import { DEVICE_PRESETS, OP_LOAD, OP_STORE } from '@reclaim-lab/hw-model';
import { createLru, type LruAccess } from '@reclaim-lab/policy-lru';
import { generated, runWithPolicy } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

const MEM = 8192;

/** A hot anon set touched 4 times per first-touch of a cold set 0.9x memory, then the hot set once more. */
function run(access: LruAccess) {
  const hot = Math.floor(MEM * 0.4);
  const cold = Math.floor(MEM * 0.9);
  return runWithPolicy(
    createLru({ access }),
    [
      {
        name: 'app',
        regions: [
          { kind: 'anon', pages: hot },
          { kind: 'anon', pages: cold },
        ],
        source: generated((i) => {
          if (i < cold * 5)
            return i % 5 === 4
              ? [OP_STORE, 1, Math.floor(i / 5)]
              : [i < hot ? OP_STORE : OP_LOAD, 0, i % hot];
          const j = i - cold * 5;
          return j < hot ? [OP_LOAD, 0, j] : null;
        }),
      },
    ],
    [],
    { memoryPages: MEM, seed: 5, machine: { swapDevice: DEVICE_PRESETS.zram } },
  ).r;
}

describe('traditional LRU with page-table scanning (the shared walk_mm mechanism)', () => {
  it('access=ptwalk finds references by walking page tables, with no rmap walk at all', () => {
    const r = run('ptwalk');
    expect(r.counters.rmap_walks).toBe(0);
    expect(r.counters.pt_walk_ptes).toBeGreaterThan(0);
    expect(r.pageStateBits.lru).toBe(1);
  });

  it('keeps the repeatedly used set about as well as rmap does: most of what is swapped out is the once-touched set', () => {
    const viaRmap = run('rmap');
    const viaWalk = run('ptwalk');
    expect(viaRmap.counters.pt_walk_ptes).toBe(0);
    expect(viaWalk.counters.pswpout).toBeGreaterThan(viaWalk.counters.pswpin * 2);
    expect(viaWalk.counters.pswpin).toBeLessThan(viaRmap.counters.pswpin * 1.5 + 100);
  });

  it('access=both uses both mechanisms', () => {
    const r = run('both');
    expect(r.counters.rmap_walks).toBeGreaterThan(0);
    expect(r.counters.pt_walk_ptes).toBeGreaterThan(0);
  });
});
