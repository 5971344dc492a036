/**
 * The contained side of a run with an untrusted policy. The parent bundles
 * this file with the policy (see contain.ts) and starts the bundle as a
 * child process under Node's permission model: it may read the bundle (and
 * a trace it replays), start worker threads, and nothing else.
 *
 * In that process the main thread is the supervisor and a worker thread
 * runs the simulation with its own heap limit. Every hook call of the
 * policy bumps a heartbeat in shared memory; the supervisor ends the
 * worker when a hook runs past the stall limit, and learns from the worker
 * when it ran out of heap or the policy called `process.exit`. Because the
 * simulation is deterministic, the supervisor then runs it again from the
 * start, with the same seed, and stops the policy at the call where the
 * worker died: the policy is ejected there, with an exit record, exactly
 * as the watchdog ejects a hook that throws.
 */
import { readFileSync } from 'node:fs';
import { register } from 'node:module';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import {
  POLICY_HOOKS,
  type PolicyFactory,
  PolicyLoadError,
  PolicyStopped,
  type ReclaimOps,
  type RunResult,
} from '@reclaim-lab/reclaim';
import { parsePolicySpec } from '../policies.js';
import { registerPolicyExports } from '../policy-loader.js';
import { type RunOptions, runScenario } from '../runner.js';
import type { Scenario } from '../scenario.js';

/** What the parent sends: one run. */
export interface SandboxTask {
  /** Only load and check the policies; answer with what each factory declares. */
  check?: readonly string[];
  scenario: Scenario;
  options: Pick<RunOptions, 'seed' | 'policy' | 'checkInvariants'>;
  /** Milliseconds one hook call (or the module's loading) may run. */
  stallMs: number;
  /** The worker's V8 heap limit, MiB; memory outside the heap may take as much again. */
  heapMiB: number;
  /** The process's address-space cap (set by the parent), MiB. */
  addressSpaceMiB: number;
  /** Where an earlier process's worker died: this run starts as that one's replay. */
  stop?: Stop;
  /** Attempts made by earlier processes for this run. */
  attempts?: number;
}

/** What the sandbox answers: the result, or one line saying why there is none. */
export type SandboxReply =
  | { ok: true; result: RunResult; attempts: number }
  | { ok: true; factories: Record<string, FactoryInfo> }
  | { ok: false; load: boolean; message: string; errorClass?: string; stuck?: boolean }
  /**
   * The worker would not end (`stuck`, so the parent kills this process):
   * replay the run in a fresh process, stopping the policy at `stop`.
   */
  | { ok: 'replay'; stop: Stop; attempts: number; stuck: true };

/** What a contained policy's factory declares: data only, for checking specs outside the sandbox. */
export type FactoryInfo = Omit<PolicyFactory, 'create'>;

/** Where the worker died: its heartbeat when it stopped. */
export interface Stop {
  /** The policy's hook call (1-based, in call order) to stop instead of making. */
  call: number;
  kind: 'stall' | 'memory' | 'exit';
  reason: string;
  message: string;
}

// Heartbeat slots (a Float64Array over a SharedArrayBuffer).
const HB_CALLS = 0; // hook calls of the policy so far
const HB_CURRENT = 1; // the innermost call running now, 0 for none
const HB_HOOK = 2; // its hook, as an index into POLICY_HOOKS
const HB_PHASE = 3; // PHASE_*
const PHASE_LOADING = 1;
const PHASE_RUNNING = 2;

/** Where the supervisor reads the process's virtual size (Linux; the parent allows reading it). */
export const PROC_STATUS = '/proc/self/status';

/** Headroom over heap + as much outside it before a policy is stopped for memory: V8's own slack. */
const MEMORY_SLACK_MIB = 512;
/** How near the address-space cap the process may come: past it, allocations fail all over. */
const CAP_MARGIN_MIB = 1024;
/**
 * How long a worker told to end may take to end. One that swallows failed
 * allocations at the address-space cap can outlive `terminate()` by a minute
 * or more (V8 retries each failed ArrayBuffer with full collections; asking
 * again every tick does not help); past this the whole process is given up
 * and the replay runs in a fresh one.
 */
const END_GRACE_MS = 1000;

/** The process's virtual size and resident set, MiB: what memory outside the V8 heap shows up in. */
function processMiB(): { vm: number | undefined; rss: number } {
  let vm: number | undefined;
  try {
    const m = /VmSize:\s+(\d+) kB/.exec(readFileSync(PROC_STATUS, 'utf8'));
    if (m !== null) vm = Number(m[1]) / 1024;
  } catch {}
  return { vm, rss: process.memoryUsage.rss() / 2 ** 20 };
}

/** Built-in modules a contained policy may import: computing only. */
export const POLICY_BUILTINS = ['assert', 'assert/strict', 'buffer', 'events', 'string_decoder', 'util'];

/** Loader hook for the worker: no import of a built-in outside the list, whatever the code computes. */
const IMPORT_GUARD = `
const allowed = new Set(${JSON.stringify(POLICY_BUILTINS)});
export async function resolve(specifier, context, next) {
  const bare = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
  const r = await next(specifier, context);
  if (r.url.startsWith('node:') && !allowed.has(bare))
    throw new Error('import of ' + specifier + ' refused: a contained policy may import only node:' + [...allowed].join(', node:'));
  if (!r.url.startsWith('node:') && !r.url.startsWith('file:')) throw new Error('import of ' + specifier + ' refused');
  return r;
}`;

type Loaders = Record<string, () => Promise<Record<string, unknown>>>;

/** The bundle's entry point: the supervisor in the main thread, the simulation in its worker. */
export function main(loaders: Loaders): void {
  if (isMainThread) supervise();
  else void simulate(loaders);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// ---- supervisor (main thread of the contained process) ----

function supervise(): void {
  process.once('message', (task: SandboxTask) => {
    void runAttempts(task).then((reply) => {
      // A worker that will not end would hold process.exit (it joins the worker) as long: the parent kills us.
      if ('stuck' in reply && reply.stuck === true) process.send?.(reply);
      else process.send?.(reply, () => process.exit(0));
    });
  });
}

async function runAttempts(task: SandboxTask): Promise<SandboxReply> {
  let stop: Stop | null = task.stop ?? null;
  // One replay per failure: each stops the policy no later than the one before, so this ends.
  for (let attempt = (task.attempts ?? 0) + 1; attempt <= 4; attempt++) {
    const out = await attemptOnce(task, stop);
    const stuck = 'stuck' in out && out.stuck === true;
    if ('result' in out) return { ok: true, result: out.result, attempts: attempt };
    if ('factories' in out) return { ok: true, factories: out.factories };
    if ('refused' in out)
      return { ok: false, load: out.load, message: out.refused, errorClass: out.errorClass, stuck };
    if (stop !== null && out.stop.call >= stop.call)
      return {
        ok: false,
        load: false,
        message: `the contained run failed again after the policy was ejected at its call ${stop.call}: ${out.stop.message}`,
        stuck,
      };
    stop = out.stop;
    if (stuck) return { ok: 'replay', stop, attempts: attempt, stuck: true };
  }
  return { ok: false, load: false, message: 'the contained run failed four times; giving up' };
}

/** An attempt's outcome; `stuck`: its worker was told to end and did not within END_GRACE_MS. */
type Attempt =
  | { result: RunResult }
  | { factories: Record<string, FactoryInfo> }
  | { refused: string; load: boolean; errorClass?: string; stuck?: boolean }
  | { stop: Stop; stuck?: boolean };

function attemptOnce(task: SandboxTask, stop: Stop | null): Promise<Attempt> {
  const sab = new SharedArrayBuffer(8 * 4);
  const hb = new Float64Array(sab);
  const worker = new Worker(process.argv[1], {
    workerData: { task, stop, sab },
    resourceLimits: { maxOldGenerationSizeMb: task.heapMiB },
    env: {},
    stdout: false,
    stderr: false,
  });
  return new Promise((resolve) => {
    let done = false;
    let stalled: Stop | null = null;
    let loadStalled = false;
    const finish = (a: Attempt) => {
      if (done) return;
      done = true;
      clearInterval(timer);
      // Gone before the replay starts, so its memory is not counted against the next attempt.
      void worker.terminate().then(() => resolve(a));
    };
    // When the supervisor told the worker to end (-1: it has not).
    let endingSince = -1;
    const end = () => {
      endingSince = performance.now();
      void worker.terminate();
    };
    // Where the worker is: the call it runs, or the last one it made.
    const here = () => {
      const current = hb[HB_CURRENT];
      const call = current > 0 ? current : hb[HB_CALLS];
      const hook = POLICY_HOOKS[hb[HB_HOOK]] ?? 'init';
      return { current, call, hook, phase: hb[HB_PHASE] };
    };
    // Memory outside the heap (ArrayBuffers, typed arrays, Buffers) is not in resourceLimits. Watch
    // what it takes from the machine (the process's resident growth since the worker ran) and how near
    // the address-space cap it is (untouched buffers; not the virtual growth itself, of which one
    // WebAssembly memory alone reserves 10 GiB).
    const allowMiB = 2 * task.heapMiB + MEMORY_SLACK_MIB;
    const nearCapMiB = task.addressSpaceMiB - CAP_MARGIN_MIB;
    let base: { vm: number | undefined; rss: number } | undefined;
    let overgrown: Stop | null = null;
    let loadOvergrown: string | null = null;
    let seenCalls = -1;
    let seenCurrent = -1;
    let seenPhase = -1;
    let since = performance.now();
    // Often enough that an allocation storm outside the heap is seen long before the address-space cap.
    const tick = Math.max(10, Math.min(20, task.stallMs / 4));
    const timer = setInterval(() => {
      const h = here();
      const now = performance.now();
      if (endingSince >= 0) {
        // Told to end and still running: give up this process; its exit handler would say the same.
        const why = ended();
        if (now - endingSince > END_GRACE_MS && !done && why !== null) {
          done = true;
          clearInterval(timer);
          resolve({ ...why, stuck: true });
        }
        return;
      }
      if (h.phase === PHASE_LOADING || h.phase === PHASE_RUNNING) {
        const size = processMiB();
        if (base === undefined) base = size;
        const grown = size.rss - base.rss;
        // Once the size was readable, failing to read it means the process has no memory left to.
        const nearCap = base.vm !== undefined && (size.vm === undefined || size.vm > nearCapMiB);
        if (grown > allowMiB || nearCap) {
          const why = nearCap
            ? `${h.current > 0 ? 'brought' : 'had brought'} its process within ${CAP_MARGIN_MIB} MiB of its address-space cap of ${task.addressSpaceMiB} MiB`
            : `${h.current > 0 ? 'grew' : 'had grown'} its process's resident memory by ${Math.round(grown)} MiB, over the ${allowMiB} MiB its heap limit of ${task.heapMiB} MiB allows with memory outside the heap (ArrayBuffers, typed arrays, Buffers)`;
          if (h.phase === PHASE_LOADING) loadOvergrown = why;
          else
            overgrown = {
              call: h.call,
              kind: 'memory',
              reason: 'out of memory',
              message: `${why}; the contained run was replayed and the policy stopped at this call`,
            };
          end();
          return;
        }
      }
      if (hb[HB_CALLS] !== seenCalls || h.current !== seenCurrent || h.phase !== seenPhase) {
        seenCalls = hb[HB_CALLS];
        seenCurrent = h.current;
        seenPhase = h.phase;
        since = now;
        return;
      }
      // Only the policy's code can stall: while it loads, or inside one of its hooks.
      const inPolicy = h.phase === PHASE_LOADING || (h.phase === PHASE_RUNNING && h.current > 0);
      if (!inPolicy || now - since < task.stallMs) return;
      const secs = `${task.stallMs / 1000} s`;
      if (h.phase === PHASE_LOADING) loadStalled = true;
      else
        stalled = {
          call: h.call,
          kind: 'stall',
          reason: 'stalled',
          message: `ran for more than ${secs} without returning (the stall limit); the contained run was replayed and the policy stopped at this call`,
        };
      end();
    }, tick);
    worker.on(
      'message',
      (m: {
        result?: RunResult;
        factories?: Record<string, FactoryInfo>;
        refused?: string;
        load?: boolean;
        errorClass?: string;
      }) => {
        if (m.result !== undefined) finish({ result: m.result });
        else if (m.factories !== undefined) finish({ factories: m.factories });
        else if (m.refused !== undefined)
          finish({ refused: m.refused, load: m.load === true, errorClass: m.errorClass });
      },
    );
    worker.on('error', (e: Error & { code?: string }) => {
      const h = here();
      if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        const limit = `its heap limit of ${task.heapMiB} MiB`;
        if (h.phase !== PHASE_RUNNING) finish({ refused: `loading it exceeded ${limit}`, load: true });
        else
          finish({
            stop: {
              call: h.call,
              kind: 'memory',
              reason: 'out of memory',
              message: `${h.current > 0 ? 'exceeded' : 'had filled'} ${limit}; the contained run was replayed and the policy stopped at this call`,
            },
          });
        return;
      }
      // Thrown outside any hook (a hook's throw is the watchdog's): at load, or from the core.
      if (h.phase !== PHASE_RUNNING) finish({ refused: `failed to load: ${message(e)}`, load: true });
      else finish({ refused: `the contained run failed: ${message(e)}`, load: false });
    });
    // What the supervisor ended the worker for, if it did.
    const ended = (): { stop: Stop } | { refused: string; load: boolean } | null => {
      if (stalled !== null) return { stop: stalled };
      if (overgrown !== null) return { stop: overgrown };
      if (loadOvergrown !== null)
        return {
          refused: `loading it ${loadOvergrown.replace(/^had brought/, 'brought').replace(/^had grown/, 'grew')}; refused`,
          load: true,
        };
      if (loadStalled)
        return {
          refused: `its module ran for more than ${task.stallMs / 1000} s at load (the stall limit); refused`,
          load: true,
        };
      return null;
    };
    worker.on('exit', (code) => {
      const why = ended();
      if (why !== null) return finish(why);
      const h = here();
      if (h.phase !== PHASE_RUNNING)
        return finish({ refused: `called process.exit(${code}) while loading; refused`, load: true });
      finish({
        stop: {
          call: h.call,
          kind: 'exit',
          reason: 'process exit',
          message: `called process.exit(${code}), which ends only its contained worker; the run was replayed and the policy stopped at this call`,
        },
      });
    });
  });
}

// ---- the simulation (worker thread) ----

function denied(what: string): () => never {
  // A function, not an arrow: `new WebSocket(...)` must get this message too, not "not a constructor".
  return function deniedCapability(): never {
    throw new Error(`${what} is not available to a contained policy`);
  };
}

/** Take away what the permission model leaves: signals, aborts, addons, the network, timers, the environment. */
function lockDown(): void {
  const p = process as unknown as Record<string, unknown>;
  for (const name of ['kill', 'abort', 'dlopen', 'binding', '_linkedBinding', 'getBuiltinModule', '_kill'])
    if (name in p) p[name] = denied(`process.${name}`);
  const g = globalThis as unknown as Record<string, unknown>;
  // The network needs no import: Node's permission model (on Node 20) has no network scope.
  for (const name of ['fetch', 'WebSocket', 'EventSource', 'XMLHttpRequest']) g[name] = denied(name);
  // Code the simulation does not call, running later: nothing a run can replay. Refused in the hook that asks.
  for (const name of ['setTimeout', 'setInterval', 'setImmediate']) g[name] = denied(name);
  register(`data:text/javascript,${encodeURIComponent(IMPORT_GUARD)}`);
}

async function simulate(loaders: Loaders): Promise<void> {
  const { task, stop, sab } = workerData as { task: SandboxTask; stop: Stop | null; sab: SharedArrayBuffer };
  const port = parentPort as NonNullable<typeof parentPort>;
  // The worker stays until the supervisor ends it: a thread that ended first could lose its answer to 'exit'.
  const reply = (m: unknown) => {
    port.postMessage(m);
    port.on('message', () => {});
  };
  const hb = new Float64Array(sab);
  let calls = 0;
  const hookIds = new Map<string, number>(POLICY_HOOKS.map((h, i) => [h, i]));

  const wrapHook = (fn: (...a: unknown[]) => unknown, id: number) =>
    function contained(this: unknown, a: unknown, b: unknown, c: unknown, d: unknown, e: unknown): unknown {
      const n = ++calls;
      hb[HB_CALLS] = n;
      // Every call from the stop on is refused, so a policy that catches the first cannot go on.
      if (stop !== null && n >= stop.call) throw new PolicyStopped(stop.kind, stop.reason, stop.message);
      const prevCall = hb[HB_CURRENT];
      const prevHook = hb[HB_HOOK];
      hb[HB_CURRENT] = n;
      hb[HB_HOOK] = id;
      try {
        return fn.call(this, a, b, c, d, e);
      } catch (err) {
        // The address-space cap met by an allocation outside the heap: memory, not a bug of the policy's.
        if (err instanceof RangeError && err.message === 'Array buffer allocation failed')
          throw new PolicyStopped(
            'memory',
            'out of memory',
            `could not allocate an ArrayBuffer: its process reached its address-space cap of ${task.addressSpaceMiB} MiB`,
          );
        throw err;
      } finally {
        hb[HB_CURRENT] = prevCall;
        hb[HB_HOOK] = prevHook;
      }
    };
  const wrap = (ops: ReclaimOps<unknown>): ReclaimOps<unknown> => {
    const o = ops as unknown as Record<string, unknown>;
    const target = Object.isFrozen(o) ? Object.create(o) : o;
    for (const [name, id] of hookIds) {
      const fn = o[name];
      if (typeof fn === 'function') target[name] = wrapHook(fn as (...a: unknown[]) => unknown, id);
    }
    return target as ReclaimOps<unknown>;
  };

  lockDown();
  hb[HB_PHASE] = PHASE_LOADING;
  const factories: Record<string, FactoryInfo> = {};
  try {
    for (const [ref, load] of Object.entries(loaders)) {
      const { create: _create, ...info } = registerPolicyExports(ref, await load(), wrap);
      factories[ref] = JSON.parse(JSON.stringify(info));
    }
  } catch (e) {
    reply({
      refused: e instanceof PolicyLoadError ? message(e) : `failed to load: ${message(e)}`,
      load: true,
    });
    return;
  }
  if (task.check !== undefined) {
    try {
      for (const spec of task.check) parsePolicySpec(spec);
    } catch (e) {
      reply({ refused: message(e), load: false, errorClass: (e as Error).constructor.name });
      return;
    }
    reply({ factories });
    return;
  }
  hb[HB_PHASE] = PHASE_RUNNING;
  let result: RunResult;
  try {
    result = runScenario(task.scenario, task.options);
  } catch (e) {
    reply({
      refused: message(e),
      load: false,
      errorClass: e instanceof Error ? e.constructor.name : 'Error',
    });
    return;
  }
  reply({ result });
}
