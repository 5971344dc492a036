import { SweepError } from './spec.js';

/** Slice `index` (1-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** Parse "i/n" with 1 <= i <= n. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new SweepError(`--shard: expected i/n with 1 <= i <= n (e.g. 2/4), got "${text}"`);
  }
  return { index, count };
}

/**
 * The cells of one shard: every n-th cell of the matrix, starting at the
 * i-th. Round robin spreads each workload's cells (which cost alike) over
 * the shards; the slice depends only on the plan, never on timing.
 */
export function shardCells<T>(cells: readonly T[], shard: Shard | undefined): T[] {
  if (shard === undefined || shard.count === 1) return [...cells];
  return cells.filter((_, k) => k % shard.count === shard.index - 1);
}
