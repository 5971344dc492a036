/**
 * Memcg statistics are hierarchical: reclaim aimed at an ancestor (the
 * root, for kswapd and direct reclaim) reads its whole subtree. The refault
 * activations `prepare_scan_control` compares with its snapshot, and the
 * LRU size `lru_note_cost` decays the cost averages against, are the
 * subtree's, not the ancestor lruvec's own.
 */
import { DEVICE_PRESETS, defaultMachineConfig, OP_READ, OP_STORE } from '@reclaim-lab/hw-model';
import { createLru } from '@reclaim-lab/policy-lru';
import { Kernel } from '@reclaim-lab/reclaim';
import { generated } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

const MEM = 8192;

/**
 * One task in /jobs/a under global pressure: a file read twice (active),
 * anon that pushes part of it out, then the file again — refaults close
 * enough to activate, and anon and file both scanned.
 */
function run() {
  const k = new Kernel({
    machine: defaultMachineConfig(MEM, { swapPages: MEM, swapDevice: DEVICE_PRESETS.zram }),
    policy: createLru(),
    seed: 5,
  });
  const file = 5_000;
  const anon = 5_000;
  const steps = [
    ...Array.from({ length: 2 * file }, (_, i): [number, number, number] => [OP_READ, 1, i % file]),
    ...Array.from({ length: anon }, (_, i): [number, number, number] => [OP_STORE, 0, i]),
    ...Array.from({ length: 2 * file }, (_, i): [number, number, number] => [OP_READ, 1, i % file]),
  ];
  k.load({
    files: [{ name: 'data', pages: file }],
    memcgs: [{ path: '/jobs' }, { path: '/jobs/a' }],
    tasks: [
      {
        name: 'mixed',
        memcg: '/jobs/a',
        regions: [
          { kind: 'anon', pages: anon },
          { kind: 'file-fd', file: 0, pages: file },
        ],
        source: generated((i) => steps[i] ?? null),
      },
    ],
  });
  const r = k.run();
  const lv = (path: string) => k.world.findLruvec(k.machine.memcg(path), 0)!;
  return { k, r, root: lv('/'), jobs: lv('/jobs'), a: lv('/jobs/a') };
}

describe('hierarchical memcg statistics in reclaim', () => {
  it('refault activations in a leaf count for every ancestor, the root included', () => {
    const { r, root, jobs, a } = run();
    expect(r.counters.workingset_activate_file).toBeGreaterThan(0);
    expect(a.workingsetActivate[1]).toBe(r.counters.workingset_activate_file);
    expect(jobs.workingsetActivate[1]).toBe(a.workingsetActivate[1]);
    expect(root.workingsetActivate[1]).toBe(a.workingsetActivate[1]);
  });

  it('the root keeps cost averages of its subtree instead of halving them on every batch', () => {
    const { root, a } = run();
    // Every cost lands on the leaf and each ancestor; the root decays against the
    // subtree's LRU size, which holds the leaf's pages, so it is never far below the leaf.
    expect(a.fileCost + a.anonCost).toBeGreaterThan(0);
    expect(root.fileCost + root.anonCost).toBeGreaterThanOrEqual((a.fileCost + a.anonCost) / 2);
  });
});
