/** Small event sources for tests and examples (not used by the simulator itself). */
import {
  defaultMachineConfig,
  type EventChunk,
  type EventSource,
  OP_LOAD,
  OP_READ,
  OP_STORE,
  OP_WRITE,
  Rng,
} from '@reclaim-lab/hw-model';

/** A source that replays a fixed list of [op, region, page] events. */
export function scripted(events: [number, number, number][]): EventSource {
  let i = 0;
  return {
    fill(chunk: EventChunk) {
      chunk.length = 0;
      while (i < events.length && chunk.length < chunk.capacity) {
        const [op, r, a] = events[i++];
        chunk.push(op, r, a);
      }
      return chunk.length;
    },
  };
}

/** A source generated step by step: `gen(i)` returns [op, region, page] or null when done. */
export function generated(gen: (i: number) => [number, number, number] | null): EventSource {
  let i = 0;
  let done = false;
  return {
    fill(chunk: EventChunk) {
      chunk.length = 0;
      while (!done && chunk.length < chunk.capacity) {
        const e = gen(i++);
        if (!e) {
          done = true;
          break;
        }
        chunk.push(e[0], e[1], e[2]);
      }
      return chunk.length;
    },
  };
}

/** `passes` sequential sweeps over `pages` pages of region `r` with `op`. */
export function sweep(r: number, pages: number, passes: number, op = OP_LOAD): EventSource {
  return generated((i) => (i < pages * passes ? [op, r, i % pages] : null));
}

/** Uniform random accesses. */
export function uniform(r: number, pages: number, count: number, seed: number, op = OP_LOAD): EventSource {
  const rng = new Rng(seed);
  return generated((i) => (i < count ? [op, r, rng.int(pages)] : null));
}

export * from './conformance.js';
export { OP_LOAD, OP_READ, OP_STORE, OP_WRITE };

import { Kernel } from './kernel.js';

/**
 * Run tasks and files on a fresh kernel with one policy, check the invariants
 * at the end, and hand back both (the shape every policy's behaviour tests use).
 */
export function runWithPolicy(
  policy: import('./ops.js').ReclaimOps<unknown>,
  tasks: import('@reclaim-lab/hw-model').TaskSpec[],
  files: { name: string; pages: number }[],
  options: {
    memoryPages?: number;
    seed?: number;
    machine?: Partial<import('@reclaim-lab/hw-model').MachineConfig>;
  } = {},
): { k: import('./kernel.js').Kernel; r: import('./result.js').RunResult } {
  const k = new Kernel({
    machine: defaultMachineConfig(options.memoryPages ?? 4096, options.machine),
    policy,
    seed: options.seed ?? 1,
  });
  k.load({ files, memcgs: [], tasks });
  const r = k.run();
  k.checkInvariants('end of run');
  return { k, r };
}
