/**
 * Benches of parts that ship on their own schedule (trace replay, sweeps,
 * page-table walks). Each is looked up by name so the bench runs with
 * whatever the tree has, and says what it skipped.
 */
import { defaultMachineConfig, OP_STORE, PTE_YOUNG } from '@reclaim-lab/hw-model';
import { PageTableWalker } from '@reclaim-lab/mechanisms';
import { Kernel, type ReclaimOps } from '@reclaim-lab/reclaim';

function lruOps(): ReclaimOps<unknown> {
  // Any policy will do: the walk is a mechanism; the kernel needs one attached.
  return { name: 'walk-bench' };
}

export interface BenchRow {
  what: string;
  value: string;
  target: string;
  note: string;
}

/**
 * A full page-table walk (`walk_mm` with force_scan, no Bloom filter) over a
 * task whose pages are all resident and young: wall time per PTE visited.
 */
function benchPageTableWalk(): BenchRow {
  const pages = 1 << 20;
  const k = new Kernel({ machine: defaultMachineConfig(pages + 65536, { swapPages: 0 }), policy: lruOps(), seed: 1 });
  let i = 0;
  k.load({
    files: [],
    memcgs: [],
    tasks: [
      {
        name: 'mapped',
        regions: [{ kind: 'anon', pages }],
        source: {
          fill(chunk) {
            chunk.length = 0;
            while (i < pages && chunk.length < chunk.capacity) chunk.push(OP_STORE, 0, i++);
            return chunk.length;
          },
        },
      },
    ],
  });
  k.run();
  // run() ends the task and unmaps it; map it again by hand with every PTE young.
  const mm = k.world.mms[0];
  const lv = k.world.lruvec(k.machine.rootMemcg, 0);
  const walker = new PageTableWalker(k.world);
  const params = { lruvec: lv.id, swappiness: 60, forceScan: true, clearNonleafYoung: false, bloom: null, seq: 0, markDirty: null };
  mm.exited = false;
  for (const v of mm.vmas) v.mapped = true;
  const times: number[] = [];
  let visited = 0;
  for (let rep = 0; rep < 5; rep++) {
    for (let vpn = 0; vpn < pages; vpn++) {
      mm.pte[vpn] = (vpn % (pages + 65536)) + 1;
      mm.pteBits[vpn] = PTE_YOUNG;
    }
    const t0 = process.hrtime.bigint();
    const stats = walker.walkMm(mm, params, () => {});
    times.push(Number(process.hrtime.bigint() - t0));
    visited = stats.ptes;
  }
  times.sort((a, b) => a - b);
  const ns = times[2] / Math.max(1, visited);
  return { what: 'page-table walk: wall ns per PTE (full walk)', value: ns.toFixed(2), target: '', note: `${visited} PTEs visited, all young, median of 5` };
}

export async function extraBenches(scale: number): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const harness = (await import('@reclaim-lab/harness')) as Record<string, unknown>;
  const fmt = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(2));
  const replay = harness.benchTraceReplay as ((requests: number) => Promise<{ requestsPerSec: number }>) | undefined;
  if (replay) {
    const r = await replay(Math.round(10_000_000 * scale));
    rows.push({ what: 'trace replay: ideal-mode exact-lru requests/s', value: fmt(r.requestsPerSec), target: '≥ 20 M', note: `${Math.round(10 * scale)} M-request trace` });
  } else rows.push({ what: 'trace replay', value: '-', target: '≥ 20 M', note: 'skipped: benchTraceReplay not in this tree' });
  const sweep = harness.measureSweepThroughput as ((workers: number, cells: number) => Promise<{ cellsPerSec: number }>) | undefined;
  if (sweep) {
    const cells = Math.max(4, Math.round(8 * scale));
    const one = await sweep(1, cells);
    const two = await sweep(2, cells);
    rows.push({ what: 'sweep: cells/s, 1 worker', value: fmt(one.cellsPerSec), target: '', note: '' });
    rows.push({ what: 'sweep: cells/s, 2 workers', value: fmt(two.cellsPerSec), target: '', note: `${(two.cellsPerSec / one.cellsPerSec).toFixed(2)}× one worker` });
  } else rows.push({ what: 'sweep throughput', value: '-', target: '', note: 'skipped: measureSweepThroughput not in this tree' });
  rows.push(benchPageTableWalk());
  return rows;
}
