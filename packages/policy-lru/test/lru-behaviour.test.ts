import {
  DEVICE_PRESETS,
  defaultMachineConfig,
  type MachineConfig,
  OP_LOAD,
  OP_READ,
  OP_STORE,
  OP_THINK,
  OP_WRITE,
  type TaskSpec,
} from '@reclaim-lab/hw-model';
import { createLru, inactiveIsLow, type LruOptions } from '@reclaim-lab/policy-lru';
import { Kernel, type RunResult } from '@reclaim-lab/reclaim';
import { generated } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

const MEM = 8192; // 32 MiB: small enough to run in well under a second

function run(
  tasks: TaskSpec[],
  files: { name: string; pages: number }[],
  machine: Partial<MachineConfig> = {},
  lru: Partial<LruOptions> = {},
) {
  const k = new Kernel({
    machine: defaultMachineConfig(MEM, machine),
    policy: createLru(lru),
    seed: 7,
    checkInvariants: false,
  });
  k.load({ files, memcgs: [], tasks });
  const r = k.run();
  k.checkInvariants('end of run');
  return { k, r };
}

/** Touch a set of pages `passes` times each (in order), then stop. */
function passes(op: number, region: number, pages: number, n: number): TaskSpec['source'] {
  return generated((i) => (i < pages * n ? [op, region, i % pages] : null));
}

describe('traditional LRU, pinned kernel behaviours', () => {
  it('use-once: a one-pass file scan larger than memory does not push out a twice-read hot file set', () => {
    // The hot set is read twice (inactive → referenced → active); the scan pages
    // are read once and so stay on the inactive list, where reclaim finds them first.
    // 0.3× memory: the active list may hold about half of the file LRU
    // (inactive_is_low with ratio 1 below 1 GiB), so the hot set fits there.
    const hot = Math.floor(MEM * 0.3);
    const scan = MEM * 2;
    const { k, r } = run(
      [
        {
          name: 'hot',
          regions: [{ kind: 'file-fd', file: 0, pages: hot }],
          source: generated((i) => {
            if (i < hot * 2) return [OP_READ, 0, i % hot];
            if (i < hot * 2 + scan) return [OP_THINK, 0, 20_000];
            if (i < hot * 3 + scan) return [OP_READ, 0, i % hot];
            return null;
          }),
        },
        {
          name: 'backup',
          regions: [{ kind: 'file-fd', file: 1, pages: scan }],
          source: passes(OP_READ, 0, scan, 1),
          startNs: 5e6,
        },
      ],
      [
        { name: 'hot', pages: hot },
        { name: 'backup', pages: scan },
      ],
    );
    const hotFile = k.machine.files[0];
    expect(r.counters.pgsteal_kswapd + r.counters.pgsteal_direct).toBeGreaterThan(scan / 2);
    // Every hot page is still cached and none of them refaulted.
    expect(hotFile.nrCached).toBe(hot);
    expect(r.tasks[0].majorFaults).toBeLessThanOrEqual(Math.ceil(hot / 4));
    expect(r.counters.workingset_refault_file).toBe(0);
  });

  it('with swappiness 0 and plenty of file cache, no anon page is swapped out', () => {
    const anon = Math.floor(MEM * 0.4);
    const file = MEM * 2;
    const { r } = run(
      [
        { name: 'anon', regions: [{ kind: 'anon', pages: anon }], source: passes(OP_STORE, 0, anon, 3) },
        {
          name: 'reader',
          regions: [{ kind: 'file-fd', file: 0, pages: file }],
          source: passes(OP_READ, 0, file, 2),
          startNs: 1e6,
        },
      ],
      [{ name: 'data', pages: file }],
      { swappiness: 0 },
    );
    expect(r.counters.pgsteal_file).toBeGreaterThan(file);
    expect(r.counters.pswpout).toBe(0);
    expect(r.counters.pgsteal_anon).toBe(0);
  });

  it('mlocked pages are never reclaimed, even when everything else is', () => {
    const locked = Math.floor(MEM * 0.3);
    const file = MEM * 2;
    const { k, r } = run(
      [
        {
          name: 'locked',
          regions: [{ kind: 'anon', pages: locked, mlock: true }],
          source: generated((i) =>
            i < locked ? [OP_STORE, 0, i] : i < locked + 2000 ? [OP_THINK, 0, 1_000_000] : null,
          ),
        },
        {
          name: 'reader',
          regions: [{ kind: 'file-fd', file: 0, pages: file }],
          source: passes(OP_READ, 0, file, 2),
          startNs: 1e6,
        },
      ],
      [{ name: 'data', pages: file }],
    );
    expect(r.counters.unevictable_pgs_culled).toBe(locked);
    expect(r.counters.pswpout).toBe(0);
    expect(r.tasks[0].majorFaults).toBe(0);
    void k;
  });

  it('a dirty file page is written back before it is freed, and the write is counted', () => {
    // Writes to a file twice the size of memory: every page reclaim frees
    // was dirty, so each must have gone to disk first (the core throws if
    // reclaim ever frees a dirty or under-writeback folio).
    const file = MEM * 2;
    const { r } = run(
      [
        {
          name: 'writer',
          regions: [{ kind: 'file-fd', file: 0, pages: file }],
          source: passes(OP_WRITE, 0, file, 1),
        },
      ],
      [{ name: 'out', pages: file }],
    );
    const freed = r.counters.pgsteal_file;
    expect(freed).toBeGreaterThan(MEM / 2);
    expect(r.counters.pgpgout).toBeGreaterThanOrEqual(freed);
    expect(r.counters.writeback_pages).toBeGreaterThanOrEqual(freed);
  });

  it('a refault whose distance is below the workingset size is activated', () => {
    // A hot file set (read twice: active) is pushed out by a stream that is
    // itself read twice; when the hot set is read again soon after, its
    // refault distance is smaller than the active list, so it comes back active.
    const hot = Math.floor(MEM * 0.45);
    const other = Math.floor(MEM * 0.8);
    const { r } = run(
      [
        {
          name: 'app',
          regions: [
            { kind: 'file-fd', file: 0, pages: hot },
            { kind: 'file-fd', file: 1, pages: other },
          ],
          source: generated((i) => {
            if (i < hot * 2) return [OP_READ, 0, i % hot];
            const j = i - hot * 2;
            if (j < other * 2) return [OP_READ, 1, j % other];
            const l = j - other * 2;
            if (l < hot) return [OP_READ, 0, l];
            return null;
          }),
        },
      ],
      [
        { name: 'hot', pages: hot },
        { name: 'other', pages: other },
      ],
    );
    expect(r.counters.workingset_refault_file).toBeGreaterThan(0);
    expect(r.counters.workingset_activate_file).toBeGreaterThan(0);
    expect(r.counters.workingset_activate_file).toBeLessThanOrEqual(r.counters.workingset_refault_file);
  });

  it('kswapd brings free pages back above the high watermark', () => {
    const file = MEM * 2;
    const { k, r } = run(
      [
        {
          name: 'reader',
          regions: [{ kind: 'file-fd', file: 0, pages: file }],
          // Read, then sit idle long enough for kswapd to finish balancing.
          source: generated((i) =>
            i < file ? [OP_READ, 0, i] : i < file + 50 ? [OP_THINK, 0, 10_000_000] : null,
          ),
        },
      ],
      [{ name: 'data', pages: file }],
    );
    const zone = k.machine.nodes[0].zone;
    expect(r.counters.pgsteal_kswapd).toBeGreaterThan(0);
    expect(r.counters.pageoutrun).toBeGreaterThan(0);
    expect(zone.free).toBeGreaterThan(zone.high);
  });

  it('a working set that cannot fit in memory plus swap ends in a recorded OOM kill, not a hang', () => {
    const swap = Math.floor(MEM / 4);
    const anon = MEM + swap + Math.floor(MEM / 4);
    const { r } = run(
      [{ name: 'hog', regions: [{ kind: 'anon', pages: anon }], source: passes(OP_STORE, 0, anon, 2) }],
      [],
      { swapPages: swap, swapDevice: DEVICE_PRESETS.zram },
    );
    expect(r.counters.oom_kill).toBe(1);
    expect(r.oomKills[0].task).toBe('hog');
    expect(r.oomKills[0].kind).toBe('global');
    expect(r.tasks[0].killed).toBe(true);
  });

  it('anon pages touched once are swapped before a repeatedly used anon set (two-touch for mapped pages)', () => {
    const hot = Math.floor(MEM * 0.4);
    const cold = Math.floor(MEM * 0.9);
    const { r } = run(
      [
        {
          name: 'app',
          regions: [
            { kind: 'anon', pages: hot },
            { kind: 'anon', pages: cold },
          ],
          source: generated((i) => {
            // Interleave: 4 hot touches per cold first-touch, then re-touch the hot set. The
            // hot set's first touches are stores: a load of untouched anon maps the zero page.
            if (i < cold * 5)
              return i % 5 === 4
                ? [OP_STORE, 1, Math.floor(i / 5)]
                : [i < hot ? OP_STORE : OP_LOAD, 0, i % hot];
            const j = i - cold * 5;
            return j < hot ? [OP_LOAD, 0, j] : null;
          }),
        },
      ],
      [],
      { swapDevice: DEVICE_PRESETS.zram },
    );
    expect(r.counters.pswpout).toBeGreaterThan(0);
    // Most of what went to swap was the once-touched set: few pages came back.
    expect(r.counters.pswpin).toBeLessThan(hot / 2);
    expect(r.counters.pswpout).toBeGreaterThan(r.counters.pswpin * 2);
  });
});

describe('inactive_is_low', () => {
  it('uses a ratio of 1 below 1 GiB and sqrt(10*GB) above', () => {
    expect(inactiveIsLow(100, 101)).toBe(true);
    expect(inactiveIsLow(100, 100)).toBe(false);
    // 1 GiB of pages: ratio 3
    const gb = 1 << 18;
    expect(inactiveIsLow(gb / 4, (gb * 3) / 4)).toBe(false);
    expect(inactiveIsLow(gb / 5, (gb * 4) / 5)).toBe(true);
  });
});

export type { RunResult };
