/**
 * android-apps under rising pressure: more apps than memory and zram hold.
 * Launches slow down (warm launches find their heap in zram and their code
 * evicted), lmkd is woken by PSI and kills cached apps before the kernel's
 * OOM killer has to.
 */
import type { RunResult } from '@reclaim-lab/reclaim';
import { describe, expect, it } from 'vitest';
import { runScenario, scenarioFrom } from '../src/runner.js';

function run(apps: number): RunResult {
  return runScenario(
    scenarioFrom({
      workload: 'android-apps',
      params: { apps, rounds: 3 },
      machine: { memory: '128MiB' },
      policy: 'mglru',
      seed: 1,
    }),
  );
}

function quantile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

describe('android-apps under rising pressure', () => {
  const light = run(8);
  const heavy = run(14);

  it('slows warm launches at p50 and p90', () => {
    const warm = (r: RunResult) => r.apps!.launches.filter((l) => l.kind === 'warm').map((l) => l.latencyNs);
    expect(warm(light).length).toBeGreaterThan(10);
    expect(warm(heavy).length).toBeGreaterThan(10);
    expect(quantile(warm(heavy), 0.5)).toBeGreaterThan(1.5 * quantile(warm(light), 0.5));
    expect(quantile(warm(heavy), 0.9)).toBeGreaterThan(quantile(warm(light), 0.9));
  });

  it('wakes lmkd by PSI, which kills cached apps first and leaves the OOM killer nothing to do', () => {
    expect(light.apps!.kills).toEqual([]);
    const kills = heavy.apps!.kills;
    expect(kills.length).toBeGreaterThan(0);
    expect(kills[0].class).toBe('cached');
    expect(heavy.oomKills).toEqual([]);
    for (const k of kills) {
      expect(k.timeNs).toBeGreaterThanOrEqual(k.psiEventNs);
      expect(k.timeNs).toBeLessThan(k.psiEventNs + 1e9);
    }
  });
});
