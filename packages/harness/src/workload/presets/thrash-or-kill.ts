import { ms } from './common.js';
import { definePreset, numberParam } from './define.js';

/**
 * Demand that cannot fit: Chrome OS memorystress opening tabs until memory
 * and swap run out (MGLRU min_ttl_ms, Android lmkd tests). Tabs launch one
 * after another, write their memory, then keep touching a hot part of it;
 * together they need memory + swap plus `overshoot`. A policy should kill
 * (or let the OOM killer kill) rather than thrash. Browsing is paced by
 * think time and lasts 1.5× the whole launch sequence, so every tab is
 * still alive when the last one launches, whatever the machine size;
 * `scale` changes how densely a tab touches memory, not for how long.
 * Compiling needs `swapPages`; min_ttl is a kernel knob.
 */
export const thrashOrKill = definePreset({
  id: 'thrash-or-kill',
  description: 'tabs whose total demand exceeds memory + swap',
  standsFor: ['Chrome OS memorystress', 'MGLRU min_ttl_ms', 'Android lmkd tests'],
  params: {
    overshoot: numberParam(0.1, 'demand beyond memory + swap (0.05-0.2 in the suite)', {
      min: 0,
      minExclusive: true,
    }),
    tabs: numberParam(8, 'tab processes', { min: 1, max: 256, integer: true }),
    staggerMs: numberParam(20, 'time between tab launches (ms)', { min: 0, minExclusive: true }),
    hotFraction: numberParam(0.3, 'part of each tab touched most', { min: 0, minExclusive: true, max: 0.99 }),
  },
  build: (p) => ({
    tasks: [
      {
        name: 'tab',
        count: p.tabs,
        stagger: ms(p.staggerMs),
        oomScoreAdj: 300,
        regions: [
          {
            name: 'heap',
            kind: 'anon',
            size: { fraction: Number(((1 + p.overshoot) / p.tabs).toPrecision(6)), of: 'memory+swap' },
          },
        ],
        phases: [
          { name: 'load', regions: 'heap', pattern: { kind: 'sequential' }, writeFraction: 1 },
          {
            name: 'browse',
            regions: 'heap',
            pattern: { kind: 'hotcold', hotFraction: p.hotFraction, hotProbability: 0.9 },
            writeFraction: 0.2,
            duration: ms(1.5 * p.tabs * p.staggerMs),
            think: `${Math.max(1, Math.round(1000 / p.scale))}ns`,
            opEvery: 1,
          },
        ],
      },
    ],
  }),
});
