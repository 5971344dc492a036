import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../report/write.js';
import { type CellTask, cellFileText, parseCellFile } from './cell.js';
import { type CellRunner, createCellRunner, defaultWorkers } from './pool.js';
import { type Shard, shardCells } from './shard.js';
import { SWEEP_SCHEMA, type SweepAxisInfo, SweepError, type SweepPlan } from './spec.js';

/** A cell to run: the task, its id (the file name) and a label for progress and errors. */
export interface PlannedTask extends CellTask {
  id: string;
  label: string;
}

export interface SweepProgress {
  /** Cells in this run (the shard's cells). */
  total: number;
  /** ran + skipped + failed. */
  done: number;
  ran: number;
  /** Already on disk, so not run again. */
  skipped: number;
  failed: number;
  elapsedMs: number;
  /** Over the cells run so far (skipped cells excluded); undefined before the first. */
  cellsPerSec: number | undefined;
  etaMs: number | undefined;
  /** The cell that just finished. */
  last?: string;
}

export interface CellFailure {
  id: string;
  label: string;
  message: string;
}

export interface ExecuteOptions {
  /** Worker processes or threads (default: one per core); 0 = in this thread. Ignored when `runner` is given. */
  workers?: number;
  /** A runner to reuse; it is left open. */
  runner?: CellRunner;
  /** Write each finished cell to `dir/cells/<id>.json` (temp file + rename). */
  dir?: string;
  /** Skip cells whose file is already in `dir` (default true). */
  resume?: boolean;
  /** Stop starting cells; cells in flight are abandoned (their files are never written, let alone half-written). */
  signal?: AbortSignal;
  onProgress?: (p: SweepProgress) => void;
}

export interface ExecuteResult {
  /** Cell file text by id, for every cell that ran or was found on disk. */
  texts: Map<string, string>;
  ran: number;
  skipped: number;
  failed: CellFailure[];
  aborted: boolean;
}

export const CELLS_DIR = 'cells';

export function cellPath(dir: string, id: string): string {
  return join(dir, CELLS_DIR, `${id}.json`);
}

/** Ids of the complete cell files in `dir/cells` (temp files from a killed run are ignored). */
export async function listCellIds(dir: string): Promise<Set<string>> {
  try {
    const names = await readdir(join(dir, CELLS_DIR));
    return new Set(names.filter((n) => /^[0-9a-f]+\.json$/.test(n)).map((n) => n.slice(0, -5)));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
    throw e;
  }
}

function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'object' && e !== null && 'message' in e)
    return String((e as { message: unknown }).message);
  return String(e);
}

/**
 * Run cells on a pool (or in this thread) and collect their files. Results
 * are keyed by cell id, so neither the number of workers nor the order in
 * which cells finish can change them.
 */
export async function executeCells(
  tasks: readonly PlannedTask[],
  options: ExecuteOptions = {},
): Promise<ExecuteResult> {
  const started = performance.now();
  const texts = new Map<string, string>();
  const failed: CellFailure[] = [];
  let ran = 0;
  let skipped = 0;
  let firstRunAt: number | undefined;

  const pending: PlannedTask[] = [];
  const seen = new Set<string>();
  const onDisk =
    options.dir !== undefined && options.resume !== false
      ? await listCellIds(options.dir)
      : new Set<string>();
  if (options.dir !== undefined) await mkdir(join(options.dir, CELLS_DIR), { recursive: true });
  for (const t of tasks) {
    if (seen.has(t.id)) continue;
    seen.add(t.id);
    if (onDisk.has(t.id) && options.dir !== undefined) {
      const text = await readFile(cellPath(options.dir, t.id), 'utf8');
      if (parseCellFile(text, t.id)) {
        texts.set(t.id, text);
        skipped++;
        continue;
      }
    }
    pending.push(t);
  }
  const total = seen.size;

  const report = (last?: string) => {
    if (!options.onProgress) return;
    const now = performance.now();
    const runSecs = firstRunAt === undefined ? 0 : (now - firstRunAt) / 1000;
    const rate = ran > 0 && runSecs > 0 ? ran / runSecs : undefined;
    const done = ran + skipped + failed.length;
    options.onProgress({
      total,
      done,
      ran,
      skipped,
      failed: failed.length,
      elapsedMs: now - started,
      cellsPerSec: rate,
      etaMs: rate === undefined ? undefined : ((total - done) / rate) * 1000,
      ...(last === undefined ? {} : { last }),
    });
  };
  report();
  if (pending.length === 0) return { texts, ran, skipped, failed, aborted: options.signal?.aborted === true };

  // Never start more workers than there are cells to run.
  const runner =
    options.runner ??
    createCellRunner({ workers: Math.min(options.workers ?? defaultWorkers(), pending.length) });
  const lanes = Math.max(1, runner.workers);
  const signal = options.signal;
  let next = 0;
  const lane = async () => {
    while (signal?.aborted !== true && next < pending.length) {
      const task = pending[next++];
      firstRunAt ??= performance.now();
      try {
        const json = await runner.run({ scenario: task.scenario, seed: task.seed, policy: task.policy });
        if (signal?.aborted) return;
        const text = cellFileText(task.id, task, json);
        if (options.dir !== undefined) await writeFileAtomic(cellPath(options.dir, task.id), text);
        texts.set(task.id, text);
        ran++;
      } catch (e) {
        if (signal?.aborted) return;
        failed.push({ id: task.id, label: task.label, message: errorMessage(e) });
      }
      report(task.label);
    }
  };
  const onAbort = () => {
    // In-flight runs are abandoned: stopping our own workers rejects them at once;
    // a caller's runner stays open and its in-flight results are discarded.
    if (options.runner === undefined) void runner.close();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.all(Array.from({ length: Math.min(lanes, pending.length) }, lane));
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (options.runner === undefined) await runner.close();
  }
  return { texts, ran, skipped, failed, aborted: signal?.aborted === true };
}

export const MANIFEST_FILE = 'sweep.json';

/** What a sweep directory records about its sweep, so that `merge` can rebuild the report from cells alone. */
export interface SweepManifest {
  schema: typeof SWEEP_SCHEMA;
  name: string;
  description?: string;
  hash: string;
  baseline: string;
  groups: string[];
  configs: string[];
  seeds: number[];
  axes: SweepAxisInfo[];
  cells: { id: string; group: string; config: string; seed: number }[];
}

export function manifestOf(plan: SweepPlan): SweepManifest {
  return {
    schema: SWEEP_SCHEMA,
    name: plan.name,
    ...(plan.description === undefined ? {} : { description: plan.description }),
    hash: plan.hash,
    baseline: plan.baseline,
    groups: plan.groups,
    configs: plan.configs,
    seeds: plan.seeds,
    axes: plan.axes,
    cells: plan.cells.map((c) => ({ id: c.id, group: c.group, config: c.config, seed: c.seed })),
  };
}

export async function readManifest(dir: string): Promise<SweepManifest | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let m: SweepManifest;
  try {
    m = JSON.parse(text) as SweepManifest;
  } catch (e) {
    throw new SweepError(`${join(dir, MANIFEST_FILE)}: not valid JSON: ${(e as Error).message}`);
  }
  if (m.schema !== SWEEP_SCHEMA)
    throw new SweepError(`${join(dir, MANIFEST_FILE)}: not a ${SWEEP_SCHEMA} manifest`);
  return m;
}

export interface SweepRunOptions extends Omit<ExecuteOptions, 'dir'> {
  /** The sweep directory: `sweep.json` plus `cells/<id>.json`. */
  out: string;
  shard?: Shard;
}

export interface SweepRunSummary {
  dir: string;
  /** Cells of the whole sweep. */
  total: number;
  shard?: Shard;
  /** Cells of this shard. */
  shardTotal: number;
  ran: number;
  skipped: number;
  failed: CellFailure[];
  aborted: boolean;
  /** Cells of the whole sweep not yet in `dir` (other shards', failed or abandoned ones). */
  missing: number;
  /** Every cell of the sweep is in `dir`: a report can be built from it alone. */
  complete: boolean;
  /** The directory held another sweep's manifest (its hash); cells both share were reused. */
  replaced?: string;
}

/**
 * Run a sweep (or one shard of it) into `out`. Cells already there are
 * skipped, so rerunning a killed sweep with the same command finishes it,
 * and its cells are byte for byte those of an uninterrupted run.
 */
export async function runSweep(plan: SweepPlan, options: SweepRunOptions): Promise<SweepRunSummary> {
  const dir = options.out;
  await mkdir(join(dir, CELLS_DIR), { recursive: true });
  const old = await readManifest(dir);
  if (old?.hash !== plan.hash)
    await writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(manifestOf(plan), null, 2)}\n`);
  const tasks = shardCells(plan.cells, options.shard).map(
    (c): PlannedTask => ({
      id: c.id,
      label: `${c.group} | ${c.config} | seed ${c.seed}`,
      scenario: c.scenario,
    }),
  );
  const r = await executeCells(tasks, { ...options, dir });
  const present = await listCellIds(dir);
  const missing = plan.cells.filter((c) => !present.has(c.id)).length;
  return {
    dir,
    total: plan.cells.length,
    ...(options.shard === undefined ? {} : { shard: options.shard }),
    shardTotal: tasks.length,
    ran: r.ran,
    skipped: r.skipped,
    failed: r.failed,
    aborted: r.aborted,
    missing,
    complete: missing === 0,
    ...(old !== undefined && old.hash !== plan.hash ? { replaced: old.hash } : {}),
  };
}
