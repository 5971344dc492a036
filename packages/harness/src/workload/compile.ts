import {
  APP_BACKGROUND,
  APP_CACHED,
  APP_FOREGROUND,
  APP_LAUNCH_COLD,
  APP_LAUNCH_WARM,
  APP_VISIBLE,
  type FileSpec,
  type LmkdSpec,
  MADV_COLD,
  MADV_NORMAL,
  MADV_PAGEOUT,
  MADV_RANDOM,
  MADV_SEQUENTIAL,
  type MemcgSpec,
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
  type RegionSpec,
  type TaskSpec,
  type WorkloadInstance,
} from '@reclaim-lab/hw-model';
import { AppCache } from './app-cache.js';
import { formatPath, type SpecIssue, WorkloadSpecError } from './errors.js';
import { FeistelPermutation } from './feistel.js';
import { combineSeed, hashString } from './hash.js';
import { GaussianGen, HotColdGen, type PatternGen, SequentialGen, UniformGen, ZipfGen } from './patterns.js';
import {
  countToNumber,
  durationToNs,
  type Machine,
  type SizeValue,
  sizeNeedsSwap,
  sizeToPages,
} from './quantities.js';
import { MAX_THINK_NS, validateWorkload } from './schema.js';
import type {
  AppStateName,
  LimitValue,
  MadviseAdvice,
  ParamValue,
  PhaseDef,
  RegionDef,
  StreamDef,
  TaskDef,
  WorkloadInput,
  WorkloadSpec,
} from './spec.js';
import { type CachePlan, type PhasePlan, type StreamPlan, TaskSource } from './task-source.js';

export interface CompileOptions {
  /** Machine memory in pages: what "0.5x" sizes and "40x" counts are relative to. */
  memoryPages: number;
  /** Swap in pages; needed only by sizes `{ fraction, of: 'swap' | 'memory+swap' }`. */
  swapPages?: number;
  /** Default 0. Each task's stream is seeded from (seed, task index). */
  seed?: number;
  /** Values for the spec's declared parameters. */
  params?: Record<string, ParamValue>;
  /** Nominal time of one access, for phases given a `duration` (default 100 ns). */
  accessNs?: number;
}

export interface CompiledTask extends TaskSpec {
  /** Index of the task definition in `spec.tasks`. */
  definition: number;
  /** Which of the definition's `count` copies this is. */
  copy: number;
  /** Region names, indexed like `regions` (and the events' region field). */
  regionNames: string[];
  /** Phase names, indexed like OP_PHASE's arg. */
  phaseNames: string[];
  /** Main-stream accesses the task will draw in all (before any cache filtering). */
  plannedAccesses: number;
}

export interface CompiledWorkload extends WorkloadInstance {
  name: string;
  /** The validated spec with parameters resolved. */
  spec: WorkloadSpec;
  memoryPages: number;
  seed: number;
  tasks: CompiledTask[];
}

const MADVISE_CODE: Record<MadviseAdvice, number> = {
  normal: MADV_NORMAL,
  random: MADV_RANDOM,
  sequential: MADV_SEQUENTIAL,
  cold: MADV_COLD,
  pageout: MADV_PAGEOUT,
};

const APP_CODE: Record<AppStateName, number> = {
  foreground: APP_FOREGROUND,
  visible: APP_VISIBLE,
  background: APP_BACKGROUND,
  cached: APP_CACHED,
  'launch-cold': APP_LAUNCH_COLD,
  'launch-warm': APP_LAUNCH_WARM,
};

/** Region ids and the stable identity that seeds permutations (same pages ⇒ same hot set). */
interface RegionInfo {
  id: number;
  pages: number;
  identity: string;
  kind: RegionDef['kind'];
}

type Path = (string | number)[];

/** Names were checked by `validateWorkload`; a miss here is a bug, not bad input. */
function lookupRegion(info: Map<string, RegionInfo>, name: string): RegionInfo {
  const region = info.get(name);
  if (region === undefined) throw new Error(`internal: region "${name}" was not resolved`);
  return region;
}

class Compiler {
  readonly issues: SpecIssue[] = [];
  readonly machine: Machine;
  readonly seed: number;
  readonly accessNs: number;
  readonly filePages = new Map<string, { index: number; pages: number }>();

  constructor(
    readonly spec: WorkloadSpec,
    options: CompileOptions,
  ) {
    this.machine = { memoryPages: options.memoryPages, swapPages: options.swapPages };
    this.seed = (options.seed ?? 0) >>> 0;
    this.accessNs = options.accessNs ?? 100;
  }

  fail(path: Path, message: string): void {
    this.issues.push({ path: formatPath(path), message });
  }

  pages(value: SizeValue, path: Path): number {
    if (sizeNeedsSwap(value) && this.machine.swapPages === undefined) {
      this.fail(path, 'is relative to swap: pass swapPages to compileWorkload');
      return 0;
    }
    return sizeToPages(value, this.machine);
  }

  positivePages(value: SizeValue, path: Path): number {
    const pages = this.pages(value, path);
    if (pages < 1) this.fail(path, `resolves to 0 pages with ${this.machine.memoryPages} pages of memory`);
    return pages;
  }

  limit(value: LimitValue | undefined, path: Path): number | undefined {
    if (value === undefined) return undefined;
    return value === 'max' ? Number.POSITIVE_INFINITY : this.pages(value, path);
  }

  files(): FileSpec[] {
    return (this.spec.files ?? []).map((f, i) => {
      const pages = this.positivePages(f.size, ['files', i, 'size']);
      this.filePages.set(f.name, { index: i, pages });
      return f.device === undefined ? { name: f.name, pages } : { name: f.name, pages, device: f.device };
    });
  }

  memcgs(): MemcgSpec[] {
    return (this.spec.memcgs ?? []).map((m, i) => {
      const out: MemcgSpec = { path: m.path };
      const at = (key: string): Path => ['memcgs', i, key];
      const max = this.limit(m.max, at('max'));
      const high = this.limit(m.high, at('high'));
      const swapMax = this.limit(m.swapMax, at('swapMax'));
      if (max !== undefined) out.max = max;
      if (high !== undefined) out.high = high;
      if (m.min !== undefined) out.min = this.pages(m.min, at('min'));
      if (m.low !== undefined) out.low = this.pages(m.low, at('low'));
      if (swapMax !== undefined) out.swapMax = swapMax;
      if (m.swappiness !== undefined) out.swappiness = m.swappiness;
      if (m.oomGroup !== undefined) out.oomGroup = m.oomGroup;
      return out;
    });
  }

  tasks(): CompiledTask[] {
    const out: CompiledTask[] = [];
    this.spec.tasks.forEach((def, ti) => {
      const count = def.count ?? 1;
      for (let copy = 0; copy < count; copy++) {
        const task = this.task(def, ti, copy, out.length);
        if (task) out.push(task);
      }
    });
    return out;
  }

  private regions(
    def: TaskDef,
    ti: number,
    copy: number,
  ): { specs: RegionSpec[]; info: Map<string, RegionInfo> } {
    const count = def.count ?? 1;
    const mapped = new Set(def.phases.flatMap((p) => p.map ?? []));
    const info = new Map<string, RegionInfo>();
    const specs = def.regions.map((r, ri) => {
      const at = (key: string): Path => ['tasks', ti, 'regions', ri, key];
      let pages: number;
      let offset = 0;
      let fileIndex = -1;
      if (r.kind === 'anon') {
        pages = this.positivePages(r.size ?? 0, at('size'));
        if (r.split && count > 1) pages = Math.floor(pages / count);
      } else {
        const file = this.filePages.get(r.file ?? '') ?? { index: 0, pages: 0 };
        fileIndex = file.index;
        if (r.offset !== undefined) offset = this.pages(r.offset, at('offset'));
        pages = r.size === undefined ? file.pages - offset : this.positivePages(r.size, at('size'));
        if (r.split && count > 1) {
          pages = Math.floor(pages / count);
          offset += copy * pages;
        }
        if (offset + pages > file.pages)
          this.fail(
            at(r.size === undefined ? 'offset' : 'size'),
            `runs past the end of file "${r.file}" (${file.pages} pages)`,
          );
      }
      if (pages < 1) this.fail(at('size'), `leaves ${pages} pages for copy ${copy}`);
      const spec: RegionSpec = { kind: r.kind, pages };
      if (fileIndex >= 0) {
        spec.file = fileIndex;
        if (offset > 0) spec.filePageOffset = offset;
      }
      if (r.mlock) spec.mlock = true;
      if (r.exec) spec.exec = true;
      if (r.shmem) spec.shmem = true;
      if (r.advice !== undefined && r.advice !== 'normal') spec.advice = r.advice;
      const mapAtStart = r.mapAtStart ?? !mapped.has(r.name);
      if (!mapAtStart) spec.mapAtStart = false;
      const identity = fileIndex >= 0 ? `file:${r.file}:${offset}:${pages}` : `anon:${ti}:${r.name}`;
      info.set(r.name, { id: ri, pages, identity, kind: r.kind });
      return spec;
    });
    return { specs, info };
  }

  private task(def: TaskDef, ti: number, copy: number, taskIndex: number): CompiledTask | null {
    const issuesBefore = this.issues.length;
    const { specs, info } = this.regions(def, ti, copy);
    if (this.issues.length > issuesBefore) return null;
    const readOp = new Uint8Array(specs.length);
    const writeOp = new Uint8Array(specs.length);
    const regionBase = new Float64Array(specs.length + 1);
    specs.forEach((r, i) => {
      readOp[i] = r.kind === 'file-fd' ? OP_READ : OP_LOAD;
      writeOp[i] = r.kind === 'file-fd' ? OP_WRITE : OP_STORE;
      regionBase[i + 1] = regionBase[i] + r.pages;
    });
    const cursors = new Map<string, SequentialGen>();
    const caches = new Map<string, AppCache>();
    const phases = def.phases.map((p, pi) =>
      this.phase(p, pi, ['tasks', ti, 'phases', pi], info, cursors, caches),
    );
    const repeat = def.repeat ?? 1;
    const startNs = durationToNs(def.startAt ?? 0) + copy * durationToNs(def.stagger ?? 0);
    const source = new TaskSource({
      seed: combineSeed(this.seed, taskIndex),
      repeat,
      repeatFrom: def.repeatFrom ?? 0,
      phases,
      readOp,
      writeOp,
      regionBase,
    });
    const task: CompiledTask = {
      name: (def.count ?? 1) > 1 ? `${def.name}.${copy}` : def.name,
      memcg: def.memcg ?? '/',
      regions: specs,
      source,
      startNs,
      definition: ti,
      copy,
      regionNames: def.regions.map((r) => r.name),
      phaseNames: def.phases.map((p, pi) => p.name ?? `phase${pi}`),
      plannedAccesses:
        phases.reduce((sum, p) => sum + p.accesses, 0) +
        (repeat - 1) * phases.slice(def.repeatFrom ?? 0).reduce((sum, p) => sum + p.accesses, 0),
    };
    if (def.node !== undefined) task.node = def.node;
    if (def.oomScoreAdj !== undefined) task.oomScoreAdj = def.oomScoreAdj;
    // An app's cold start (its launch-cold phase and the phases up to its
    // next state change) runs again when lmkd has killed it: a relaunch
    // execs the process afresh. Each relaunch gets fresh streams.
    const cold = def.phases.findIndex((p) => p.app === 'launch-cold');
    if (cold >= 0) {
      let end = cold + 1;
      while (end < def.phases.length && def.phases[end].app === undefined) end++;
      const coldDefs = def.phases.slice(cold, end).map(({ app: _, ...p }) => ({ ...p, marker: false }));
      let relaunches = 0;
      task.relaunch = () => {
        const fresh = new Map<string, SequentialGen>();
        const freshCaches = new Map<string, AppCache>();
        return new TaskSource({
          seed: combineSeed(combineSeed(this.seed, taskIndex), 0x10000 + ++relaunches),
          repeat: 1,
          repeatFrom: 0,
          phases: coldDefs.map((p, k) =>
            this.phase(p, cold + k, ['tasks', ti, 'phases', cold + k], info, fresh, freshCaches),
          ),
          readOp,
          writeOp,
          regionBase,
        });
      };
    }
    return task;
  }

  private stream(
    s: StreamDef,
    info: Map<string, RegionInfo>,
    cursors: Map<string, SequentialGen>,
    every: number,
  ): StreamPlan {
    const names = typeof s.regions === 'string' ? [s.regions] : s.regions;
    const regions = names.map((name) => lookupRegion(info, name));
    const starts = new Float64Array(regions.length + 1);
    regions.forEach((r, i) => {
      starts[i + 1] = starts[i] + r.pages;
    });
    const total = starts[regions.length];
    const from = s.range?.from ?? 0;
    const to = s.range?.to ?? 1;
    const rangeStart = Math.min(total - 1, Math.floor(from * total));
    const rangeLength = Math.max(1, Math.min(total, Math.floor(to * total)) - rangeStart);
    const identity = `${regions.map((r) => r.identity).join('+')}@${rangeStart}:${rangeLength}`;
    const permutation = (permute: boolean | undefined, byDefault: boolean) =>
      (permute ?? byDefault)
        ? new FeistelPermutation(rangeLength, combineSeed(this.seed, hashString(identity)))
        : null;
    let pattern: PatternGen;
    const p = s.pattern;
    switch (p.kind) {
      case 'sequential': {
        const shared = cursors.get(identity) ?? new SequentialGen(rangeLength, false);
        cursors.set(identity, shared);
        pattern = shared;
        break;
      }
      case 'cyclic':
        pattern = new SequentialGen(rangeLength, true);
        break;
      case 'uniform':
        pattern = new UniformGen(rangeLength);
        break;
      case 'zipf':
        pattern = new ZipfGen(rangeLength, p.alpha, permutation(p.permute, true));
        break;
      case 'gaussian':
        pattern = new GaussianGen(rangeLength, p.mean, p.stddev, permutation(p.permute, false));
        break;
      case 'hotcold':
        pattern = new HotColdGen(rangeLength, p.hotFraction, p.hotProbability, permutation(p.permute, false));
        break;
    }
    return {
      regionIds: Int32Array.from(regions, (r) => r.id),
      starts,
      rangeStart,
      pattern,
      writeFraction: s.writeFraction ?? 0,
      fsyncEvery: s.fsyncEvery ?? 0,
      every,
      credit: 0,
      count: 0,
    };
  }

  private phase(
    p: PhaseDef,
    pi: number,
    path: Path,
    info: Map<string, RegionInfo>,
    cursors: Map<string, SequentialGen>,
    caches: Map<string, AppCache>,
  ): PhasePlan {
    const main = this.stream(p, info, cursors, 1);
    const sides = (p.side ?? []).map((s) => this.stream(s, info, cursors, s.every ?? 1));
    const length = main.pattern.n;
    const thinkNs = durationToNs(p.think ?? 0);
    let accesses = length;
    if (p.passes !== undefined) accesses = Math.round(p.passes * length);
    else if (p.accesses !== undefined) accesses = countToNumber(p.accesses, this.machine);
    else if (p.duration !== undefined)
      accesses = Math.ceil(durationToNs(p.duration) / (thinkNs + this.accessNs));

    const id = (name: string) => lookupRegion(info, name).id;
    const fileRegions = (streams: StreamDef[]) => {
      const ids = new Set<number>();
      for (const s of streams)
        for (const name of typeof s.regions === 'string' ? [s.regions] : s.regions)
          if (info.get(name)?.kind !== 'anon') ids.add(id(name));
      return Int32Array.from(ids);
    };

    let cache: CachePlan | null = null;
    if (p.cache) {
      const c = p.cache;
      const key = c.region ?? `phase:${pi}`;
      const capacity =
        c.region !== undefined
          ? lookupRegion(info, c.region).pages
          : this.positivePages(c.size ?? 0, [...path, 'cache', 'size']);
      const shared = caches.get(key) ?? new AppCache(Math.max(1, capacity));
      caches.set(key, shared);
      const checkpointEvery =
        c.checkpointEvery === undefined ? 0 : countToNumber(c.checkpointEvery, this.machine);
      cache = {
        cache: shared,
        bufferRegion: c.region === undefined ? -1 : id(c.region),
        checkpointEvery,
        fsyncRegions: fileRegions([p]),
      };
    }

    const prologue: number[] = [];
    if (p.marker ?? true) prologue.push(OP_PHASE, -1, pi);
    if (p.app !== undefined) prologue.push(OP_APPSTATE, -1, APP_CODE[p.app]);
    // The frame clock starts with the phase's first access.
    if (p.frame) prologue.push(OP_FRAME, -1, 0);
    for (const name of p.map ?? []) prologue.push(OP_MAP, id(name), 0);
    for (const m of p.madvise ?? []) prologue.push(OP_MADVISE, id(m.region), MADVISE_CODE[m.advice]);
    const epilogue: number[] = [];
    if (p.fsync) for (const r of fileRegions([p, ...(p.side ?? [])])) epilogue.push(OP_FSYNC, r, 0);
    for (const name of p.unmap ?? []) epilogue.push(OP_UNMAP, id(name), 0);
    for (let pause = durationToNs(p.pause ?? 0); pause > 0; pause -= MAX_THINK_NS)
      epilogue.push(OP_THINK, -1, Math.min(pause, MAX_THINK_NS));

    const frameNs = p.frame ? durationToNs(p.frame.period) : 0;
    if (p.frame && !(frameNs >= 1 && frameNs <= MAX_THINK_NS))
      this.fail([...path, 'frame', 'period'], `expected 1ns to ${MAX_THINK_NS} ns, got ${frameNs} ns`);
    return {
      name: p.name ?? `phase${pi}`,
      accesses,
      frameEvery: p.frame ? p.frame.accesses : 0,
      frameNs: Math.round(frameNs),
      thinkNs,
      opEvery: p.opEvery ?? 0,
      main,
      sides,
      cache,
      prologue: Int32Array.from(prologue),
      epilogue: Int32Array.from(epilogue),
    };
  }

  proactive(): NonNullable<WorkloadInstance['proactive']> {
    const out: NonNullable<WorkloadInstance['proactive']> = [];
    (this.spec.proactive ?? []).forEach((p, i) => {
      const pages = this.pages(p.size, ['proactive', i, 'size']);
      const at = durationToNs(p.at);
      const every = durationToNs(p.every ?? 0);
      for (let k = 0; k < (p.times ?? 1); k++) {
        const request: NonNullable<WorkloadInstance['proactive']>[number] = {
          atNs: at + k * every,
          memcg: p.memcg,
          pages,
        };
        if (p.swappiness !== undefined) request.swappiness = p.swappiness;
        out.push(request);
      }
    });
    return out;
  }
}

function checkOptions(options: CompileOptions): void {
  const issues: SpecIssue[] = [];
  const { memoryPages, swapPages, seed, accessNs } = options;
  if (!Number.isInteger(memoryPages) || memoryPages < 1)
    issues.push({ path: 'options.memoryPages', message: `expected a positive integer, got ${memoryPages}` });
  if (swapPages !== undefined && (!Number.isInteger(swapPages) || swapPages < 0))
    issues.push({ path: 'options.swapPages', message: `expected a non-negative integer, got ${swapPages}` });
  if (seed !== undefined && !Number.isFinite(seed))
    issues.push({ path: 'options.seed', message: `expected a number, got ${seed}` });
  if (accessNs !== undefined && !(accessNs > 0))
    issues.push({ path: 'options.accessNs', message: `expected a positive number, got ${accessNs}` });
  if (issues.length > 0) throw new WorkloadSpecError(issues);
}

/**
 * Validates a spec (resolving `$param`s) and instantiates it for a machine:
 * sizes become pages, copies become tasks, and each task gets its own
 * deterministic, streaming `EventSource`. Compile again for a fresh run.
 */
export function compileWorkload(input: WorkloadInput, options: CompileOptions): CompiledWorkload {
  checkOptions(options);
  const spec = validateWorkload(input, options.params);
  const compiler = new Compiler(spec, options);
  const files = compiler.files();
  const memcgs = compiler.memcgs();
  if (compiler.issues.length > 0) throw new WorkloadSpecError(compiler.issues);
  const tasks = compiler.tasks();
  const proactive = compiler.proactive();
  if (compiler.issues.length > 0) throw new WorkloadSpecError(compiler.issues);
  const workload: CompiledWorkload = {
    name: spec.name ?? 'workload',
    spec,
    memoryPages: options.memoryPages,
    seed: compiler.seed,
    files,
    memcgs,
    tasks,
  };
  if (proactive.length > 0) workload.proactive = proactive;
  if (spec.lmkd) {
    const ref = spec.lmkd.referenceMemory;
    const refPages = ref === undefined ? 0 : compiler.pages(ref, ['lmkd', 'referenceMemory']);
    if (compiler.issues.length > 0) throw new WorkloadSpecError(compiler.issues);
    workload.lmkd = lmkdSpec(spec.lmkd, refPages > 0 ? Math.min(1, options.memoryPages / refPages) : 1);
  }
  return workload;
}

/**
 * lmkd's PSI triggers and thresholds (checked by the schema), lmkd's
 * defaults where the workload is silent; the stall thresholds times `scale`
 * (machine memory over `referenceMemory`, at most 1).
 */
function lmkdSpec(l: NonNullable<WorkloadSpec['lmkd']>, scale: number): LmkdSpec {
  const windowNs = durationToNs(l.window ?? '1s');
  const someNs = durationToNs(l.some ?? '70ms') * scale;
  const fullNs = durationToNs(l.full ?? '700ms') * scale;
  return {
    someNs,
    fullNs,
    windowNs,
    killTimeoutNs: durationToNs(l.killTimeout ?? '100ms'),
    swapFreeLow: l.swapFreeLow ?? 0.1,
    thrashingLimit: l.thrashingLimit ?? 1,
  };
}
