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
import { describeIssue, readInputFile, unknownKey } from './input.js';
import { renameSysctls } from './sysctl.js';
import { TRACE_FORMATS } from './trace/trace-chunk.js';
import { getWorkload, WorkloadSpecError } from './workload/index.js';

/** Trace format names a scenario may give (libCacheSim's `oracleGeneral` spelling too). */
const TRACE_FORMAT_NAMES: [string, ...string[]] = ['oracleGeneral', ...TRACE_FORMATS];

/**
 * A scenario: machine + workload + policy + knobs + seed. It comes from a
 * YAML/JSON file or from CLI flags; either way it is validated here and every
 * error names the field, the value and what is allowed.
 */
export class ScenarioError extends Error {}

/** The largest seed: the generators take 32 bits. */
export const MAX_SEED = 2 ** 32 - 1;

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
  /**
   * zram's compression ratio: on zram swap the compressed pages take RAM
   * from the node (default 3, docs/phones.md); 0 opts out (the pool costs nothing).
   */
  zramRatio: v.optional(
    v.pipe(
      v.number(),
      v.check((x) => x === 0 || x >= 1, 'zramRatio must be 0 (no pool) or a ratio of at least 1'),
      v.maxValue(64),
    ),
  ),
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
  /** Memory tiering (docs/tiering.md): per-node load/store latency as a multiple of local DRAM's. */
  nodeLatency: v.optional(v.array(v.pipe(v.number(), v.minValue(1), v.maxValue(100)))),
  /** Per-node copy bandwidth (MB/s), pricing page migration. */
  nodeBandwidthMBps: v.optional(v.array(v.pipe(v.number(), v.minValue(1)))),
  /** Per node, the node its reclaim demotes to (-1 = none). */
  demotionTarget: v.optional(v.array(v.pipe(v.number(), v.integer(), v.minValue(-1)))),
  /** kernel.numa_balancing: 0 off, 2 memory tiering (promotion by hint faults). */
  numaBalancing: v.optional(v.picklist([0, 2], 'must be 0 (off) or 2 (memory tiering)')),
  numaPromoteRateLimitMBps: v.optional(v.pipe(v.number(), v.minValue(0))),
  numaHotThresholdMs: v.optional(v.pipe(v.number(), v.minValue(0))),
  numaScanPeriodMs: v.optional(v.pipe(v.number(), v.minValue(0.001))),
  numaScanSizeMB: v.optional(v.pipe(v.number(), v.minValue(0.004))),
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
        (w) => !('id' in w) || 'tasks' in w,
        'a preset reference takes id and params only (an inline workload has tasks)',
      ),
      v.check(
        (w) => !('trace' in w),
        `a trace workload takes trace (a path), format (${TRACE_FORMAT_NAMES.join(' | ')}), kind (file-fd | anon), params (libcachesim-csv reader params) and requests (replay the first N)`,
      ),
    ),
  ]),
  params: v.optional(v.record(v.string(), v.unknown()), {}),
  policy: v.optional(v.union([v.string(), v.array(v.string()), v.array(PolicyAttachSchema)]), 'lru'),
  // Seeds are 32-bit: a larger one would alias a smaller one in the generators.
  seed: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_SEED)), 1),
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

/**
 * A preset workload's id and parameters are checked here, where the file
 * (or the flag) can be named, rather than when the run builds the workload.
 */
export function checkScenarioWorkload(s: Scenario, source: string): void {
  const w = s.workload;
  let id: string;
  let params: Record<string, unknown>;
  if (typeof w === 'string') {
    id = w;
    params = s.params;
  } else if ('id' in w && typeof w.id === 'string' && !('tasks' in w)) {
    id = w.id;
    params = { ...s.params, ...((w as { params?: Record<string, unknown> }).params ?? {}) };
  } else return;
  try {
    getWorkload(id, params);
  } catch (e) {
    if (!(e instanceof WorkloadSpecError)) throw e;
    const first = e.message.split('\n')[0].replace(/^id: /, '');
    const param = /^params\.([\w-]+): (.*)$/.exec(first);
    if (source === 'options')
      throw new ScenarioError(param ? `--param ${param[1]}: ${param[2]}` : `--workload: ${first}`);
    throw new ScenarioError(`${source}: ${param ? first : `workload: ${first}`}`);
  }
}

/** Scenario fields as the command line spells them, for errors about flags. */
const FLAGS: Record<string, string> = {
  'machine.memory': '--memory',
  'machine.memoryPages': '--memory-pages',
  'machine.swap': '--swap',
  'machine.swapDevice': '--swap-device',
  'machine.disk': '--disk',
  'machine.nodes': '--nodes',
  'machine.swappiness': '--swappiness',
  mode: '--mode',
  seed: '--seed',
};

/** "file: path: problem", or for command-line options "--flag: problem". */
function withSource(source: string, message: string): string {
  if (source === 'options') {
    const m = /^([\w.]+): /.exec(message);
    if (m !== null && m[1] in FLAGS) return `${FLAGS[m[1]]}: ${message.slice(m[0].length)}`;
  }
  return `${source}: ${message}`;
}

/** Validate a scenario object; throws ScenarioError naming the path of the first bad field. */
export function validateScenario(input: unknown, source = 'scenario'): Scenario {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new ScenarioError(
      `${source}: (top level): expected a mapping of fields (machine, workload, policy, ...), got ${Array.isArray(input) ? 'a list' : describe(input)}`,
    );
  const r = v.safeParse(ScenarioSchema, withSysctlNames(input, source));
  if (r.success) {
    // A footprint share waits for the trace's first pass; its other checks are made here.
    try {
      if (r.output.machine.footprintShare === undefined) parseMachine(r.output);
      else if (r.output.machine.memoryPages !== undefined || !hasTracePath(r.output.workload))
        parseMachine(r.output);
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      throw new ScenarioError(withSource(source, e.message));
    }
    return r.output;
  }
  // One line: the first problem (an unknown key before what it leaves missing), and how many more.
  const first = r.issues.find((i) => i.type === 'strict_object' && i.input !== undefined) ?? r.issues[0];
  const more = r.issues.length > 1 ? ` (and ${r.issues.length - 1} more)` : '';
  throw new ScenarioError(withSource(source, `${describeIssue(ScenarioSchema, first)}${more}`));
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
  const s = validateScenario(
    readInputFile(path, (m) => new ScenarioError(m)),
    path,
  );
  checkScenarioWorkload(s, path);
  return s;
}

/** The largest memory or swap size: 2^26 pages. */
const MAX_PAGES = 64 * 1024 * 1024;

function sizeField(field: string, value: string | number): number {
  const bytes = parseBytes(value);
  // Sizes in units past TiB are well-formed, only too large: say so, as for 1TiB.
  if (typeof value === 'string' && /^\s*[0-9]+(\.[0-9]+)?\s*[pezy](i?b)?\s*$/i.test(value))
    throw new ScenarioError(`${field}: at most 256GiB is supported, got ${value}`);
  if (Number.isFinite(bytes) && bytesToPages(bytes) > MAX_PAGES)
    throw new ScenarioError(`${field}: at most 256GiB is supported, got ${value}`);
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
      throw new ScenarioError(`machine.cost.${k}: ${unknownKey(k, Object.keys(DEFAULT_COST))}`);
    (cost as unknown as Record<string, number>)[k] = val;
  }
  const perNode = Math.floor(memPages / m.nodes);
  if (perNode < 64)
    throw new ScenarioError(
      `machine.nodes: ${m.nodes} nodes need at least ${64 * m.nodes} pages (64 a node), got ${memPages} (${typeof got === 'number' ? `${got} pages` : got})`,
    );
  // Pages that do not divide evenly go to the first nodes, one each: none is dropped.
  const nodePages = Array.from({ length: m.nodes }, (_, i) => perNode + (i < memPages % m.nodes ? 1 : 0));
  return defaultMachineConfig(memPages, {
    ...tieringConfig(m),
    nodePages,
    swapPages,
    swapDevice: DEVICE_PRESETS[m.swapDevice],
    ...(m.zramRatio === undefined ? {} : { zramRatio: m.zramRatio }),
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

/** The tiering fields of `machine`, checked against its node count; only those given (so flat machines keep their config). */
function tieringConfig(m: Scenario['machine']): Partial<MachineConfig> {
  const out: Partial<MachineConfig> = {};
  const perNode = (field: 'nodeLatency' | 'nodeBandwidthMBps' | 'demotionTarget'): number[] | undefined => {
    const a = m[field];
    if (a === undefined) return undefined;
    if (a.length !== m.nodes)
      throw new ScenarioError(
        `machine.${field}: one value per node (machine.nodes is ${m.nodes}), got ${a.length}`,
      );
    return [...a];
  };
  const latency = perNode('nodeLatency');
  const bandwidth = perNode('nodeBandwidthMBps');
  const targets = perNode('demotionTarget');
  if (targets !== undefined) {
    targets.forEach((t, i) => {
      if (t >= m.nodes || t === i)
        throw new ScenarioError(
          `machine.demotionTarget[${i}]: a node other than ${i}, 0..${m.nodes - 1}, or -1 for none; got ${t}`,
        );
    });
    // Demotion goes down the tiers: following targets from any node must end.
    for (let i = 0; i < targets.length; i++) {
      let n = i;
      for (let steps = 0; n >= 0; steps++) {
        if (steps > targets.length)
          throw new ScenarioError(
            `machine.demotionTarget: node ${i} demotes in a cycle; targets must lead down to -1`,
          );
        n = targets[n];
      }
    }
  }
  if ((m.numaBalancing ?? 0) === 2 && !targets?.some((t) => t >= 0))
    throw new ScenarioError(
      'machine.numaBalancing: 2 (memory tiering) promotes from slow nodes; name one with machine.demotionTarget',
    );
  if (latency) out.nodeLatency = latency;
  if (bandwidth) out.nodeBandwidthMBps = bandwidth;
  if (targets) out.demotionTarget = targets;
  if (m.numaBalancing !== undefined) out.numaBalancing = m.numaBalancing;
  if (m.numaPromoteRateLimitMBps !== undefined) out.numaPromoteRateLimitMBps = m.numaPromoteRateLimitMBps;
  if (m.numaHotThresholdMs !== undefined) out.numaHotThresholdMs = m.numaHotThresholdMs;
  if (m.numaScanPeriodMs !== undefined) out.numaScanPeriodMs = m.numaScanPeriodMs;
  if (m.numaScanSizeMB !== undefined) out.numaScanSizeMB = m.numaScanSizeMB;
  return out;
}

export function latencyBudgetNs(s: Scenario): number {
  return s.latencyBudgetMs * NS_PER_MS;
}
