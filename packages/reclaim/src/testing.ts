/** Small event sources for tests and examples (not used by the simulator itself). */
import {
  defaultMachineConfig,
  type EventChunk,
  type EventSource,
  idealMachineConfig,
  OP_LOAD,
  OP_READ,
  OP_STORE,
  OP_THINK,
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
        // Event arguments are 32-bit: a larger one would wrap silently.
        if ((a | 0) !== a) throw new RangeError(`event ${i - 1}: argument ${a} is not a 32-bit integer`);
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
import type { PolicyCtx, ReclaimOps, RefaultVerdict, ShadowInfo } from './ops.js';

/** A refault verdict at the values `workingset_refault` starts the hook from: not activated, counted. */
export function freshVerdict(): RefaultVerdict {
  return { activate: false, restore: false, countRefault: true, countActivate: null };
}

/**
 * Ask a policy's `refault` hook about one shadow outside a run, as
 * `workingset_refault` would (the shadow defaults to a file folio evicted
 * from this lruvec, not in a fault), and hand back its verdict.
 */
export function askRefault<S>(
  ops: ReclaimOps<S> | ReclaimOps<unknown>,
  ctx: PolicyCtx<S>,
  pfn: number,
  shadow: Pick<ShadowInfo, 'payload'> & Partial<ShadowInfo>,
): RefaultVerdict {
  const verdict = freshVerdict();
  ops.refault?.(
    ctx as never,
    pfn,
    { workingset: false, isFile: true, evictionLruvec: ctx.lruvec, inFault: false, ...shadow },
    verdict,
  );
  return verdict;
}

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
    memcgs?: import('@reclaim-lab/hw-model').MemcgSpec[];
  } = {},
): { k: import('./kernel.js').Kernel; r: import('./result.js').RunResult } {
  const k = new Kernel({
    machine: defaultMachineConfig(options.memoryPages ?? 4096, options.machine),
    policy,
    seed: options.seed ?? 1,
  });
  k.load({ files, memcgs: options.memcgs ?? [], tasks });
  const r = k.run();
  k.checkInvariants('end of run');
  return { k, r };
}

/**
 * read() of each page of `pages` from one file, on an ideal machine of
 * `frames` frames under `policy`: the textbook cache in a few lines, for a
 * policy's pinned behaviours. Invariants are checked at the end.
 */
export function idealReadReplay(
  policy: import('./ops.js').ReclaimOps<unknown>,
  frames: number,
  pages: readonly number[],
  filePages = 64,
): import('./kernel.js').Kernel {
  const k = new Kernel({ machine: idealMachineConfig(frames), policy, seed: 1 });
  k.load({
    files: [{ name: 'f', pages: filePages }],
    memcgs: [],
    tasks: [
      {
        name: 'reader',
        regions: [{ kind: 'file-fd', file: 0, pages: filePages }],
        source: scripted(pages.map((p) => [OP_READ, 0, p])),
      },
    ],
  });
  k.run();
  k.checkInvariants('end of replay');
  return k;
}

export interface Fixture {
  /** Fresh tasks (event sources are single-use: call once per run). */
  tasks(): import('@reclaim-lab/hw-model').TaskSpec[];
  files: { name: string; pages: number }[];
}

/**
 * One task interleaving random reads of a hot file set with a stream of
 * pages read once each (file 0 = hot, file 1 = stream): the one-hit-wonder
 * workload of S3-FIFO and LHD.
 */
export function hotSetWithStream(hot: number, stream: number, seed: number): Fixture {
  return {
    tasks: () => {
      const rng = new Rng(seed);
      return [
        {
          name: 'mixed',
          regions: [
            { kind: 'file-fd', file: 0, pages: hot, advice: 'random' },
            { kind: 'file-fd', file: 1, pages: stream },
          ],
          source: generated((i) =>
            i < stream * 2 ? (i % 2 ? [OP_READ, 1, i >> 1] : [OP_READ, 0, rng.int(hot)]) : null,
          ),
        },
      ];
    },
    files: [
      { name: 'hot', pages: hot },
      { name: 'stream', pages: stream },
    ],
  };
}

/**
 * One task that stores to `anon` anonymous pages, reads `file` pages of
 * file 0 through a descriptor, then thinks a second at a time for ever:
 * run with `untilNs` to stop while it still holds every page, then drive
 * reclaim by hand (`kernel.shrinkNode`).
 */
export function anonAndFileHolder(anon: number, file: number): Fixture {
  return {
    tasks: () => [
      {
        name: 'holder',
        regions: [
          { kind: 'anon', pages: anon },
          { kind: 'file-fd', file: 0, pages: file },
        ],
        source: generated((i) =>
          i < anon
            ? [OP_STORE, 0, i]
            : i < anon + file
              ? [OP_READ, 1, i - anon]
              : [OP_THINK, 0, 1_000_000_000],
        ),
      },
    ],
    files: [{ name: 'data', pages: file }],
  };
}

/**
 * A hot file set read `reads` times, a pause while a one-time scan of `scan`
 * pages starts at 20 ms, then the hot set once more (task 0 = hot, 1 = scan).
 */
export function hotSetThenScan(hot: number, scan: number, reads: number): Fixture {
  return {
    tasks: () => [
      {
        name: 'hot',
        regions: [{ kind: 'file-fd', file: 0, pages: hot }],
        source: generated((i) => {
          if (i < hot * reads) return [OP_READ, 0, i % hot];
          if (i < hot * reads + 100) return [OP_THINK, 0, 1_000_000];
          return i < hot * (reads + 1) + 100 ? [OP_READ, 0, (i - 100) % hot] : null;
        }),
      },
      {
        name: 'scan',
        regions: [{ kind: 'file-fd', file: 1, pages: scan }],
        source: generated((i) => (i < scan ? [OP_READ, 0, i] : null)),
        startNs: 20_000_000,
      },
    ],
    files: [
      { name: 'hot', pages: hot },
      { name: 'scan', pages: scan },
    ],
  };
}
