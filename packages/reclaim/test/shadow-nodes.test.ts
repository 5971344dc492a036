/**
 * The workingset shadow-node shrinker: page-cache shadows are kept for
 * about eight times a memcg's memory, oldest dropped first, so a refault of
 * a page evicted longer ago than that is not recognised as one.
 */
import { DEVICE_PRESETS, defaultMachineConfig, OP_LOAD, OP_READ, OP_STORE } from '@reclaim-lab/hw-model';
import { describe, expect, it } from 'vitest';
import { Kernel } from '../src/index.js';
import { generated } from '../src/testing.js';

const MEM = 2048;

function streamThenReread(file: number, reread: number[], mode: 'kernel' | 'ideal' = 'kernel') {
  const k = new Kernel({
    machine: defaultMachineConfig(MEM, { swapPages: 0, mode }),
    policy: { name: 'defaults', evicted: () => 1 },
    seed: 1,
    checkInvariants: true,
  });
  let shadowsAfterStream = -1;
  let refaultsAfterStream = -1;
  k.load({
    files: [{ name: 'stream', pages: file }],
    memcgs: [],
    tasks: [
      {
        name: 'reader',
        regions: [{ kind: 'file-fd', file: 0, pages: file, advice: 'random' }],
        source: generated((i) => {
          if (i < file) return [OP_READ, 0, i];
          if (i === file) {
            shadowsAfterStream = k.machine.files[0].nrShadows;
            refaultsAfterStream = k.world.counters.get('workingset_refault_file');
          }
          return i < file + reread.length ? [OP_READ, 0, reread[i - file]] : null;
        }),
      },
    ],
  });
  const r = k.run();
  return { r, shadowsAfterStream, rereadRefaults: r.counters.workingset_refault_file - refaultsAfterStream };
}

/** Stores to `pages` of anon memory once (each swapped out in turn), then loads `reread`. */
function anonStreamThenReread(pages: number, reread: number[]) {
  const k = new Kernel({
    // zram as a fast swap device; its pool's cost in RAM is zram-pool.test.ts's subject, not this one's.
    machine: defaultMachineConfig(MEM, {
      swapPages: pages + 4 * MEM,
      swapDevice: DEVICE_PRESETS.zram,
      zramRatio: 0,
    }),
    policy: { name: 'defaults', evicted: () => 1 },
    seed: 1,
    checkInvariants: true,
  });
  let shadowsAfterStream = -1;
  let refaultsAfterStream = -1;
  k.load({
    files: [],
    memcgs: [],
    tasks: [
      {
        name: 'writer',
        regions: [{ kind: 'anon', pages }],
        source: generated((i) => {
          if (i < pages) return [OP_STORE, 0, i];
          if (i === pages) {
            shadowsAfterStream = (k.machine.swap?.shadow ?? []).filter((s) => s !== 0).length;
            refaultsAfterStream = k.world.counters.get('workingset_refault_anon');
          }
          return i < pages + reread.length ? [OP_LOAD, 0, reread[i - pages]] : null;
        }),
      },
    ],
  });
  const r = k.run();
  return { r, shadowsAfterStream, rereadRefaults: r.counters.workingset_refault_anon - refaultsAfterStream };
}

describe('shadow nodes', () => {
  it('limit swap-cache shadows as page-cache ones: anon swapped out long ago refaults unrecognised', () => {
    const pages = 12 * MEM;
    const old = anonStreamThenReread(
      pages,
      Array.from({ length: 256 }, (_, i) => i),
    );
    expect(old.r.counters.pswpout).toBeGreaterThan(pages - 2 * MEM);
    expect(old.r.counters.workingset_nodereclaim).toBeGreaterThan(100);
    expect(old.shadowsAfterStream).toBeLessThanOrEqual(8 * MEM + 64);
    expect(old.shadowsAfterStream).toBeGreaterThan(6 * MEM);
    expect(old.rereadRefaults).toBe(0);
    const recent = anonStreamThenReread(
      pages,
      Array.from({ length: 256 }, (_, i) => pages - 2 * MEM + i),
    );
    expect(recent.rereadRefaults).toBe(256);
  });

  it('keep about eight times memory of shadows: a stream of 20x memory forgets its first pages', () => {
    const file = 20 * MEM;
    const first = Array.from({ length: 256 }, (_, i) => i);
    const recent = Array.from({ length: 256 }, (_, i) => file - 2 * MEM + i);
    const old = streamThenReread(file, first);
    expect(old.r.counters.workingset_nodereclaim).toBeGreaterThan(100);
    expect(old.shadowsAfterStream).toBeLessThanOrEqual(8 * MEM + 64);
    expect(old.shadowsAfterStream).toBeGreaterThan(6 * MEM);
    expect(old.rereadRefaults).toBe(0);
    // Pages evicted recently still have their shadows: each read refaults.
    expect(streamThenReread(file, recent).rereadRefaults).toBe(256);
  });

  it('ideal mode keeps every shadow: the policy alone decides what to remember', () => {
    const file = 20 * MEM;
    const r = streamThenReread(file, [0], 'ideal');
    expect(r.r.counters.workingset_nodereclaim).toBe(0);
    expect(r.shadowsAfterStream).toBe(file - MEM);
  });
});
