/**
 * `lru_gen_shrink_node` restarts sc->nr_reclaimed for kswapd around each
 * node pass, so `should_abort_scan` weighs only what this pass reclaimed
 * against kswapd's goal (the high watermark). Counting the whole balance
 * run instead ends every later pass after a single batch.
 */
import { ScanControl } from '@reclaim-lab/reclaim';
import { anonAndFileHolder } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';
import { mglruKernel } from './helpers.js';

describe('MGLRU kswapd node pass', () => {
  it('reclaims its goal in a pass even after earlier passes of the same run reclaimed more', () => {
    const k = mglruKernel(65_536, {}, {}, { untilNs: 5_000_000_000 });
    const fixture = anonAndFileHolder(20_000, 20_000);
    k.load({ files: fixture.files, memcgs: [], tasks: fixture.tasks() });
    k.run();
    // Take the rest of memory so the node stays under its high watermark while the pass runs.
    const zone = k.machine.nodes[0].zone;
    while (zone.free > 0) k.machine.allocFrame(0);
    const goal = 512;
    const sc = new ScanControl().reset('kswapd', null, 0, goal);
    sc.priority = 4;
    // What earlier passes of this balance run reclaimed.
    sc.nrReclaimed = 10_000;
    k.shrinkNode(sc, 0);
    const thisPass = sc.nrReclaimed - 10_000;
    expect(zone.free).toBeLessThan(zone.high);
    expect(thisPass).toBeGreaterThanOrEqual(goal);
  });
});
