/**
 * Benches of parts that ship on their own schedule (trace replay, sweeps,
 * page-table walks). Each is looked up by name so the bench runs with
 * whatever the tree has, and says what it skipped.
 */

import { fileURLToPath } from 'node:url';
import { defaultMachineConfig, OP_STORE, PTE_YOUNG } from '@reclaim-lab/hw-model';
import { PageTableWalker } from '@reclaim-lab/mechanisms';
import { Kernel, type ReclaimOps } from '@reclaim-lab/reclaim';
import type { BigFigures } from './big-process.js';

function lruOps(): ReclaimOps<unknown> {
  // Any policy will do: the walk is a mechanism; the kernel needs one attached.
  return { name: 'walk-bench' };
}

interface ReplayFigures {
  requestsPerSec: number;
  coldPerSec: number;
  runs: number[];
  missRatio: number;
  bareLoopPerSec: number;
}

/**
 * `benchTraceReplay` in a process of its own (see replay-process.ts); the
 * bare loop it compares with runs there too. Under tsx (this file run as
 * .ts) there is no compiled script to start, so it runs here, after the
 * other benches.
 */
async function replayAlone(
  requests: number,
  inProcess: (n: number) => Promise<ReplayFigures>,
): Promise<ReplayFigures> {
  if (!import.meta.url.endsWith('.js')) return inProcess(requests);
  const { execFile } = await import('node:child_process');
  const script = fileURLToPath(new URL('./replay-process.js', import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script, String(requests)], { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`the replay bench's process failed: ${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as ReplayFigures);
    });
  });
}

/**
 * Peak memory of a big kernel-mode run (`big-process.ts`, a process of its
 * own; RECLAIM_LAB_BENCH_BIG_GIB, default 64, and RECLAIM_LAB_BENCH_BIG_SCALE,
 * the preset's run length, default 0.05): bytes of peak RSS per simulated
 * page, and where they went. Skipped under tsx (no compiled script to start).
 */
async function bigMachineRow(): Promise<BenchRow> {
  const gib = Number(process.env.RECLAIM_LAB_BENCH_BIG_GIB ?? 64);
  const scale = Number(process.env.RECLAIM_LAB_BENCH_BIG_SCALE ?? 0.05);
  const what = `kernel mode, zipf-anon at ${gib} GiB: peak RSS per simulated page`;
  if (!import.meta.url.endsWith('.js'))
    return { what, value: '-', target: '≤ 64 B', note: 'skipped under tsx: run pnpm bench' };
  const { execFile } = await import('node:child_process');
  const script = fileURLToPath(new URL('./big-process.js', import.meta.url));
  const f = await new Promise<BigFigures>((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', script, String(gib), String(scale)],
      { maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`the big-machine bench's process failed: ${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as BigFigures);
      },
    );
  });
  const per = (bytes: number) => (bytes / f.pages).toFixed(1);
  const typed = Object.entries(f.typed)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${per(v)}`)
    .join(', ');
  const typedSum = Object.values(f.typed).reduce((a, b) => a + b, 0);
  return {
    what,
    value: `${per(f.peakRss)} B`,
    target: '≤ 64 B',
    note: `${(f.peakRss / 2 ** 30).toFixed(2)} GiB peak, ${f.seconds.toFixed(0)} s (scale ${f.scale}); typed arrays ${per(typedSum)} B/page (${typed}), all ArrayBuffers ${per(f.arrayBuffers)}, JS heap committed ${per(f.heapTotal)} (live ${f.heapLive < 0 ? '?' : per(f.heapLive)}), node before the machine ${per(f.startRss)}; ${f.policyExits.length === 0 ? 'no policy ejected' : `EJECTED: ${f.policyExits.join('; ')}`}`,
  };
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
  const k = new Kernel({
    machine: defaultMachineConfig(pages + 65536, { swapPages: 0 }),
    policy: lruOps(),
    seed: 1,
  });
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
  const params = {
    lruvec: lv.id,
    swappiness: 60,
    forceScan: true,
    clearNonleafYoung: false,
    bloom: null,
    seq: 0,
    markDirty: null,
  };
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
  return {
    what: 'page-table walk: wall ns per PTE (full walk)',
    value: ns.toFixed(2),
    target: '',
    note: `${visited} PTEs visited, all young, median of 5`,
  };
}

/** Wall time of `n` concurrent node processes each running the same loop: how far this machine's cores scale. */
async function parallelSpin(n: number, code: string): Promise<number> {
  const { spawn } = await import('node:child_process');
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<void>((resolve, reject) =>
          spawn(process.execPath, ['-e', code], { stdio: 'ignore' }).on('exit', (c) =>
            c === 0 ? resolve() : reject(new Error(`spin exited ${c}`)),
          ),
        ),
    ),
  );
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

export async function extraBenches(scale: number): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  // Calibration for the sweep figures: an ALU-only loop and a loop over a 64 MiB typed array, in 1 and 2 processes.
  const alu = 'let x=0;for(let i=0;i<1e9;i++)x+=i&7;if(x<0)console.log(x)';
  const mem =
    'const a=new Int32Array(1<<24);let x=0;for(let r=0;r<8;r++)for(let i=0;i<a.length;i++){const j=(i*2654435761)>>>8;x+=a[j&(a.length-1)]++}if(x<0)console.log(x)';
  const aluScale = (2 * (await parallelSpin(1, alu))) / (await parallelSpin(2, alu));
  const memScale = (2 * (await parallelSpin(1, mem))) / (await parallelSpin(2, mem));
  rows.push({
    what: 'machine: 2 processes vs 1, ALU loop',
    value: `${aluScale.toFixed(2)}×`,
    target: '',
    note: 'throughput ratio; 2.00× = two independent cores',
  });
  rows.push({
    what: 'machine: 2 processes vs 1, memory-bound loop',
    value: `${memScale.toFixed(2)}×`,
    target: '',
    note: 'what a memory-bound simulator can expect from 2 workers',
  });
  const harness = (await import('@reclaim-lab/harness')) as Record<string, unknown>;
  const fmt = (x: number) =>
    x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(2);
  const replay = harness.benchTraceReplay as ((requests: number) => Promise<ReplayFigures>) | undefined;
  if (replay) {
    const r = await replayAlone(Math.round(10_000_000 * scale), replay);
    // The VM's speed drifts between runs: the bare loop, run in the same process, says how fast it was.
    rows.push({
      what: 'trace replay: ideal-mode exact-lru requests/s',
      value: fmt(r.requestsPerSec),
      target: '≥ 20 M',
      note: `${Math.round(10 * scale)} M-request Zipf trace${import.meta.url.endsWith('.js') ? ', in a process of its own' : ''}, ${(100 * r.missRatio).toFixed(1)}% misses; median of ${r.runs.length} after a warm-up run (best ${fmt(Math.max(...r.runs))}; the first, cold run ${fmt(r.coldPerSec)}); ${(r.requestsPerSec / r.bareLoopPerSec).toFixed(2)}× a bare typed-array LRU (${fmt(r.bareLoopPerSec)})`,
    });
  } else
    rows.push({
      what: 'trace replay',
      value: '-',
      target: '≥ 20 M',
      note: 'skipped: benchTraceReplay not in this tree',
    });
  const sweep = harness.measureSweepThroughput as
    | ((
        workers: number,
        cells: number,
        o: { scale: number; warmupCells?: number },
      ) => Promise<{ cellsPerSec: number; cpuMsPerCell?: number; mainBusy?: number }>)
    | undefined;
  if (sweep) {
    // Cells of ~25 ms of simulation, 192 of them after 48 warm-up cells a worker: a worker's JIT
    // keeps improving over its first few dozen cells, and each worker warms its own, so with 6
    // warm-up cells and 32 measured the ratio read 1.25-1.65x where a 768-cell sweep ran 1.81-1.96x.
    // Two pairs, alternating, so a drift of the VM shows as a spread.
    const cells = Math.max(48, Math.round(192 * scale));
    const pairs: { one: number; two: number; mainBusy: number; cores: number; contention: number }[] = [];
    for (let i = 0; i < 2; i++) {
      const one = await sweep(1, cells, { scale: 0.5, warmupCells: 48 });
      const two = await sweep(2, cells, { scale: 0.5, warmupCells: 48 });
      // CPU per cell covers every thread of the process: one worker's V8 compiles and collects
      // on the spare core, so one worker is already more than one core busy.
      const cpuOne = one.cpuMsPerCell ?? Number.NaN;
      const cpuTwo = two.cpuMsPerCell ?? Number.NaN;
      pairs.push({
        one: one.cellsPerSec,
        two: two.cellsPerSec,
        mainBusy: two.mainBusy ?? 0,
        cores: (cpuOne * one.cellsPerSec) / 1000,
        contention: cpuTwo / cpuOne,
      });
    }
    const ratios = pairs.map((p) => p.two / p.one);
    rows.push({
      what: 'sweep: cells/s, 1 worker',
      value: pairs.map((p) => fmt(p.one)).join(' / '),
      target: '',
      note: `${cells} cells after 48 warm-up cells a worker, two runs; cores busy ${pairs.map((p) => p.cores.toFixed(2)).join(' / ')}`,
    });
    rows.push({
      what: 'sweep: cells/s, 2 workers',
      value: pairs.map((p) => fmt(p.two)).join(' / '),
      target: '',
      note: `${ratios.map((r) => `${r.toFixed(2)}×`).join(' / ')} one worker (target 1.8×); CPU per cell ${pairs
        .map((p) => `${p.contention.toFixed(2)}×`)
        .join(' / ')} alone's; main thread busy ${pairs
        .map((p) => `${(100 * p.mainBusy).toFixed(1)}%`)
        .join(' / ')} of the time`,
    });
  } else
    rows.push({
      what: 'sweep throughput',
      value: '-',
      target: '',
      note: 'skipped: measureSweepThroughput not in this tree',
    });
  rows.push(benchPageTableWalk());
  rows.push(await bigMachineRow());
  return rows;
}
