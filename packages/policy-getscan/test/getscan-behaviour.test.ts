import { defaultMachineConfig, OP_READ, OP_THINK, Rng, type TaskSpec } from '@reclaim-lab/hw-model';
import { createGetScan } from '@reclaim-lab/policy-getscan';
import { Kernel, type ReclaimOps } from '@reclaim-lab/reclaim';
import { generated } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

const MEM = 4096;

function run(policy: ReclaimOps<unknown>, tasks: TaskSpec[], files: { name: string; pages: number }[]) {
  const k = new Kernel({ machine: defaultMachineConfig(MEM), policy, seed: 19 });
  k.load({ files, memcgs: [], tasks });
  const r = k.run();
  k.checkInvariants('end of run');
  return { k, r };
}

describe('GET-SCAN, pinned behaviours', () => {
  it('protects point lookups from a concurrent scan: the scan pays, the gets do not', () => {
    // A key-value store: one thread serves random gets over a table, another
    // range-scans a larger file (three times) at the same time.
    const table = Math.floor(MEM * 0.5);
    const scan = MEM * 2;
    const tasks = (): TaskSpec[] => {
      const rng = new Rng(4);
      return [
        {
          name: 'gets',
          regions: [{ kind: 'file-fd', file: 0, pages: table }],
          source: generated((i) =>
            i < table * 16 ? (i % 2 ? [OP_THINK, 0, 4_000] : [OP_READ, 0, rng.int(table)]) : null,
          ),
        },
        {
          name: 'scan',
          regions: [{ kind: 'file-fd', file: 1, pages: scan }],
          source: generated((i) => (i < scan * 3 ? [OP_READ, 0, i % scan] : null)),
          startNs: 10_000_000,
        },
      ];
    };
    const files = [
      { name: 'table', pages: table },
      { name: 'scan', pages: scan },
    ];
    // The gets alone: their cold start.
    const lone = run(createGetScan(), tasks().slice(0, 1), files).r.tasks[0];
    const alone = lone.majorFaults + lone.readMisses;
    const gs = run(createGetScan(), tasks(), files);
    const fifo = run({ name: 'fifo-by-default' }, tasks(), files);
    expect(gs.r.tasks[1].finished).toBe(true);
    expect(gs.r.tasks[0].majorFaults + gs.r.tasks[0].readMisses).toBeLessThan(alone * 1.1);
    // FIFO lets the scan flush the table. (Readahead of the cached run
    // before a missed get, `page_cache_sync_ra`'s context readahead, wins
    // some of it back, so the gap is smaller than the evictions.)
    expect(fifo.r.tasks[0].majorFaults + fifo.r.tasks[0].readMisses).toBeGreaterThan(alone * 1.2);
    // Scan pages went through their own list; only the head of a stream, before it
    // looks sequential, can pass for gets.
    const lists = gs.k.world.lists;
    let scanOnGet = 0;
    for (const p of gs.k.machine.files[1].cache)
      if (p !== 0 && lists.name(lists.listOf[p - 1]) === 'getscan:get') scanOnGet++;
    expect(scanOnGet).toBeLessThanOrEqual(32);
  });
});
