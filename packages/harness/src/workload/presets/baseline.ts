import { KEY_DISTRIBUTIONS, keyPattern, mem, perPage, RUN_PAGES } from './common.js';
import { choiceParam, definePreset, numberParam } from './define.js';

/**
 * A working set that fits: nothing needs reclaiming, so what a policy costs
 * here is pure bookkeeping — the no-regression check (hackbench, STREAM).
 */
export const baseline = definePreset({
  id: 'baseline',
  description: 'an anon working set that fits in memory; shows pure bookkeeping cost',
  standsFor: ['hackbench', 'STREAM', 'the no-regression suites'],
  params: {
    fraction: numberParam(0.5, 'working set as a fraction of memory', { min: 0, minExclusive: true }),
    distribution: choiceParam(KEY_DISTRIBUTIONS, 'uniform', 'page popularity'),
    alpha: numberParam(0.99, 'Zipf exponent', { min: 0, minExclusive: true, max: 5 }),
  },
  build: (p) => ({
    tasks: [
      {
        name: 'worker',
        regions: [{ name: 'heap', kind: 'anon', size: mem(p.fraction) }],
        phases: [
          { name: 'fill', regions: 'heap', pattern: { kind: 'sequential' }, writeFraction: 1 },
          {
            name: 'run',
            regions: 'heap',
            pattern: keyPattern(p.distribution, p.alpha),
            writeFraction: 0.1,
            accesses: perPage(RUN_PAGES * p.scale),
            opEvery: 1,
          },
        ],
      },
    ],
  }),
});
