import type { CacheDef, RegionDef } from '../spec.js';
import { mem, perPage, RUN_PAGES } from './common.js';
import { choiceParam, definePreset, numberParam } from './define.js';

/**
 * The page cache below an application cache (PostgreSQL shared_buffers; the
 * MSR and CloudPhysics block traces): an upper LRU absorbs the hot head of a
 * Zipf stream, so what reaches the kernel has long reuse distances and
 * little recency to exploit. With `upper: anon` the upper cache is a real
 * anon buffer that competes for memory; with `none` it is invisible and only
 * its misses are emitted, like a block trace.
 */
export const secondLevelCache = definePreset({
  id: 'second-level-cache',
  description: 'a stream already filtered by an upstream LRU cache',
  standsFor: ['MSR and CloudPhysics block traces', 'PostgreSQL shared_buffers over the page cache'],
  params: {
    upperFraction: numberParam(0.3, 'upper cache as a fraction of memory (0.2-0.45 in the suite)', {
      min: 0,
      minExclusive: true,
    }),
    dataFraction: numberParam(2, 'data file as a fraction of memory', { min: 0, minExclusive: true }),
    alpha: numberParam(0.99, 'Zipf exponent of the application requests', {
      min: 0,
      minExclusive: true,
      max: 5,
    }),
    upper: choiceParam(
      ['anon', 'none'] as const,
      'anon',
      'the upper cache lives in anon memory, or outside the model',
    ),
  },
  build: (p) => {
    const regions: RegionDef[] = [{ name: 'data', kind: 'file-fd', file: 'data' }];
    let cache: CacheDef = { size: mem(p.upperFraction) };
    if (p.upper === 'anon') {
      regions.push({ name: 'buffer', kind: 'anon', size: mem(p.upperFraction) });
      cache = { region: 'buffer' };
    }
    return {
      files: [{ name: 'data', size: mem(p.dataFraction) }],
      tasks: [
        {
          name: 'app',
          regions,
          phases: [
            {
              name: 'run',
              regions: 'data',
              pattern: { kind: 'zipf', alpha: p.alpha },
              cache,
              accesses: perPage(RUN_PAGES * p.scale),
              opEvery: 1,
            },
          ],
        },
      ],
    };
  },
});
