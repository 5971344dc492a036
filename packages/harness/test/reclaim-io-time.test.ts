import { describe, expect, it } from 'vitest';
import { runScenario, validateScenario } from '../src/index.js';

/**
 * Reclaim takes the virtual time it costs, and the swap device works while
 * it runs: a write started a few batches ago completes (`folio_end_writeback`
 * rotates the folio to the LRU tail) before the next batch, and the block
 * layer's write throttle (blk-wbt) makes a reclaimer wait for the device
 * instead of queueing the whole memcg. So filling anon memory once into a
 * memcg writes to swap about the pages that had to leave, on every device.
 */
const MEMCG_PAGES = 16_384; // 64 MiB
const FILL_PAGES = 24_576; // 96 MiB
const MUST_LEAVE = FILL_PAGES - MEMCG_PAGES;

function fill(swapDevice: string, policy: string) {
  return runScenario(
    validateScenario({
      machine: { memory: '512MiB', swap: '1GiB', swapDevice, disk: 'nvme', swappiness: 60, pageCluster: 3 },
      workload: {
        name: 'fill',
        memcgs: [{ path: '/lab', max: '64MiB', swapMax: 'max' }],
        tasks: [
          {
            name: 'fill',
            memcg: '/lab',
            regions: [{ name: 'buf', kind: 'anon', size: '96MiB' }],
            phases: [{ name: 'fill', regions: 'buf', pattern: { kind: 'cyclic' }, writeFraction: 1 }],
          },
        ],
      },
      policy,
      seed: 1,
    }),
  );
}

describe('memcg reclaim on an asynchronous swap device writes what it frees', () => {
  for (const dev of ['zram', 'nvme', 'ssd', 'hdd'])
    for (const policy of ['lru', 'mglru'])
      it(`${policy} on ${dev}: pswpout within 5% of the pages that had to leave`, () => {
        const c = fill(dev, policy).counters;
        expect(c.oom_kill).toBe(0);
        expect(c.pgsteal_anon).toBeGreaterThanOrEqual(MUST_LEAVE);
        expect(c.pswpout).toBeGreaterThanOrEqual(c.pgsteal_anon);
        expect(c.pswpout).toBeLessThanOrEqual(MUST_LEAVE * 1.05);
        // A folio met again under writeback is not written again (nor activated by the hundred thousand).
        expect(c.pgactivate).toBeLessThan(MUST_LEAVE / 10);
      });
});

describe('dirty file pages under dirty-writeback', () => {
  for (const dev of ['nvme', 'hdd'])
    for (const policy of ['lru', 'mglru'])
      it(`${policy} on ${dev}: no page is written more often than it was dirtied`, () => {
        const r = runScenario(
          validateScenario({
            machine: { memory: '64MiB', swap: '64MiB', disk: dev, swapDevice: dev },
            workload: { id: 'dirty-writeback' },
            policy,
            seed: 1,
          }),
        );
        const c = r.counters;
        expect(c.pgsteal_file).toBeGreaterThan(0);
        expect(c.nr_written).toBeLessThanOrEqual(c.nr_dirtied);
        expect(c.nr_written).toBeGreaterThan(c.nr_dirtied * 0.9);
      });
});

describe('anon-swap: swap does not fill up with copies nobody needs', () => {
  it('lru finishes anon-swap without an OOM kill, reading pages back from swap', () => {
    // Before reclaim took its time, every write-back round wrote the whole LRU:
    // swap filled (pswpout = all of swap, pswpin 0) and the task was OOM-killed.
    const r = runScenario(
      validateScenario({
        machine: { memory: '64MiB' },
        workload: { id: 'anon-swap', params: { scale: 0.25 } },
        policy: 'lru',
        seed: 1,
      }),
    );
    expect(r.oomKills).toEqual([]);
    expect(r.counters.pswpin).toBeGreaterThan(0);
    expect(r.counters.workingset_refault_anon).toBeGreaterThan(0);
  });
});
