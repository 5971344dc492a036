/**
 * `lru:ageUpdate=locked|lockfree`: the same reclaim pass, its activations
 * and deactivations priced as list moves under lru_lock (one hold per
 * folio batch, the classic LRU) or as MGLRU's atomic `folio_update_gen`.
 * Only the charged time may differ.
 */

import { DEVICE_PRESETS, defaultMachineConfig, OP_READ, OP_STORE, OP_THINK } from '@reclaim-lab/hw-model';
import { AGE_ATOMIC_NS, AGE_BATCH, LRU_LOCK_NS, LRU_MOVE_NS } from '@reclaim-lab/mechanisms';
import { createLru } from '@reclaim-lab/policy-lru';
import { Kernel, ScanControl } from '@reclaim-lab/reclaim';
import { generated } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

const ANON = 20_000;
const FILE = 20_000;

/** 20k anon and 20k (active) file pages of one live task, then one kswapd pass at priority 2; what it charged and changed. */
function pass(ageUpdate: 'locked' | 'lockfree') {
  const k = new Kernel({
    machine: defaultMachineConfig(65_536, { swapDevice: DEVICE_PRESETS.zram }),
    policy: createLru({ ageUpdate }),
    seed: 3,
    untilNs: 5_000_000_000,
  });
  // The file is read twice: all of it on the active list, for shrink_active_list to age.
  k.load({
    files: [{ name: 'data', pages: FILE }],
    memcgs: [],
    tasks: [
      {
        name: 'holder',
        regions: [
          { kind: 'anon', pages: ANON },
          { kind: 'file-fd', file: 0, pages: FILE },
        ],
        source: generated((i) =>
          i < ANON
            ? [OP_STORE, 0, i]
            : i < ANON + 2 * FILE
              ? [OP_READ, 1, (i - ANON) % FILE]
              : [OP_THINK, 0, 1_000_000_000],
        ),
      },
    ],
  });
  k.run();
  // Every charge the policy makes goes through the core; the negative ones are ageUpdate's difference.
  const deltas: number[] = [];
  const charge = k.chargeNs.bind(k);
  k.chargeNs = (sc, ns) => {
    if (ns < 0) deltas.push(ns);
    charge(sc, ns);
  };
  const before = k.world.counters.toRecord();
  const sc = new ScanControl().reset('kswapd', null, 0, 4096);
  sc.priority = 2;
  sc.noCacheTrimMode = true;
  sc.forceDeactivate = true;
  k.shrinkNode(sc, 0);
  const after = k.world.counters.toRecord();
  const moved: Record<string, number> = {};
  for (const name of Object.keys(after)) moved[name] = after[name] - (before[name] ?? 0);
  return {
    costNs: sc.costNs,
    moved,
    flags: Array.from(k.machine.frames.flags),
    sizes: k.lruSizes(k.world.lruvecs[0]),
    deltas,
  };
}

/** How many age updates one negative charge stands for: the n with -(n*(MOVE - ATOMIC) + ceil(n/BATCH)*LOCK) = d. */
function updatesOf(d: number): number {
  for (let n = 1; n <= 4096; n++)
    if (n * (LRU_MOVE_NS - AGE_ATOMIC_NS) + Math.ceil(n / AGE_BATCH) * LRU_LOCK_NS === -d) return n;
  return -1;
}

describe('lru:ageUpdate', () => {
  it('lockfree charges less reclaim time for the same pass, by list moves and lock holds minus atomics, and changes nothing else', () => {
    const locked = pass('locked');
    const lockfree = pass('lockfree');
    // Same pass: the same folios scanned, activated, deactivated and reclaimed, the same flags and lists.
    expect(lockfree.moved).toEqual(locked.moved);
    expect(lockfree.flags).toEqual(locked.flags);
    expect(lockfree.sizes).toEqual(locked.sizes);
    expect(locked.moved.pgdeactivate).toBeGreaterThan(0);
    // The kernel LRU is charged as before: no difference to add.
    expect(locked.deltas).toEqual([]);
    // Each difference is a whole number of updates done in one go, and they sum to the gap.
    const updates = lockfree.deltas.map(updatesOf);
    expect(updates).not.toContain(-1);
    const n = updates.reduce((a, b) => a + b, 0);
    // Every deactivated folio was one update (rotations and activations are the rest).
    expect(n).toBeGreaterThanOrEqual(locked.moved.pgdeactivate);
    const gap = locked.costNs - lockfree.costNs;
    expect(gap).toBe(-lockfree.deltas.reduce((a, b) => a + b, 0));
    expect(gap).toBeGreaterThanOrEqual(
      n * (LRU_MOVE_NS - AGE_ATOMIC_NS) + Math.ceil(n / AGE_BATCH) * LRU_LOCK_NS,
    );
  });
});
