import { KEY_DISTRIBUTIONS, keyPattern, mem, perPage, RUN_PAGES } from './common.js';
import { choiceParam, definePreset, numberParam } from './define.js';

/**
 * memcached/Redis under memtier, as in the MGLRU cover letter: a load phase
 * fills anon memory just past its size, then skewed gets (and memtier's
 * default 1:10 set:get). Swap speed (zram-like or slow) is machine config.
 */
export const zipfAnon = definePreset({
  id: 'zipf-anon',
  description: 'load phase fills anon memory, then skewed reads with a few writes',
  standsFor: ['memcached with memtier (MGLRU cover letter)', 'Redis with memtier'],
  params: {
    fillFraction: numberParam(1.05, 'data as a fraction of memory (1.0-1.1 in the suite)', {
      min: 0,
      minExclusive: true,
    }),
    distribution: choiceParam(KEY_DISTRIBUTIONS, 'zipf', 'key popularity'),
    alpha: numberParam(0.99, 'Zipf exponent', { min: 0, minExclusive: true, max: 5 }),
    writeFraction: numberParam(0.09, 'share of sets (memtier default 1:10 set:get)', { min: 0, max: 1 }),
  },
  build: (p) => ({
    tasks: [
      {
        name: 'memcached',
        regions: [{ name: 'items', kind: 'anon', size: mem(p.fillFraction) }],
        phases: [
          { name: 'load', regions: 'items', pattern: { kind: 'sequential' }, writeFraction: 1, opEvery: 1 },
          {
            name: 'run',
            regions: 'items',
            pattern: keyPattern(p.distribution, p.alpha),
            writeFraction: p.writeFraction,
            accesses: perPage(RUN_PAGES * p.scale),
            opEvery: 1,
          },
        ],
      },
    ],
  }),
});
