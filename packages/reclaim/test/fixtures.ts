/**
 * Small machines, workloads and policies for the reclaim tests. The
 * fallback is the core's all-defaults policy — a FIFO in 1 line — so these
 * tests need no policy package (the core must not depend on one).
 */
import {
  defaultMachineConfig,
  type MachineConfig,
  OP_READ,
  OP_STORE,
  OP_THINK,
  type TaskSpec,
  type WorkloadInstance,
} from '@reclaim-lab/hw-model';
import {
  Kernel,
  type KernelOptions,
  type PolicyAttachment,
  type ReclaimOps,
  type RunResult,
} from '@reclaim-lab/reclaim';
import { generated } from '@reclaim-lab/reclaim/testing';

export const MEM = 1024;

/** The fallback every ejection in these tests lands on. */
export function fallbackFifo(): ReclaimOps<unknown> {
  return { name: 'fallback-fifo' };
}

/** FIFO through the batch-request hook: the oldest folios of its one list. */
export function fifo(name = 'fifo'): ReclaimOps<{ list: number }> {
  return {
    name,
    init: (ictx) => ({ list: ictx.createList('fifo') }),
    folioAdded: (ctx, pfn) => ctx.lists.addHead(ctx.state.list, pfn),
    evictCandidates(ctx, req, out) {
      let n = 0;
      for (let p = ctx.lists.last(ctx.state.list); p !== -1 && n < req.nr; p = ctx.lists.prev[p])
        out[n++] = p;
      return n;
    },
  };
}

/** MRU through the batch-request hook: the newest folios first (wins on loops larger than memory). */
export function mru(name = 'mru'): ReclaimOps<{ list: number }> {
  return {
    ...fifo(name),
    evictCandidates(ctx, req, out) {
      let n = 0;
      for (let p = ctx.lists.first(ctx.state.list); p !== -1 && n < req.nr; p = ctx.lists.next[p])
        out[n++] = p;
      return n;
    },
  };
}

/** `pages` pages read through a file descriptor, `passes` times in order, without readahead (one miss, one major fault). */
export function reader(
  name: string,
  file: number,
  pages: number,
  passes: number,
  extra: Partial<TaskSpec> = {},
): TaskSpec {
  return {
    name,
    regions: [{ kind: 'file-fd', file, pages, advice: 'random' }],
    source: generated((i) => (i < pages * passes ? [OP_READ, 0, i % pages] : null)),
    ...extra,
  };
}

/** An anon heap written `passes` times, thinking `thinkNs` after each store. */
export function heap(
  name: string,
  pages: number,
  passes: number,
  thinkNs: number,
  extra: Partial<TaskSpec> = {},
): TaskSpec {
  const n = pages * passes;
  return {
    name,
    regions: [{ kind: 'anon', pages }],
    source: generated((i) =>
      i >= 2 * n ? null : i % 2 ? [OP_THINK, -1, thinkNs] : [OP_STORE, 0, (i >> 1) % pages],
    ),
    ...extra,
  };
}

/** A reader of a file twice the size of memory in `/`, and an anon heap in `/a`: file and anon pressure, two lruvecs. */
export function pressureWorkload(): WorkloadInstance {
  return {
    files: [{ name: 'data', pages: MEM * 2 }],
    memcgs: [{ path: '/a' }],
    tasks: [reader('reader', 0, MEM * 2, 2), heap('heap', Math.floor(MEM / 4), 10, 200_000, { memcg: '/a' })],
  };
}

export function machine(over: Partial<MachineConfig> = {}): MachineConfig {
  return defaultMachineConfig(MEM, { swapPages: MEM, ...over });
}

/** Run a workload with invariant checks after every reclaim pass and at the end. */
export function run(
  policy: ReclaimOps<unknown> | PolicyAttachment[],
  workload: WorkloadInstance = pressureWorkload(),
  options: Partial<KernelOptions> = {},
): { k: Kernel; r: RunResult } {
  const k = new Kernel({
    machine: machine(),
    policy,
    fallback: fallbackFifo(),
    seed: 5,
    checkInvariants: true,
    ...options,
  });
  k.load(workload);
  const r = k.run();
  k.checkInvariants('end of run');
  return { k, r };
}
