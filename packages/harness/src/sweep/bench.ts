import { validateScenario } from '../scenario.js';
import { cellId } from './cell.js';
import { createCellRunner } from './pool.js';
import { executeCells, type PlannedTask } from './run.js';

const WARMUP_CELLS = 6;

export interface ThroughputOptions {
  /** Preset id (default "zipf-anon"). */
  workload?: string;
  /** Machine memory (default "16MiB"). */
  memory?: string;
  /** The preset's `scale` (default 0.05): about 0.2 s of simulation per cell. */
  scale?: number;
  policy?: string;
  /**
   * Cells each worker runs before the measured ones (default 6). A worker's
   * JIT keeps improving over its first few dozen cells; a steady-state
   * figure needs about 48.
   */
  warmupCells?: number;
}

export interface Throughput {
  cellsPerSec: number;
  workers: number;
  cells: number;
  /** Starting the workers and their warm-up cells; not part of cellsPerSec. */
  startupMs: number;
  /** Wall time of the measured cells. */
  wallMs: number;
  /**
   * CPU time per measured cell, of all this process's threads: the built
   * harness's workers are threads (from sources they are child processes,
   * not counted). Two workers that each spend more per cell than one alone
   * are slowed by what they share (caches, memory, the cores' other jobs).
   */
  cpuMsPerCell: number;
  /** The share of the measured wall time this thread was busy: the sweep's serial part (results, bookkeeping). */
  mainBusy: number;
}

/**
 * Sweep throughput on a pool of `workers` (0 = this thread): `cells` small
 * cells (seeds 1..cells of one scenario) after `warmupCells` per worker,
 * so that worker start-up and JIT warm-up are reported apart from the steady rate.
 */
export async function measureSweepThroughput(
  workers: number,
  cells: number,
  options: ThroughputOptions = {},
): Promise<Throughput> {
  const base = validateScenario(
    {
      workload: options.workload ?? 'zipf-anon',
      machine: { memory: options.memory ?? '16MiB' },
      params: { scale: options.scale ?? 0.05 },
      policy: options.policy ?? 'lru',
    },
    'measureSweepThroughput',
  );
  const tasks = Array.from({ length: cells }, (_, i): PlannedTask => {
    const scenario = { ...base, seed: i + 1 };
    return { id: cellId({ scenario }), label: `seed ${i + 1}`, scenario };
  });
  const runner = createCellRunner({ workers });
  try {
    const t0 = performance.now();
    // Several warm-up cells per worker: each worker process warms its own JIT, and the
    // first cells run up to 5x slower than later ones, which would swamp a short sweep.
    const lanes = Math.max(1, workers);
    const warmup = options.warmupCells ?? WARMUP_CELLS;
    await Promise.all(
      Array.from({ length: lanes }, async (_, lane) => {
        for (let i = 0; i < warmup; i++)
          await runner.run({ scenario: { ...base, seed: 1_000_000 + lane * warmup + i } });
      }),
    );
    const t1 = performance.now();
    const cpu0 = process.cpuUsage();
    const loop0 = performance.eventLoopUtilization();
    const r = await executeCells(tasks, { runner });
    const t2 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    const loop = performance.eventLoopUtilization(loop0);
    if (r.failed.length > 0)
      throw new Error(`measureSweepThroughput: ${r.failed[0].label}: ${r.failed[0].message}`);
    return {
      cellsPerSec: cells / ((t2 - t1) / 1000),
      workers,
      cells,
      startupMs: t1 - t0,
      wallMs: t2 - t1,
      cpuMsPerCell: (cpu.user + cpu.system) / 1000 / cells,
      // The loop-utilisation clock and performance.now() differ by a little: a share, at most 1.
      mainBusy: Math.min(1, loop.active / (t2 - t1)),
    };
  } finally {
    await runner.close();
  }
}
