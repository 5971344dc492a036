import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RunResult } from '@reclaim-lab/reclaim';
import { runScenario } from '../runner.js';
import { hasTracePath, type Scenario } from '../scenario.js';

/**
 * A cell is one run: one concrete scenario at one seed. Its id is a hash of
 * the scenario's canonical JSON, so the same cell gets the same id in any
 * sweep, on any machine, in any order — which is what lets a killed sweep
 * resume and shards merge.
 */
export const CELL_SCHEMA = 'reclaim-lab/sweep-cell@1';

/** What a worker runs: a scenario, optionally with the seed and policy overridden (as `runScenario` takes them). */
export interface CellTask {
  scenario: Scenario;
  seed?: number;
  policy?: string;
}

/** Objects with their keys sorted, recursively; `undefined` members dropped. */
export function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = canonicalize(v);
    }
    return out;
  }
  return value;
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalize(value));
}

/** The scenario a task runs, with the overrides folded in and nothing that does not change the run (name, seeds). */
export function effectiveScenario(task: CellTask): Scenario {
  const { name: _name, seeds: _seeds, ...rest } = task.scenario;
  return {
    ...rest,
    seeds: 1,
    seed: task.seed ?? task.scenario.seed,
    policy: task.policy ?? task.scenario.policy,
  };
}

/**
 * 16 hex digits of SHA-256 over the effective scenario's canonical JSON and,
 * for a trace workload, the trace's content (`traceFingerprint`): a trace
 * file replaced at the same path makes new cells, which a resumed sweep runs.
 */
export function cellId(task: CellTask): string {
  const scenario = effectiveScenario(task);
  const key = hasTracePath(scenario.workload)
    ? { scenario, traceSha256: traceFingerprint(scenario.workload.trace) }
    : scenario;
  return createHash('sha256').update(canonicalJson(key)).digest('hex').slice(0, 16);
}

const fingerprints = new Map<string, string>();

/**
 * SHA-256 of a trace file's bytes, hex. Read once per file, size and
 * modification time in a process: a sweep's cells share their trace's.
 */
export function traceFingerprint(path: string): string {
  let fd: number;
  let key: string;
  try {
    const st = statSync(path);
    key = `${resolve(path)}\0${st.size}\0${st.mtimeMs}`;
    const known = fingerprints.get(key);
    if (known !== undefined) return known;
    fd = openSync(path, 'r');
  } catch (e) {
    throw new Error(`${path}: cannot read trace: ${(e as Error).message}`);
  }
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(1 << 20);
  try {
    for (let n = readSync(fd, buf, 0, buf.length, null); n > 0; n = readSync(fd, buf, 0, buf.length, null))
      hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  const digest = hash.digest('hex');
  fingerprints.set(key, digest);
  return digest;
}

/** The run, serialised: the bytes a cell file holds do not depend on which thread or process ran it. */
export function runCellTask(task: CellTask): string {
  return JSON.stringify(runScenario(task.scenario, { seed: task.seed, policy: task.policy }));
}

/** One line of JSON: schema, id, the effective scenario and the result. */
export function cellFileText(id: string, task: CellTask, resultJson: string): string {
  return `{"schema":${JSON.stringify(CELL_SCHEMA)},"id":${JSON.stringify(id)},"scenario":${canonicalJson(effectiveScenario(task))},"result":${resultJson}}\n`;
}

export interface CellFile {
  id: string;
  scenario: Scenario;
  result: RunResult;
}

/** Parse a cell file; undefined when it is not a complete cell with the expected id. */
export function parseCellFile(text: string, expectedId?: string): CellFile | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null) return undefined;
  const d = data as Partial<CellFile> & { schema?: unknown };
  if (
    d.schema !== CELL_SCHEMA ||
    typeof d.id !== 'string' ||
    typeof d.result !== 'object' ||
    d.result === null
  ) {
    return undefined;
  }
  if (expectedId !== undefined && d.id !== expectedId) return undefined;
  return { id: d.id, scenario: d.scenario as Scenario, result: d.result as RunResult };
}
