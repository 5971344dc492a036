import { Kernel, type RunResult } from '@reclaim-lab/reclaim';
import { describe, expect, it } from 'vitest';
import {
  compileWorkload,
  createPolicy,
  defaultPolicy,
  getWorkload,
  listWorkloads,
  parseMachine,
  parsePolicySpec,
  runScenario,
  validateScenario,
} from '../src/index.js';

/**
 * A preset must exercise what it is named for: each is run once, small (an
 * 8 MiB machine with 8 MiB of swap, short runs), under the kernel's LRU,
 * and the counter that defines it must move. Sizes in the presets are
 * relative to memory, so the shape is the one a full-size run has.
 */
const PAGES = 2048; // 8 MiB

function run(id: string, params: Record<string, unknown> = {}) {
  const scenario = validateScenario({
    machine: { memory: '8MiB', swap: '8MiB' },
    workload: { id, params },
    policy: 'lru',
    seed: 1,
  });
  const machine = parseMachine(scenario);
  const workload = compileWorkload(getWorkload(id, params), {
    memoryPages: PAGES,
    swapPages: machine.swapPages,
    seed: 1,
  });
  const kernel = new Kernel({
    machine,
    policy: [{ scope: 'system', ops: createPolicy(parsePolicySpec('lru')) }],
    fallback: defaultPolicy(),
    seed: 1,
  });
  kernel.load(workload);
  const r = kernel.run();
  return { r, c: r.counters, memcgs: kernel.machine.memcgs };
}

const task = (r: RunResult, name: string) => {
  const t = r.tasks.find((x) => x.name === name);
  if (t === undefined) throw new Error(`no task ${name}`);
  return t;
};

const TESTED = new Set<string>();
function preset(id: string, what: string, body: () => void) {
  TESTED.add(id);
  it(`${id}: ${what}`, body, 30_000);
}

describe('each workload preset moves the counter it is named for', () => {
  preset('baseline', 'the working set fits: no reclaim scan, no major fault, no refault', () => {
    const { c } = run('baseline', { scale: 0.1 });
    expect(c.pgfault).toBeGreaterThan(0);
    expect(c.pgscan_kswapd + c.pgscan_direct).toBe(0);
    expect(c.pgmajfault).toBe(0);
    expect(c.workingset_refault_anon + c.workingset_refault_file).toBe(0);
  });

  preset(
    'scan-resistance',
    'the scan is reclaimed from the file LRU while the anon hot set stays resident',
    () => {
      const { r, c } = run('scan-resistance', { scale: 0.05 });
      // A one-pass scan of 2x memory: at least the second memory's worth has to be reclaimed.
      expect(c.pgscan_file).toBeGreaterThan(PAGES);
      expect(c.pgsteal_file).toBeGreaterThan(PAGES);
      expect(task(r, 'hot').majorFaults).toBe(0);
      expect(c.pswpout).toBe(0);
    },
  );

  preset(
    'loop-over-memory',
    'a loop past memory refaults: LRU evicts each page just before its reuse',
    () => {
      const { r, c } = run('loop-over-memory', { scale: 0.05 });
      expect(c.pswpout).toBeGreaterThan(0);
      expect(c.workingset_refault_anon).toBeGreaterThan(PAGES / 4);
      expect(task(r, 'walker').majorFaults).toBeGreaterThan(0);
    },
  );

  preset('zipf-anon', 'Zipf over more anon memory than fits: pswpout and pswpin both move', () => {
    const { c } = run('zipf-anon', { scale: 0.05 });
    expect(c.pswpout).toBeGreaterThan(0);
    expect(c.pswpin).toBeGreaterThan(0);
    expect(c.workingset_refault_anon).toBeGreaterThan(0);
  });

  preset(
    'zipf-file',
    'random reads over a file set larger than the memcg: memcg reclaim and file refaults',
    () => {
      const { c, memcgs } = run('zipf-file', { scale: 0.1 });
      expect(c.memcg_reclaim).toBeGreaterThan(0);
      expect(c.pgsteal_file).toBeGreaterThan(0);
      expect(c.workingset_refault_file).toBeGreaterThan(0);
      // Limit reclaim, not global: kswapd never ran.
      expect(c.pgscan_kswapd).toBe(0);
      expect(memcgs.find((m) => m.path === '/fio')?.events.max).toBeGreaterThan(0);
    },
  );

  preset(
    'second-level-cache',
    'long reuse distances: file pages are evicted and come back as refaults',
    () => {
      const { c } = run('second-level-cache', { scale: 0.2 });
      expect(c.pgsteal_file).toBeGreaterThan(0);
      expect(c.workingset_refault_file).toBeGreaterThan(0);
      expect(c.workingset_activate_file).toBeGreaterThan(0);
    },
  );

  preset(
    'phase-shift',
    'the new phase pushes the old working set to swap, and A comes back by swap-in',
    () => {
      const { c } = run('phase-shift', { scale: 0.05 });
      expect(c.pswpout).toBeGreaterThan(0);
      expect(c.pswpin).toBeGreaterThan(0);
      expect(c.workingset_refault_anon).toBeGreaterThan(0);
    },
  );

  preset(
    'mmap-vs-read',
    'file pages held by a mapping and by read() are reclaimed, mapped ones via rmap',
    () => {
      const { r, c } = run('mmap-vs-read', { scale: 0.2 });
      expect(c.pgscan_file).toBeGreaterThan(0);
      expect(c.pgsteal_file).toBeGreaterThan(0);
      // Mapped candidates are checked for young PTEs through the reverse map.
      expect(c.rmap_walks).toBeGreaterThan(0);
      expect(c.workingset_refault_file).toBeGreaterThan(0);
      expect(task(r, 'mapper').minorFaults + task(r, 'mapper').majorFaults).toBeGreaterThan(0);
    },
  );

  preset('dirty-writeback', 'dirtied file pages are written back, and writers are throttled', () => {
    const { c } = run('dirty-writeback', { scale: 0.05 });
    expect(c.nr_dirtied).toBeGreaterThan(0);
    expect(c.nr_written).toBeGreaterThan(c.nr_dirtied * 0.5);
    expect(c.dirty_throttle).toBeGreaterThan(0);
    expect(c.pgsteal_file).toBeGreaterThan(0);
  });

  preset('anon-swap', 'anon beyond memory goes to swap and comes back; file pages take their share', () => {
    const { c } = run('anon-swap', { scale: 0.05 });
    expect(c.pswpout).toBeGreaterThan(0);
    expect(c.pswpin).toBeGreaterThan(0);
    expect(c.pgsteal_file).toBeGreaterThan(0);
    expect(c.oom_kill).toBe(0);
  });

  preset(
    'multi-memcg',
    'every limited group hits its memory.max and reclaims itself, under global pressure',
    () => {
      const { c, memcgs } = run('multi-memcg', { scale: 0.05 });
      expect(c.memcg_reclaim).toBeGreaterThan(0);
      const groups = memcgs.filter((m) => /^\/g\d+$/.test(m.path));
      expect(groups).toHaveLength(3);
      for (const g of groups) {
        expect(g.events.max, g.path).toBeGreaterThan(0);
        expect(g.events.oom_kill, g.path).toBe(0);
      }
      // The noisy neighbour's stream keeps global reclaim going too.
      expect(c.pgscan_kswapd).toBeGreaterThan(0);
      expect(c.oom_kill).toBe(0);
    },
  );

  preset('kv-store', 'YCSB over data larger than the memcg: memcg reclaim swaps, gets swap back in', () => {
    const { c, memcgs } = run('kv-store', { scale: 0.05 });
    expect(c.memcg_reclaim).toBeGreaterThan(0);
    expect(memcgs.find((m) => m.path === '/kv')?.events.max).toBeGreaterThan(0);
    expect(c.pswpout).toBeGreaterThan(0);
    expect(c.pswpin).toBeGreaterThan(0);
  });

  preset('database', 'data-file misses evict and refault file pages; dirty pages are written back', () => {
    const { c } = run('database', { scale: 0.2 });
    expect(c.pgsteal_file).toBeGreaterThan(0);
    expect(c.workingset_refault_file).toBeGreaterThan(0);
    expect(c.nr_dirtied).toBeGreaterThan(0);
    expect(c.nr_written).toBeGreaterThan(0);
  });

  preset('analytics', 'growing sort buffers force direct reclaim of the once-read input', () => {
    const { c } = run('analytics', { scale: 0.05 });
    expect(c.allocstall_normal).toBeGreaterThan(0);
    expect(c.pgsteal_direct).toBeGreaterThan(0);
    expect(c.pgsteal_file).toBeGreaterThan(0);
    expect(c.nr_written).toBeGreaterThan(0);
  });

  preset('thrash-or-kill', 'demand beyond memory + swap: swap thrashing, then the OOM killer', () => {
    const { r, c } = run('thrash-or-kill', { scale: 0.05 });
    expect(c.pswpin).toBeGreaterThan(0);
    expect(c.oom_kill).toBeGreaterThan(0);
    expect(r.oomKills.length).toBe(c.oom_kill);
  });

  preset(
    'android-apps',
    'frozen apps page out to swap and come back; launches, frames and lmkd kills',
    () => {
      const { r, c } = run('android-apps', { scale: 0.25, heapFraction: 0.15 });
      // MADV_PAGEOUT of cached apps' heaps: out to swap, and back at their warm launches.
      expect(c.pswpout).toBeGreaterThan(0);
      expect(c.pswpin).toBeGreaterThan(0);
      const apps = r.apps!;
      expect(apps.launches.some((l) => l.kind === 'cold')).toBe(true);
      expect(apps.launches.some((l) => l.kind === 'warm')).toBe(true);
      expect(apps.frames).toBeGreaterThan(0);
      // Ten heaps of 0.15× memory and a camera burst do not fit in memory and 8 MiB of swap: lmkd kills
      // cached or background apps. (On a machine this small, polled every 100 ms, lmkd does not keep
      // the kernel's OOM killer away: docs/phones.md.)
      expect(apps.kills.length).toBeGreaterThan(0);
      expect(apps.kills.every((k) => k.class === 'cached' || k.class === 'background')).toBe(true);
      expect(apps.launches.some((l) => l.relaunch)).toBe(true);
    },
  );

  preset(
    'numa-tiering',
    'on a two-tier machine hint faults promote the hot sets and kswapd demotes the bulk',
    () => {
      const r = runScenario(
        validateScenario({
          machine: {
            // 16 MiB: two 8 MiB nodes, so each hot set is a few hundred pages on the slow one.
            memory: '16MiB',
            swap: '16MiB',
            nodes: 2,
            nodeLatency: [1, 3],
            demotionTarget: [1, -1],
            numaBalancing: 2,
            numaScanPeriodMs: 1,
            watermarkScaleFactor: 100,
          },
          workload: { id: 'numa-tiering', params: { accesses: 300 } },
          policy: 'lru',
          seed: 1,
        }),
      );
      const c = r.counters;
      expect(c.numa_hint_faults).toBeGreaterThan(0);
      expect(c.pgpromote_success).toBeGreaterThan(0);
      expect(c.pgdemote_kswapd).toBeGreaterThan(0);
      expect(c.pswpout).toBe(0);
    },
  );

  it('every preset in the registry has a test here', () => {
    expect(
      listWorkloads()
        .map((w) => w.id)
        .filter((id) => !TESTED.has(id)),
    ).toEqual([]);
  });
});
