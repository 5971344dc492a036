import {
  DEVICE_PRESETS,
  defaultMachineConfig,
  OP_READ,
  OP_STORE,
  OP_THINK,
  type TaskSpec,
} from '@reclaim-lab/hw-model';
import { createLru } from '@reclaim-lab/policy-lru';
import { Kernel } from '@reclaim-lab/reclaim';
import { generated } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

const MEM = 8192;

function kernel(swapPages = MEM) {
  return new Kernel({
    machine: defaultMachineConfig(MEM, { swapPages, swapDevice: DEVICE_PRESETS.zram }),
    policy: createLru(),
    seed: 3,
    checkInvariants: false,
  });
}

const reader = (pages: number, passes: number): TaskSpec['source'] =>
  generated((i) => (i < pages * passes ? [OP_READ, 0, i % pages] : null));

/** A task in /capped (memory.high 1024 pages) storing to `pages` anon pages once. */
function growUnderHigh(pages: number) {
  const k = kernel();
  k.load({
    files: [],
    memcgs: [{ path: '/capped', high: 1024 }],
    tasks: [
      {
        name: 'grower',
        memcg: '/capped',
        regions: [{ kind: 'anon', pages }],
        source: generated((i) => (i < pages ? [OP_STORE, 0, i] : null)),
      },
    ],
  });
  return { k, r: k.run() };
}

describe('memcg reclaim (cgroup v2)', () => {
  it('memory.max: a group never holds more than its limit and reclaims inside itself, not globally', () => {
    const k = kernel();
    const limit = 1024;
    k.load({
      files: [{ name: 'data', pages: 4096 }],
      memcgs: [{ path: '/box', max: limit }],
      tasks: [
        {
          name: 'reader',
          memcg: '/box',
          regions: [{ kind: 'file-fd', file: 0, pages: 4096 }],
          source: reader(4096, 2),
        },
      ],
    });
    let peak = 0;
    const box = k.machine.memcg('/box');
    // Sample usage through the run: the limit must hold at every point.
    const orig = k.machine.freeFrame.bind(k.machine);
    k.machine.freeFrame = (pfn) => {
      peak = Math.max(peak, box.usage);
      orig(pfn);
    };
    const r = k.run();
    expect(peak).toBeLessThanOrEqual(limit);
    expect(box.usage).toBeLessThanOrEqual(limit);
    expect(box.events.max).toBeGreaterThan(0);
    expect(r.counters.memcg_reclaim).toBeGreaterThan(0);
    // cgroup reclaim is not global reclaim: kswapd never ran, pgscan_kswapd/direct stay 0 (kernel semantics).
    expect(r.counters.pgscan_kswapd + r.counters.pgscan_direct).toBe(0);
    expect(r.counters.pgsteal_file).toBeGreaterThan(4096);
  });

  it('memory.max without swap ends in a memcg OOM kill of a task in that group only', () => {
    const k = kernel(0);
    k.load({
      files: [],
      memcgs: [{ path: '/small', max: 512 }],
      tasks: [
        {
          name: 'hog',
          memcg: '/small',
          regions: [{ kind: 'anon', pages: 2048 }],
          source: generated((i) => (i < 2048 ? [OP_STORE, 0, i] : null)),
        },
        {
          name: 'bystander',
          memcg: '/',
          regions: [{ kind: 'anon', pages: 1024 }],
          source: generated((i) =>
            i < 1024 ? [OP_STORE, 0, i] : i < 1100 ? [OP_THINK, 0, 1_000_000] : null,
          ),
        },
      ],
    });
    const r = k.run();
    expect(r.oomKills).toHaveLength(1);
    expect(r.oomKills[0]).toMatchObject({ kind: 'memcg', task: 'hog', memcg: '/small' });
    expect(r.tasks.find((t) => t.name === 'bystander')?.killed).toBe(false);
    expect(k.machine.memcg('/small').events.oom_kill).toBe(1);
  });

  it('memory.reclaim reclaims about what was asked from the group, proactively', () => {
    const k = kernel();
    k.load({
      files: [{ name: 'data', pages: 3000 }],
      memcgs: [{ path: '/app' }],
      tasks: [
        {
          name: 'reader',
          memcg: '/app',
          regions: [{ kind: 'file-fd', file: 0, pages: 3000 }],
          source: generated((i) =>
            i < 3000 ? [OP_READ, 0, i] : i < 3010 ? [OP_THINK, 0, 100_000_000] : null,
          ),
        },
      ],
      proactive: [{ atNs: 500_000_000, memcg: '/app', pages: 1000 }],
    });
    const r = k.run();
    expect(r.counters.proactive_reclaimed).toBeGreaterThanOrEqual(1000);
    expect(r.counters.proactive_reclaimed).toBeLessThan(1000 + 64);
    expect(k.machine.memcg('/app').usage).toBeLessThanOrEqual(3000 - 1000 + 64);
  });

  it('memory.high throttles an allocating group instead of killing it', () => {
    const { k, r } = growUnderHigh(3000);
    expect(r.oomKills).toHaveLength(0);
    expect(k.machine.memcg('/capped').events.high).toBeGreaterThan(0);
    expect(r.counters.pswpout).toBeGreaterThan(1000);
    expect(r.tasks[0].directReclaimNs).toBeGreaterThan(0);
  });
});

describe('memory.high (mem_cgroup_handle_over_high)', () => {
  it('reclaims while it helps instead of sleeping, and counts a high event per reclaim, not per page', () => {
    const pages = 6000;
    const { k, r } = growUnderHigh(pages);
    const capped = k.machine.memcg('/capped');
    // Pages charged over high number in the thousands; reclaim passes in the hundreds at most.
    expect(capped.events.high).toBeGreaterThan(0);
    expect(capped.events.high).toBeLessThan((pages - 1024) / 8);
    // Swap to zram keeps up: the group is held at memory.high without penalty sleeps.
    expect(r.counters.memcg_high_throttle).toBe(0);
    expect(r.counters.pswpout).toBeGreaterThan(pages - 1024 - 64);
  });
});

describe('memory.reclaim batches', () => {
  it('reclaim enforces a minimum of SWAP_CLUSTER_MAX per call, so a tiny request reclaims a batch', () => {
    const k = kernel();
    const pages = 4096;
    k.load({
      files: [{ name: 'data', pages }],
      memcgs: [{ path: '/app' }],
      proactive: [{ atNs: 100_000_000, memcg: '/app', pages: 8 }],
      tasks: [
        {
          name: 'reader',
          memcg: '/app',
          regions: [{ kind: 'file-fd', file: 0, pages }],
          source: generated((i) =>
            i < pages ? [OP_READ, 0, i] : i < pages + 4 ? [OP_THINK, 0, 100_000_000] : null,
          ),
        },
      ],
    });
    const r = k.run();
    expect(r.counters.proactive_reclaimed).toBeGreaterThanOrEqual(32);
    expect(r.counters.proactive_reclaimed).toBeLessThanOrEqual(64);
  });
});

describe('memory.reclaim on the root memcg is cgroup reclaim', () => {
  it('counts no global pgscan/pgsteal_direct, as cgroup_reclaim() is true for any target', () => {
    const k = kernel();
    const pages = 4096;
    k.load({
      files: [{ name: 'data', pages }],
      memcgs: [],
      // Read the file, then stay alive while memory.reclaim runs at 100 ms.
      proactive: [{ atNs: 100_000_000, memcg: '/', pages: 1024 }],
      tasks: [
        {
          name: 'reader',
          regions: [{ kind: 'file-fd', file: 0, pages }],
          source: generated((i) =>
            i < pages ? [OP_READ, 0, i] : i < pages + 4 ? [OP_THINK, 0, 100_000_000] : null,
          ),
        },
      ],
    });
    const r = k.run();
    expect(r.counters.pgsteal_file).toBeGreaterThanOrEqual(1024);
    expect(r.counters.pgsteal_direct + r.counters.pgsteal_kswapd).toBe(0);
    expect(r.counters.pgscan_direct + r.counters.pgscan_kswapd).toBe(0);
  });
});
