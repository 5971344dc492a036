/**
 * Apps on a phone (app.ts): importance classes set by OP_APPSTATE, launch
 * latency, frames against their vsync deadline, and lmkd's choice of
 * victim — what ActivityManager and lmkd do around the kernel.
 */
import {
  APP_BACKGROUND,
  APP_CACHED,
  APP_FOREGROUND,
  APP_LAUNCH_COLD,
  DEVICE_PRESETS,
  defaultMachineConfig,
  type LmkdSpec,
  OP_APPSTATE,
  OP_FRAME,
  OP_READ,
  OP_STORE,
  OP_THINK,
  type TaskSpec,
} from '@reclaim-lab/hw-model';
import { Kernel } from '@reclaim-lab/reclaim';
import { generated } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

const MS = 1_000_000;

/** An app that writes `anon` pages, then takes `cls` and idles (frozen, or doing nothing in the background). */
function idleApp(name: string, anon: number, cls: number): TaskSpec {
  return {
    name,
    memcg: `/apps/${name}`,
    regions: [{ kind: 'anon', pages: anon }],
    source: generated((i) =>
      i === 0
        ? [OP_APPSTATE, -1, APP_LAUNCH_COLD]
        : i <= anon
          ? [OP_STORE, 0, i - 1]
          : i === anon + 1
            ? [OP_APPSTATE, -1, cls]
            : i < anon + 400
              ? [OP_THINK, -1, 10 * MS]
              : null,
    ),
  };
}

/** A foreground app that keeps writing fresh anon memory, a page every 50 µs: the pressure. */
function growingApp(pages: number, startNs: number): TaskSpec {
  return {
    name: 'grower',
    memcg: '/apps/grower',
    startNs,
    regions: [{ kind: 'anon', pages }],
    source: generated((i) =>
      i === 0
        ? [OP_APPSTATE, -1, APP_FOREGROUND]
        : i <= 2 * pages
          ? i % 2
            ? [OP_STORE, 0, (i - 1) / 2]
            : [OP_THINK, -1, 50_000]
          : null,
    ),
  };
}

/** lmkd's defaults: PSI "some" 70 ms and "full" 700 ms within 1 s. */
const LMKD: LmkdSpec = {
  someNs: 70 * MS,
  fullNs: 700 * MS,
  windowNs: 1000 * MS,
  killTimeoutNs: 100 * MS,
  swapFreeLow: 0.1,
  thrashingLimit: 1,
};

function phone(tasks: TaskSpec[], lmkd: LmkdSpec | undefined, memoryPages = 8192, swapPages = 2048): Kernel {
  const k = new Kernel({
    machine: defaultMachineConfig(memoryPages, { swapPages, swapDevice: DEVICE_PRESETS.zram }),
    // The core's all-defaults policy (a FIFO): these are the core's rules, not a policy's.
    policy: { name: 'fifo' },
    seed: 5,
  });
  k.load({
    files: [{ name: 'code', pages: 4096 }],
    memcgs: [{ path: '/apps' }, ...tasks.map((t) => ({ path: t.memcg ?? '/' }))],
    tasks,
    ...(lmkd ? { lmkd } : {}),
  });
  return k;
}

describe('importance classes', () => {
  it('follow OP_APPSTATE and set oom_score_adj as ActivityManager does', () => {
    const k = phone([idleApp('a', 100, APP_CACHED), idleApp('b', 100, APP_BACKGROUND)], undefined);
    const r = k.run();
    const [a, b] = k.tasks;
    expect(a.appClass).toBe(APP_CACHED);
    expect(b.appClass).toBe(APP_BACKGROUND);
    expect(a.oomScoreAdj).toBeGreaterThan(b.oomScoreAdj);
    // The memcg's class is its app's, until the app exits.
    expect(r.apps?.launches.map((l) => l.kind)).toEqual(['cold', 'cold']);
  });
});

describe('bad input', () => {
  it('an app state outside the classes and launches is refused in one line naming the task', () => {
    const bad: TaskSpec = {
      name: 'odd',
      memcg: '/apps/odd',
      regions: [{ kind: 'anon', pages: 1 }],
      source: generated((i) => (i === 0 ? [OP_APPSTATE, -1, 9] : null)),
    };
    expect(() => phone([bad], undefined).run()).toThrow(
      /^task odd: app state 9 is not one of 0\.\.5 \(foreground/,
    );
  });
});

describe('lmkd', () => {
  /**
   * Two cached and two background apps of 4000 pages each; the grower then
   * writes 20000 fresh pages, one every 50 µs, into 64 MiB with 64 MiB of
   * zram: kswapd compresses the idle apps' pages (PSI stall), zram fills
   * and, without kills, the kernel's OOM killer ends it.
   */
  const squeeze = () => [
    idleApp('bg0', 4000, APP_BACKGROUND),
    idleApp('cached0', 4000, APP_CACHED),
    idleApp('bg1', 4000, APP_BACKGROUND),
    idleApp('cached1', 4000, APP_CACHED),
    growingApp(20000, 50 * MS),
  ];

  it('kills cached apps before background ones, never the foreground app, and before the OOM killer would', () => {
    const r = phone(squeeze(), LMKD, 16384, 16384).run();
    const kills = r.apps?.kills ?? [];
    expect(kills.length).toBeGreaterThanOrEqual(2);
    expect(kills.some((x) => x.task === 'grower')).toBe(false);
    // Every cached app went before the first background one.
    expect(
      kills
        .slice(0, 2)
        .map((x) => x.task)
        .sort(),
    ).toEqual(['cached0', 'cached1']);
    for (const x of kills.slice(2)) expect(x.class).not.toBe('cached');
    // The kills freed the apps' memory (their swap and pages), so no OOM kill was needed.
    expect(r.oomKills).toEqual([]);
    // Without lmkd the same squeeze ends in the kernel OOM killer, later than lmkd's first kill.
    const off = phone(squeeze(), undefined, 16384, 16384).run();
    expect(off.oomKills.length).toBeGreaterThan(0);
    expect(off.oomKills[0].timeNs).toBeGreaterThan(kills[0].timeNs);
  });

  it('is woken by PSI: kills follow a trigger event within its window, and none come without one', () => {
    const r = phone(squeeze(), LMKD, 16384, 16384).run();
    const kills = r.apps?.kills ?? [];
    expect(kills.length).toBeGreaterThan(0);
    expect(r.apps!.psiEvents).toBeGreaterThan(0);
    for (const x of kills) {
      // The event that woke lmkd: a trigger update (every 100 ms), "some" of 70 ms or more in its 1 s window.
      expect(x.psiEventNs % (100 * MS)).toBe(0);
      expect(x.timeNs).toBeGreaterThanOrEqual(x.psiEventNs);
      expect(x.timeNs).toBeLessThan(x.psiEventNs + LMKD.windowNs);
    }
    expect(r.apps!.peakWindowSomeNs).toBeGreaterThanOrEqual(LMKD.someNs);
    // Triggers out of reach (the whole window stalled): memory runs just as low, but lmkd is never woken.
    const deaf = phone(
      squeeze(),
      { ...LMKD, someNs: LMKD.windowNs, fullNs: LMKD.windowNs },
      16384,
      16384,
    ).run();
    expect(deaf.apps!.psiEvents).toBe(0);
    expect(deaf.apps!.kills).toEqual([]);
    expect(deaf.oomKills.length).toBeGreaterThan(0);
  });

  it('is off without a spec: the same squeeze ends in the kernel OOM killer', () => {
    const tasks = [idleApp('cached0', 3000, APP_CACHED), growingApp(9000, 50 * MS)];
    const r = phone(tasks, undefined).run();
    expect(r.apps?.kills).toEqual([]);
    expect(r.oomKills.length).toBeGreaterThan(0);
  });
});

/** An app whose launch reads `pages` of its code (file 0) with read() twice over, then is foreground. */
function launcher(pages: number, startNs: number): TaskSpec {
  return {
    name: 'launcher',
    memcg: '/apps/launcher',
    startNs,
    regions: [{ kind: 'file-fd', file: 0, pages }],
    source: generated((i) =>
      i === 0
        ? [OP_APPSTATE, -1, APP_LAUNCH_COLD]
        : i <= 2 * pages
          ? [OP_READ, 0, (i - 1) % pages]
          : i === 2 * pages + 1
            ? [OP_APPSTATE, -1, APP_FOREGROUND]
            : null,
    ),
  };
}

describe('launch latency', () => {
  it('a launch under memory pressure is slower than the same launch on an idle machine', () => {
    const alone = phone([launcher(3000, 100 * MS)], undefined, 8192, 0).run();
    // The same launch while another app holds most of memory in anon pages and no swap can take them.
    const squeezed = phone(
      [idleApp('holder', 6500, APP_BACKGROUND), launcher(3000, 100 * MS)],
      undefined,
      8192,
      0,
    ).run();
    const a = alone.apps!.launches.find((l) => l.task === 'launcher')!;
    const b = squeezed.apps!.launches.find((l) => l.task === 'launcher')!;
    expect(a.kind).toBe('cold');
    expect(b.latencyNs).toBeGreaterThan(a.latencyNs);
    // Squeezed, it lost pages it had read during the launch and read them again.
    expect(a.fileRefaults).toBe(0);
    expect(b.fileReclaimed).toBeGreaterThan(0);
    expect(b.fileRefaults).toBeGreaterThan(0);
  });
});

describe('frames', () => {
  /** A UI thread: `frames` frames of `work` ns of compute each, 8 ms apart, touching `touch` file pages a frame. */
  function ui(frames: number, workNs: number, touch: number): TaskSpec {
    const perFrame = 2 + touch;
    return {
      name: 'ui',
      memcg: '/apps/ui',
      regions: [{ kind: 'file-fd', file: 0, pages: 4096 }],
      source: generated((i) => {
        if (i === 0) return [OP_APPSTATE, -1, APP_FOREGROUND];
        if (i === 1) return [OP_FRAME, -1, 0];
        const f = Math.floor((i - 2) / perFrame);
        if (f >= frames) return null;
        const j = (i - 2) % perFrame;
        if (j < touch) return [OP_READ, 0, (f * touch + j) % 4096];
        return j === touch ? [OP_THINK, -1, workNs] : [OP_FRAME, -1, 8 * MS];
      }),
    };
  }

  it('count a frame as missed when it overruns its period, and as jank only with a memory stall in it', () => {
    const smooth = phone([ui(50, 2 * MS, 0)], undefined).run().apps!;
    expect(smooth.frames).toBe(50);
    expect(smooth.missedFrames).toBe(0);
    // Too much compute: missed, but not jank (nothing waited on memory).
    const slow = phone([ui(50, 9 * MS, 0)], undefined).run().apps!;
    expect(slow.missedFrames).toBe(50);
    expect(slow.jankyFrames).toBe(0);
    // Near the deadline and reading pages that are not cached: the reads push frames over.
    const reading = phone([ui(50, 7.9 * MS, 64)], undefined).run().apps!;
    expect(reading.jankyFrames).toBeGreaterThan(0);
    expect(reading.jankyFrames).toBe(reading.jankTimesNs.length);
    expect(reading.framePeriodNs).toBe(8 * MS);
  });
});
