/**
 * Ideal mode from a library: run a trace, or an in-memory request sequence,
 * under any registered policy on a machine of exactly N frames, and the
 * replay benchmark. Everything goes through the Kernel (one reclaim path),
 * so kernel policies and the reference policies are comparable request for
 * request: `requests` counts every request, `misses` those that had to bring
 * their page in, and once memory is full each miss evicts exactly one page.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { idealMachineConfig } from '@reclaim-lab/hw-model';
import { Kernel, type RunResult } from '@reclaim-lab/reclaim';
import { createPolicy, defaultPolicy, parsePolicySpec } from './policies.js';
import { runScenario } from './runner.js';
import { validateScenario } from './scenario.js';
import {
  KeyTable,
  makeSyntheticTrace,
  openTrace,
  type SyntheticTraceOptions,
  TraceChunk,
} from './trace/index.js';
import { type PreparedTrace, prepareRequestsWorkload, prepareTraceWorkload } from './trace-run.js';

export interface IdealRunOptions {
  /** Page frames of the machine. */
  memoryPages: number;
  /** A policy spec, as on the command line ("exact-lru", "opt", "lru"). */
  policy: string;
  seed?: number;
  /** Trace format name (detected when absent). */
  format?: string;
  /** Turn a policy ejection into an error instead of a fallback (default true: a reference run must be pure). */
  abortOnEject?: boolean;
  /** Ideal mode's lean paths (default on; see KernelOptions.idealLeanPaths). */
  leanPaths?: boolean;
}

export interface IdealRequestsOptions extends IdealRunOptions {
  /** Which requests are writes (default: all reads). */
  writes?: ArrayLike<boolean>;
}

/** Runs a trace file in ideal mode: the same path as `reclaim-lab run --trace FILE --mode ideal`. */
export function runIdealTrace(path: string, options: IdealRunOptions): RunResult {
  const scenario = validateScenario(
    {
      mode: 'ideal',
      machine: { memoryPages: options.memoryPages },
      workload: { trace: path, ...(options.format === undefined ? {} : { format: options.format }) },
      policy: options.policy,
      seed: options.seed ?? 1,
    },
    'ideal run',
  );
  return runScenario(scenario, { abortOnEject: options.abortOnEject ?? true });
}

/** A kernel in ideal mode of `memoryPages` frames, loaded with a prepared trace, under a policy spec. */
function idealKernel(
  prepared: PreparedTrace,
  memoryPages: number,
  policy: string,
  options: { seed?: number; abortOnEject?: boolean; leanPaths?: boolean } = {},
): Kernel {
  const kernel = new Kernel({
    machine: idealMachineConfig(memoryPages),
    policy: createPolicy(prepared.supply(parsePolicySpec(policy))),
    fallback: defaultPolicy(),
    seed: options.seed ?? 1,
    watchdog: { abortOnEject: options.abortOnEject ?? true },
    idealLeanPaths: options.leanPaths ?? true,
  });
  kernel.load(prepared.workload);
  return kernel;
}

/** Runs a request sequence (any integer keys) in ideal mode, without a file. */
export function runIdealRequests(keys: ArrayLike<number>, options: IdealRequestsOptions): RunResult {
  const prepared = prepareRequestsWorkload(keys, 'ideal', 'file-fd', options.writes);
  const result = idealKernel(prepared, options.memoryPages, options.policy, options).run();
  result.policy = options.policy;
  return result;
}

export interface ReplayBench {
  requests: number;
  footprint: number;
  memoryPages: number;
  missRatio: number;
  /**
   * Requests per second of the replay, median of the runs after the
   * warm-up: the kernel run over the prepared trace (its requests held as
   * dense ids after the first pass, as for any trace of up to
   * REPLAY_IN_MEMORY_MAX requests).
   */
  requestsPerSec: number;
  /** The first run's rate, JIT compilation included: what one short replay in a new process sees. */
  coldPerSec: number;
  /** The same per second of this process's CPU time: what the wall clock of a busy machine hides. */
  requestsPerCpuSec: number;
  /** The same including the first pass over the trace (footprint and dense numbering). */
  endToEndPerSec: number;
  /** The kernel run over the same requests held in memory: the replay without reading the file. */
  inMemoryPerSec: number;
  /** For scale, not a simulator: a bare typed-array LRU over the same requests in memory, no kernel. */
  bareLoopPerSec: number;
  /** Wall-clock replay rate of each run after the warm-up. */
  runs: number[];
}

export interface ReplayBenchOptions {
  policy?: string;
  /** Distinct keys (default requests / 100). */
  keys?: number;
  /** Memory as a fraction of the footprint (default 0.5). */
  memoryFraction?: number;
  pattern?: SyntheticTraceOptions['pattern'];
  repeats?: number;
  /** Runs before the measured ones, timed as `coldPerSec` (default 1). */
  warmup?: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Misses of a textbook LRU (typed-array doubly linked list) over dense page ids: the bench's floor. */
function bareLru(ids: Int32Array, pages: number, frames: number): number {
  const prev = new Int32Array(pages).fill(-1);
  const next = new Int32Array(pages).fill(-1);
  const resident = new Uint8Array(pages);
  let head = -1;
  let tail = -1;
  let used = 0;
  let misses = 0;
  for (let i = 0; i < ids.length; i++) {
    const p = ids[i];
    if (resident[p]) {
      if (p === head) continue;
      next[prev[p]] = next[p];
      if (next[p] !== -1) prev[next[p]] = prev[p];
      else tail = prev[p];
    } else {
      misses++;
      if (used === frames) {
        const v = tail;
        tail = prev[v];
        if (tail !== -1) next[tail] = -1;
        else head = -1;
        resident[v] = 0;
      } else used++;
      resident[p] = 1;
    }
    prev[p] = -1;
    next[p] = head;
    if (head !== -1) prev[head] = p;
    head = p;
    if (tail === -1) tail = p;
  }
  return misses;
}

/**
 * Ideal-mode replay speed: a seeded Zipf(0.99) oracleGeneral trace of
 * `requests` requests over `keys` keys, replayed `warmup` times (default
 * 1, the cold figure) and then `repeats` times (default 3) through the
 * Kernel on memory of `memoryFraction` of the footprint; reports medians,
 * with the same requests replayed from memory and through a bare loop for
 * scale.
 */
export async function benchTraceReplay(
  requests: number,
  options: ReplayBenchOptions = {},
): Promise<ReplayBench> {
  const keys = options.keys ?? Math.max(16, Math.round(requests / 100));
  const policy = options.policy ?? 'exact-lru';
  const repeats = options.repeats ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'reclaim-lab-replay-'));
  const path = join(dir, 'bench.oracleGeneral');
  try {
    makeSyntheticTrace(path, 'oracle-general', {
      requests,
      keys,
      seed: 1,
      pattern: options.pattern ?? 'zipf',
    });
    const runs: number[] = [];
    const cpuRuns: number[] = [];
    const ends: number[] = [];
    let memoryPages = 0;
    let footprint = 0;
    let missRatio = 0;
    const warmup = options.warmup ?? 1;
    let coldPerSec = Number.NaN;
    for (let rep = 0; rep < warmup + repeats; rep++) {
      const t0 = performance.now();
      const prepared = prepareTraceWorkload({ trace: path, format: 'oracle-general' }, 'ideal');
      footprint = prepared.pages;
      memoryPages = Math.max(1, Math.round(footprint * (options.memoryFraction ?? 0.5)));
      const kernel = idealKernel(prepared, memoryPages, policy);
      const t1 = performance.now();
      const c1 = process.cpuUsage();
      const r = kernel.run();
      const cpu = process.cpuUsage(c1);
      const t2 = performance.now();
      missRatio = r.misses / r.requests;
      if (rep === 0) coldPerSec = (requests * 1000) / (t2 - t1);
      if (rep < warmup) continue;
      runs.push((requests * 1000) / (t2 - t1));
      cpuRuns.push((requests * 1e6) / Math.max(1, cpu.user + cpu.system));
      ends.push((requests * 1000) / (t2 - t0));
    }
    const ids = new Int32Array(requests);
    const table = new KeyTable();
    const chunk = new TraceChunk();
    const reader = openTrace(path, 'oracle-general');
    try {
      for (let n = 0; reader.read(chunk) > 0; )
        for (let i = 0; i < chunk.length; i++) ids[n++] = table.add(chunk.keyHi[i], chunk.keyLo[i]);
    } finally {
      reader.close();
    }
    const inMemory: number[] = [];
    const bare: number[] = [];
    for (let rep = 0; rep < repeats; rep++) {
      const kernel = idealKernel(prepareRequestsWorkload(ids, 'ideal'), memoryPages, policy);
      let t = performance.now();
      kernel.run();
      inMemory.push((requests * 1000) / (performance.now() - t));
      t = performance.now();
      bareLru(ids, table.size, memoryPages);
      bare.push((requests * 1000) / (performance.now() - t));
    }
    return {
      requests,
      footprint,
      memoryPages,
      missRatio,
      requestsPerSec: median(runs),
      coldPerSec,
      requestsPerCpuSec: median(cpuRuns),
      endToEndPerSec: median(ends),
      inMemoryPerSec: median(inMemory),
      bareLoopPerSec: median(bare),
      runs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
