import { describe, expect, it } from 'vitest';
import { runScenario, type Scenario, scenarioFrom } from '../src/index.js';
import { compare } from '../src/stats/index.js';

/** A loop over more file pages than memory holds: no random draw anywhere, so every seed runs the same. */
function loop(machine: Record<string, unknown> = {}): Scenario {
  return scenarioFrom({
    workload: 'loop-over-memory',
    machine: { memory: '4MiB', ...machine },
    params: { passes: 3, variant: 'file' },
  });
}

const seeds = [1, 2, 3, 4];

describe('machine.jitter: seeded run-to-run timing noise', () => {
  it('a seed-invariant loop is identical across seeds without it: no interval, nothing significant', () => {
    const runs = seeds.map((seed) => runScenario(loop(), { seed }));
    expect(new Set(runs.map((r) => r.runtimeNs)).size).toBe(1);
    const c = compare([{ label: 'lru', workload: 'loop', results: runs }], 'lru');
    const ci = c.workloads[0].rows.find((r) => r.metric === 'runtime_ms')!.cells[0].ci!;
    expect(ci.identical).toBe(true);
    expect(ci.halfWidth).toBe(0);
  });

  it('gives the same loop a non-zero interval over seeds, and the same seed the same result', () => {
    const runs = seeds.map((seed) => runScenario(loop({ jitter: 0.02 }), { seed }));
    expect(new Set(runs.map((r) => r.runtimeNs)).size).toBe(seeds.length);
    const plain = runScenario(loop(), { seed: 1 });
    for (const r of runs) {
      // ±2% on every cost and latency moves the runtime by at most about that much; the work is the same.
      expect(Math.abs(r.runtimeNs / plain.runtimeNs - 1)).toBeLessThan(0.05);
      expect(r.counters.pgmajfault).toBe(plain.counters.pgmajfault);
    }
    const c = compare([{ label: 'lru', workload: 'loop', results: runs }], 'lru');
    const ci = c.workloads[0].rows.find((r) => r.metric === 'runtime_ms')!.cells[0].ci!;
    expect(ci.identical).toBeUndefined();
    expect(ci.halfWidth).toBeGreaterThan(0);
    expect(ci.halfWidth / ci.mean).toBeLessThan(0.05);
    expect(runScenario(loop({ jitter: 0.02 }), { seed: 3 })).toEqual(runs[2]);
  });

  it('jitter 0 is exactly no jitter', () => {
    expect(runScenario(loop({ jitter: 0 }), { seed: 2 })).toEqual(runScenario(loop(), { seed: 2 }));
  });

  it('rejects a jitter outside [0, 0.5] and jitter in ideal mode, naming the field', () => {
    expect(() => loop({ jitter: 0.7 })).toThrow(/machine\.jitter: must be a number 0\.\.0\.5, got 0\.7/);
    expect(() => loop({ jitter: -0.1 })).toThrow(/machine\.jitter: must be a number 0\.\.0\.5, got -0\.1/);
    expect(() =>
      runScenario(
        scenarioFrom({
          workload: 'loop-over-memory',
          mode: 'ideal',
          machine: { memoryPages: 100, jitter: 0.02 },
        }),
      ),
    ).toThrow(/machine.jitter: ideal mode has no time to perturb/);
  });
});
