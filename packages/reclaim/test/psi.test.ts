/**
 * Memory PSI (kernel/sched/psi.c): which waits are memory stalls, and how
 * the per-CPU times are folded into a group's totals.
 */
import { DEVICE_PRESETS, defaultMachineConfig, Memcg, OP_THINK } from '@reclaim-lab/hw-model';
import { describe, expect, it } from 'vitest';
import { Kernel, PSI_PERIOD_NS, Psi, type ReclaimOps } from '../src/index.js';
import { generated } from '../src/testing.js';
import { fifo, reader } from './fixtures.js';

const MS = 1e6;

describe('PSI aggregation (collect_percpu_times)', () => {
  it('weights each CPU by its non-idle time within a period, and puts kswapd in the root group only', () => {
    const root = new Memcg(0, '/', null);
    const box = new Memcg(1, '/box', root);
    const psi = new Psi();
    const a = psi.addCpu(box, 0);
    const b = psi.addCpu(root, 0);
    const kswapd = psi.addCpu(null, 0);
    // Period 0: A is busy for 2 s and stalls for 1 s of it; B sleeps 1 s and is busy 1 s with no stall.
    psi.stall(a, 0.5e9, 1.5e9);
    psi.idle(b, 0, 1e9);
    // Period 1: kswapd reclaims for 0.5 s; A and B run free until both exit at 3 s.
    psi.stall(kswapd, 2e9, 2.5e9);
    psi.exit(a, 3e9);
    psi.exit(b, 3e9);
    const end = 2 * PSI_PERIOD_NS;
    // (1 s x 2 s + 0 x 1 s) / 3 s, then (0.5 s x 0.5 s) / (1 s + 1 s + 0.5 s).
    const rootSome = (1e9 * 2e9) / 3e9 + (0.5e9 * 0.5e9) / 2.5e9;
    expect(psi.totals(root, end).someNs).toBeCloseTo(rootSome, 0);
    // The /box group has A alone: its stall is all of its pressure.
    expect(psi.totals(box, end)).toEqual({ someNs: 1e9, fullNs: 1e9 });
  });

  it('splits a stall that crosses a period boundary between the two periods', () => {
    const root = new Memcg(0, '/', null);
    const psi = new Psi();
    const a = psi.addCpu(root, 0);
    const b = psi.addCpu(root, 0);
    psi.stall(a, 1.5e9, 2.5e9);
    // Both CPUs busy throughout: each period's some is A's half of its stall over two CPUs.
    expect(psi.totals(root, 4e9).someNs).toBeCloseTo((0.5e9 * 2e9) / 4e9 + (0.5e9 * 2e9) / 4e9, 0);
    psi.exit(b, 0);
    expect(psi.totals(root, 4e9).someNs).toBeCloseTo(1e9, 0);
  });
});

/** FIFO that writes shadows and, on a refault, says whether the folio was in the workingset. */
function fifoRestoring(restore: boolean): ReclaimOps<unknown> {
  return {
    ...(fifo(restore ? 'fifo-restore' : 'fifo-plain') as ReclaimOps<unknown>),
    evicted: () => 1,
    refault: (_ctx, _pfn, _shadow, verdict) => {
      verdict.restore = restore;
    },
  };
}

/** A reader in a memcg half the size of its file, reading it twice: reclaim, then refaults. */
function rereadInBox(policy: ReclaimOps<unknown>, withSleeper = false) {
  const pages = 2048;
  const k = new Kernel({
    machine: defaultMachineConfig(8192, { swapPages: 0, disk: DEVICE_PRESETS.ssd }),
    policy,
    seed: 1,
    checkInvariants: true,
  });
  k.load({
    files: [{ name: 'data', pages }],
    memcgs: [{ path: '/box', max: pages / 2 }],
    tasks: [
      reader('reader', 0, pages, 2, { memcg: '/box' }),
      ...(withSleeper
        ? [
            {
              name: 'sleeper',
              memcg: '/box',
              regions: [],
              source: generated((i) => (i < 10 ? [OP_THINK, -1, 100 * MS] : null)),
            },
          ]
        : []),
    ],
  });
  const r = k.run();
  return { r, box: (r.pressure?.memcgs['/box'] ?? { someNs: Number.NaN }).someNs, task: r.tasks[0] };
}

describe('memory stalls', () => {
  it('memcg reclaim is a memory stall: a lone task in a group has exactly its reclaim time as pressure', () => {
    const { r, box, task } = rereadInBox(fifoRestoring(false));
    expect(task.directReclaimNs).toBeGreaterThan(0);
    expect(box).toBeCloseTo(task.directReclaimNs, -1);
    // Reading pages the first time, or again when they were not in the workingset, is I/O, not pressure.
    expect(task.ioWaitNs).toBeGreaterThan(10 * task.directReclaimNs);
    expect(r.pressure?.memory.someNs).toBeGreaterThan(0);
  });

  it('waiting for a refault of a workingset folio is thrashing: it counts, where the same read of a cold folio does not', () => {
    const cold = rereadInBox(fifoRestoring(false));
    const hot = rereadInBox(fifoRestoring(true));
    expect(hot.r.counters.workingset_restore_file).toBeGreaterThan(500);
    expect(hot.task.ioWaitNs).toBeCloseTo(cold.task.ioWaitNs, -3);
    const thrash = hot.box - hot.task.directReclaimNs;
    // The second pass's reads: most of the run's I/O wait (the first pass read the other half).
    expect(thrash).toBeGreaterThan(0.3 * hot.task.ioWaitNs);
    expect(thrash).toBeLessThan(0.7 * hot.task.ioWaitNs);
    expect(cold.box).toBeLessThan(hot.box / 5);
  });

  it('an idle task in the group does not dilute its pressure: only non-idle CPUs weigh', () => {
    const alone = rereadInBox(fifoRestoring(true));
    const withSleeper = rereadInBox(fifoRestoring(true), true);
    expect(withSleeper.box).toBeCloseTo(alone.box, -3);
  });
});
