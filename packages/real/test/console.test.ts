import { readFileSync } from 'node:fs';
import { validateScenario } from '@reclaim-lab/harness';
import { describe, expect, it } from 'vitest';
import { kernelFigures } from '../src/compare.js';
import { kernelPhases, kernelWholeRun, parseConsole, parsePairs } from '../src/console.js';
import { compilePlan } from '../src/plan.js';

// Both transcripts are real serial consoles of this scenario: 6.1 with the
// classic LRU, 6.12 with MGLRU (captured from `runGuest`, BIOS noise included).
const scenario = validateScenario({
  machine: { memory: '16MiB', swap: '16MiB', swapDevice: 'zram' },
  workload: { id: 'scan-resistance', params: { hotFraction: 0.6, hotVariant: 'fd', scanners: 2 } },
  seed: 1,
});
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'latin1');

describe('console parser', () => {
  it('reads a captured 6.1 run: kernel, lru_gen off, every snapshot, per-phase deltas', () => {
    const r = parseConsole(fixture('console-6.1-scan-lru.txt'));
    expect(r.errors).toEqual([]);
    expect(r.complete).toBe(true);
    expect(r.kernel).toBe('6.1.0-57-cloud-amd64');
    expect(r.lruGen).toBe('0x0000');
    // Driver start/end, and per task: start, begin/end per phase (hot has two phases).
    expect(r.snapshots.length).toBe(2 + (1 + 4) + 2 * (1 + 2));
    expect(r.tasks.map((t) => [t.task, t.events])).toEqual([
      [0, 444827],
      [1, 4097],
      [2, 4097],
    ]);
    const plan = compilePlan(scenario);
    const phases = kernelPhases(r, plan);
    expect(phases.map((p) => `${p.task}/${p.phase}#${p.index}`)).toEqual([
      'hot/warm#0',
      'hot/hot#1',
      'scanner.0/scan#0',
      'scanner.1/scan#0',
    ]);
    const hot = phases[1];
    // The hot phase refaults file pages that the scanners pushed out of the 16 MiB memcg.
    expect(hot.vmstat.workingset_refault_file).toBe(2434);
    expect(hot.endNs).toBeGreaterThan(hot.startNs);
    const whole = kernelWholeRun(r);
    expect(whole).toBeDefined();
    const f = kernelFigures(whole as NonNullable<typeof whole>);
    // Memcg limit reclaim shows in the workload root's memory.stat, not in /proc/vmstat's pgscan (6.1).
    expect(whole?.vmstat.pgscan_direct).toBe(0);
    expect(f.counters.pgscan_direct).toBeGreaterThan(0);
    expect(f.counters.pgsteal_direct).toBeLessThanOrEqual(f.counters.pgscan_direct);
    // Pages the memcg had to give back: what its tasks read beyond its 4096-page limit.
    const read = 2457 + 4096 + 4096;
    expect(f.counters.pgsteal_direct).toBeGreaterThanOrEqual(read - 4096);
  });

  it('reads a captured 6.12 run with MGLRU on (0x0007)', () => {
    const r = parseConsole(fixture('console-6.12-scan-mglru.txt'));
    expect(r.complete).toBe(true);
    expect(r.kernel).toBe('6.12.118+deb12-cloud-amd64');
    expect(r.lruGen).toBe('0x0007');
    expect(kernelPhases(r, compilePlan(scenario)).length).toBe(4);
  });

  it('drops text before the marker and reports cut-short or interleaved snapshots', () => {
    const text = [
      '[   12.3] random kernel line',
      'noise@@RL boot kernel=6.1.0-57-cloud-amd64 uptime=3.1',
      '@@RL start tasks=1 t=1000',
      '@@RL snap task=-1 seq=0 phase=-1 edge=start t=1000',
      '@@RL vmstat pgscan_kswapd 1 pswpout 5 ',
      '@@RL memstat / anon 4096 pgscan 10 ',
      '@@RL memevents / max 0 oom_kill 0 ',
      '@@RL endsnap task=-1 seq=0',
      '@@RL snap task=0 seq=0 phase=-1 edge=start t=1500',
      '@@RL vmstat pgscan_kswapd 1',
      // The task's end snapshot never finishes: the guest died.
      '@@RL snap task=-1 seq=1 phase=-1 edge=end t=9000',
      '@@RL vmstat pgscan_kswapd 4 pswpout 25 ',
      '@@RL memstat / anon 0 pgscan 70 ',
      '@@RL memevents / max 3 oom_kill 1 ',
      '@@RL endsnap task=-1 seq=1',
      '@@RL finish t=9100',
      '@@RL exit 0',
    ].join('\r\n');
    const r = parseConsole(text);
    expect(r.kernel).toBe('6.1.0-57-cloud-amd64');
    expect(r.complete).toBe(false);
    expect(r.errors).toEqual(['console: 1 snapshot(s) cut short or interleaved']);
    const whole = kernelWholeRun(r);
    expect(whole?.vmstat).toEqual({ pgscan_kswapd: 3, pswpout: 20 });
    expect(whole?.memcgs['/']).toEqual({
      stat: { anon: -4096, pgscan: 60 },
      events: { max: 3, oom_kill: 1 },
    });
    expect(whole?.endNs).toBe(8000);
  });

  it('parses /proc pairs and skips malformed values', () => {
    expect(parsePairs('nr_free_pages 12 pgscan_kswapd x pswpin 3')).toEqual({ nr_free_pages: 12, pswpin: 3 });
  });
});
