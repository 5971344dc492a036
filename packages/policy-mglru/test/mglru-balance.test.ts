/**
 * `mglru:balance=pid|cost`: which type `isolate_folios` takes from — the
 * refault controller's `get_type_to_scan` (kernel) or the classic LRU's
 * `get_scan_count` fractions of the costs `lru_note_cost` records.
 */
import { DEVICE_PRESETS, OP_LOAD, OP_READ, OP_STORE } from '@reclaim-lab/hw-model';
import { costWeights, typeByWeights } from '@reclaim-lab/mechanisms';
import { createMglru, type MglruBalance } from '@reclaim-lab/policy-mglru';
import { generated, runWithPolicy } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

const MEM = 2048;

/** An anon set and a file, each the size of memory, touched in turn at random-ish offsets. */
function mixed(balance: MglruBalance) {
  const { k, r } = runWithPolicy(
    createMglru({ balance }) as never,
    [
      {
        name: 't',
        regions: [
          { kind: 'anon', pages: MEM },
          { kind: 'file-fd', file: 0, pages: MEM },
        ],
        source: generated((i) =>
          i < MEM
            ? [OP_STORE, 0, i]
            : i < MEM * 6
              ? i % 2
                ? [OP_LOAD, 0, (i * 7) % MEM]
                : [OP_READ, 1, (i * 13) % MEM]
              : null,
        ),
      },
    ],
    [{ name: 'f', pages: MEM }],
    // zram's pool left out (zramRatio 0): its frames would shrink this small machine, and the test is
    // about which type reclaim takes, not about how much memory is left.
    { memoryPages: MEM, seed: 3, machine: { swapDevice: DEVICE_PRESETS.zram, zramRatio: 0 } },
  );
  const lv = k.world.lruvec(k.machine.rootMemcg, 0);
  return { c: r.counters, cost: lv.anonCost + lv.fileCost };
}

describe('mglru:balance', () => {
  it('the shared cost fractions: equal costs weigh anon:file as swappiness:(200 - swappiness); isolations follow the weights', () => {
    const w = new Float64Array(2);
    costWeights(0, 0, 60, w);
    expect([...w]).toEqual([60, 140]);
    // Costly anon (say it refaults) shifts the weight to file.
    costWeights(1000, 0, 60, w);
    expect(w[0] / w[1]).toBeLessThan(60 / 140);
    expect(typeByWeights([0, 0], 60, 140)).toBe(0);
    expect(typeByWeights([3, 7], 60, 140)).toBe(0);
    expect(typeByWeights([4, 7], 60, 140)).toBe(1);
  });

  it('pid (kernel) notes no cost; cost notes what shrink_folio_list did and splits reclaim differently', () => {
    const pid = mixed('pid');
    const cost = mixed('cost');
    expect(pid.cost).toBe(0);
    expect(cost.cost).toBeGreaterThan(0);
    // File refaults a lot here: the controller sends more pressure to anon than the cost fractions do.
    expect(pid.c.pgsteal_anon).toBeGreaterThan(cost.c.pgsteal_anon);
    expect(pid.c.pgsteal_anon + pid.c.pgsteal_file).toBeGreaterThan(0);
  });
});
