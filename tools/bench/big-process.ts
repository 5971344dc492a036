/**
 * The big-machine footprint bench, run as a process of its own (`node
 * big-process.js GIB SCALE`, figures as JSON on stdout): `zipf-anon` in
 * kernel mode on a GIB GiB machine, and where the process's peak resident
 * memory went — typed arrays by owner (frames, LRU lists, page tables, swap
 * map, the rest), the JS heap, and what node itself holds before the
 * machine exists. A process of its own, so that its peak RSS is the run's.
 */

import {
  compileWorkload,
  defaultPolicy,
  parseMachine,
  policyAttachments,
  scenarioFrom,
  scenarioWorkload,
} from '@reclaim-lab/harness';
import { Kernel } from '@reclaim-lab/reclaim';

export interface BigFigures {
  gib: number;
  scale: number;
  pages: number;
  seconds: number;
  /** Peak RSS of the whole process, bytes. */
  peakRss: number;
  /** RSS before the machine was built: node and the modules. */
  startRss: number;
  /** Typed-array bytes reachable from the kernel and workload at the end, by owner. */
  typed: Record<string, number>;
  /** All ArrayBuffer bytes at the end (reachable or not yet collected). */
  arrayBuffers: number;
  /** The JS heap's committed size at the end, and its live part after a full GC (-1 without --expose-gc). */
  heapTotal: number;
  heapLive: number;
  /** Policy ejections: a run measured on the fallback policy is not the run the line names. */
  policyExits: string[];
}

/** Typed arrays reachable from `root`, summed by a coarse owner name. */
function typedBytes(root: unknown): Record<string, number> {
  const buffers = new Set<ArrayBufferLike>();
  const objects = new Set<object>();
  const out: Record<string, number> = {};
  const owner = (path: string): string =>
    /\.frames\./.test(path)
      ? 'frames'
      : /\.lists\./.test(path)
        ? 'lists'
        : /\.mms\b/.test(path)
          ? 'page tables'
          : /\.(swap|swapDevice)\b/.test(path)
            ? 'swap map'
            : /freeStack/.test(path)
              ? 'free lists'
              : 'other';
  const walk = (o: unknown, path: string, depth: number): void => {
    if (o === null || typeof o !== 'object' || depth > 10) return;
    if (ArrayBuffer.isView(o)) {
      if (buffers.has(o.buffer)) return;
      buffers.add(o.buffer);
      const k = owner(path);
      out[k] = (out[k] ?? 0) + o.buffer.byteLength;
      return;
    }
    if (objects.has(o)) return;
    objects.add(o);
    if (Array.isArray(o)) for (let i = 0; i < o.length; i++) walk(o[i], `${path}[${i}]`, depth + 1);
    else if (o instanceof Map) for (const v of o.values()) walk(v, `${path}<map>`, depth + 1);
    else for (const k of Object.keys(o)) walk((o as Record<string, unknown>)[k], `${path}.${k}`, depth + 1);
  };
  walk(root, '', 0);
  return out;
}

const gib = Number(process.argv[2] ?? 64);
const scale = Number(process.argv[3] ?? 0.05);
const gc = (globalThis as { gc?: () => void }).gc;
const scenario = scenarioFrom({
  workload: { id: 'zipf-anon', params: { scale } },
  policy: 'lru',
  machine: { memory: `${gib}GiB` },
});
gc?.();
const startRss = process.memoryUsage().rss;
const machine = parseMachine(scenario);
const { spec, params } = scenarioWorkload(scenario);
const pages = machine.nodePages.reduce((a, b) => a + b, 0);
const t0 = performance.now();
const workload = compileWorkload(spec, {
  memoryPages: pages,
  swapPages: machine.swapPages,
  seed: 1,
  params: params as never,
});
const kernel = new Kernel({
  machine,
  policy: policyAttachments(scenario),
  fallback: defaultPolicy(),
  seed: 1,
});
kernel.load(workload);
kernel.run();
const seconds = (performance.now() - t0) / 1000;
const end = process.memoryUsage();
gc?.();
const figures: BigFigures = {
  gib,
  scale,
  pages,
  seconds,
  peakRss: process.resourceUsage().maxRSS * 1024,
  startRss,
  typed: typedBytes({ kernel, workload }),
  arrayBuffers: end.arrayBuffers,
  heapTotal: end.heapTotal,
  heapLive: gc ? process.memoryUsage().heapUsed : -1,
  policyExits: kernel.policyExits.map((e) => `${e.policy} ${e.kind} in ${e.hook}: ${e.message}`),
};
process.stdout.write(`${JSON.stringify(figures)}\n`);
