/**
 * Miss-ratio curves of exact LRU in one pass (Mattson et al. 1970): LRU has
 * the inclusion property, so a request hits in every cache larger than its
 * stack distance. One pass records the histogram of stack distances (a
 * Fenwick tree over last-access slots, see StackDistanceTracker), and the
 * miss ratio at every size is read off it.
 *
 * For very large traces, SHARDS (Waldspurger et al., FAST '15): only keys
 * whose hash falls below rate R are tracked, their distances scaled by
 * 1/R; memory and time shrink by R. We use the fixed-rate variant with its
 * count adjustment (SHARDS-adj): the difference between the counted and the
 * scaled sampled requests is credited to distance 0. Distances are known to
 * about 1/R objects, so sizes below 10/R objects are coarse (see
 * SHARDS_ERROR for what our tests hold it to).
 *
 * A warm-up (the first N requests, or the requests within S time units of
 * the first) updates the stack but is left out of the counts, as
 * libCacheSim's `--warmup-sec` leaves them out.
 */
import { KeyTable } from './key-table.js';
import { openTrace } from './open-trace.js';
import type { TraceFormat, TraceReadOptions } from './trace-chunk.js';
import * as model from './trace-chunk.js';
import { StackDistanceTracker } from './trace-stats.js';

// Copied once at load: tsx and vitest compile imported bindings to getters, a call per use in hot loops.
const { TraceChunk } = model;

export interface StackHistogramOptions extends TraceReadOptions {
  /** Leave the first N requests out of the counts (they still warm the stack). */
  warmupRequests?: number;
  /** Leave out requests whose time is less than the first request's time plus this (the trace's unit). */
  warmupTime?: number;
  /** SHARDS sampling rate in (0, 1]; 1 (default) is exact. */
  sampleRate?: number;
}

/** Stack distances of a trace's requests after the warm-up, as a histogram. */
export interface StackHistogram {
  /** All requests in the trace. */
  requests: number;
  /** Distinct keys in the whole trace (estimated as sampled / R under SHARDS). */
  footprint: number;
  /** Requests left out as warm-up. */
  warmup: number;
  /** Counted requests: requests - warmup (under SHARDS, scaled: sampled / R, adjusted). */
  counted: number;
  /** counts[d] = counted requests with stack distance d (objects), scaled back under SHARDS. */
  counts: Float64Array;
  /** Counted first accesses (misses at every size). */
  cold: number;
  sampleRate: number;
}

/** 32-bit mix of a u64 key (murmur3's finaliser over both halves): uniform, so a threshold samples. */
function keyHash(hi: number, lo: number): number {
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h ^ hi, 0x27d4eb2f);
  h ^= h >>> 15;
  return h >>> 0;
}

export function stackHistogram(
  path: string,
  format: TraceFormat | undefined,
  options: StackHistogramOptions = {},
): StackHistogram {
  const rate = options.sampleRate ?? 1;
  if (!(rate > 0 && rate <= 1)) throw new RangeError(`sample rate must be in (0, 1], got ${rate}`);
  const warmupRequests = options.warmupRequests ?? 0;
  const warmupTime = options.warmupTime;
  const threshold = rate === 1 ? Number.POSITIVE_INFINITY : Math.floor(rate * 4294967296);
  const table = new KeyTable();
  const tracker = new StackDistanceTracker();
  let counts = new Float64Array(1024);
  let cold = 0;
  let sampled = 0;
  let requests = 0;
  let warm = 0;
  let firstTime = 0;
  const chunk = new TraceChunk();
  const reader = openTrace(path, format, options);
  try {
    while (reader.read(chunk) > 0) {
      const { keyHi, keyLo, time } = chunk;
      const n = chunk.length;
      if (requests === 0) firstTime = time[0];
      for (let i = 0; i < n; i++, requests++) {
        const counting =
          requests >= warmupRequests && (warmupTime === undefined || time[i] - firstTime >= warmupTime);
        if (!counting) warm++;
        const hi = keyHi[i];
        const lo = keyLo[i];
        if (threshold !== Number.POSITIVE_INFINITY && keyHash(hi, lo) >= threshold) continue;
        const d = tracker.accessId(table.add(hi, lo));
        if (!counting) continue;
        sampled++;
        if (d === Number.POSITIVE_INFINITY) cold++;
        else {
          if (d >= counts.length) {
            const grown = new Float64Array(Math.max(2 * counts.length, d + 1));
            grown.set(counts);
            counts = grown;
          }
          counts[d]++;
        }
      }
    }
  } finally {
    reader.close();
  }
  const counted = requests - warm;
  let out = counts.subarray(0, tracker.distinctKeys);
  if (rate !== 1) {
    // Distances scaled by 1/R, counts by 1/R; SHARDS-adj credits the difference between the counted
    // requests and the scaled sampled ones to distance 0: it is mostly the hottest keys' luck in the draw.
    const scaled = new Float64Array(Math.ceil((tracker.distinctKeys + 1) / rate));
    for (let d = 0; d < out.length; d++) if (out[d] !== 0) scaled[Math.floor(d / rate)] += out[d] / rate;
    scaled[0] += counted - sampled / rate;
    out = scaled;
    cold /= rate;
  }
  return {
    requests,
    footprint: rate === 1 ? tracker.distinctKeys : Math.round(tracker.distinctKeys / rate),
    warmup: warm,
    counted,
    counts: out,
    cold,
    sampleRate: rate,
  };
}

/** Misses of an exact LRU cache of `size` objects, from the histogram: cold misses plus distances ≥ size. */
export function lruMisses(h: StackHistogram, sizes: readonly number[]): number[] {
  // Cumulative hits below each distance, then one lookup per size.
  const prefix = new Float64Array(h.counts.length + 1);
  for (let d = 0; d < h.counts.length; d++) prefix[d + 1] = prefix[d] + h.counts[d];
  return sizes.map((size) => {
    const hits = prefix[Math.min(Math.max(0, Math.floor(size)), h.counts.length)];
    return Math.max(0, h.counted - hits);
  });
}

/**
 * SHARDS's stated accuracy, as our tests hold it: at rate 0.01 on traces of
 * a million requests or more, each size of at least 10/R objects has a miss
 * ratio within this (absolute) of the exact one. The SHARDS paper reports
 * mean absolute errors near 0.01 at that rate on production block traces.
 */
export const SHARDS_ERROR = 0.03;
/** Sizes below this many sampling intervals (10/R objects) are outside SHARDS_ERROR. */
export const SHARDS_MIN_INTERVALS = 10;
