import { readFileSync } from 'node:fs';
import {
  bytesToPages,
  type CostModel,
  DEFAULT_COST,
  DEVICE_PRESETS,
  defaultMachineConfig,
  idealMachineConfig,
  KERNEL_VERSIONS,
  MAX_JITTER,
  type MachineConfig,
  NS_PER_MS,
  parseBytes,
  parseKernelVersion,
} from '@reclaim-lab/hw-model';
import * as v from 'valibot';
import { parse as parseYaml } from 'yaml';
import { renameSysctls } from './sysctl.js';
import { TRACE_FORMATS } from './trace/trace-chunk.js';

/** Trace format names a scenario may give (libCacheSim's `oracleGeneral` spelling too). */
const TRACE_FORMAT_NAMES: [string, ...string[]] = ['oracleGeneral', ...TRACE_FORMATS];

/**
 * A scenario: machine + workload + policy + knobs + seed. It comes from a
 * YAML/JSON file or from CLI flags; either way it is validated here and every
 * error names the field, the value and what is allowed.
 */
export class ScenarioError extends Error {}

const size = v.union([v.string(), v.pipe(v.number(), v.minValue(0))]);
const devices = Object.keys(DEVICE_PRESETS) as [string, ...string[]];

const MachineSchema = v.strictObject({
  memory: v.optional(size, '256MiB'),
  /** Exactly this many page frames; overrides `memory` (ideal mode takes any count from 1). */
  memoryPages: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(64 * 1024 * 1024))),
  /**
   * Trace workloads: memory as a share of the trace's footprint (its
   * distinct pages), floor(share × footprint) frames, as libCacheSim sizes
   * a cache given as a fraction of the working set. Overrides `memory`.
   */
  footprintShare: v.optional(
    v.pipe(
      v.number(),
      v.check((x) => x > 0, 'footprintShare must be above 0'),
      v.maxValue(1024),
    ),
  ),
  /** Split memory evenly over this many NUMA nodes. */
  nodes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(64)), 1),
  swap: v.optional(size),
  swapDevice: v.optional(v.picklist(devices), 'ssd'),
  disk: v.optional(v.picklist(devices), 'ssd'),
  swappiness: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(200)), 60),
  /** vm.page-cluster: swap readahead of up to 2^n pages (0 = none). */
  pageCluster: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10)), 3),
  /** The cgroup2 mount option memory_recursiveprot (systemd's default; the kernel's is off). */
  memoryRecursiveProt: v.optional(v.boolean(), false),
  /** The debugfs knob `fault_around_bytes`, in pages (a power of two; 1 = off). */
  faultAroundPages: v.optional(
    v.pipe(
      v.number(),
      v.integer(),
      v.minValue(1),
      v.maxValue(512),
      v.check((n) => (n & (n - 1)) === 0, 'faultAroundPages must be a power of two'),
    ),
    16,
  ),
  watermarkScaleFactor: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(3000)), 10),
  minFreeKbytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  dirtyRatio: v.optional(v.pipe(v.number(), v.minValue(1), v.maxValue(100)), 20),
  dirtyBackgroundRatio: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(100)), 10),
  cost: v.optional(v.record(v.string(), v.pipe(v.number(), v.minValue(0)))),
  /** Run-to-run timing noise, a fraction (0.02 = ±2%) of CPU costs and device latencies, drawn per seed. */
  jitter: v.optional(
    v.pipe(
      v.number(),
      v.minValue(0, 'machine.jitter must be at least 0 (0 = no noise)'),
      v.maxValue(MAX_JITTER, `machine.jitter must be at most ${MAX_JITTER} (a fraction: 0.02 = ±2%)`),
    ),
  ),
  /** Whose rules to follow where kernel releases differ (docs/kernel-versions.md); absent = the newest. */
  kernel: v.optional(
    v.pipe(
      v.union([v.string(), v.number()]),
      v.check((x) => parseKernelVersion(x) !== null, `must be one of ${KERNEL_VERSIONS.join(', ')}`),
      v.transform((x) => parseKernelVersion(x)!),
    ),
  ),
});

const PolicyAttachSchema = v.strictObject({
  scope: v.pipe(
    v.string(),
    v.regex(/^(system|node:\d+|memcg:\/.*)$/, 'scope must be system, node:N or memcg:/path'),
  ),
  policy: v.string(),
});

/** A trace replayed as the workload (sweeps take the same form in their workload lists). */
export const TraceWorkloadSchema = v.strictObject({
  trace: v.string(),
  format: v.optional(v.picklist(TRACE_FORMAT_NAMES)),
  kind: v.optional(v.picklist(['file-fd', 'anon'])),
  // libcachesim-csv reader parameters, in libCacheSim's syntax.
  params: v.optional(v.string()),
  // Replay only the first N requests (mrc's warm-up runs the prefix to subtract its misses).
  requests: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
});

const ScenarioSchema = v.strictObject({
  name: v.optional(v.string()),
  mode: v.optional(v.picklist(['kernel', 'ideal']), 'kernel'),
  machine: v.optional(MachineSchema, {}),
  workload: v.union([
    v.string(),
    v.strictObject({ id: v.string(), params: v.optional(v.record(v.string(), v.unknown()), {}) }),
    TraceWorkloadSchema,
    // An inline workload spec; a `trace` key means the trace form above, whose errors should show.
    v.pipe(
      v.record(v.string(), v.unknown()),
      v.check(
        (w) => !('trace' in w),
        `a trace workload takes trace (a path), format (${TRACE_FORMAT_NAMES.join(' | ')}), kind (file-fd | anon), params (libcachesim-csv reader params) and requests (replay the first N)`,
      ),
    ),
  ]),
  params: v.optional(v.record(v.string(), v.unknown()), {}),
  policy: v.optional(v.union([v.string(), v.array(v.string()), v.array(PolicyAttachSchema)]), 'lru'),
  seed: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 1),
  seeds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)), 1),
  latencyBudgetMs: v.optional(v.pipe(v.number(), v.minValue(0)), 10),
  untilMs: v.optional(v.pipe(v.number(), v.minValue(0))),
});

export type ScenarioInput = v.InferInput<typeof ScenarioSchema>;
export type Scenario = v.InferOutput<typeof ScenarioSchema>;

function describe(value: unknown): string {
  const s = JSON.stringify(value);
  return s === undefined ? String(value) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Validate a scenario object; throws ScenarioError naming the path of the first bad field. */
export function validateScenario(input: unknown, source = 'scenario'): Scenario {
  const r = v.safeParse(ScenarioSchema, withSysctlNames(input, source));
  if (r.success) {
    // A footprint share waits for the trace's first pass; its other checks are made here.
    if (r.output.machine.footprintShare === undefined) parseMachine(r.output);
    else if (r.output.machine.memoryPages !== undefined || !hasTracePath(r.output.workload))
      parseMachine(r.output);
    return r.output;
  }
  const lines = r.issues.slice(0, 5).map((issue) => {
    const path = (issue.path ?? []).map((p) => String(p.key)).join('.');
    return `${source}: ${path || '(top level)'}: ${issue.message} (got ${describe(issue.input)})`;
  });
  throw new ScenarioError(lines.join('\n'));
}

/** `vm.*` keys of the machine under their field names (`vm.swappiness` → `swappiness`). */
function withSysctlNames(input: unknown, source: string): unknown {
  if (typeof input !== 'object' || input === null) return input;
  const machine = (input as { machine?: unknown }).machine;
  if (typeof machine !== 'object' || machine === null || Array.isArray(machine)) return input;
  try {
    return { ...input, machine: renameSysctls(machine as Record<string, unknown>, source) };
  } catch (e) {
    throw new ScenarioError((e as Error).message);
  }
}

/** A workload field in the trace form (`{ trace: path, ... }`). */
export function hasTracePath(w: unknown): w is { trace: string } {
  return typeof w === 'object' && w !== null && typeof (w as { trace?: unknown }).trace === 'string';
}

export function loadScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ScenarioError(`${path}: cannot read: ${(e as Error).message}`);
  }
  let data: unknown;
  try {
    data = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new ScenarioError(
      `${path}: not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`,
    );
  }
  return validateScenario(data, path);
}

function sizeField(field: string, value: string | number): number {
  const bytes = parseBytes(value);
  if (!Number.isFinite(bytes))
    throw new ScenarioError(`${field}: "${value}" is not a size (examples: 256MiB, 1.5G, 4096)`);
  return bytes;
}

/**
 * Build the MachineConfig a scenario describes. `footprint` (a trace's
 * distinct pages) sizes the memory of `machine.footprintShare`.
 */
export function parseMachine(s: Scenario, footprint?: number): MachineConfig {
  const m = s.machine;
  let sharePages: number | undefined;
  if (m.footprintShare !== undefined) {
    if (m.memoryPages !== undefined)
      throw new ScenarioError('machine: give memoryPages or footprintShare, not both');
    if (!hasTracePath(s.workload))
      throw new ScenarioError(
        'machine.footprintShare: memory as a share of the footprint needs a trace workload',
      );
    if (footprint === undefined) throw new Error('parseMachine: footprintShare needs the trace footprint');
    sharePages = Math.max(1, Math.floor(m.footprintShare * footprint));
  }
  const exactPages = m.memoryPages ?? sharePages;
  if (s.mode === 'ideal' && (m.jitter ?? 0) > 0)
    throw new ScenarioError('machine.jitter: ideal mode has no time to perturb; use 0 or kernel mode');
  // Set only when given, so a scenario without it keeps its config (and result hashes) unchanged.
  const kernel = m.kernel === undefined ? {} : { kernel: m.kernel };
  if (exactPages !== undefined && s.mode === 'ideal') return { ...idealMachineConfig(exactPages), ...kernel };
  const memPages = exactPages ?? bytesToPages(sizeField('machine.memory', m.memory));
  const [field, got] =
    m.footprintShare !== undefined
      ? ['machine.footprintShare', `${m.footprintShare} of ${footprint} pages`]
      : m.memoryPages === undefined
        ? ['machine.memory', m.memory]
        : ['machine.memoryPages', m.memoryPages];
  if (memPages < 64)
    throw new ScenarioError(
      `${field}: at least 256KiB (64 pages) is needed (fewer only with memoryPages in ideal mode), got ${got}`,
    );
  if (memPages > 64 * 1024 * 1024)
    throw new ScenarioError(`${field}: at most 256GiB is supported, got ${got}`);
  if (s.mode === 'ideal') return { ...idealMachineConfig(memPages), ...kernel };
  const swapPages = m.swap === undefined ? memPages : bytesToPages(sizeField('machine.swap', m.swap));
  const cost: CostModel = { ...DEFAULT_COST };
  for (const [k, val] of Object.entries(m.cost ?? {})) {
    if (!(k in DEFAULT_COST))
      throw new ScenarioError(
        `machine.cost.${k}: unknown cost; allowed: ${Object.keys(DEFAULT_COST).join(', ')}`,
      );
    (cost as unknown as Record<string, number>)[k] = val;
  }
  const perNode = Math.floor(memPages / m.nodes);
  return defaultMachineConfig(memPages, {
    nodePages: new Array(m.nodes).fill(perNode),
    swapPages,
    swapDevice: DEVICE_PRESETS[m.swapDevice],
    disk: DEVICE_PRESETS[m.disk],
    swappiness: m.swappiness,
    pageCluster: m.pageCluster,
    faultAroundPages: m.faultAroundPages,
    memoryRecursiveProt: m.memoryRecursiveProt,
    watermarkScaleFactor: m.watermarkScaleFactor,
    minFreeKbytes: m.minFreeKbytes,
    dirtyRatio: m.dirtyRatio,
    dirtyBackgroundRatio: m.dirtyBackgroundRatio,
    cost,
    ...((m.jitter ?? 0) > 0 ? { jitter: m.jitter } : {}),
    ...kernel,
  });
}

export function latencyBudgetNs(s: Scenario): number {
  return s.latencyBudgetMs * NS_PER_MS;
}
