import * as v from 'valibot';
import { describeValue, formatPath, type SpecIssue, WorkloadSpecError } from './errors.js';
import { resolveParams } from './params.js';
import {
  COUNT_HINT,
  type CountValue,
  DURATION_HINT,
  type DurationValue,
  durationToNs,
  isCountValue,
  isDurationValue,
  isSizeValue,
  SIZE_HINT,
  type SizeValue,
} from './quantities.js';
import type { LimitValue, ParamValue, PhaseDef, StreamDef, WorkloadInput, WorkloadSpec } from './spec.js';

/** Longest single OP_THINK (events carry int32 nanoseconds). */
export const MAX_THINK_NS = 2 ** 31 - 1;
/** Bounds the events one access step can emit (see task-source.ts). */
export const MAX_SIDE_STREAMS = 12;

// Every schema carries its own message so that an error reads
// `path: expected …, got …` rather than valibot's generic wording.

function obj<const E extends v.ObjectEntries>(entries: E) {
  const allowed = Object.keys(entries).join(', ');
  return v.strictObject(entries, (issue) => {
    if (issue.expected === 'Object') return `expected an object, got ${describeValue(issue.input)}`;
    if (issue.received === 'undefined') return 'required field missing';
    return `unknown field; allowed: ${allowed}`;
  });
}

interface Bounds {
  loOpen?: boolean;
  hiOpen?: boolean;
  integer?: boolean;
}

function numberIn(lo: number, hi: number, bounds: Bounds = {}) {
  const { loOpen = false, hiOpen = false, integer = false } = bounds;
  const upper = hi === Number.POSITIVE_INFINITY ? '∞)' : `${hi}${hiOpen ? ')' : ']'}`;
  const expected = `expected ${integer ? 'an integer' : 'a number'} in ${loOpen ? '(' : '['}${lo}, ${upper}`;
  return v.custom<number>(
    (x) =>
      typeof x === 'number' &&
      Number.isFinite(x) &&
      (!integer || Number.isInteger(x)) &&
      (loOpen ? x > lo : x >= lo) &&
      (hiOpen ? x < hi : x <= hi),
    (issue) => `${expected}, got ${describeValue(issue.input)}`,
  );
}

function choice<const T extends readonly [string, ...string[]]>(values: T) {
  const list = values.map((x) => JSON.stringify(x)).join(', ');
  return v.picklist(values, (issue) => `expected one of ${list}, got ${describeValue(issue.input)}`);
}

const text = v.pipe(
  v.string((issue) => `expected a string, got ${describeValue(issue.input)}`),
  v.minLength(1, 'expected a non-empty string'),
);
const flag = v.boolean((issue) => `expected true or false, got ${describeValue(issue.input)}`);
const list = <const S extends v.GenericSchema>(item: S) =>
  v.array(item, (issue) => `expected a list, got ${describeValue(issue.input)}`);

const size = v.custom<SizeValue>(
  isSizeValue,
  (issue) => `expected ${SIZE_HINT}, got ${describeValue(issue.input)}`,
);
const limit = v.custom<LimitValue>(
  (x) => x === 'max' || isSizeValue(x),
  (issue) => `expected "max" or ${SIZE_HINT}, got ${describeValue(issue.input)}`,
);
const duration = v.custom<DurationValue>(
  isDurationValue,
  (issue) => `expected ${DURATION_HINT}, got ${describeValue(issue.input)}`,
);
const count = v.custom<CountValue>(
  isCountValue,
  (issue) => `expected ${COUNT_HINT}, got ${describeValue(issue.input)}`,
);
const regionNames = v.union(
  [text, v.array(text)],
  (issue) => `expected a region name or a list of region names, got ${describeValue(issue.input)}`,
);
const memcgPath = v.pipe(
  v.string((issue) => `expected a string, got ${describeValue(issue.input)}`),
  v.regex(
    /^\/(?:[^/]+(?:\/[^/]+)*)?$/,
    (issue) => `expected a path like "/" or "/a/b", got ${describeValue(issue.input)}`,
  ),
);
const paramValue = v.union(
  [v.number(), v.string(), v.boolean()],
  (issue) => `expected a number, string or boolean, got ${describeValue(issue.input)}`,
);

const patternKinds = ['sequential', 'cyclic', 'uniform', 'zipf', 'gaussian', 'hotcold'] as const;
const pattern = v.variant(
  'kind',
  [
    obj({ kind: v.literal('sequential') }),
    obj({ kind: v.literal('cyclic') }),
    obj({ kind: v.literal('uniform') }),
    obj({ kind: v.literal('zipf'), alpha: numberIn(0, 5, { loOpen: true }), permute: v.optional(flag) }),
    obj({
      kind: v.literal('gaussian'),
      mean: numberIn(0, 1),
      stddev: numberIn(0, 10, { loOpen: true }),
      permute: v.optional(flag),
    }),
    obj({
      kind: v.literal('hotcold'),
      hotFraction: numberIn(0, 1, { loOpen: true, hiOpen: true }),
      hotProbability: numberIn(0, 1),
      permute: v.optional(flag),
    }),
  ],
  (issue) =>
    issue.expected === 'Object'
      ? `expected a pattern object with a "kind", got ${describeValue(issue.input)}`
      : `expected kind one of ${patternKinds.map((k) => JSON.stringify(k)).join(', ')}, got ${describeValue(issue.input)}`,
);

const streamEntries = {
  regions: regionNames,
  pattern,
  writeFraction: v.optional(numberIn(0, 1)),
  range: v.optional(obj({ from: numberIn(0, 1), to: numberIn(0, 1) })),
  fsyncEvery: v.optional(numberIn(1, Number.POSITIVE_INFINITY, { integer: true })),
};

const phase = obj({
  ...streamEntries,
  name: v.optional(text),
  passes: v.optional(numberIn(0, 1e9, { loOpen: true })),
  accesses: v.optional(count),
  duration: v.optional(duration),
  think: v.optional(duration),
  pause: v.optional(duration),
  opEvery: v.optional(numberIn(1, Number.POSITIVE_INFINITY, { integer: true })),
  marker: v.optional(flag),
  side: v.optional(list(obj({ ...streamEntries, every: v.optional(numberIn(1, 1e9)) }))),
  cache: v.optional(
    obj({ region: v.optional(text), size: v.optional(size), checkpointEvery: v.optional(count) }),
  ),
  map: v.optional(list(text)),
  unmap: v.optional(list(text)),
  madvise: v.optional(
    list(obj({ region: text, advice: choice(['normal', 'sequential', 'random', 'cold', 'pageout']) })),
  ),
  fsync: v.optional(flag),
  app: v.optional(choice(['foreground', 'visible', 'background', 'cached', 'launch-cold', 'launch-warm'])),
  frame: v.optional(obj({ period: duration, accesses: numberIn(1, 1e9, { integer: true }) })),
});

const region = obj({
  name: text,
  kind: choice(['anon', 'file-mapped', 'file-fd']),
  size: v.optional(size),
  file: v.optional(text),
  offset: v.optional(size),
  split: v.optional(flag),
  advice: v.optional(choice(['normal', 'sequential', 'random'])),
  mlock: v.optional(flag),
  exec: v.optional(flag),
  shmem: v.optional(flag),
  mapAtStart: v.optional(flag),
});

const task = obj({
  name: text,
  memcg: v.optional(memcgPath),
  count: v.optional(numberIn(1, 100_000, { integer: true })),
  startAt: v.optional(duration),
  stagger: v.optional(duration),
  oomScoreAdj: v.optional(numberIn(-1000, 1000, { integer: true })),
  node: v.optional(numberIn(0, 1023, { integer: true })),
  repeat: v.optional(numberIn(1, 1e9, { integer: true })),
  repeatFrom: v.optional(numberIn(0, 1e6, { integer: true })),
  regions: list(region),
  phases: list(phase),
});

const workloadSchema = obj({
  name: v.optional(text),
  description: v.optional(v.string()),
  origin: v.optional(obj({ preset: text, params: v.record(v.string(), paramValue) })),
  params: v.optional(
    v.record(
      v.string(),
      v.union([paramValue, obj({ default: paramValue, description: v.optional(v.string()) })]),
    ),
  ),
  files: v.optional(
    list(obj({ name: text, size, device: v.optional(numberIn(0, 1023, { integer: true })) })),
  ),
  memcgs: v.optional(
    list(
      obj({
        path: memcgPath,
        max: v.optional(limit),
        high: v.optional(limit),
        min: v.optional(size),
        low: v.optional(size),
        swapMax: v.optional(limit),
        swappiness: v.optional(numberIn(0, 200, { integer: true })),
        oomGroup: v.optional(v.boolean()),
      }),
    ),
  ),
  tasks: list(task),
  proactive: v.optional(
    list(
      obj({
        at: duration,
        memcg: memcgPath,
        size,
        swappiness: v.optional(numberIn(0, 200, { integer: true })),
        every: v.optional(duration),
        times: v.optional(numberIn(1, 1e6, { integer: true })),
      }),
    ),
  ),
  lmkd: v.optional(
    obj({
      some: v.optional(duration),
      full: v.optional(duration),
      window: v.optional(duration),
      killTimeout: v.optional(duration),
      swapFreeLow: v.optional(numberIn(0, 1)),
      thrashingLimit: v.optional(numberIn(0, 100)),
      referenceMemory: v.optional(size),
    }),
  ),
  machine: v.optional(
    obj({
      swapFraction: v.optional(numberIn(0, 64)),
      swapDevice: v.optional(choice(['zram', 'ramdisk', 'nvme', 'ssd', 'hdd'])),
    }),
  ),
});

function issuePath(issue: v.BaseIssue<unknown>): string {
  return formatPath(
    (issue.path ?? []).map((item) => (typeof item.key === 'number' ? item.key : String(item.key))),
  );
}

/** Cross-references the schema cannot see: names that must exist, be unique, or fit together. */
function checkReferences(spec: WorkloadSpec, issues: SpecIssue[]): void {
  const add = (path: (string | number)[], message: string) =>
    issues.push({ path: formatPath(path), message });
  const files = new Set<string>();
  spec.files?.forEach((f, i) => {
    if (files.has(f.name)) add(['files', i, 'name'], `duplicate file "${f.name}"`);
    files.add(f.name);
  });
  const memcgs = new Set<string>(['/']);
  spec.memcgs?.forEach((m, i) => {
    if (memcgs.has(m.path) && m.path !== '/') add(['memcgs', i, 'path'], `duplicate memcg "${m.path}"`);
    memcgs.add(m.path);
  });
  const memcgList = () => [...memcgs].join(', ');
  const fileList = () => (files.size === 0 ? 'no files are declared' : `declared: ${[...files].join(', ')}`);

  const taskNames = new Set<string>();
  spec.tasks.forEach((t, ti) => {
    const at = (...rest: (string | number)[]) => ['tasks', ti, ...rest];
    if (taskNames.has(t.name)) add(at('name'), `duplicate task "${t.name}"`);
    taskNames.add(t.name);
    if (t.memcg !== undefined && !memcgs.has(t.memcg))
      add(at('memcg'), `unknown memcg "${t.memcg}"; declared: ${memcgList()}`);

    const regions = new Map<string, (typeof t.regions)[number]>();
    t.regions.forEach((r, ri) => {
      const rp = (...rest: string[]) => at('regions', ri, ...rest);
      if (regions.has(r.name)) add(rp('name'), `duplicate region "${r.name}"`);
      regions.set(r.name, r);
      if (r.kind === 'anon') {
        if (r.size === undefined) add(rp('size'), 'required for anon regions');
        if (r.file !== undefined) add(rp('file'), 'anon regions have no file');
        if (r.offset !== undefined) add(rp('offset'), 'anon regions have no file offset');
      } else if (r.file === undefined) add(rp('file'), `required for ${r.kind} regions`);
      else if (!files.has(r.file)) add(rp('file'), `unknown file "${r.file}"; ${fileList()}`);
      if (r.shmem && r.kind !== 'file-mapped') add(rp('shmem'), 'only file-mapped regions can be shmem');
    });
    const regionList = () => [...regions.keys()].join(', ');
    const known = (name: string, path: (string | number)[]) => {
      if (!regions.has(name)) add(path, `unknown region "${name}"; regions: ${regionList()}`);
      return regions.get(name);
    };
    const checkStream = (s: StreamDef, path: (string | number)[]) => {
      const names = typeof s.regions === 'string' ? [s.regions] : s.regions;
      if (names.length === 0) add([...path, 'regions'], 'expected at least one region');
      names.forEach((name, i) => {
        const r = known(name, typeof s.regions === 'string' ? [...path, 'regions'] : [...path, 'regions', i]);
        if (r && s.fsyncEvery !== undefined && r.kind === 'anon')
          add([...path, 'fsyncEvery'], `region "${name}" is anon: there is nothing to fsync`);
      });
      if (s.range && s.range.from >= s.range.to) add([...path, 'range'], 'expected from < to');
    };

    if (t.repeatFrom !== undefined && t.repeatFrom >= t.phases.length)
      add(at('repeatFrom'), `expected a phase index below ${t.phases.length} (the task's phases)`);
    t.phases.forEach((p: PhaseDef, pi) => {
      const pp = (...rest: (string | number)[]) => at('phases', pi, ...rest);
      checkStream(p, pp());
      const lengths = (['passes', 'accesses', 'duration'] as const).filter((k) => p[k] !== undefined);
      if (lengths.length > 1)
        add(pp(lengths[1]), `give only one of passes, accesses, duration (also has ${lengths[0]})`);
      if (p.think !== undefined && durationToNs(p.think) > MAX_THINK_NS)
        add(pp('think'), `expected at most ${MAX_THINK_NS} ns per access; use pause for long idle times`);
      p.side?.forEach((s, si) => {
        checkStream(s, pp('side', si));
      });
      if ((p.side?.length ?? 0) > MAX_SIDE_STREAMS)
        add(pp('side'), `at most ${MAX_SIDE_STREAMS} side streams`);
      p.map?.forEach((name, i) => {
        known(name, pp('map', i));
      });
      p.unmap?.forEach((name, i) => {
        known(name, pp('unmap', i));
      });
      p.madvise?.forEach((m, i) => {
        known(m.region, pp('madvise', i, 'region'));
      });
      if (p.cache) {
        const c = p.cache;
        if ((c.region === undefined) === (c.size === undefined))
          add(pp('cache'), 'give exactly one of region (a buffer that holds the cache) or size');
        if (c.region !== undefined) {
          const r = known(c.region, pp('cache', 'region'));
          const main = typeof p.regions === 'string' ? [p.regions] : p.regions;
          if (r && r.kind === 'file-fd')
            add(pp('cache', 'region'), 'a cache buffer is memory: anon or file-mapped');
          if (main.includes(c.region))
            add(pp('cache', 'region'), 'the cache buffer cannot also be a region it caches');
        }
      }
    });
  });

  if (spec.lmkd) {
    const l = spec.lmkd;
    const windowNs = durationToNs(l.window ?? '1s');
    // The kernel takes trigger windows of 500 ms to 10 s; the model updates them every 100 ms.
    if (!(windowNs >= 5e8 && windowNs <= 1e10) || windowNs % 1e8 !== 0)
      add(['lmkd', 'window'], `expected a multiple of 100ms from 500ms to 10s, got ${windowNs / 1e6}ms`);
    for (const k of ['some', 'full'] as const) {
      const ns = durationToNs(l[k] ?? (k === 'some' ? '70ms' : '700ms'));
      if (!(ns > 0 && ns <= windowNs))
        add(
          ['lmkd', k],
          `expected a stall above 0 and at most the window (${windowNs / 1e6}ms), got ${ns / 1e6}ms`,
        );
    }
  }
  spec.proactive?.forEach((p, i) => {
    if (!memcgs.has(p.memcg))
      add(['proactive', i, 'memcg'], `unknown memcg "${p.memcg}"; declared: ${memcgList()}`);
    if ((p.times ?? 1) > 1 && p.every === undefined)
      add(['proactive', i, 'every'], 'required when times > 1');
  });
}

/**
 * Resolves `$param` references (declared defaults, then `params`), validates
 * the result, and returns the concrete spec. Throws a `WorkloadSpecError`
 * listing every problem with its path.
 */
export function validateWorkload(input: unknown, params?: Record<string, ParamValue>): WorkloadSpec {
  const issues: SpecIssue[] = [];
  const { spec } = resolveParams(input, params, issues);
  if (issues.length > 0) throw new WorkloadSpecError(issues);
  const result = v.safeParse(workloadSchema, spec, { abortEarly: false });
  if (!result.success) {
    throw new WorkloadSpecError(
      result.issues.map((issue) => ({ path: issuePath(issue), message: issue.message })),
    );
  }
  const output: WorkloadSpec = result.output;
  checkReferences(output, issues);
  if (issues.length > 0) throw new WorkloadSpecError(issues);
  return output;
}

/** Checks a raw value (parsed YAML or JSON) as a spec with its declared parameter defaults. */
export function assertWorkloadInput(input: unknown): asserts input is WorkloadInput {
  validateWorkload(input);
}
