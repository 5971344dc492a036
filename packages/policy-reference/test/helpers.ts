import { type EventChunk, type EventSource, idealMachineConfig, OP_READ } from '@reclaim-lab/hw-model';
import { Kernel, type ReclaimOps, type RunResult } from '@reclaim-lab/reclaim';

/** Request keys renumbered 0.. in first-seen order: the pages of one fd region. */
export function densePages(keys: readonly number[]): { pages: Int32Array; footprint: number } {
  const ids = new Map<number, number>();
  const pages = Int32Array.from(keys, (k) => {
    let id = ids.get(k);
    if (id === undefined) ids.set(k, (id = ids.size));
    return id;
  });
  return { pages, footprint: ids.size };
}

/** Index of the next request for the same key, Infinity for none: what OPT's oracle holds. */
export function nextAccess(keys: readonly number[]): Float64Array {
  const next = new Float64Array(keys.length).fill(Number.POSITIVE_INFINITY);
  const last = new Map<number, number>();
  keys.forEach((k, i) => {
    const j = last.get(k);
    if (j !== undefined) next[j] = i;
    last.set(k, i);
  });
  return next;
}

/** Replays `keys` as read() requests of one file in ideal mode on `frames` page frames. */
export function runIdeal(keys: readonly number[], frames: number, policy: ReclaimOps<unknown>): RunResult {
  const { pages, footprint } = densePages(keys);
  let pos = 0;
  const source: EventSource = {
    fill(chunk: EventChunk) {
      chunk.length = 0;
      while (pos < pages.length && chunk.length < chunk.capacity) chunk.push(OP_READ, 0, pages[pos++]);
      return chunk.length;
    },
  };
  const kernel = new Kernel({
    machine: idealMachineConfig(frames),
    policy,
    seed: 1,
    watchdog: { abortOnEject: true },
  });
  kernel.load({
    files: [{ name: 'trace', pages: footprint }],
    memcgs: [],
    tasks: [{ name: 'trace', regions: [{ kind: 'file-fd', file: 0, pages: footprint }], source }],
  });
  return kernel.run();
}
