import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Tinypool from 'tinypool';
import { containmentOf, runContained } from '../contain/contain.js';
import { loadPolicySpecs, scenarioPolicySpecs } from '../policy-loader.js';
import { type CellTask, runCellTask } from './cell.js';

/** Runs cells and returns each result as JSON text. */
export interface CellRunner {
  /** Worker processes or threads; 0 = in this thread. */
  readonly workers: number;
  run(task: CellTask): Promise<string>;
  /** Stop the workers; runs still in flight are rejected. */
  close(): Promise<void>;
}

/** One worker per core the OS gives us. */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/**
 * A cell whose policy was loaded contained (`containPolicies`) runs in its
 * sandbox, started from this process; at most `slots` at a time. Undefined
 * for a cell that runs in process.
 */
function containedCell(slots: number): (task: CellTask) => Promise<string> | undefined {
  let running = 0;
  const waiting: (() => void)[] = [];
  return (task) => {
    const c = containmentOf(task.scenario, task.policy);
    if (c === undefined) return undefined;
    return (async () => {
      if (running >= slots) await new Promise<void>((go) => waiting.push(go));
      running++;
      try {
        return JSON.stringify(
          await runContained(task.scenario, { seed: task.seed, policy: task.policy, ...c }),
        );
      } finally {
        running--;
        waiting.shift()?.();
      }
    })();
  };
}

/** In this thread: for tests, for policies registered in-process, and for `--workers 0`. */
function inlineRunner(): CellRunner {
  const contained = containedCell(1);
  return {
    workers: 0,
    async run(task) {
      const c = contained(task);
      if (c !== undefined) return c;
      await loadPolicySpecs(scenarioPolicySpecs(task.scenario, task.policy));
      // Yield between cells so progress output and abort signals get a turn.
      await new Promise((resolve) => setImmediate(resolve));
      return runCellTask(task);
    },
    async close() {},
  };
}

/** tsx's loader, resolved from here so a worker finds it whatever the working directory. */
function tsxLoader(): string {
  try {
    return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  } catch {
    return 'tsx';
  }
}

function stringEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return env;
}

/**
 * A tinypool of `workers` workers. Built JavaScript (dist) runs in worker
 * threads; from TypeScript sources (tsx, vitest) each worker is a child
 * process that loads tsx and the source export condition, as TOOLING.md says.
 */
function poolRunner(workers: number): CellRunner {
  const fromSource = import.meta.url.endsWith('.ts');
  const filename = fileURLToPath(new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url));
  const pool = new Tinypool({
    filename,
    runtime: fromSource ? 'child_process' : 'worker_threads',
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 60_000,
    ...(fromSource
      ? { execArgv: ['--import', tsxLoader(), '--conditions=@reclaim-lab/source'], env: stringEnv() }
      : {}),
  });
  let closed = false;
  const contained = containedCell(workers);
  return {
    workers,
    run: (task) => contained(task) ?? (pool.run(task) as Promise<string>),
    async close() {
      if (closed) return;
      closed = true;
      await pool.destroy();
    },
  };
}

/** `workers` = 0 runs in this thread; otherwise a pool (default: one worker per core). */
export function createCellRunner(options: { workers?: number } = {}): CellRunner {
  const workers = options.workers ?? defaultWorkers();
  if (!Number.isInteger(workers) || workers < 0)
    throw new RangeError(`workers: expected an integer >= 0, got ${workers}`);
  return workers === 0 ? inlineRunner() : poolRunner(workers);
}
