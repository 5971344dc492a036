import { KEY_DISTRIBUTIONS, keyPattern, mem, perPage, RUN_PAGES } from './common.js';
import { choiceParam, definePreset, numberParam } from './define.js';

/**
 * fio randread with buffered I/O in a memcg, over a file set 2.75× the limit
 * as in the MGLRU series (YCSB on LevelDB in cache_ext goes to ~11×). Each
 * stream is a fio job with its own file (a slice of the set) and fio's
 * default fadvise(RANDOM); total accesses stay constant across `streams`.
 */
export const zipfFile = definePreset({
  id: 'zipf-file',
  description: 'random buffered reads over a file set larger than the memcg limit',
  standsFor: ['fio randread in a memcg (MGLRU series)', 'YCSB on LevelDB (cache_ext)'],
  params: {
    limitFraction: numberParam(0.5, 'memcg memory.max as a fraction of memory', {
      min: 0,
      minExclusive: true,
    }),
    fileMultiple: numberParam(2.75, 'file set as a multiple of the limit (2-3, and 10, in the suite)', {
      min: 0,
      minExclusive: true,
    }),
    distribution: choiceParam(KEY_DISTRIBUTIONS, 'zipf', 'offset popularity'),
    alpha: numberParam(0.99, 'Zipf exponent', { min: 0, minExclusive: true, max: 5 }),
    streams: numberParam(2, 'concurrent fio jobs (1x and 2x per CPU in the suite)', {
      min: 1,
      max: 256,
      integer: true,
    }),
  },
  build: (p) => ({
    files: [{ name: 'fileset', size: mem(p.limitFraction * p.fileMultiple) }],
    memcgs: [{ path: '/fio', max: mem(p.limitFraction) }],
    tasks: [
      {
        name: 'fio',
        memcg: '/fio',
        count: p.streams,
        regions: [{ name: 'data', kind: 'file-fd', file: 'fileset', split: true, advice: 'random' }],
        phases: [
          {
            name: 'randread',
            regions: 'data',
            pattern: keyPattern(p.distribution, p.alpha),
            accesses: perPage((RUN_PAGES * p.scale) / p.streams),
            opEvery: 1,
          },
        ],
      },
    ],
  }),
});
