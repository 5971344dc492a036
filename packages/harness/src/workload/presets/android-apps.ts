import type { FileDef, MemcgDef, PhaseDef, RegionDef, TaskDef } from '../spec.js';
import { mem, ms } from './common.js';
import { definePreset, numberParam } from './define.js';

/** One 120 Hz frame. */
const FRAME_MS = 1000 / 120;
/** UI-thread work per frame: accesses, each after six microseconds of compute (~3 ms of the 8.3 ms frame). */
const FRAME_ACCESSES = 500;
const FRAME_THINK = '6us';
/** A launch's compute per page it touches (binding, inflating views): what a launch costs with nothing to read. */
const LAUNCH_THINK = '5us';
/** A backgrounded app's small periodic work. */
const BG_ACCESSES = 400;
const BG_THINK = '100us';
/** The working set: 30% of the app's heap and code pages, scattered over both. */
const HOT = 0.3;
const WORKING_SET = { kind: 'hotcold', hotFraction: HOT, hotProbability: 1, permute: true } as const;

/** The phases of one visit of an app: launch, foreground frames, background work, cached (frozen). */
function visit(launch: PhaseDef[], frames: number, cachedMs: number): PhaseDef[] {
  return [
    ...launch,
    {
      name: 'foreground',
      app: 'foreground',
      regions: ['heap', 'code'],
      pattern: { ...WORKING_SET, hotProbability: 0.95 },
      writeFraction: 0.2,
      accesses: frames * FRAME_ACCESSES,
      think: FRAME_THINK,
      frame: { period: ms(FRAME_MS), accesses: FRAME_ACCESSES },
    },
    {
      name: 'background',
      app: 'background',
      regions: ['heap', 'code'],
      pattern: WORKING_SET,
      writeFraction: 0.1,
      accesses: BG_ACCESSES,
      think: BG_THINK,
    },
    {
      // Frozen: no accesses. ActivityManager's app compaction pages the
      // heap out (process_madvise MADV_PAGEOUT, to zram) and marks the
      // code cold; the app waits here for its next turn.
      name: 'cached',
      app: 'cached',
      regions: 'heap',
      pattern: { kind: 'sequential' },
      accesses: 0,
      madvise: [
        { region: 'heap', advice: 'pageout' },
        { region: 'code', advice: 'cold' },
      ],
      pause: ms(cachedMs),
    },
  ];
}

const WARM_LAUNCH: PhaseDef = {
  name: 'warm-launch',
  app: 'launch-warm',
  regions: ['heap', 'code'],
  pattern: WORKING_SET,
  passes: HOT,
  think: LAUNCH_THINK,
  writeFraction: 0.1,
};

/**
 * Android's app lifecycle on a phone with zram: `apps` apps, each in its
 * own memcg, taking turns on screen. A visit is a launch — cold the first
 * time (the app's code read through its mapping with read-around, a fresh
 * anon heap written), warm afterwards (the working set touched) — then
 * `fgFrames` frames of a UI thread at 120 Hz (a frame misses its 8.3 ms
 * deadline when the thread stalls), a little background work, and the
 * cached state: frozen, its heap paged out by the framework
 * (MADV_PAGEOUT) and its code made cold (MADV_COLD), until its next turn
 * comes round after every other app's. lmkd watches memory pressure and
 * kills the least important cached app; a killed app's next launch is a
 * cold one. A camera-like app launches once in the middle with a burst of
 * anon memory (`cameraBurst`), and `storm` quick visits per app after the
 * first round make an app-switch storm. The machine gets zram swap of
 * half its memory unless the scenario gives swap.
 */
export const androidApps = definePreset({
  id: 'android-apps',
  description: 'phone apps cycling launch, foreground frames, background, cached, lmkd kills',
  standsFor: [
    'Android app launch and jank tests (app-launch, camera burst)',
    'lmkd PSI kills',
    'MGLRU on phones',
  ],
  params: {
    apps: numberParam(10, 'apps taking turns on screen', { min: 2, max: 64, integer: true }),
    // 8%: a few hundred MiB of an 8 GiB phone. At 15% ten apps' heaps overran memory and zram so far
    // that lmkd killed every app once cached, and no warm launch was left to measure.
    heapFraction: numberParam(0.08, 'each app’s anon heap as a fraction of memory', {
      min: 0,
      minExclusive: true,
      max: 4,
    }),
    codeFraction: numberParam(0.05, 'each app’s code and resources (a mapped file) as a fraction of memory', {
      min: 0,
      minExclusive: true,
      max: 4,
    }),
    fgFrames: numberParam(48, 'frames per foreground visit (120 Hz)', {
      min: 1,
      max: 100_000,
      integer: true,
    }),
    rounds: numberParam(5, 'visits of every app after the first', { min: 0, max: 10_000, integer: true }),
    cameraBurst: numberParam(
      0.2,
      'a camera app’s launch burst of anon memory, as a fraction of memory (0: none)',
      {
        min: 0,
        max: 4,
      },
    ),
    storm: numberParam(0, 'quick visits per app in an app-switch storm after the first round (0: none)', {
      min: 0,
      max: 1000,
      integer: true,
    }),
  },
  build: (p) => {
    const frames = Math.max(1, Math.round(p.fgFrames * p.scale));
    // One app's turn on screen: its frames plus an allowance for the launch.
    const slotMs = frames * FRAME_MS + 60;
    const cachedMs = (p.apps - 1) * slotMs;
    const quickMs = 5 * FRAME_MS + 20;
    const memcgs: MemcgDef[] = [{ path: '/apps' }];
    const files: FileDef[] = [];
    const tasks: TaskDef[] = [];
    const appTask = (
      name: string,
      heap: number,
      startMs: number,
      phases: PhaseDef[],
      repeat: number,
      repeatFrom: number,
    ) => {
      memcgs.push({ path: `/apps/${name}` });
      files.push({ name: `${name}.code`, size: mem(p.codeFraction) });
      const regions: RegionDef[] = [
        { name: 'heap', kind: 'anon', size: mem(heap) },
        { name: 'code', kind: 'file-mapped', file: `${name}.code`, exec: true },
      ];
      const task: TaskDef = { name, memcg: `/apps/${name}`, startAt: ms(startMs), regions, phases, repeat };
      if (repeat > 1) task.repeatFrom = repeatFrom;
      tasks.push(task);
    };
    const coldLaunch = (burst = false): PhaseDef[] => [
      // A cold start: the process maps its code and reads it (read-around), then builds its heap.
      {
        name: 'cold-launch',
        app: 'launch-cold',
        regions: 'code',
        pattern: { kind: 'sequential' },
        think: LAUNCH_THINK,
      },
      // The camera takes its buffers at once (a burst); an app builds its heap as it initialises.
      burst
        ? { name: 'cold-init', regions: 'heap', pattern: { kind: 'sequential' }, writeFraction: 1 }
        : {
            name: 'cold-init',
            regions: 'heap',
            pattern: { kind: 'sequential' },
            writeFraction: 1,
            think: LAUNCH_THINK,
          },
    ];
    for (let i = 0; i < p.apps; i++) {
      const first = visit(coldLaunch(), frames, cachedMs);
      const storm: PhaseDef[] = [];
      for (let k = 0; k < p.storm; k++) storm.push(...visit([{ ...WARM_LAUNCH }], 5, (p.apps - 1) * quickMs));
      // The first visit and the storm run once; the warm visit repeats `rounds` times.
      const again = p.rounds > 0 ? visit([{ ...WARM_LAUNCH }], frames, cachedMs) : [];
      const once = first.length + storm.length;
      appTask(
        `app${i}`,
        p.heapFraction,
        i * slotMs,
        [...first, ...storm, ...again],
        Math.max(1, p.rounds),
        once,
      );
    }
    if (p.cameraBurst > 0) {
      // The camera opens once, mid-run, and takes its buffers at once.
      appTask('camera', p.cameraBurst, (p.apps + 0.5) * slotMs, visit(coldLaunch(true), frames, 0), 1, 0);
    }
    return {
      files,
      memcgs,
      tasks,
      // lmkd's defaults (PSI "some" 70 ms and "full" 700 ms within 1 s) for
      // the 8 GiB phone whose app sizes the heaps scale down from: the
      // smaller machine stalls in proportion, and so do its thresholds.
      lmkd: { referenceMemory: '8GiB' },
      machine: { swapFraction: 0.5, swapDevice: 'zram' },
    };
  },
});
