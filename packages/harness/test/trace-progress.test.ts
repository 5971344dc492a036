/**
 * A trace replay tells the CLI how far it has got (the progress bar of
 * `run --trace` on a terminal), without changing what it computes.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { makeSyntheticTrace, runScenario, validateScenario } from '../src/index.js';
import { tempDir } from './fixtures/traces/trace-test-helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const REQUESTS = 20_000;
const trace = tmp.path('progress.oracleGeneral');
makeSyntheticTrace(trace, 'oracle-general', { requests: REQUESTS, keys: 3_000, seed: 5, pattern: 'zipf' });

describe('runScenario onTraceProgress', () => {
  for (const [label, extra] of [
    ['ideal mode, one-pass replay of the request stream', { mode: 'ideal', machine: { memoryPages: 600 } }],
    ['kernel mode, the events a task executes', { machine: { memory: '16MiB' } }],
    ['ideal mode, anon loads and stores', { mode: 'ideal', machine: { memoryPages: 600 }, kind: 'anon' }],
  ] as const) {
    it(`${label}: reports grow to the request count, and the result is the one without reports`, () => {
      const { kind, ...rest } = extra as { kind?: 'anon'; mode?: 'ideal'; machine: object };
      const scenario = validateScenario({
        ...rest,
        workload: { trace, ...(kind ? { kind } : {}) },
        policy: 'lru',
      });
      const seen: [number, number][] = [];
      const withReports = runScenario(scenario, {
        onTraceProgress: (done, total) => seen.push([done, total]),
      });
      const plain = runScenario(scenario);
      expect(seen.length).toBeGreaterThan(1);
      for (let i = 1; i < seen.length; i++) expect(seen[i][0]).toBeGreaterThanOrEqual(seen[i - 1][0]);
      expect(seen.at(-1)).toEqual([REQUESTS, REQUESTS]);
      expect(JSON.stringify(withReports.counters)).toBe(JSON.stringify(plain.counters));
    });
  }
});
