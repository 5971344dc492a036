/**
 * shrink_lruvec's proportional stop: once a kswapd or memcg pass has
 * reclaimed what it was asked for, the smaller of anon and file stops and
 * the larger is cut to the same fraction of its target — one nudge, after
 * which the loop ends ("mm: vmscan: fix extreme overreclaim and swap
 * floods", v6.0). Scanning the larger type to the end of its rescaled
 * target instead reclaims many times the goal at low priorities.
 */
import { DEVICE_PRESETS, defaultMachineConfig } from '@reclaim-lab/hw-model';
import { createLru } from '@reclaim-lab/policy-lru';
import { Kernel, ScanControl, SWAP_CLUSTER_MAX } from '@reclaim-lab/reclaim';
import { anonAndFileHolder } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

/** A machine holding 20k anon and 20k file pages of one live task, nothing reclaimed yet. */
function loaded(): Kernel {
  const k = new Kernel({
    machine: defaultMachineConfig(65_536, { swapDevice: DEVICE_PRESETS.zram }),
    policy: createLru(),
    seed: 3,
    untilNs: 5_000_000_000,
  });
  const fixture = anonAndFileHolder(20_000, 20_000);
  k.load({ files: fixture.files, memcgs: [], tasks: fixture.tasks() });
  k.run();
  return k;
}

describe('proportional reclaim in shrink_lruvec', () => {
  it('a kswapd pass at low priority stops within a batch of its goal instead of draining the larger list', () => {
    const k = loaded();
    const lv = k.world.lruvecs[0];
    expect(lv.nrPages[0]).toBeGreaterThan(15_000);
    expect(lv.nrPages[1]).toBeGreaterThan(15_000);
    const goal = 64;
    const sc = new ScanControl().reset('kswapd', null, 0, goal);
    sc.priority = 2;
    // Both types in play: not cache-trim mode (which would scan file alone).
    sc.noCacheTrimMode = true;
    const anonScanned = k.world.counters.get('pgscan_anon');
    k.shrinkNode(sc, 0);
    expect(k.world.counters.get('pgscan_anon')).toBeGreaterThan(anonScanned);
    // Targets at priority 2 are thousands of pages per list; the goal is 64.
    // After the nudge one more batch of the larger type, then the loop ends.
    expect(sc.nrReclaimed).toBeGreaterThanOrEqual(goal);
    expect(sc.nrReclaimed).toBeLessThanOrEqual(goal + 2 * SWAP_CLUSTER_MAX);
  });

  it('counts each folio handed to shrink_folio_list once in sc.nr_scanned', () => {
    // kswapd raises its priority on sc.nr_scanned (kswapd_shrink_node); counting
    // at isolation as well would halve the scanning it asks for.
    const k = loaded();
    const sc = new ScanControl().reset('kswapd', null, 0, 64);
    sc.priority = 2;
    sc.noCacheTrimMode = true;
    const before = k.world.counters.get('pgscan_kswapd');
    k.shrinkNode(sc, 0);
    const isolated = k.world.counters.get('pgscan_kswapd') - before;
    expect(isolated).toBeGreaterThan(0);
    expect(sc.nrScanned).toBe(isolated);
  });
});
