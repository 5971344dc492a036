/**
 * Benches of parts that ship on their own schedule (trace replay, sweeps,
 * page-table walks). Each is looked up by name so the bench runs with
 * whatever the tree has, and says what it skipped.
 */
export interface BenchRow {
  what: string;
  value: string;
  target: string;
  note: string;
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
  const mech = (await import('@reclaim-lab/mechanisms')) as Record<string, unknown>;
  const walk = mech.benchPageTableWalk as ((pages: number) => { nsPerPte: number }) | undefined;
  if (walk) {
    const r = walk(Math.round(1 << 20));
    rows.push({ what: 'page-table walk: wall ns per PTE (full walk)', value: r.nsPerPte.toFixed(2), target: '', note: '1 Mi PTEs, all young' });
  } else rows.push({ what: 'page-table walk cost', value: '-', target: '', note: 'skipped: benchPageTableWalk not in this tree' });
  return rows;
}
