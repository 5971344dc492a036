/**
 * A relaunch after lmkd's kill is a true cold start: the process execs
 * again, so it reads its code through the page cache and builds a fresh
 * anon heap (zero-fill faults) — the preset's cold start, run again in
 * place of the warm launch's accesses.
 */
import { APP_LAUNCH_COLD, OP_APPSTATE, OP_LOAD, OP_STORE } from '@reclaim-lab/hw-model';
import { describe, expect, it } from 'vitest';
import { getWorkload } from '../src/index.js';
import { runScenario, scenarioFrom } from '../src/runner.js';
import { drainSource } from '../src/workload/drain.js';
import { compileWorkload } from '../src/workload/index.js';

const M = 8192;

describe('an app relaunched after a kill', () => {
  it('gets its cold start as a stream of its own: the whole code read, the whole heap written, no app state', () => {
    const w = compileWorkload(getWorkload('android-apps', { apps: 3, cameraBurst: 0 }), {
      memoryPages: M,
      swapPages: M / 2,
    });
    const t = w.tasks[0];
    const heap = t.regionNames.indexOf('heap');
    const code = t.regionNames.indexOf('code');
    expect(t.relaunch).toBeDefined();
    const seen = [new Set<number>(), new Set<number>()];
    let states = 0;
    let stores = 0;
    for (const source of [t.relaunch!(), t.relaunch!()]) {
      drainSource(source, (c) => {
        for (let i = 0; i < c.length; i++) {
          if (c.op[i] === OP_APPSTATE) states++;
          if (c.op[i] === OP_STORE && c.region[i] === heap) {
            stores++;
            seen[0].add(c.arg[i]);
          }
          if (c.op[i] === OP_LOAD && c.region[i] === code) seen[1].add(c.arg[i]);
        }
      });
    }
    // Each relaunch writes every heap page once and reads every code page: a fresh start each time.
    expect(seen[0].size).toBe(t.regions[heap].pages);
    expect(stores).toBe(2 * t.regions[heap].pages);
    expect(seen[1].size).toBe(t.regions[code].pages);
    // The launch itself (OP_APPSTATE launch-warm in the task's stream) stays the task's: the cold start sends none.
    expect(states).toBe(0);
    expect(APP_LAUNCH_COLD).toBeGreaterThan(0);
  });

  it('is slower than a warm launch of the same app, and nearly as slow as its first cold start', () => {
    // A small phone with five apps whose heaps (20% of memory each) do not all fit with zram: lmkd kills some.
    const r = runScenario(
      scenarioFrom({
        workload: 'android-apps',
        params: { apps: 5, rounds: 2, fgFrames: 24, heapFraction: 0.2 },
        machine: { memory: '32MiB' },
        policy: 'mglru',
        seed: 1,
      }),
    );
    const launches = r.apps!.launches;
    const relaunched = launches.filter((l) => l.relaunch);
    expect(relaunched.length).toBeGreaterThan(0);
    let compared = 0;
    for (const rel of relaunched) {
      expect(rel.kind).toBe('cold');
      const first = launches.find((l) => l.task === rel.task && l.kind === 'cold' && !l.relaunch)!;
      // The code read and the heap built again: most of the first cold start's latency (what of the code is still cached hits).
      expect(rel.latencyNs).toBeGreaterThan(0.8 * first.latencyNs);
      for (const warm of launches.filter((l) => l.task === rel.task && l.kind === 'warm')) {
        expect(rel.latencyNs).toBeGreaterThan(warm.latencyNs);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(0);
  });
});
