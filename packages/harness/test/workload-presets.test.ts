import {
  APP_CACHED,
  APP_FOREGROUND,
  APP_LAUNCH_COLD,
  APP_LAUNCH_WARM,
  EventChunk,
  MADV_NORMAL,
  MADV_PAGEOUT,
  OP_APPSTATE,
  OP_FRAME,
  OP_FSYNC,
  OP_LOAD,
  OP_MADVISE,
  OP_MAP,
  OP_PHASE,
  OP_READ,
  OP_STORE,
  OP_THINK,
  OP_UNMAP,
  OP_WRITE,
} from '@reclaim-lab/hw-model';
import { describe, expect, it } from 'vitest';
import {
  type CompiledTask,
  type CompiledWorkload,
  compileWorkload,
  drainSource,
  getWorkload,
  harmonic,
  listWorkloads,
  WorkloadSpecError,
  workloadFromYaml,
  workloadToYaml,
} from '../src/workload/index.js';

/** A 16 MiB machine keeps every stream short; sizes and counts are relative, so the shapes are the same. */
const M = 4096;
const SWAP = 2048;

interface Events {
  op: Uint8Array;
  region: Int32Array;
  arg: Int32Array;
  length: number;
}

const chunk = new EventChunk();

function drain(task: CompiledTask): Events {
  let op = new Uint8Array(1 << 16);
  let region = new Int32Array(1 << 16);
  let arg = new Int32Array(1 << 16);
  let length = 0;
  drainSource(
    task.source,
    (c) => {
      if (length + c.length > op.length) {
        const grow = <T extends Uint8Array | Int32Array>(a: T, make: (n: number) => T): T => {
          const b = make(a.length * 2);
          b.set(a);
          return b;
        };
        op = grow(op, (n) => new Uint8Array(n));
        region = grow(region, (n) => new Int32Array(n));
        arg = grow(arg, (n) => new Int32Array(n));
      }
      op.set(c.op.subarray(0, c.length), length);
      region.set(c.region.subarray(0, c.length), length);
      arg.set(c.arg.subarray(0, c.length), length);
      length += c.length;
    },
    { chunk },
  );
  return { op, region, arg, length };
}

const isAccess = (op: number) => op === OP_LOAD || op === OP_STORE || op === OP_READ || op === OP_WRITE;
const isWrite = (op: number) => op === OP_STORE || op === OP_WRITE;

function compile(id: string, params: Record<string, unknown> = {}, seed = 1): CompiledWorkload {
  return compileWorkload(getWorkload(id, params), { memoryPages: M, swapPages: SWAP, seed });
}

function regionId(task: CompiledTask, name: string): number {
  const id = task.regionNames.indexOf(name);
  expect(id).toBeGreaterThanOrEqual(0);
  return id;
}

/** Accesses per page of one region. */
function pageCounts(task: CompiledTask, e: Events, name: string, filter: (op: number) => boolean = isAccess) {
  const r = regionId(task, name);
  const counts = new Float64Array(task.regions[r].pages);
  for (let i = 0; i < e.length; i++) if (e.region[i] === r && filter(e.op[i])) counts[e.arg[i]]++;
  return counts;
}

/** Event index ranges between OP_PHASE markers, by phase index. */
function phaseSpans(e: Events): Map<number, [number, number]> {
  const spans = new Map<number, [number, number]>();
  let current = -1;
  let start = 0;
  for (let i = 0; i <= e.length; i++) {
    if (i === e.length || e.op[i] === OP_PHASE) {
      if (current >= 0) spans.set(current, [start, i]);
      if (i < e.length) {
        current = e.arg[i];
        start = i + 1;
      }
    }
  }
  return spans;
}

/** An exact LRU over keys: the hit count it gets on a key stream. */
function lruHits(keys: ArrayLike<number>, capacity: number, from = 0): { hits: number; total: number } {
  const lru = new Map<number, true>();
  let hits = 0;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const hit = lru.delete(k);
    if (hit && i >= from) hits++;
    lru.set(k, true);
    if (lru.size > capacity) {
      for (const oldest of lru.keys()) {
        lru.delete(oldest);
        break;
      }
    }
  }
  return { hits, total: keys.length - from };
}

function accessKeys(
  task: CompiledTask,
  e: Events,
  names: string[],
  filter: (op: number) => boolean = isAccess,
) {
  const ids = names.map((n) => regionId(task, n));
  const keys: number[] = [];
  for (let i = 0; i < e.length; i++) {
    const r = e.region[i];
    if (ids.includes(r) && filter(e.op[i])) keys.push(r * 2 ** 32 + e.arg[i]);
  }
  return keys;
}

function sum(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i];
  return total;
}

/** Share of accesses that the most-accessed `fraction` of pages receive. */
function topShare(counts: Float64Array, fraction: number): number {
  const sorted = Float64Array.from(counts).sort().reverse();
  return sum(sorted.subarray(0, Math.round(fraction * counts.length))) / sum(sorted);
}

describe('registry', () => {
  it('lists the suite with descriptions, benchmarks and parameters', () => {
    const list = listWorkloads();
    expect(list.map((w) => w.id)).toEqual([
      'baseline',
      'scan-resistance',
      'loop-over-memory',
      'zipf-anon',
      'zipf-file',
      'second-level-cache',
      'phase-shift',
      'mmap-vs-read',
      'dirty-writeback',
      'anon-swap',
      'multi-memcg',
      'kv-store',
      'database',
      'analytics',
      'thrash-or-kill',
      'android-apps',
      'numa-tiering',
    ]);
    for (const w of list) {
      expect(w.description.length).toBeGreaterThan(10);
      expect(w.standsFor.length).toBeGreaterThan(0);
      expect(w.params.map((p) => p.name)).toContain('scale');
    }
    const scan = list.find((w) => w.id === 'scan-resistance');
    expect(scan?.params.slice(0, 5).map((p) => [p.name, p.default])).toEqual([
      ['hotFraction', 0.6],
      ['hotVariant', 'anon'],
      ['alpha', 0.99],
      ['scanMultiple', 2],
      ['scanners', 1],
    ]);
    const loop = list.find((w) => w.id === 'loop-over-memory');
    expect(loop?.params.map((p) => [p.name, p.default])).toEqual([
      ['loopFraction', 1.05],
      ['passes', 30],
      ['variant', 'anon'],
      ['walkers', 1],
      ['scale', 1],
    ]);
  });

  it('rejects unknown ids and parameters, naming the nearest or the allowed ones', () => {
    expect(() => getWorkload('scan-resistence')).toThrow(
      /unknown workload "scan-resistence"; did you mean "scan-resistance"\?/,
    );
    expect(() => getWorkload('scan-resistance', { hotFractoin: 0.5 })).toThrow(
      'params.hotFractoin: unknown parameter for scan-resistance; did you mean "hotFraction"?',
    );
    expect(() => getWorkload('scan-resistance', { speed: 0.5 })).toThrow(
      'params.speed: unknown parameter for scan-resistance; allowed: hotFraction, hotVariant, alpha',
    );
    expect(() => getWorkload('scan-resistance', { hotVariant: 'disk' })).toThrow(
      'params.hotVariant: expected one of anon, mapped, fd, got "disk"',
    );
    expect(() => getWorkload('loop-over-memory', { walkers: 0 })).toThrow(WorkloadSpecError);
  });

  it('compiles a preset spec given the same parameters again, but refuses to change them after the fact', () => {
    const spec = getWorkload('loop-over-memory', { loopFraction: '0.5' });
    const w = compileWorkload(spec, { memoryPages: M, params: { loopFraction: '0.5', scale: 1 } });
    expect(w.tasks[0].regions[0].pages).toBe(M / 2);
    expect(() => compileWorkload(spec, { memoryPages: M, params: { loopFraction: 2 } })).toThrow(
      'params.loopFraction: preset "loop-over-memory" built this spec with loopFraction = 0.5; pass loopFraction to getWorkload to change it',
    );
  });

  it('accepts parameter values as command-line strings', () => {
    const spec = getWorkload('scan-resistance', { hotFraction: '0.5', scanners: '4', hotVariant: 'fd' });
    expect(spec.origin?.params).toMatchObject({ hotFraction: 0.5, scanners: 4, hotVariant: 'fd' });
  });

  it('every preset compiles from 256 MiB to 64 GiB, round-trips through YAML, and stays short at 256 MiB', () => {
    const phone = 65_536;
    const server = 16 * 1024 * 1024;
    for (const { id } of listWorkloads()) {
      const spec = getWorkload(id);
      const yaml = workloadToYaml(spec);
      expect(workloadFromYaml(yaml)).toEqual(spec);
      const big = compileWorkload(spec, { memoryPages: server, swapPages: server / 2 });
      expect(big.tasks.length).toBeGreaterThan(0);
      const small = compileWorkload(spec, { memoryPages: phone, swapPages: phone / 2 });
      const planned = sum(small.tasks.map((t) => t.plannedAccesses));
      expect(planned, id).toBeGreaterThan(1_500_000);
      expect(planned, id).toBeLessThan(4_000_000);
      const scaled = compileWorkload(getWorkload(id, { scale: 0.1 }), {
        memoryPages: phone,
        swapPages: phone / 2,
      });
      expect(sum(scaled.tasks.map((t) => t.plannedAccesses)), id).toBeLessThan(planned / 2);
    }
  });
});

describe('the suite: each workload exposes the property it exists for', () => {
  it('baseline: the working set fits in memory', () => {
    const w = compile('baseline');
    const task = w.tasks[0];
    const counts = pageCounts(task, drain(task), 'heap');
    expect(counts.length).toBe(M / 2);
    expect(counts.every((c) => c > 0)).toBe(true);
  });

  it('scan-resistance: one pass over a file larger than memory beside a hot set touched repeatedly', () => {
    for (const hotVariant of ['anon', 'mapped', 'fd'] as const) {
      const w = compile('scan-resistance', { hotVariant, scanners: 4 });
      const hot = w.tasks.find((t) => t.name === 'hot');
      const scanners = w.tasks.filter((t) => t.name.startsWith('scanner'));
      expect(hot && scanners.length === 4).toBe(true);
      if (!hot) return;
      const scanFile = w.files.findIndex((f) => f.name === 'scan');
      expect(w.files[scanFile].pages).toBe(2 * M);
      const filePages = new Float64Array(2 * M);
      for (const s of scanners) {
        expect(s.startNs).toBeGreaterThan(0);
        const r = s.regions[0];
        expect(r).toMatchObject({ kind: 'file-fd', file: scanFile });
        const e = drain(s);
        let other = 0;
        for (let i = 0; i < e.length; i++) {
          if (e.op[i] === OP_READ) filePages[(r.filePageOffset ?? 0) + e.arg[i]]++;
          else if (e.op[i] !== OP_PHASE) other++;
        }
        expect(other).toBe(0);
      }
      expect(filePages.every((c) => c === 1)).toBe(true);

      const e = drain(hot);
      const counts = pageCounts(hot, e, 'hot');
      expect(counts.length).toBe(Math.floor(0.6 * M));
      expect(sum(counts) / counts.length).toBeGreaterThan(30);
      expect(topShare(counts, 0.1)).toBeGreaterThan(0.5);
      const expectedOp = { anon: OP_LOAD, mapped: OP_LOAD, fd: OP_READ }[hotVariant];
      expect(e.op.subarray(0, e.length).includes(expectedOp)).toBe(true);
      expect(hot.regions[0].kind).toBe({ anon: 'anon', mapped: 'file-mapped', fd: 'file-fd' }[hotVariant]);
    }
  });

  it('loop-over-memory: an exact LRU misses every access past 1.0x and hits every access below it', () => {
    const run = (loopFraction: number, variant: string) => {
      const task = compile('loop-over-memory', { loopFraction, variant, passes: 5 }).tasks[0];
      const keys = accessKeys(task, drain(task), ['loop']);
      const loop = task.regions[0].pages;
      expect(keys.length).toBe(5 * loop);
      return lruHits(keys, M, loop);
    };
    const over = run(1.05, 'anon');
    expect(over.hits).toBe(0);
    const under = run(0.95, 'file');
    expect(under.hits).toBe(under.total);
    const walkers = compile('loop-over-memory', { walkers: 3, variant: 'mapped' });
    expect(walkers.tasks.map((t) => t.regions[0].filePageOffset ?? 0)).toEqual([0, 1433, 2866]);
  });

  it('zipf-anon: loads all of memory, then the top 10% of pages get the Zipf share for alpha 0.99', () => {
    const task = compile('zipf-anon').tasks[0];
    const e = drain(task);
    const spans = phaseSpans(e);
    const n = task.regions[0].pages;
    expect(n).toBe(Math.floor(1.05 * M));
    const [ls, le] = spans.get(0) ?? [0, 0];
    const loaded = new Set<number>();
    for (let i = ls; i < le; i++) if (e.op[i] === OP_STORE) loaded.add(e.arg[i]);
    expect(loaded.size).toBe(n);

    const [rs, re] = spans.get(1) ?? [0, 0];
    const counts = new Float64Array(n);
    let writes = 0;
    for (let i = rs; i < re; i++)
      if (isAccess(e.op[i])) {
        counts[e.arg[i]]++;
        if (isWrite(e.op[i])) writes++;
      }
    const analytic = harmonic(Math.round(0.1 * n), 0.99) / harmonic(n, 0.99);
    expect(Math.abs(topShare(counts, 0.1) - analytic)).toBeLessThan(0.02);
    expect(writes / sum(counts)).toBeCloseTo(0.09, 2);
    // Keys are permuted: the hottest pages are spread over the region, not packed at its start.
    const hottest = Array.from(counts.keys())
      .sort((a, b) => counts[b] - counts[a])
      .slice(0, Math.round(0.1 * n));
    const inFirstTenth = hottest.filter((p) => p < 0.1 * n).length / hottest.length;
    expect(inFirstTenth).toBeLessThan(0.3);
  });

  it('zipf-file: random reads over a file set 2.75x the memcg limit, one slice per stream', () => {
    const w = compile('zipf-file');
    expect(w.memcgs).toEqual([{ path: '/fio', max: M / 2 }]);
    expect(w.files[0].pages).toBe(Math.floor(2.75 * 0.5 * M));
    expect(w.tasks).toHaveLength(2);
    const counts: Float64Array[] = [];
    for (const t of w.tasks) {
      expect(t.memcg).toBe('/fio');
      expect(t.regions[0]).toMatchObject({ kind: 'file-fd', advice: 'random' });
      const e = drain(t);
      const reads = pageCounts(t, e, 'data', (op) => op === OP_READ);
      expect(sum(reads)).toBe(sum(pageCounts(t, e, 'data')));
      counts.push(reads);
    }
    expect(w.tasks[1].regions[0].filePageOffset).toBe(w.tasks[0].regions[0].pages);
    const n = counts[0].length;
    const analytic = harmonic(Math.round(0.1 * n), 0.99) / harmonic(n, 0.99);
    expect(Math.abs(topShare(counts[0], 0.1) - analytic)).toBeLessThan(0.03);
  });

  it('second-level-cache: the upper cache absorbs the hot head, leaving long reuse distances', () => {
    for (const upper of ['anon', 'none']) {
      const spec = getWorkload('second-level-cache', { upper });
      const task = compileWorkload(spec, { memoryPages: M, seed: 1 }).tasks[0];
      const e = drain(task);
      const filtered = accessKeys(task, e, ['data']);
      const raw = structuredClone(spec);
      delete raw.tasks[0].phases[0].cache;
      const rawTask = compileWorkload(raw, { memoryPages: M, seed: 1 }).tasks[0];
      const unfiltered = accessKeys(rawTask, drain(rawTask), ['data']);
      expect(filtered.length).toBeLessThan(0.6 * unfiltered.length);
      // An LRU the size of the upper cache, below it, finds almost nothing left to hit.
      const upperPages = Math.floor(0.3 * M);
      const below = lruHits(filtered, upperPages);
      const above = lruHits(unfiltered, upperPages);
      expect(below.hits / below.total).toBeLessThan(0.25 * (above.hits / above.total));
      if (upper === 'anon') {
        const buffer = pageCounts(task, e, 'buffer');
        expect(buffer.length).toBe(upperPages);
        // Every request touches the buffer once: a hit reads its slot, a miss fills one.
        expect(sum(buffer)).toBe(unfiltered.length);
      }
    }
  });

  it('phase-shift: the working set changes at the phase markers (A, B, then A again)', () => {
    for (const variant of ['anon', 'file', 'mixed']) {
      const task = compile('phase-shift', { variant }).tasks[0];
      const e = drain(task);
      const spans = phaseSpans(e);
      expect([...spans.keys()]).toEqual([0, 1, 2, 3, 4]);
      expect(task.phaseNames).toEqual(['fill-A', 'A', 'fill-B', 'B', 'A-again']);
      const a = regionId(task, 'A');
      const b = regionId(task, 'B');
      const pagesIn = (phase: number) => {
        const [s, end] = spans.get(phase) ?? [0, 0];
        const set = new Set<number>();
        for (let i = s; i < end; i++) if (isAccess(e.op[i])) set.add(e.region[i] * 2 ** 32 + e.arg[i]);
        return set;
      };
      const first = pagesIn(1);
      const second = pagesIn(3);
      const third = pagesIn(4);
      const only = (set: Set<number>, r: number) => [...set].every((k) => Math.floor(k / 2 ** 32) === r);
      expect(only(first, a) && only(second, b) && only(third, a)).toBe(true);
      expect(first.size).toBeGreaterThan(0.9 * task.regions[a].pages);
      const common = [...third].filter((k) => first.has(k)).length;
      expect(common / third.size).toBeGreaterThan(0.95);
    }
  });

  it('mmap-vs-read: the same file pages through a mapping and through read(), the hot subset read repeatedly', () => {
    const w = compile('mmap-vs-read', { hog: true });
    const mapper = w.tasks.find((t) => t.name === 'mapper');
    const reader = w.tasks.find((t) => t.name === 'reader');
    const hog = w.tasks.find((t) => t.name === 'hog');
    expect(mapper && reader && hog).toBeTruthy();
    if (!mapper || !reader || !hog) return;
    expect(mapper.regions[0]).toMatchObject({ kind: 'file-mapped', file: 0, pages: Math.floor(1.25 * M) });
    expect(reader.regions[0]).toMatchObject({ kind: 'file-fd', file: 0 });
    expect(reader.regions[0].filePageOffset ?? 0).toBe(0);
    const mapped = pageCounts(mapper, drain(mapper), 'map');
    const read = pageCounts(reader, drain(reader), 'hot');
    expect(mapped.every((c) => c >= 1)).toBe(true);
    expect(read.length).toBe(Math.floor(0.25 * 1.25 * M));
    expect(read.every((c) => c >= 2)).toBe(true);
    expect(hog.regions[0].kind).toBe('anon');
  });

  it('dirty-writeback: most file traffic dirties pages, more than the memcg can hold', () => {
    const w = compile('dirty-writeback');
    expect(w.memcgs).toEqual([{ path: '/dirty', max: M / 2 }]);
    const limit = M / 2;
    const byName = new Map(w.tasks.map((t) => [t.name, t]));
    for (const t of w.tasks) expect(t.memcg).toBe('/dirty');
    const dd = byName.get('dd');
    const updater = byName.get('updater');
    const anon = byName.get('anon-writer');
    if (!dd || !updater || !anon) throw new Error('missing task');
    const ddEvents = drain(dd);
    const written = pageCounts(dd, ddEvents, 'out', isWrite);
    expect(written.length).toBe(2 * limit);
    expect(written.every((c) => c === 1)).toBe(true);
    expect(ddEvents.op[ddEvents.length - 1]).toBe(OP_FSYNC);

    const e = drain(updater);
    const [rs, re] = phaseSpans(e).get(1) ?? [0, 0];
    let accesses = 0;
    let writes = 0;
    const dirtied = new Set<number>();
    for (let i = rs; i < re; i++)
      if (isAccess(e.op[i])) {
        accesses++;
        if (isWrite(e.op[i])) {
          writes++;
          dirtied.add(e.arg[i]);
        }
      }
    expect(writes / accesses).toBeCloseTo(0.05, 2);
    expect(dirtied.size).toBeGreaterThan(0.2 * limit);
    const anonWrites = pageCounts(anon, drain(anon), 'buffer', (op) => op === OP_STORE);
    expect(anonWrites.every((c) => c >= 10)).toBe(true);
  });

  it('anon-swap: the anon working set exceeds memory and file accesses take their share', () => {
    const w = compile('anon-swap');
    const usemem = w.tasks[0];
    const reader = w.tasks[1];
    const anon = pageCounts(usemem, drain(usemem), 'heap');
    const file = pageCounts(reader, drain(reader), 'data');
    expect(anon.length).toBeGreaterThan(M);
    expect(anon.filter((c) => c > 1).length).toBeGreaterThan(M);
    const share = sum(file) / (sum(file) + sum(anon) - anon.length);
    expect(share).toBeCloseTo(0.3, 2);
    expect(file.length / (file.length + anon.length)).toBeCloseTo(0.3, 2);
  });

  it('multi-memcg: limited memcgs whose working sets exceed their limits, plus a noisy neighbour', () => {
    const w = compile('multi-memcg', { groups: 4, oversubscribe: 1.25, proactive: true, protect: true });
    const limited = w.memcgs.filter((m) => m.max !== undefined && Number.isFinite(m.max));
    expect(limited).toHaveLength(4);
    expect(sum(limited.map((m) => m.max ?? 0)) / M).toBeCloseTo(1.25, 2);
    expect(limited.every((m) => (m.low ?? 0) > 0 && (m.low ?? 0) < (m.max ?? 0))).toBe(true);
    expect(new Set(w.tasks.map((t) => t.memcg)).size).toBe(5);
    expect(w.tasks.map((t) => t.regions.map((r) => r.kind))).toEqual([
      ['anon', 'file-fd'],
      ['file-fd'],
      ['anon', 'file-fd'],
      ['file-fd'],
      ['file-fd'],
    ]);
    for (const t of w.tasks.slice(0, 4)) {
      const max = w.memcgs.find((m) => m.path === t.memcg)?.max ?? 0;
      // The working set is 1.25x the limit, so the limit bites; anon memory alone fits.
      expect(sum(t.regions.map((r) => r.pages)) / max).toBeCloseTo(1.25, 1);
      expect(sum(t.regions.filter((r) => r.kind === 'anon').map((r) => r.pages))).toBeLessThanOrEqual(max);
    }
    expect(
      sum(compile('multi-memcg').memcgs.map((m) => (Number.isFinite(m.max) ? (m.max ?? 0) : 0))) / M,
    ).toBeCloseTo(0.75, 2);
    const noisy = w.tasks[4];
    expect(noisy.memcg).toBe('/noisy');
    expect(noisy.regions[0].pages).toBe(2 * M);
    expect(sum(pageCounts(noisy, drain(noisy), 'stream'))).toBeGreaterThan(M);
    expect(w.proactive?.length).toBe(5 * 20);
  });

  it('kv-store: YCSB-B 95/5 reads and updates over data 1.1x the memcg, anon or file', () => {
    for (const backing of ['anon', 'file']) {
      const w = compile('kv-store', { backing });
      const task = w.tasks[0];
      expect(task.memcg).toBe('/kv');
      expect(task.regions[0].pages / (w.memcgs[0].max ?? 1)).toBeCloseTo(1.1, 2);
      const e = drain(task);
      const run = phaseSpans(e).get(task.phaseNames.indexOf('run')) ?? [0, 0];
      let accesses = 0;
      let writes = 0;
      let throughFd = 0;
      for (let i = run[0]; i < run[1]; i++)
        if (isAccess(e.op[i])) {
          accesses++;
          if (isWrite(e.op[i])) writes++;
          if (e.op[i] === OP_READ || e.op[i] === OP_WRITE) throughFd++;
        }
      expect(writes / accesses).toBeCloseTo(0.05, 2);
      expect(throughFd).toBe(backing === 'file' ? accesses : 0);
    }
  });

  it('database: pool hits, data-file misses, dirty write-back, WAL appends with fsync and checkpoints', () => {
    const w = compile('database');
    const task = w.tasks[0];
    const data = regionId(task, 'data');
    const pool = regionId(task, 'pool');
    const wal = regionId(task, 'wal');
    expect(task.regions[pool]).toMatchObject({
      kind: 'file-mapped',
      shmem: true,
      pages: Math.floor(0.2 * M),
    });
    expect(task.regions[data].pages).toBe(2 * M);
    expect(task.regions[wal].pages).toBe(Math.floor((2 * M) / 48));
    const e = drain(task);
    let poolAccesses = 0;
    let dataReads = 0;
    let dataWrites = 0;
    let walWrites = 0;
    let walFsyncs = 0;
    let dataFsyncs = 0;
    let lastWal = -1;
    let sequential = true;
    for (let i = 0; i < e.length; i++) {
      const op = e.op[i];
      const r = e.region[i];
      if (r === pool && isAccess(op)) poolAccesses++;
      if (r === data && op === OP_READ) dataReads++;
      if (r === data && op === OP_WRITE) dataWrites++;
      if (r === data && op === OP_FSYNC) dataFsyncs++;
      if (r === wal && op === OP_WRITE) {
        walWrites++;
        if (e.arg[i] !== (lastWal + 1) % task.regions[wal].pages) sequential = false;
        lastWal = e.arg[i];
      }
      if (r === wal && op === OP_FSYNC) walFsyncs++;
    }
    expect(poolAccesses).toBeGreaterThan(task.plannedAccesses);
    expect(dataReads).toBeGreaterThan(0.05 * task.plannedAccesses);
    expect(dataReads).toBeLessThan(0.9 * task.plannedAccesses);
    expect(dataWrites).toBeGreaterThan(0);
    expect(dataFsyncs).toBe(4);
    expect(sequential).toBe(true);
    expect(walWrites).toBe(task.plannedAccesses / 8);
    expect(walFsyncs).toBe(walWrites);

    const select = compile('database', { mode: 'select-only', poolBacking: 'anon' }).tasks[0];
    expect(select.regionNames).toEqual(['data', 'pool']);
    const s = drain(select);
    expect(sum(pageCounts(select, s, 'data', isWrite))).toBe(0);
    expect(sum(pageCounts(select, s, 'data'))).toBeGreaterThan(0);
  });

  it('analytics: jobs read their input once while growing sort buffers that overcommit memory', () => {
    const w = compile('analytics');
    expect(w.tasks).toHaveLength(12);
    const buffers = sum(w.tasks.map((t) => t.regions[regionId(t, 'buffer')].pages));
    expect(buffers).toBeGreaterThan(1.4 * M);
    const inputs = new Set<number>();
    for (const t of w.tasks) {
      const buffer = regionId(t, 'buffer');
      const input = regionId(t, 'input');
      expect(t.regions[buffer].mapAtStart).toBe(false);
      const e = drain(t);
      const [rs, re] = phaseSpans(e).get(0) ?? [0, 0];
      let grown = -1;
      let monotone = true;
      const inputCounts = new Float64Array(t.regions[input].pages);
      for (let i = rs; i < re; i++) {
        if (e.region[i] === input) inputCounts[e.arg[i]]++;
        if (e.region[i] === buffer && isAccess(e.op[i])) {
          if (e.arg[i] !== grown + 1) monotone = false;
          grown = e.arg[i];
        }
      }
      expect(inputCounts.every((c) => c === 1)).toBe(true);
      expect(monotone).toBe(true);
      expect(grown + 1).toBeGreaterThan(0.9 * t.regions[buffer].pages);
      const ops = Array.from(e.op.subarray(0, e.length));
      expect(ops.indexOf(OP_MAP)).toBeLessThan(ops.indexOf(OP_STORE));
      expect(ops.lastIndexOf(OP_UNMAP)).toBeGreaterThan(ops.lastIndexOf(OP_STORE));
      inputs.add(t.regions[input].filePageOffset ?? 0);
    }
    expect(inputs.size).toBe(12);
    expect(w.tasks[11].startNs).toBe(110_000_000);
  });

  it('thrash-or-kill: the tabs together demand more than memory + swap, and touch all of it', () => {
    const w = compile('thrash-or-kill');
    const demand = sum(w.tasks.map((t) => t.regions[0].pages));
    expect(demand / (M + SWAP)).toBeGreaterThan(1.05);
    expect(demand / (M + SWAP)).toBeLessThan(1.2);
    for (const t of w.tasks) {
      const touched = pageCounts(t, drain(t), 'heap', (op) => op === OP_STORE);
      expect(touched.every((c) => c >= 1)).toBe(true);
    }
    expect(w.tasks.map((t) => t.startNs)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => i * 20_000_000));
    // Each tab thinks for longer than the whole launch sequence, so all of them are alive at the end of it.
    const thinkNs = (t: CompiledTask) => {
      const e = drain(t);
      let total = 0;
      for (let i = 0; i < e.length; i++) if (e.op[i] === OP_THINK) total += e.arg[i];
      return total;
    };
    expect(thinkNs(compile('thrash-or-kill').tasks[0])).toBeGreaterThan(8 * 20_000_000);
    expect(() => compileWorkload(getWorkload('thrash-or-kill'), { memoryPages: M })).toThrow(
      /pass swapPages/,
    );
  });

  it('android-apps: apps in their own memcgs take turns: one cold launch, then warm visits with frames, freeze and pageout', () => {
    const w = compile('android-apps', { apps: 4, rounds: 2, cameraBurst: 0 });
    expect(w.tasks.map((t) => t.memcg)).toEqual(['/apps/app0', '/apps/app1', '/apps/app2', '/apps/app3']);
    // lmkd's defaults (PSI "some" 70 ms and "full" 700 ms within 1 s) for an 8 GiB phone, scaled to this 16 MiB one.
    const scale = M / (8 * 2 ** 18);
    expect(w.lmkd).toMatchObject({ someNs: 70e6 * scale, fullNs: 700e6 * scale, windowNs: 1e9 });
    const starts = w.tasks.map((t) => t.startNs ?? 0);
    for (let i = 1; i < starts.length; i++) expect(starts[i]).toBeGreaterThan(starts[i - 1]);
    const e = drain(w.tasks[0]);
    const states: number[] = [];
    let frames = 0;
    let pageouts = 0;
    for (let i = 0; i < e.length; i++) {
      if (e.op[i] === OP_APPSTATE) states.push(e.arg[i]);
      if (e.op[i] === OP_FRAME && e.arg[i] > 0) frames++;
      if (e.op[i] === OP_MADVISE && e.arg[i] === MADV_PAGEOUT) pageouts++;
    }
    // A cold launch once, then a warm launch per round; each visit ends frozen with its heap paged out.
    expect(states.filter((s) => s === APP_LAUNCH_COLD).length).toBe(1);
    expect(states.filter((s) => s === APP_LAUNCH_WARM).length).toBe(2);
    expect(states.filter((s) => s === APP_FOREGROUND).length).toBe(3);
    expect(states.filter((s) => s === APP_CACHED).length).toBe(3);
    expect(pageouts).toBe(3);
    expect(frames).toBe(3 * 48);
    // A frame period of one 120 Hz vsync.
    const period = e.arg[e.op.indexOf(OP_FRAME, e.op.indexOf(OP_FRAME) + 1)];
    expect(period).toBeCloseTo(8_333_333, -1);
    // The camera and the storm add an app and quick visits.
    expect(compile('android-apps', { apps: 4 }).tasks.map((t) => t.name)).toContain('camera');
    const stormed = drain(compile('android-apps', { apps: 4, storm: 3, cameraBurst: 0 }).tasks[0]);
    let launches = 0;
    for (let i = 0; i < stormed.length; i++)
      if (stormed.op[i] === OP_APPSTATE && stormed.arg[i] === APP_LAUNCH_WARM) launches++;
    expect(launches).toBe(5 + 3);
  });

  it('no preset issues an madvise it did not ask for', () => {
    for (const { id } of listWorkloads()) {
      for (const t of compile(id).tasks) expect(t.regions.every((r) => r.advice !== 'normal')).toBe(true);
    }
    expect(MADV_NORMAL).toBe(0);
  });
});
