/**
 * Miss-ratio curves of a trace: one line per policy and cache size (in
 * objects, or as a fraction of the footprint). Exact LRU (`exact-lru`) comes
 * from one pass over stack distances (see trace/mrc.ts) at every size at
 * once, or from SHARDS sampling; every other policy is replayed in ideal
 * mode once per size, the sizes spread over the worker pool.
 *
 * A warm-up leaves the first requests out of the counts. For a replayed
 * policy the misses of the warm-up are those of a replay of the warm-up
 * prefix alone (a replay's first N requests behave the same whatever
 * follows them), subtracted from the whole run's.
 */
import type { RunResult } from '@reclaim-lab/reclaim';
import { validateScenario } from './scenario.js';
import { createCellRunner } from './sweep/pool.js';
import { lruMisses, stackHistogram } from './trace/mrc.js';
import { resolveTraceFormat, traceReadOptions } from './trace-run.js';

/** The policy whose whole curve comes from stack distances. */
export const STACK_POLICY = 'exact-lru';

export interface MrcOptions {
  /** Policy specs; `exact-lru` is computed from stack distances. */
  policies: readonly string[];
  /** Sizes: below 1 a fraction of the footprint, otherwise a count of objects (pages). */
  sizes: readonly number[];
  format?: string;
  /** libcachesim-csv reader params. */
  params?: string;
  warmupRequests?: number;
  /** Warm-up in the trace's time unit from its first request (seconds for oracleGeneral). */
  warmupTime?: number;
  /** SHARDS rate for exact LRU (default 1: exact). */
  sampleRate?: number;
  /** Worker pool size for the replays (0: in this thread). */
  workers?: number;
  seed?: number;
}

export interface MrcRow {
  policy: string;
  /** The size as asked for (a fraction or a count). */
  size: number;
  /** Cache size in objects. */
  objects: number;
  /** Requests counted (after the warm-up). */
  requests: number;
  misses: number;
  missRatio: number;
  /** How the line was computed. */
  method: 'stack' | 'shards' | 'replay';
}

export interface MrcResult {
  trace: string;
  footprint: number;
  requests: number;
  warmup: number;
  sampleRate: number;
  rows: MrcRow[];
}

/** The size in objects: fractions of the footprint round like libCacheSim's, at least 1. */
export function objectsFor(size: number, footprint: number): number {
  if (!(size > 0) || !Number.isFinite(size)) throw new RangeError(`size must be positive, got ${size}`);
  if (size < 1) return Math.max(1, Math.floor(size * footprint));
  if (!Number.isInteger(size)) throw new RangeError(`size ${size}: a count of objects must be an integer`);
  return size;
}

export async function missRatioCurve(path: string, options: MrcOptions): Promise<MrcResult> {
  const format = resolveTraceFormat(path, options.format);
  const readOptions = traceReadOptions(path, format, options.params);
  const rate = options.sampleRate ?? 1;
  // The pass gives the footprint (for fractional sizes), the warm-up length, and exact LRU's curve.
  const h = stackHistogram(path, format, {
    ...readOptions,
    warmupRequests: options.warmupRequests,
    warmupTime: options.warmupTime,
    sampleRate: rate,
  });
  const objects = options.sizes.map((s) => objectsFor(s, h.footprint));
  const rows: MrcRow[] = [];
  const replayed = options.policies.filter((p) => p !== STACK_POLICY);
  if (options.policies.includes(STACK_POLICY)) {
    const misses = lruMisses(h, objects);
    options.sizes.forEach((size, i) => {
      const m = rate === 1 ? misses[i] : Math.round(misses[i]);
      rows.push({
        policy: STACK_POLICY,
        size,
        objects: objects[i],
        requests: h.counted,
        misses: m,
        missRatio: h.counted > 0 ? m / h.counted : 0,
        method: rate === 1 ? 'stack' : 'shards',
      });
    });
  }
  if (replayed.length > 0) {
    const workload = {
      trace: path,
      format,
      ...(options.params === undefined ? {} : { params: options.params }),
    };
    const runner = createCellRunner(options.workers === undefined ? {} : { workers: options.workers });
    const run = async (policy: string, pages: number, prefix?: number): Promise<RunResult> => {
      const scenario = validateScenario(
        {
          mode: 'ideal',
          machine: { memoryPages: pages },
          workload: prefix === undefined ? workload : { ...workload, requests: prefix },
          policy,
          seed: options.seed ?? 1,
        },
        `mrc ${policy} at ${pages} objects`,
      );
      return JSON.parse(await runner.run({ scenario })) as RunResult;
    };
    try {
      const jobs = replayed.flatMap((policy) =>
        options.sizes.map(async (size, i) => {
          const [all, warm] = await Promise.all([
            run(policy, objects[i]),
            h.warmup > 0 ? run(policy, objects[i], h.warmup) : undefined,
          ]);
          const misses = all.misses - (warm?.misses ?? 0);
          const requests = all.requests - (warm?.requests ?? 0);
          return {
            policy,
            size,
            objects: objects[i],
            requests,
            misses,
            missRatio: requests > 0 ? misses / requests : 0,
            method: 'replay' as const,
          };
        }),
      );
      rows.push(...(await Promise.all(jobs)));
    } finally {
      await runner.close();
    }
  }
  // Lines in the order asked: policy by policy, sizes as listed.
  const order = (r: MrcRow) => options.policies.indexOf(r.policy) * options.sizes.length;
  rows.sort((a, b) => order(a) - order(b) || options.sizes.indexOf(a.size) - options.sizes.indexOf(b.size));
  return {
    trace: path,
    footprint: h.footprint,
    requests: h.requests,
    warmup: h.warmup,
    sampleRate: rate,
    rows,
  };
}
