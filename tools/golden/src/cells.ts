/**
 * The golden cells: every workload preset under lru, mglru and three
 * cache_ext-style policies at two seeds in kernel mode, plus ideal-mode
 * replays of small generated traces. Each cell's result is serialised
 * canonically (keys sorted at every depth) and hashed with SHA-256, so a
 * refactor that claims to change nothing can prove it.
 *
 * Sizes are small to keep the whole set affordable in `pnpm test` on two
 * cores, but every preset still runs on a machine with swap, memcg limits
 * (multi-memcg, kv-store), dirty write-back and both kswapd and direct
 * reclaim (the counters in each result show which paths ran).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  listWorkloads,
  makeSyntheticTrace,
  runIdealRequests,
  runIdealTrace,
  runScenario,
  validateScenario,
} from '@reclaim-lab/harness';
import type { RunResult } from '@reclaim-lab/reclaim';

/** Kernel-mode policies: the two kernel LRUs and three cache_ext-style ones. */
export const KERNEL_POLICIES = ['lru', 'mglru', 'fifo', 's3fifo', 'sieve'] as const;
export const SEEDS = [1, 2] as const;
/** 8 MiB: 2,048 page frames, large enough for every preset's memcgs and watermarks. */
export const KERNEL_MEMORY = '8MiB';
/** Run length as a fraction of each preset's default (sizes are unchanged by `scale`). */
export const KERNEL_SCALE = 0.25;

/** Ideal-mode policies: exact references, the libCacheSim-parity S3-FIFO, and kernel policies on the replay path. */
export const IDEAL_POLICIES = [
  'exact-lru',
  'opt',
  's3fifo:libcachesim',
  'sieve',
  'fifo',
  'lru',
  'mglru',
] as const;
export const IDEAL_TRACES = [
  { name: 'zipf', requests: 20_000, keys: 800, pattern: 'zipf', writeRatio: 0 },
  { name: 'loop-writes', requests: 12_000, keys: 500, pattern: 'loop', writeRatio: 0.2 },
] as const;
export const IDEAL_MEMORY_PAGES = 200;

export interface Cell {
  /** Stable name, as in golden.json: "kernel/baseline/lru/seed1", "ideal/zipf/opt". */
  id: string;
  run(ctx: CellContext): RunResult;
}

export interface CellContext {
  /** A directory for generated traces, made once per computation. */
  dir: string;
}

/** JSON with object keys sorted at every depth: the same result always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v as Record<string, unknown>).sort())
      sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

export function hashResult(result: RunResult): string {
  return createHash('sha256').update(canonicalJson(result)).digest('hex');
}

function tracePath(ctx: CellContext, t: (typeof IDEAL_TRACES)[number]): string {
  const path = join(ctx.dir, `${t.name}.oracleGeneral`);
  // Generated once per directory; the generator is seeded, so the file is always the same.
  try {
    makeSyntheticTrace(path, 'oracle-general', {
      requests: t.requests,
      keys: t.keys,
      seed: 7,
      pattern: t.pattern,
      writeRatio: t.writeRatio,
    });
  } catch (e) {
    throw new Error(`golden: cannot write trace ${path}: ${(e as Error).message}`);
  }
  return path;
}

export function allCells(): Cell[] {
  const cells: Cell[] = [];
  for (const w of listWorkloads())
    for (const policy of KERNEL_POLICIES)
      for (const seed of SEEDS)
        cells.push({
          id: `kernel/${w.id}/${policy}/seed${seed}`,
          run: () =>
            runScenario(
              validateScenario(
                {
                  machine: { memory: KERNEL_MEMORY },
                  workload: { id: w.id, params: { scale: KERNEL_SCALE } },
                  policy,
                  seed,
                },
                `golden ${w.id}`,
              ),
            ),
        });
  const paths = new Map<string, string>();
  for (const t of IDEAL_TRACES)
    for (const policy of IDEAL_POLICIES)
      cells.push({
        id: `ideal/${t.name}/${policy}`,
        run: (ctx) => {
          let path = paths.get(`${ctx.dir}/${t.name}`);
          if (path === undefined) {
            path = tracePath(ctx, t);
            paths.set(`${ctx.dir}/${t.name}`, path);
          }
          return runIdealTrace(path, { memoryPages: IDEAL_MEMORY_PAGES, policy, seed: 1 });
        },
      });
  // The general (non-lean) ideal path, which the lean replay loops must agree with.
  const keys = Int32Array.from({ length: 6_000 }, (_, i) => (i * 7919 + (i >> 3)) % 700);
  const writes = Array.from({ length: keys.length }, (_, i) => i % 5 === 0);
  for (const policy of ['exact-lru', 'lru', 's3fifo'] as const)
    cells.push({
      id: `ideal/requests-general/${policy}`,
      run: () => runIdealRequests(keys, { memoryPages: 150, policy, seed: 1, leanPaths: false, writes }),
    });
  return cells;
}

export type Hashes = Record<string, string>;

/**
 * The mechanisms the golden set must exercise, as vmstat counters: a
 * golden set whose runs never swapped or never entered direct reclaim
 * would let a change to those paths through unseen.
 */
export const COVERED_COUNTERS = [
  'pswpout',
  'pswpin',
  'swap_ra',
  'nr_vmscan_write',
  'writeback_pages',
  'flusher_pages',
  'dirty_throttle',
  'memcg_reclaim',
  'pgscan_kswapd',
  'pgscan_direct',
  'allocstall_normal',
  'workingset_refault_anon',
  'workingset_refault_file',
  'oom_kill',
] as const;

export interface Computed {
  hashes: Hashes;
  /** For each COVERED_COUNTERS entry, how many cells ended with it above zero. */
  coverage: Record<string, number>;
}

/** Runs the cells (all, or those `filter` accepts) and hashes each result. */
export function computeHashes(
  filter?: (id: string) => boolean,
  onCell?: (id: string, ms: number) => void,
): Computed {
  const dir = mkdtempSync(join(tmpdir(), 'reclaim-lab-golden-'));
  const hashes: Hashes = {};
  const coverage: Record<string, number> = Object.fromEntries(COVERED_COUNTERS.map((c) => [c, 0]));
  try {
    for (const cell of allCells()) {
      if (filter !== undefined && !filter(cell.id)) continue;
      const t0 = performance.now();
      const result = cell.run({ dir });
      hashes[cell.id] = hashResult(result);
      for (const c of COVERED_COUNTERS) if ((result.counters[c] ?? 0) > 0) coverage[c]++;
      onCell?.(cell.id, performance.now() - t0);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { hashes, coverage };
}

/** Cells whose hash differs, is new, or disappeared, one line each. */
export function diffHashes(expected: Hashes, actual: Hashes): string[] {
  const lines: string[] = [];
  for (const [id, h] of Object.entries(actual)) {
    if (!(id in expected)) lines.push(`${id}: new cell (not in golden.json)`);
    else if (expected[id] !== h)
      lines.push(`${id}: result changed (${expected[id].slice(0, 12)} → ${h.slice(0, 12)})`);
  }
  for (const id of Object.keys(expected))
    if (!(id in actual)) lines.push(`${id}: missing (in golden.json, not computed)`);
  return lines;
}
