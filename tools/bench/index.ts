/**
 * `pnpm bench`: the simulator's speed and footprint, measured side by side
 * in one run and printed as figures and ratios. Nothing here asserts a time;
 * the targets from the issues are printed next to what was measured.
 *
 * RECLAIM_LAB_BENCH_SCALE (default 1) scales every workload, e.g. 0.2 for a
 * quick look.
 *
 * `pnpm bench` builds the packages and this bench with tsc, then runs it
 * with plain node: it measures the built packages, as the published
 * packages and the `reclaim-lab` binary run them. (Under tsx's loader the
 * same built code ran a fifth slower here, bare loops included: the loader
 * rewrites every module it passes through.) Run under tsx with the
 * `@reclaim-lab/source` condition instead, it measures the TypeScript
 * sources as tsx compiles them; the header says which.
 *
 * `pnpm bench --cachesim PATH` adds whole-process ratios against a
 * libCacheSim `cachesim` the user built (see anchor.ts);
 * `--anchor-only` runs just those.
 */

import { listPolicies } from '@reclaim-lab/harness';
import {
  DEVICE_PRESETS,
  defaultMachineConfig,
  type EventChunk,
  type EventSource,
  OP_LOAD,
  OP_READ,
  OP_STORE,
  SwapSpace,
  type TaskSpec,
} from '@reclaim-lab/hw-model';
import { Kernel, type ReclaimOps } from '@reclaim-lab/reclaim';
import { anchorBenches } from './anchor.js';
import { extraBenches } from './extra.js';

const SCALE = Number(process.env.RECLAIM_LAB_BENCH_SCALE ?? 1);

/** Replays pre-generated events: the cost of producing them is not the simulator's. */
function replay(op: Uint8Array, region: Int32Array, arg: Int32Array): EventSource {
  let i = 0;
  return {
    fill(chunk: EventChunk) {
      const n = Math.min(chunk.capacity, op.length - i);
      chunk.op.set(op.subarray(i, i + n));
      chunk.region.set(region.subarray(i, i + n));
      chunk.arg.set(arg.subarray(i, i + n));
      i += n;
      chunk.length = n;
      return n;
    },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function policy(name: string): ReclaimOps<unknown> {
  const f = listPolicies().find((p) => p.name === name);
  if (!f) throw new Error(`policy ${name} not registered`);
  return f.create(f.defaults);
}

interface Row {
  what: string;
  value: string;
  target: string;
  note: string;
}
const rows: Row[] = [];
const fmt = (x: number) =>
  x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(1);

/** Hit path: every page resident, accesses through the page table. */
function benchHitPath(): void {
  const pages = 65536;
  const n = Math.round(40_000_000 * SCALE);
  const op = new Uint8Array(pages + n);
  const region = new Int32Array(pages + n);
  const arg = new Int32Array(pages + n);
  for (let i = 0; i < pages; i++) {
    op[i] = OP_STORE;
    arg[i] = i;
  }
  let x = 1;
  for (let i = pages; i < pages + n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    op[i] = (x & 0x100) === 0 ? OP_LOAD : OP_STORE;
    arg[i] = x % pages;
  }
  const makeKernel = (events: number) => {
    const k = new Kernel({ machine: defaultMachineConfig(pages * 2), policy: policy('lru'), seed: 1 });
    const task: TaskSpec = {
      name: 'hits',
      regions: [{ kind: 'anon', pages }],
      source: replay(op.subarray(0, events), region.subarray(0, events), arg.subarray(0, events)),
    };
    k.load({ files: [], memcgs: [], tasks: [task] });
    return k;
  };
  const warmOnly: number[] = [];
  const full: number[] = [];
  const bare: number[] = [];
  for (let rep = 0; rep < 3; rep++) {
    const kw = makeKernel(pages);
    warmOnly.push(time(() => kw.run()));
    const kf = makeKernel(pages + n);
    full.push(time(() => kf.run()));
    // The floor: the same events over a bare page table, no simulator.
    const pte = new Int32Array(pages + 512).fill(1);
    const bits = new Uint8Array(pages + 512);
    bare.push(
      time(() => {
        let misses = 0;
        for (let i = pages; i < pages + n; i++) {
          const vpn = arg[i];
          if (pte[vpn] > 0) bits[vpn] |= 1 | (op[i] << 1);
          else misses++;
        }
        if (misses < 0) console.log(misses);
      }),
    );
  }
  const simRate = n / (median(full) - median(warmOnly));
  const bareRate = n / median(bare);
  rows.push({ what: 'hit path: accesses/s (all resident)', value: fmt(simRate), target: '≥ 50 M', note: '' });
  rows.push({
    what: 'hit path: bare typed-array loop, same events',
    value: fmt(bareRate),
    target: '',
    note: `simulator runs at ${(simRate / bareRate).toFixed(2)}× the bare loop`,
  });
}

/**
 * Steady pressure: one pass of reads (file) or first-touch stores (anon)
 * over four times memory. The same stream on a machine big enough to hold it
 * is timed beside it: the difference is what the reclaim path costs, so the
 * second figure is reclaimed pages per second of reclaim work alone.
 */
function benchReclaim(name: string, kind: 'file' | 'anon'): { endToEnd: number; reclaimOnly: number } {
  const mem = Math.round(65536 * Math.max(0.25, SCALE));
  const size = mem * 4;
  const runOnce = (memory: number): { secs: number; reclaimed: number } => {
    const k = new Kernel({
      machine: defaultMachineConfig(memory, {
        swapPages: size * 2,
        swapDevice: DEVICE_PRESETS.zram,
        disk: DEVICE_PRESETS.nvme,
      }),
      policy: policy(name),
      seed: 1,
    });
    let i = 0;
    const source: EventSource = {
      fill(chunk) {
        chunk.length = 0;
        while (i < size && chunk.length < chunk.capacity)
          chunk.push(kind === 'file' ? OP_READ : OP_STORE, 0, i++);
        return chunk.length;
      },
    };
    k.load({
      files: kind === 'file' ? [{ name: 'stream', pages: size }] : [],
      memcgs: [],
      tasks: [
        {
          name: 'stream',
          regions: [
            kind === 'file' ? { kind: 'file-fd', file: 0, pages: size } : { kind: 'anon', pages: size },
          ],
          source,
        },
      ],
    });
    let reclaimed = 0;
    const secs = time(() => {
      const r = k.run();
      reclaimed = r.counters.pgsteal_anon + r.counters.pgsteal_file;
    });
    return { secs, reclaimed };
  };
  const pressured: number[] = [];
  const free: number[] = [];
  let reclaimed = 0;
  // Untimed first: the optimizing compiler's warm-up took up to two of three timed runs, which
  // measured it rather than the reclaim path a long simulation runs in.
  runOnce(mem);
  runOnce(size + 65536);
  for (let rep = 0; rep < 3; rep++) {
    const p = runOnce(mem);
    reclaimed = p.reclaimed;
    pressured.push(p.secs);
    free.push(runOnce(size + 65536).secs);
  }
  const tp = median(pressured);
  const tf = median(free);
  return { endToEnd: reclaimed / tp, reclaimOnly: reclaimed / Math.max(1e-9, tp - tf) };
}

/** Bytes of simulator memory per simulated 4 KiB page of RAM, and per swap slot. */
function benchFootprint(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  const pages = 262144; // 1 GiB
  const measure = (swapPages: number): number => {
    gc?.();
    const before = process.memoryUsage();
    const k = new Kernel({
      machine: defaultMachineConfig(pages, { swapPages }),
      policy: policy('lru'),
      seed: 1,
    });
    const touch = Math.floor(pages * 0.9);
    let i = 0;
    k.load({
      files: [],
      memcgs: [],
      tasks: [
        {
          name: 'fill',
          regions: [{ kind: 'anon', pages: touch }],
          source: {
            fill(chunk) {
              chunk.length = 0;
              while (i < touch && chunk.length < chunk.capacity) chunk.push(OP_STORE, 0, i++);
              return chunk.length;
            },
          },
        },
      ],
    });
    k.run();
    gc?.();
    const after = process.memoryUsage();
    // Keep the kernel reachable until after the second reading.
    kept.push(k);
    return after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers;
  };
  const kept: Kernel[] = [];
  const ram = measure(0);
  kept.length = 0;
  // The swap map grows as slots are used: measure one with every slot handed out
  // (after the kernel above is collected, so its release does not count).
  gc?.();
  gc?.();
  const beforeSwap = process.memoryUsage();
  const swap = new SwapSpace(pages, 0);
  for (let i = 0; i < pages; i++) swap.alloc(0, i, 0);
  gc?.();
  const afterSwap = process.memoryUsage();
  const swapBytes =
    afterSwap.heapUsed + afterSwap.arrayBuffers - beforeSwap.heapUsed - beforeSwap.arrayBuffers;
  if (swap.used !== pages) throw new Error('swap map did not hand out every slot');
  const note = gc ? '' : ' (run with --expose-gc for a precise figure)';
  rows.push({
    what: 'memory per simulated 4 KiB page of RAM',
    value: `${(ram / pages).toFixed(1)} B`,
    target: '≤ 64 B',
    note: `frames, lists, page tables, 1 GiB machine${note}`,
  });
  rows.push({
    what: 'memory per swap slot',
    value: `${(swapBytes / pages).toFixed(1)} B`,
    target: '',
    note: 'per slot in use: owner, swap-cache link, shadow, memcg, shmem flag, free stack',
  });
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  if (i < 0) return undefined;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
  return v;
}

async function main(): Promise<void> {
  const names = listPolicies().map((p) => p.name);
  const cachesim = flag('--cachesim');
  const anchorOnly = process.argv.includes('--anchor-only');
  if (anchorOnly && cachesim === undefined) throw new Error('--anchor-only needs --cachesim PATH');
  process.stderr.write(`bench: scale ${SCALE}; policies ${names.join(', ')}\n`);
  if (!anchorOnly) await kernelBenches(names);
  if (cachesim !== undefined) for (const r of await anchorBenches(cachesim, SCALE)) rows.push(r);
  print();
}

async function kernelBenches(names: string[]): Promise<void> {
  // First, while the heap holds nothing else.
  benchFootprint();
  benchHitPath();
  const results: Record<string, { endToEnd: number; reclaimOnly: number }> = {};
  for (const name of ['lru', 'mglru'].filter((n) => names.includes(n))) {
    for (const kind of ['file', 'anon'] as const) {
      const r = benchReclaim(name, kind);
      results[`${name} ${kind}`] = r;
      const target = kind === 'file' ? (name === 'lru' ? '≥ 2 M' : '≥ 1.5 M') : '';
      const vs =
        name === 'lru' ? '' : `${(r.reclaimOnly / results[`lru ${kind}`].reclaimOnly).toFixed(2)}× lru`;
      const what = kind === 'file' ? 'file stream' : 'anon to zram';
      rows.push({
        what: `reclaim: pages/s, ${name}, ${what}, reclaim path only`,
        value: fmt(r.reclaimOnly),
        target,
        note: vs,
      });
      rows.push({
        what: `reclaim: pages/s, ${name}, ${what}, end to end`,
        value: fmt(r.endToEnd),
        target: '',
        note: 'faults, reads and reclaim together',
      });
    }
  }
  for (const r of await extraBenches(SCALE)) rows.push(r);
}

function print(): void {
  const w = [Math.max(...rows.map((r) => r.what.length)), Math.max(...rows.map((r) => r.value.length)), 8];
  const lines = [`${'measure'.padEnd(w[0])}  ${'value'.padStart(w[1])}  ${'target'.padEnd(w[2])}  note`];
  for (const r of rows)
    lines.push(`${r.what.padEnd(w[0])}  ${r.value.padStart(w[1])}  ${r.target.padEnd(w[2])}  ${r.note}`);
  const fromSource = import.meta.resolve('@reclaim-lab/reclaim').endsWith('.ts');
  process.stdout.write(
    `reclaim-lab bench: ${fromSource ? 'TypeScript sources under tsx' : 'built packages (dist)'}, node ${process.version}\n`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
