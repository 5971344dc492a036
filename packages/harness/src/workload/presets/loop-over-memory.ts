import type { RegionDef } from '../spec.js';
import { mem } from './common.js';
import { choiceParam, definePreset, numberParam } from './define.js';

/**
 * A cyclic sweep repeated many times: mmtests usemem, lmbench lat_mmap, the
 * LIRS `loop` trace, cache_ext's repeated file search. Just past 1.0× memory
 * an exact LRU misses on every access; a policy that protects part of the
 * loop keeps some hits. Walkers split the loop, so total size is constant.
 */
export const loopOverMemory = definePreset({
  id: 'loop-over-memory',
  description: 'a cyclic sweep over a region, repeated many times',
  standsFor: ['mmtests usemem', 'lmbench lat_mmap', 'LIRS loop trace', 'cache_ext repeated file search'],
  params: {
    loopFraction: numberParam(
      1.05,
      'loop size as a fraction of memory (0.5, 0.95, 1.05, 1.5, 2 in the suite)',
      {
        min: 0,
        minExclusive: true,
      },
    ),
    passes: numberParam(30, 'passes over the loop (>= 30 in the suite)', { min: 1 }),
    variant: choiceParam(
      ['anon', 'file', 'mapped'] as const,
      'anon',
      'anon memory, read() of a file, or mmap of a file',
    ),
    walkers: numberParam(1, 'concurrent walkers, each looping over its share', {
      min: 1,
      max: 256,
      integer: true,
    }),
  },
  build: (p) => {
    const anon = p.variant === 'anon';
    const region: RegionDef = anon
      ? { name: 'loop', kind: 'anon', size: mem(p.loopFraction), split: true }
      : { name: 'loop', kind: p.variant === 'file' ? 'file-fd' : 'file-mapped', file: 'loop', split: true };
    return {
      files: anon ? [] : [{ name: 'loop', size: mem(p.loopFraction) }],
      tasks: [
        {
          name: 'walker',
          count: p.walkers,
          regions: [region],
          phases: [
            // usemem writes its memory first; later passes only read it.
            { name: 'first-pass', regions: 'loop', pattern: { kind: 'cyclic' }, writeFraction: anon ? 1 : 0 },
            {
              name: 'loop',
              regions: 'loop',
              pattern: { kind: 'cyclic' },
              passes: Math.max(1, p.passes * p.scale - 1),
            },
          ],
        },
      ],
    };
  },
});
