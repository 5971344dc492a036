/**
 * A replay that numbers keys as it meets them (one pass over the file) must
 * give the two-pass replay's results exactly, for every policy: only the
 * region's length differs (the request count, a bound on the footprint),
 * and ideal mode never touches a page past the footprint.
 */
import { idealMachineConfig } from '@reclaim-lab/hw-model';
import { Kernel, type RunResult } from '@reclaim-lab/reclaim';
import { fcParams } from '@reclaim-lab/reclaim/testing';
import * as fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createNativeWriter,
  createPolicy,
  defaultPolicy,
  listPolicies,
  parsePolicySpec,
  prepareTraceWorkload,
  runScenario,
  TRACE_OP_READ,
  TRACE_OP_WRITE,
  TraceChunk,
  validateScenario,
} from '../src/index.js';
import { tempDir } from './fixtures/traces/trace-test-helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function run(path: string, frames: number, policy: string, onePass: boolean): RunResult {
  const prepared = prepareTraceWorkload({ trace: path }, 'ideal', { footprint: !onePass });
  const kernel = new Kernel({
    machine: idealMachineConfig(frames),
    policy: createPolicy(prepared.supply(parsePolicySpec(policy))),
    fallback: defaultPolicy(),
    seed: 1,
    watchdog: { abortOnEject: true },
  });
  kernel.load(prepared.workload);
  try {
    return kernel.run();
  } finally {
    prepared.close();
  }
}

let n = 0;
function nativeTrace(reqs: [number, number, boolean][]): string {
  const path = tmp.path(`t${n++}.rlt`);
  const w = createNativeWriter(path);
  const c = new TraceChunk(reqs.length);
  reqs.forEach(([hi, lo, write], i) => {
    c.push(i, 0, write ? TRACE_OP_WRITE : TRACE_OP_READ, 4096);
    c.setKeyU64(i, hi, lo);
  });
  w.write(c);
  w.close();
  return path;
}

describe('one-pass trace replay', () => {
  it('gives the two-pass results for every policy, u64 ids included', () => {
    const names = listPolicies()
      .map((p) => p.name)
      .filter((x) => !x.startsWith('test-'));
    const key = fc.tuple(fc.constantFrom(0, 0, 0, 1, 0xffffffff), fc.nat({ max: 30 }), fc.boolean());
    fc.assert(
      fc.property(
        fc.array(key, { minLength: 1, maxLength: 200 }),
        fc.constantFrom(1, 3, 8, 20),
        (reqs, frames) => {
          const path = nativeTrace(reqs);
          for (const policy of names) {
            const one = run(path, frames, policy, true);
            const two = run(path, frames, policy, false);
            expect(one, `${policy} at ${frames} frames`).toEqual(two);
          }
        },
      ),
      fcParams(15),
    );
  }, 300_000);

  it('is what a scenario with memory as a count runs, and its miss counts match the two-pass run', () => {
    const path = nativeTrace(Array.from({ length: 500 }, (_, i) => [i % 3, (i * 7919) % 97, i % 5 === 0]));
    const count = runScenario(
      validateScenario(
        { mode: 'ideal', machine: { memoryPages: 20 }, workload: { trace: path }, policy: 'sieve' },
        't',
      ),
    );
    expect(count.misses).toBe(run(path, 20, 'sieve', false).misses);
    expect(prepareTraceWorkload({ trace: path }, 'ideal', { footprint: false }).pages).toBe(500);
    expect(prepareTraceWorkload({ trace: path }, 'ideal').pages).toBeLessThan(300);
  });
});
