import type { Plan } from './plan.js';

/**
 * Parses what the guest prints on its serial console. Every line the host
 * reads starts with "@@RL " (anything before the marker, such as a stray
 * kernel message, is dropped); a snapshot is a "snap" line, one "vmstat"
 * line, a "memstat" and a "memevents" line per memcg, and "endsnap".
 */

export interface MemcgSnapshot {
  stat: Record<string, number>;
  events: Record<string, number>;
}

export interface Snapshot {
  /** Task index, or -1 for the driver's own start/end snapshots. */
  task: number;
  seq: number;
  /** Phase index (OP_PHASE's argument), -1 before a task's first marker. */
  phase: number;
  edge: 'start' | 'begin' | 'end';
  /** CLOCK_MONOTONIC in the guest. */
  tNs: number;
  vmstat: Record<string, number>;
  memcgs: Record<string, MemcgSnapshot>;
}

export interface TaskOutcome {
  task: number;
  events?: number;
  doneNs?: number;
  /** Set when the task died of a signal (9: the OOM killer). */
  signal?: number;
  status?: number;
}

export interface ConsoleResult {
  kernel?: string;
  lruGen?: string;
  /** Guest uptime when /init started and when the workload was about to start. */
  bootSeconds?: number;
  readySeconds?: number;
  startNs?: number;
  finishNs?: number;
  exitCode?: number;
  snapshots: Snapshot[];
  tasks: TaskOutcome[];
  errors: string[];
  /** The driver finished, exited 0, and every snapshot it began was complete. */
  complete: boolean;
}

const MARK = '@@RL ';

function fields(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(' ')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

/** "k v k v ..." (a /proc file with its newlines turned into spaces). */
export function parsePairs(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  const parts = text.trim().split(/\s+/);
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const v = Number(parts[i + 1]);
    if (parts[i] !== '' && Number.isFinite(v)) out[parts[i]] = v;
  }
  return out;
}

/** Parses a whole console transcript; `feed` lines one at a time with `ConsoleParser` to follow a live run. */
export function parseConsole(text: string): ConsoleResult {
  const p = new ConsoleParser();
  for (const line of text.split('\n')) p.line(line);
  return p.result();
}

export class ConsoleParser {
  private readonly r: ConsoleResult = { snapshots: [], tasks: [], errors: [], complete: false };
  private open: Snapshot | null = null;
  private broken = 0;

  /** Returns the parsed record's kind (for progress), or undefined for a line that is not ours. */
  line(raw: string): string | undefined {
    const at = raw.indexOf(MARK);
    if (at < 0) return undefined;
    const line = raw.slice(at + MARK.length).replace(/\r$/, '');
    const sp = line.indexOf(' ');
    const kind = sp < 0 ? line : line.slice(0, sp);
    const rest = sp < 0 ? '' : line.slice(sp + 1);
    const f = fields(rest);
    const num = (k: string) => (f[k] === undefined ? undefined : Number(f[k]));
    switch (kind) {
      case 'boot':
        this.r.kernel = f.kernel;
        this.r.bootSeconds = num('uptime');
        break;
      case 'lru_gen':
        this.r.lruGen = rest.trim();
        break;
      case 'ready':
        this.r.readySeconds = num('uptime');
        break;
      case 'start':
        this.r.startNs = num('t');
        break;
      case 'snap': {
        if (this.open !== null) this.broken++;
        const edge = f.edge;
        if (edge !== 'start' && edge !== 'begin' && edge !== 'end') {
          this.r.errors.push(`console: snapshot with edge "${edge}"`);
          this.open = null;
          break;
        }
        this.open = {
          task: Number(f.task),
          seq: Number(f.seq),
          phase: Number(f.phase),
          edge,
          tNs: Number(f.t),
          vmstat: {},
          memcgs: {},
        };
        break;
      }
      case 'vmstat':
        if (this.open) this.open.vmstat = parsePairs(rest);
        break;
      case 'memstat':
      case 'memevents': {
        if (!this.open) break;
        const sp2 = rest.indexOf(' ');
        const path = sp2 < 0 ? rest : rest.slice(0, sp2);
        const m = this.open.memcgs[path] ?? { stat: {}, events: {} };
        const pairs = parsePairs(sp2 < 0 ? '' : rest.slice(sp2 + 1));
        if (kind === 'memstat') m.stat = pairs;
        else m.events = pairs;
        this.open.memcgs[path] = m;
        break;
      }
      case 'endsnap':
        if (this.open && this.open.task === Number(f.task) && this.open.seq === Number(f.seq))
          this.r.snapshots.push(this.open);
        else this.broken++;
        this.open = null;
        break;
      case 'taskdone':
        this.task(Number(f.task)).events = num('events');
        this.task(Number(f.task)).doneNs = num('t');
        break;
      case 'killed':
        this.task(Number(f.task)).signal = num('signal');
        break;
      case 'failed':
        this.task(Number(f.task)).status = num('status');
        break;
      case 'finish':
        this.r.finishNs = num('t');
        break;
      case 'exit':
        this.r.exitCode = Number(rest.trim());
        break;
      case 'error':
        this.r.errors.push(rest);
        break;
      default:
        return undefined;
    }
    return kind;
  }

  private task(i: number): TaskOutcome {
    let t = this.r.tasks.find((x) => x.task === i);
    if (!t) {
      t = { task: i };
      this.r.tasks.push(t);
      this.r.tasks.sort((a, b) => a.task - b.task);
    }
    return t;
  }

  result(): ConsoleResult {
    const r = this.r;
    if (this.open !== null) this.broken++;
    r.complete = r.finishNs !== undefined && r.exitCode === 0 && this.broken === 0 && r.errors.length === 0;
    if (this.broken > 0) r.errors.push(`console: ${this.broken} snapshot(s) cut short or interleaved`);
    return r;
  }
}

/** One phase of one task, measured as the lead's simulator RunResult phases are: global deltas between its boundaries. */
export interface KernelPhase {
  task: string;
  phase: string;
  /** The phase's index in the task's definition (repeats share it). */
  index: number;
  startNs: number;
  endNs: number;
  /** /proc/vmstat deltas over the phase. */
  vmstat: Record<string, number>;
  /** Per memcg: memory.stat and memory.events deltas (gauges such as `anon` as end minus start). */
  memcgs: Record<string, MemcgSnapshot>;
}

function delta(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(b)) out[k] = b[k] - (a[k] ?? 0);
  return out;
}

function memcgDelta(a: Snapshot, b: Snapshot): Record<string, MemcgSnapshot> {
  const out: Record<string, MemcgSnapshot> = {};
  for (const [path, m] of Object.entries(b.memcgs)) {
    const before = a.memcgs[path] ?? { stat: {}, events: {} };
    out[path] = { stat: delta(before.stat, m.stat), events: delta(before.events, m.events) };
  }
  return out;
}

function between(
  task: string,
  phase: string,
  index: number,
  a: Snapshot,
  b: Snapshot,
  t0: number,
): KernelPhase {
  return {
    task,
    phase,
    index,
    startNs: a.tNs - t0,
    endNs: b.tNs - t0,
    vmstat: delta(a.vmstat, b.vmstat),
    memcgs: memcgDelta(a, b),
  };
}

/**
 * Per-phase kernel results: for each task, each begin→end pair of its
 * snapshots (a task without phase markers gives one "(task)" phase). A
 * task killed mid-phase has no end snapshot; that phase is left out.
 */
export function kernelPhases(r: ConsoleResult, plan: Plan): KernelPhase[] {
  const t0 = r.startNs ?? 0;
  const out: KernelPhase[] = [];
  plan.tasks.forEach((t, ti) => {
    const snaps = r.snapshots.filter((s) => s.task === ti).sort((a, b) => a.seq - b.seq);
    const marked = snaps.some((s) => s.edge === 'begin');
    for (let i = 0; i + 1 < snaps.length; i++) {
      const a = snaps[i];
      const b = snaps[i + 1];
      if (marked ? a.edge === 'begin' && b.edge === 'end' && a.phase === b.phase : a.edge === 'start') {
        const name = marked ? (t.phaseNames[a.phase] ?? `phase${a.phase}`) : '(task)';
        // The phase's index in the task's definition, as the simulator's RunResult.phases give it (repeats share it).
        out.push(between(t.name, name, marked ? a.phase : 0, a, b, t0));
      }
    }
  });
  return out;
}

/** The whole run: the driver's own snapshots before the first task starts and after the last ends. */
export function kernelWholeRun(r: ConsoleResult): KernelPhase | undefined {
  const a = r.snapshots.find((s) => s.task === -1 && s.edge === 'start');
  const b = r.snapshots.find((s) => s.task === -1 && s.edge === 'end');
  if (!a || !b) return undefined;
  return between('(all)', '(run)', 0, a, b, r.startNs ?? a.tNs);
}
