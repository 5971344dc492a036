/**
 * The vendor hooks, one behaviour each, on LRU and MGLRU: stop-at-watermark
 * ends a reclaim batch once the high watermark is met; the foreground
 * app's memcg is skipped while others have reclaimable pages; a frozen
 * app's pages go before a foreground app's; a backgrounded app's pages are
 * aged at once; cached apps are scanned harder.
 */
import {
  APP_BACKGROUND,
  APP_CACHED,
  APP_FOREGROUND,
  APP_LAUNCH_COLD,
  defaultMachineConfig,
  LRU_ANON,
  LRU_FILE,
  OP_APPSTATE,
  OP_READ,
  OP_STORE,
  OP_THINK,
  type TaskSpec,
} from '@reclaim-lab/hw-model';
import { lruPolicy } from '@reclaim-lab/policy-lru';
import { ANON, type MglruState, mglruPolicy } from '@reclaim-lab/policy-mglru';
import { createVendor, priorityFor, type VendorOptions, vendorPolicy } from '@reclaim-lab/policy-vendor';
import { Kernel, layerPolicy, type ReclaimOps, ScanControl } from '@reclaim-lab/reclaim';
import { generated } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

const MS = 1_000_000;

/** An app that reads `pages` of its own file `reads` times, takes class `cls`, then idles. */
function holder(name: string, file: number, pages: number, cls: number, reads = 1): TaskSpec {
  const n = pages * reads;
  return {
    name,
    memcg: `/apps/${name}`,
    regions: [{ kind: 'file-fd', file, pages }],
    source: generated((i) =>
      i === 0
        ? [OP_APPSTATE, -1, APP_LAUNCH_COLD]
        : i <= n
          ? [OP_READ, 0, (i - 1) % pages]
          : i === n + 1
            ? [OP_APPSTATE, -1, cls]
            : [OP_THINK, -1, 100 * MS],
    ),
  };
}

/** Apps holding their pages, run until they all do, nothing reclaimed yet. */
function loaded(policy: ReclaimOps<unknown>, apps: TaskSpec[], memoryPages = 16_384): Kernel {
  const k = new Kernel({
    machine: defaultMachineConfig(memoryPages),
    policy,
    seed: 7,
    untilNs: 2_000 * MS,
  });
  k.load({
    files: apps.map((a, i) => ({ name: `f${i}`, pages: a.regions[0].pages })),
    memcgs: [{ path: '/apps' }, ...apps.map((a) => ({ path: a.memcg ?? '/' }))],
    tasks: apps,
  });
  k.run();
  return k;
}

function filePages(k: Kernel, name: string): number {
  const lv = k.world.findLruvec(k.machine.memcg(`/apps/${name}`), 0);
  return lv ? lv.nrPages[LRU_FILE] : 0;
}

const plain = (base: 'lru' | 'mglru') =>
  (base === 'lru'
    ? lruPolicy.create(lruPolicy.defaults)
    : mglruPolicy.create(mglruPolicy.defaults)) as ReclaimOps<unknown>;
const only = (base: 'lru' | 'mglru', hook: keyof VendorOptions) =>
  createVendor({
    base,
    stopAtWatermark: false,
    skipForeground: false,
    ageBackground: false,
    priorityScan: false,
    [hook]: true,
  });

describe.each(['lru', 'mglru'] as const)('vendor hooks over %s', (base) => {
  it('stop-at-watermark ends a kswapd batch once the node is above its high watermark', () => {
    const run = (policy: ReclaimOps<unknown>) => {
      const k = loaded(policy, [holder('a', 0, 12_000, APP_CACHED)]);
      const zone = k.machine.nodes[0].zone;
      // Put the node 300 pages under its high watermark; the batch asks for far more (balance_pgdat's goal).
      zone.high = zone.free + 300;
      const sc = new ScanControl().reset('kswapd', null, 0, 6_000);
      sc.priority = 1;
      k.shrinkNode(sc, 0);
      return { reclaimed: sc.nrReclaimed, aboveHigh: zone.free > zone.high };
    };
    const full = run(plain(base));
    const stopped = run(only(base, 'stopAtWatermark'));
    expect(stopped.aboveHigh).toBe(true);
    expect(stopped.reclaimed).toBeGreaterThan(300);
    // It stops within a couple of isolation batches of the watermark; the kernel's batch runs on.
    expect(stopped.reclaimed).toBeLessThan(300 + 4 * 64);
    // MGLRU's kswapd already stops a batch above the high watermark (should_abort_scan, with a
    // MIN_LRU_BATCH margin): the hook only trims that; the classic LRU runs its batch to the goal.
    if (base === 'lru') expect(full.reclaimed).toBeGreaterThan(3 * stopped.reclaimed);
    else expect(full.reclaimed).toBeGreaterThan(stopped.reclaimed);
  });

  it("stop-at-watermark: kswapd's next walk resumes after the memcg the last one stopped on", () => {
    const apps = ['a', 'b', 'c'];
    const k = loaded(
      only(base, 'stopAtWatermark'),
      apps.map((name, i) => holder(name, i, 4_000, APP_CACHED)),
    );
    const zone = k.machine.nodes[0].zone;
    const before = apps.map((name) => filePages(k, name));
    const sc = new ScanControl();
    for (let pass = 0; pass < 6; pass++) {
      // Each pass starts 200 pages under the high watermark and stops early, in one app's memcg.
      zone.high = zone.free + 200;
      sc.reset('kswapd', null, 0, 6_000);
      sc.priority = 1;
      k.shrinkNode(sc, 0);
      expect(zone.free).toBeGreaterThan(zone.high);
    }
    // Every app gave pages: early stops do not keep draining the first memcg of the walk.
    const taken = apps.map((name, i) => before[i] - filePages(k, name));
    for (const t of taken) expect(t).toBeGreaterThan(100);
    expect(Math.max(...taken)).toBeLessThan(3 * Math.min(...taken));
  });

  it("skips the foreground app's memcg while the others have reclaimable pages, and reclaims it once they have none", () => {
    const k = loaded(only(base, 'skipForeground'), [
      holder('fg', 0, 3_000, APP_FOREGROUND),
      holder('other', 1, 3_000, APP_CACHED),
    ]);
    const fgBefore = filePages(k, 'fg');
    expect(fgBefore).toBeGreaterThan(2_900);
    const sc = new ScanControl();
    for (let pass = 0; pass < 200 && filePages(k, 'other') > 0; pass++) {
      // As reclaim does when a pass falls short: lower the priority, down to 0.
      sc.reset('direct', null, 0, 256);
      sc.priority = pass < 20 ? 2 : 0;
      k.shrinkNode(sc, 0);
      // The pass that takes the others' last pages may go on to the foreground app; none before it.
      if (filePages(k, 'other') > 0) expect(filePages(k, 'fg')).toBe(fgBefore);
    }
    expect(filePages(k, 'other')).toBe(0);
    // Nothing left elsewhere: the foreground app is reclaimed after all.
    sc.reset('direct', null, 0, 256);
    sc.priority = 2;
    k.shrinkNode(sc, 0);
    expect(filePages(k, 'fg')).toBeLessThan(fgBefore);
  });

  it("reclaims a frozen app's pages before a foreground app's (all hooks) where the plain policy takes both", () => {
    const squeeze = (policy: ReclaimOps<unknown>) => {
      const k = loaded(
        policy,
        [holder('fg', 0, 4_000, APP_FOREGROUND), holder('frozen', 1, 4_000, APP_CACHED)],
        12_288,
      );
      const sc = new ScanControl();
      for (let i = 0; i < 12; i++) {
        sc.reset('kswapd', null, 0, 256);
        sc.priority = 3;
        k.shrinkNode(sc, 0);
      }
      return { fg: filePages(k, 'fg'), frozen: filePages(k, 'frozen') };
    };
    const vendor = squeeze(createVendor({ base }));
    const kernel = squeeze(plain(base));
    expect(vendor.frozen).toBeLessThan(4_000);
    expect(vendor.fg).toBe(4_000);
    expect(kernel.fg).toBeLessThan(4_000);
  });

  it("ages a backgrounded app's pages at once: reclaim then takes them before a visible app's", () => {
    // Both apps read their pages twice (referenced, active); one then goes to the background.
    const run = (policy: ReclaimOps<unknown>) => {
      const k = loaded(policy, [holder('bg', 0, 3_000, APP_BACKGROUND, 2), holder('vis', 1, 3_000, 1, 2)]);
      const deactivated = k.world.counters.get('pgdeactivate');
      const agings = k.world.counters.get('lru_gen_aging');
      const sc = new ScanControl().reset('direct', null, 0, 1_500);
      sc.priority = 2;
      k.shrinkNode(sc, 0);
      return {
        deactivated,
        agings,
        bgLost: 3_000 - filePages(k, 'bg'),
        visLost: 3_000 - filePages(k, 'vis'),
      };
    };
    const aged = run(only(base, 'ageBackground'));
    const kernel = run(plain(base));
    if (base === 'lru') {
      expect(aged.deactivated - kernel.deactivated).toBeGreaterThanOrEqual(2_900);
      // Deactivated, the app's pages are on the inactive list the pass scans; the visible app's stay active.
      expect(aged.bgLost).toBeGreaterThan(aged.visLost);
      expect(aged.bgLost).toBeGreaterThan(kernel.bgLost);
    } else {
      // Over MGLRU the hook ages the app's lruvec (three new generations) instead of deactivating.
      expect(aged.deactivated).toBe(kernel.deactivated);
      expect(aged.agings - kernel.agings).toBe(3);
      // Page cache read through fds already sits in the oldest generation (by tier): aging it moves
      // nothing between apps. The heap is what it moves (the test below).
      expect(aged.bgLost).toBe(kernel.bgLost);
    }
  });

  it('scans a cached app harder than a foreground one at the same pass', () => {
    const k = loaded(only(base, 'priorityScan'), [
      holder('fg', 0, 5_000, APP_FOREGROUND),
      holder('cached', 1, 5_000, APP_CACHED),
    ]);
    // Direct reclaim with a large goal: each lruvec gets its priority's scan (kswapd would stop at the watermark).
    const sc = new ScanControl().reset('direct', null, 0, 100_000);
    sc.priority = 3;
    k.shrinkNode(sc, 0);
    const lost = (name: string) => 5_000 - filePages(k, name);
    expect(lost('cached')).toBeGreaterThan(2 * lost('fg'));
  });
});

/** An app that stores to each of `pages` of its heap `touches` times, takes class `cls`, then idles. */
function heapHolder(name: string, pages: number, cls: number, touches = 2): TaskSpec {
  const n = pages * touches;
  return {
    name,
    memcg: `/apps/${name}`,
    regions: [{ kind: 'anon', pages }],
    source: generated((i) =>
      i === 0
        ? [OP_APPSTATE, -1, APP_LAUNCH_COLD]
        : i <= n
          ? [OP_STORE, 0, (i - 1) % pages]
          : i === n + 1
            ? [OP_APPSTATE, -1, cls]
            : [OP_THINK, -1, 100 * MS],
    ),
  };
}

function anonPages(k: Kernel, name: string): number {
  const lv = k.world.findLruvec(k.machine.memcg(`/apps/${name}`), 0);
  return lv ? lv.nrPages[LRU_ANON] : 0;
}

describe('age-background over MGLRU', () => {
  // Both apps touch their heaps through page tables; one then goes to the background, one stays foreground.
  const run = (policy: ReclaimOps<unknown>) => {
    const k = new Kernel({ machine: defaultMachineConfig(16_384), policy, seed: 7, untilNs: 2_000 * MS });
    k.load({
      files: [],
      memcgs: [{ path: '/apps' }, { path: '/apps/bg' }, { path: '/apps/fg' }],
      tasks: [heapHolder('bg', 3_000, APP_BACKGROUND), heapHolder('fg', 3_000, APP_FOREGROUND)],
    });
    k.run();
    k.checkInvariants('after the app went to the background');
    const lv = k.world.findLruvec(k.machine.memcg('/apps/bg'), 0)!;
    const st = k.ctxOf(lv).state as MglruState;
    // The backgrounded app's heap in its oldest anon generation, before any reclaim.
    const gens = st.nrPages.length / 2;
    const before = { inOldest: st.nrPages[(st.minSeq[ANON] % gens) * 2 + ANON] };
    const sc = new ScanControl();
    for (let i = 0; i < 4; i++) {
      sc.reset('direct', null, 0, 512);
      sc.priority = 2;
      k.shrinkNode(sc, 0);
    }
    k.checkInvariants('after reclaim');
    return { ...before, bgLost: 3_000 - anonPages(k, 'bg'), fgLost: 3_000 - anonPages(k, 'fg') };
  };

  it("ages a backgrounded app's lruvec to its oldest generation, so reclaim takes its heap before the foreground app's", () => {
    const aged = run(only('mglru', 'ageBackground'));
    const kernel = run(plain('mglru'));
    // What the hook did before it could reach MGLRU's aging: deactivate the app's pages (MADV_COLD).
    const cold = run(
      layerPolicy(plain('mglru'), {
        name: 'cold',
        classChanged: (_ctx, ch, next) => (ch.to >= APP_BACKGROUND ? 'cold' : next()),
      }),
    );
    // All of the backgrounded heap is in the oldest generation; plain, or deactivated, none of it is
    // (a deactivated anon folio goes back to max_seq - 1).
    expect(aged.inOldest).toBe(3_000);
    expect(kernel.inOldest).toBe(0);
    expect(cold.inOldest).toBe(0);
    // Reclaim takes the backgrounded heap first, and far more of it than without the hook.
    expect(aged.bgLost).toBeGreaterThan(3 * aged.fgLost);
    expect(aged.bgLost).toBeGreaterThan(3 * kernel.bgLost);
    // Without it MGLRU treats the two heaps alike, and deactivating them does not change that.
    expect(kernel.bgLost).toBeLessThanOrEqual(kernel.fgLost);
    expect(cold.bgLost).toBe(kernel.bgLost);
  });
});

describe('the vendor policy', () => {
  it('maps importance to a scan priority: cached harder, foreground softer, within 0..12', () => {
    expect(priorityFor(APP_CACHED, 6)).toBe(4);
    expect(priorityFor(APP_BACKGROUND, 6)).toBe(5);
    expect(priorityFor(APP_FOREGROUND, 6)).toBe(7);
    expect(priorityFor(APP_FOREGROUND, 12)).toBe(12);
    expect(priorityFor(APP_CACHED, 1)).toBe(0);
    expect(priorityFor(-1, 6)).toBe(6);
  });

  it('names its base and hooks, and has a preset per hook over each base', () => {
    expect(createVendor().name).toBe('mglru+vendor(wm,fg,bg,prio)');
    expect(createVendor({ base: 'lru', ageBackground: false }).name).toBe('lru+vendor(wm,fg,prio)');
    expect(Object.keys(vendorPolicy.presets ?? {})).toEqual(
      expect.arrayContaining(['stop-wm', 'fg-skip', 'bg-age', 'prio-scan', 'lru-stop-wm', 'lru-fg-skip']),
    );
  });
});
