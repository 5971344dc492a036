import {
  type CompiledWorkload,
  compileWorkload,
  isTraceWorkload,
  parseMachine,
  type Scenario,
  scenarioWorkload,
} from '@reclaim-lab/harness';
import type { MemcgSpec } from '@reclaim-lab/hw-model';
import {
  EventChunk,
  OP_APPSTATE,
  OP_FRAME,
  OP_MADVISE,
  OP_NAMES,
  OP_OPDONE,
  OP_PHASE,
  OP_THINK,
  PAGE_SIZE,
} from '@reclaim-lab/hw-model';

/**
 * The plan: a scenario's workload compiled for the guest driver
 * (`driver/driver.c`). Each task's events come from the simulator's own
 * `TaskSource` — the same seeded generator, patterns, side streams and
 * application caches — so both worlds execute the same access sequence by
 * construction; the plan stores the drawn sequence, not a second copy of
 * the generator that could drift from it.
 *
 * File layout: a text header (one record per line, read by the driver with
 * sscanf), then each task's events as little-endian 32-bit words
 * `op:4 | region:4 | arg:24`. Region 15 means "no region" (the simulator's
 * -1); an event whose argument does not fit 24 bits is an escape word
 * `15:4 | region:4 | 0:20 | op:4` followed by the argument as a full word.
 */

export const PLAN_VERSION = 1;
const NO_REGION = 15;
const OP_EXT = 15;
const ARG_BITS = 0xffffff;
/** Regions a task may have: 4 bits, 15 reserved for "none". */
export const MAX_PLAN_REGIONS = 15;

export class RealPlanError extends Error {}

export interface PlanRegion {
  kind: 'anon' | 'file-mapped' | 'file-fd';
  pages: number;
  /** Index into `files`, or -1. */
  file: number;
  offset: number;
  mlock: boolean;
  exec: boolean;
  /** MADV_NORMAL/RANDOM/SEQUENTIAL code (the kernel's numbering). */
  advice: number;
  mapAtStart: boolean;
  shmem: boolean;
}

export interface PlanTask {
  name: string;
  memcg: string;
  startNs: number;
  oomScoreAdj: number;
  regionNames: string[];
  regions: PlanRegion[];
  phaseNames: string[];
  /** Encoded events (see the file comment). */
  words: Uint32Array;
  events: number;
  /** Loads, stores, reads and writes: the accesses the guest performs. */
  accesses: number;
}

export interface Plan {
  scenario: string;
  seed: number;
  memoryPages: number;
  swapPages: number;
  swapDevice: string;
  swappiness: number;
  pageCluster: number;
  dirtyRatio: number;
  dirtyBackgroundRatio: number;
  files: { name: string; pages: number }[];
  memcgs: MemcgSpec[];
  tasks: PlanTask[];
}

/** One decoded event, as the simulator's chunks carry it. */
export interface PlanEvent {
  op: number;
  region: number;
  arg: number;
}

const ADVICE_CODE = { normal: 0, random: 1, sequential: 2 } as const;
const KIND_CODE = { anon: 0, 'file-mapped': 1, 'file-fd': 2 } as const;

/** Growable word buffer; the plan is built once per run, off the simulator's hot path. */
class Words {
  buf = new Uint32Array(1 << 16);
  length = 0;
  push(w: number): void {
    if (this.length === this.buf.length) {
      const next = new Uint32Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = w >>> 0;
  }
  take(): Uint32Array {
    return this.buf.slice(0, this.length);
  }
}

/** Why a scenario cannot run on the real kernel, or undefined. Checked before anything is built. */
function refuse(scenario: Scenario): string | undefined {
  if (scenario.mode === 'ideal') return 'mode: ideal mode has no kernel counterpart; use mode: kernel';
  if (isTraceWorkload(scenario.workload))
    return 'workload: trace replays are not compiled for the guest; use a workload spec or preset';
  if (scenario.machine.nodes > 1)
    return `machine.nodes: the guest has one NUMA node, got ${scenario.machine.nodes}`;
  if (typeof scenario.policy !== 'string' && scenario.policy.some((p) => typeof p !== 'string'))
    return 'policy: per-memcg policy attachments have no kernel counterpart; give lru or mglru';
  return undefined;
}

function compileFor(scenario: Scenario, seed: number) {
  const why = refuse(scenario);
  if (why !== undefined) throw new RealPlanError(why);
  const machine = parseMachine(scenario);
  const memoryPages = machine.nodePages.reduce((a, b) => a + b, 0);
  const { spec, params } = scenarioWorkload(scenario);
  const workload: CompiledWorkload = compileWorkload(spec, {
    memoryPages,
    swapPages: machine.swapPages,
    seed,
    params: params as never,
  });
  return { workload, machine, memoryPages };
}

/** The workload's size before any event is drawn: what the size check judges, so a huge scenario is refused at once. */
export function plannedSize(
  scenario: Scenario,
  seed = scenario.seed,
): { accesses: number; memoryPages: number } {
  const { workload, memoryPages } = compileFor(scenario, seed);
  return { accesses: workload.tasks.reduce((s, t) => s + t.plannedAccesses, 0), memoryPages };
}

/**
 * Compiles a scenario's workload into a plan at one seed: the simulator's
 * compileWorkload, then every task's event stream drained into words.
 * Refuses, with the field and the reason, what the guest cannot express.
 */
export function compilePlan(scenario: Scenario, seed = scenario.seed): Plan {
  const { workload, machine, memoryPages } = compileFor(scenario, seed);
  if (workload.proactive !== undefined && workload.proactive.length > 0)
    throw new RealPlanError(
      'workload.proactive: timed memory.reclaim requests are not driven in the guest yet; turn them off (e.g. proactive: false)',
    );
  workload.memcgs.forEach((m, i) => {
    if (m.swappiness !== undefined)
      throw new RealPlanError(
        `workload.memcgs[${i}].swappiness: cgroup v2 has no per-memcg swappiness (memory.swappiness is v1 only); drop it`,
      );
  });
  const tasks = workload.tasks.map((t, ti): PlanTask => {
    if (t.regions.length > MAX_PLAN_REGIONS)
      throw new RealPlanError(
        `workload task "${t.name}": at most ${MAX_PLAN_REGIONS} regions per task in the guest, got ${t.regions.length}`,
      );
    const regions = t.regions.map(
      (r): PlanRegion => ({
        kind: r.kind,
        pages: r.pages,
        file: r.file ?? -1,
        offset: r.filePageOffset ?? 0,
        mlock: r.mlock ?? false,
        exec: r.exec ?? false,
        advice: ADVICE_CODE[r.advice ?? 'normal'],
        mapAtStart: r.mapAtStart ?? true,
        shmem: r.shmem ?? false,
      }),
    );
    const words = new Words();
    const chunk = new EventChunk();
    let events = 0;
    let accesses = 0;
    for (;;) {
      const n = t.source.fill(chunk);
      if (n === 0) break;
      for (let i = 0; i < n; i++) {
        const op = chunk.op[i];
        const region = chunk.region[i];
        const arg = chunk.arg[i];
        if (op === OP_APPSTATE || op === OP_FRAME)
          throw new RealPlanError(
            `workload task "${t.name}": app state changes and frames (an Android framework) have no guest counterpart`,
          );
        if (op === OP_MADVISE && regions[region]?.kind === 'file-fd' && arg > 2)
          throw new RealPlanError(
            `workload task "${t.name}": madvise ${arg} on a read()/write() region has no fadvise counterpart`,
          );
        if (op <= 3) accesses++;
        events++;
        const r = region < 0 ? NO_REGION : region;
        if (arg >= 0 && arg <= ARG_BITS) {
          words.push((op << 28) | (r << 24) | arg);
        } else {
          words.push((OP_EXT << 28) | (r << 24) | op);
          words.push(arg >>> 0);
        }
      }
    }
    if (ti > 255) throw new RealPlanError('workload: at most 256 tasks in the guest');
    return {
      name: t.name,
      memcg: t.memcg ?? '/',
      startNs: t.startNs ?? 0,
      oomScoreAdj: t.oomScoreAdj ?? 0,
      regionNames: t.regionNames,
      regions,
      phaseNames: t.phaseNames,
      words: words.take(),
      events,
      accesses,
    };
  });
  const m = scenario.machine;
  return {
    scenario: scenario.name ?? scenarioWorkload(scenario).id,
    seed,
    memoryPages,
    swapPages: machine.swapPages,
    swapDevice: m.swapDevice,
    swappiness: m.swappiness,
    pageCluster: m.pageCluster,
    dirtyRatio: m.dirtyRatio,
    dirtyBackgroundRatio: m.dirtyBackgroundRatio,
    files: workload.files.map((f) => ({ name: safeName(f.name), pages: f.pages })),
    memcgs: workload.memcgs,
    tasks,
  };
}

/** Names travel in a whitespace-separated header and become file names in the guest. */
function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** The plan file the driver reads. */
export function encodePlan(plan: Plan): Buffer {
  const lines = [`RLPLAN ${PLAN_VERSION}`];
  for (const f of plan.files) lines.push(`file ${f.name} ${f.pages}`);
  lines.push('memcg /');
  for (const m of plan.memcgs) if (m.path !== '/') lines.push(`memcg ${m.path}`);
  let offset = 0;
  for (const t of plan.tasks) {
    lines.push(
      `task ${safeName(t.name)} ${t.memcg} ${Math.round(t.startNs)} ${t.oomScoreAdj} ${t.regions.length} ${t.words.length} ${offset}`,
    );
    for (const r of t.regions)
      lines.push(
        `region ${KIND_CODE[r.kind]} ${r.pages} ${r.file} ${r.offset} ${+r.mlock} ${+r.exec} ${r.advice} ${+r.mapAtStart} ${+r.shmem}`,
      );
    offset += t.words.length * 4;
  }
  const head = `${lines.join('\n')}\n`;
  // The data line has a fixed width so the header's length is known before the offset is.
  const headBytes = Buffer.byteLength(head) + 'data 0000000000\nend\n'.length;
  const dataOff = Math.ceil(headBytes / PAGE_SIZE) * PAGE_SIZE;
  const header = Buffer.alloc(dataOff, 0x20);
  header.write(`${head}data ${String(dataOff).padStart(10, '0')}\nend\n`);
  const body = Buffer.alloc(offset);
  let at = 0;
  for (const t of plan.tasks) {
    Buffer.from(t.words.buffer, t.words.byteOffset, t.words.byteLength).copy(body, at);
    at += t.words.byteLength;
  }
  if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1)
    throw new Error('plan encoding assumes a little-endian host');
  return Buffer.concat([header, body]);
}

/** Decodes one task's words back into events (tests; the driver decodes the same way). */
export function decodeWords(words: Uint32Array): PlanEvent[] {
  const out: PlanEvent[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const top = w >>> 28;
    const r = (w >>> 24) & 15;
    const region = r === NO_REGION ? -1 : r;
    if (top === OP_EXT) {
      out.push({ op: w & 15, region, arg: words[++i] | 0 });
    } else {
      out.push({ op: top, region, arg: w & ARG_BITS });
    }
  }
  return out;
}

/** FNV-1a over (op, region, arg) as the driver's --dry mode computes it, region -1 as 0xffffffff. */
export function eventHash(events: Iterable<PlanEvent>): string {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const mask = 0xffffffffffffffffn;
  const mix = (w: number) => {
    for (let i = 0; i < 4; i++) {
      h ^= BigInt((w >>> (8 * i)) & 0xff);
      h = (h * prime) & mask;
    }
  };
  for (const e of events) {
    mix(e.op);
    mix(e.region < 0 ? 0xffffffff : e.region);
    mix(e.arg >>> 0);
  }
  return h.toString(16).padStart(16, '0');
}

/** Accesses in all tasks, what the run's length is judged by. */
export function planAccesses(plan: Plan): number {
  return plan.tasks.reduce((s, t) => s + t.accesses, 0);
}

/** Human name of an op, for messages. */
export function opName(op: number): string {
  return OP_NAMES[op] ?? `op${op}`;
}

export { OP_OPDONE, OP_PHASE, OP_THINK };
