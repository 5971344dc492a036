/**
 * Memory tiering: reclaim on the fast node demotes to the slow node
 * (`demote_folio_list`, `can_demote`) while it has room and falls back to
 * swap when it has none; NUMA balancing in tiering mode (`numa_balancing=2`)
 * promotes a hot set, and the shifted one, back; the slow node's latency
 * shows in runtime. Demotion and promotion are the core's: every policy gets them.
 */

import { runScenario, validateScenario } from '@reclaim-lab/harness';
import {
  DEVICE_PRESETS,
  defaultMachineConfig,
  type MachineConfig,
  OP_LOAD,
  OP_STORE,
} from '@reclaim-lab/hw-model';
import { createLru } from '@reclaim-lab/policy-lru';
import { createMglru } from '@reclaim-lab/policy-mglru';
import { Kernel, type ReclaimOps, ScanControl } from '@reclaim-lab/reclaim';
import { anonAndFileHolder } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

const NODE = 4096;

/** Node 0 holding ~3,900 anon pages of one idle task, node 1 empty; then kswapd passes on node 0. */
function fastNodeReclaim(
  [policy, priority]: [ReclaimOps<unknown>, number],
  over: Partial<MachineConfig>,
  fillSlow = false,
) {
  const k = new Kernel({
    machine: defaultMachineConfig(2 * NODE, {
      nodePages: [NODE, NODE],
      swapDevice: DEVICE_PRESETS.zram,
      ...over,
    }),
    policy,
    seed: 2,
    untilNs: 5_000_000_000,
  });
  const fixture = anonAndFileHolder(3_900, 16);
  k.load({ files: fixture.files, memcgs: [], tasks: fixture.tasks() });
  k.run();
  const slow = k.machine.nodes[1];
  // A slow node with no room: frames taken down to its min watermark (held outside any LRU).
  if (fillSlow) while (slow.zone.free > slow.zone.min) k.machine.allocFrame(1);
  const slowFreeBefore = slow.zone.free;
  const c = k.world.counters;
  const swpout = c.get('pswpout');
  const stealAnon = c.get('pgsteal_anon');
  const stealFile = c.get('pgsteal_file');
  const scanAnon = c.get('pgscan_anon');
  for (let i = 0; i < 6; i++) {
    const sc = new ScanControl().reset('kswapd', null, 0, 256);
    sc.priority = priority;
    sc.mayWritepage = true;
    // Anon and file both in play (a 16-page file would otherwise be trimmed alone).
    sc.noCacheTrimMode = true;
    k.shrinkNode(sc, 0);
  }
  return {
    demoted: c.get('pgdemote_kswapd'),
    stealAnon: c.get('pgsteal_anon') - stealAnon,
    stealFile: c.get('pgsteal_file') - stealFile,
    swpout: c.get('pswpout') - swpout,
    failed: c.get('pgmigrate_fail'),
    slowGained: slowFreeBefore - slow.zone.free,
    scanAnon: c.get('pgscan_anon') - scanAnon,
  };
}

// LRU scans whole lists (priority 0): the first pass finds every folio referenced once, the next reclaim.
// MGLRU ages generations instead, and evicts at a kswapd priority.
const POLICIES: [string, () => [ReclaimOps<unknown>, number]][] = [
  ['lru', () => [createLru() as ReclaimOps<unknown>, 0]],
  ['mglru', () => [createMglru() as ReclaimOps<unknown>, 2]],
];

describe('demotion in shrink_folio_list (demote_folio_list, can_demote)', () => {
  for (const [name, policy] of POLICIES) {
    it(`${name}: the fast node's reclaim demotes instead of swapping while the slow node has room`, () => {
      const tiered = fastNodeReclaim(policy(), { demotionTarget: [1, -1] });
      expect(tiered.demoted).toBeGreaterThan(100);
      // Every page reclaimed from the fast node went down a tier (the 16 file pages too); none to swap.
      expect(tiered.demoted).toBe(tiered.stealAnon + tiered.stealFile);
      expect(tiered.swpout).toBe(0);
      expect(tiered.slowGained).toBe(tiered.demoted);
      // The same machine without a demotion target swaps the same folios out.
      const flat = fastNodeReclaim(policy(), {});
      expect(flat.demoted).toBe(0);
      expect(flat.swpout).toBeGreaterThan(100);
    });

    it(`${name}: with the slow node at its min watermark, migration fails and reclaim falls back to swap`, () => {
      const full = fastNodeReclaim(policy(), { demotionTarget: [1, -1] }, true);
      expect(full.demoted).toBe(0);
      expect(full.failed).toBeGreaterThan(0);
      expect(full.swpout).toBeGreaterThan(100);
      // One failed demotion ends the demotion pass of its batch (`do_demote_pass`): the rest go to swap untried.
      expect(full.failed).toBeLessThan(full.swpout / 8);
    });

    it(`${name}: with the slow node full and no swap, the fast node's anon is not scanned for demotions that cannot happen`, () => {
      const stuck = fastNodeReclaim(policy(), { demotionTarget: [1, -1], swapPages: 0 }, true);
      expect(stuck.demoted).toBe(0);
      // Only the file's batch tries a demotion: one fails, and the rest of that batch is dropped untried.
      expect(stuck.failed).toBeLessThanOrEqual(1);
      expect(stuck.scanAnon).toBe(0);
    });

    it(`${name}: with no swap at all, the fast node's cold anon is demoted to the slow node (can_reclaim_anon_pages, get_swappiness)`, () => {
      // LRU's get_scan_count and MGLRU's get_swappiness both count a demotion target as a place for anon.
      const room = fastNodeReclaim(policy(), { demotionTarget: [1, -1], swapPages: 0 });
      expect(room.scanAnon).toBeGreaterThan(100);
      expect(room.demoted).toBeGreaterThan(100);
      expect(room.demoted).toBe(room.stealAnon + room.stealFile);
      expect(room.slowGained).toBe(room.demoted);
      expect(room.failed).toBe(0);
      // Without the demotion target the same machine has nowhere to put anon: none is even scanned.
      const flat = fastNodeReclaim(policy(), { swapPages: 0 });
      expect(flat.scanAnon).toBe(0);
      expect(flat.stealAnon).toBe(0);
    });
  }

  it('fifo (no get_scan_count of its own): a two-tier machine with no swap and the slow node filling up fails a demotion about once per batch, not once per folio', async () => {
    const { createFifo } = await import('@reclaim-lab/policy-fifo');
    const { generated } = await import('@reclaim-lab/reclaim/testing');
    const k = new Kernel({
      machine: defaultMachineConfig(256, { nodePages: [128, 128], swapPages: 0, demotionTarget: [1, -1] }),
      policy: createFifo() as ReclaimOps<unknown>,
      seed: 1,
    });
    const pages = 120;
    k.load({
      files: [],
      memcgs: [],
      tasks: [
        {
          name: 'slow-filler',
          node: 1,
          regions: [{ kind: 'anon', pages: 124 }],
          source: generated((i) => (i < 124 ? [OP_STORE, 0, i] : i < 20_000 ? [OP_LOAD, 0, i % 124] : null)),
        },
        {
          name: 'hog',
          regions: [{ kind: 'anon', pages }],
          source: generated((i) =>
            i < 4000 ? [i % 7 === 6 ? OP_LOAD : OP_STORE, 0, (i * 97) % pages] : null,
          ),
        },
      ],
    });
    const r = k.run();
    k.checkInvariants('end of run');
    const scanned = r.counters.pgscan_anon + r.counters.pgscan_file;
    expect(scanned).toBeGreaterThan(0);
    // Before: 1,100 failed migrations for 2,036 folios scanned (each scan of a fast-node folio failed again).
    expect(r.counters.pgmigrate_fail * 16).toBeLessThan(scanned);
  });
});

/** The numa-tiering preset on a 32 MiB machine: two nodes, node 1 three times slower and node 0's demotion target. */
function tieringRun(policy: string, numaBalancing: 0 | 2) {
  return runScenario(
    validateScenario(
      {
        machine: {
          memory: '32MiB',
          nodes: 2,
          swap: '32MiB',
          swapDevice: 'zram',
          nodeLatency: [1, 3],
          nodeBandwidthMBps: [20000, 8000],
          demotionTarget: [1, -1],
          numaBalancing,
          numaScanPeriodMs: 2,
          watermarkScaleFactor: 100,
        },
        // Long hot phases (300 × memory each), so the promoted hot sets pay back the promotion.
        workload: { id: 'numa-tiering', params: { accesses: 300 } },
        policy,
        seed: 1,
      },
      'tiering test',
    ),
  );
}

describe('the numa-tiering preset: promotion by NUMA hint faults (numa_balancing=2)', () => {
  for (const policy of ['lru', 'mglru']) {
    it(`${policy}: promotes hot set A, then the shifted set B; demotes the cold bulk instead of swapping it`, () => {
      const r = tieringRun(policy, 2);
      const hotPages = Math.floor(0.12 * 8192);
      const phase = (name: string) => r.phases!.find((p) => p.phase === name)!.vmstat;
      // The hot sets were written after the bulk filled the fast node: they start on the slow one.
      expect(phase('hot-A').pgpromote_success).toBeGreaterThan(0.8 * hotPages);
      expect(phase('hot-B').pgpromote_success).toBeGreaterThan(0.8 * hotPages);
      expect(r.counters.pgpromote_candidate).toBeGreaterThanOrEqual(r.counters.pgpromote_success);
      expect(r.counters.pgdemote_kswapd).toBeGreaterThan(hotPages);
      expect(r.counters.pswpout).toBe(0);
    });
  }

  it('runtime shows placement: the hot sets left on the slow node (numa_balancing=0) cost far more', () => {
    const good = tieringRun('mglru', 2);
    const bad = tieringRun('mglru', 0);
    expect(bad.counters.pgpromote_success).toBe(0);
    expect(bad.counters.numa_hint_faults).toBe(0);
    const runtime = (r: typeof good) => r.tasks[0].runtimeNs;
    expect(runtime(good)).toBeLessThan(0.8 * runtime(bad));
  });

  it('a bad tiering config is one line naming the field', () => {
    const bad = (machine: Record<string, unknown>) => () =>
      validateScenario({ machine: { memory: '32MiB', nodes: 2, ...machine }, workload: 'numa-tiering' }, 't');
    expect(() => runScenario(bad({ demotionTarget: [1] })())).toThrow(
      'machine.demotionTarget: one value per node (machine.nodes is 2), got 1',
    );
    expect(() => runScenario(bad({ demotionTarget: [1, 0] })())).toThrow(/demotes in a cycle/);
    expect(() => runScenario(bad({ numaBalancing: 2 })())).toThrow(/numaBalancing: 2 .*demotionTarget/);
  });
});
