import type { TaskDef } from '../spec.js';
import { mem } from './common.js';
import { booleanParam, definePreset, numberParam } from './define.js';

/**
 * The same file pages through a mapping and through read(): vm-scalability
 * lru-file-mmap-read against readtwice. The classic LRU promotes a mapped
 * page on one PTE reference seen twice but an fd page only on a second
 * read; MGLRU puts mapped pages in a young generation and fd pages in tiers.
 * A mapper loops over the whole file; a reader re-reads a hot subset (the
 * file's first pages, so the two share them); an anon hog can join.
 */
export const mmapVsRead = definePreset({
  id: 'mmap-vs-read',
  description: 'the same file through a mapping and through read(), with a hot subset read repeatedly',
  standsFor: ['vm-scalability lru-file-mmap-read', 'vm-scalability lru-file-readtwice'],
  params: {
    fileFraction: numberParam(1.25, 'file size as a fraction of memory (0.5-1.5 in the suite)', {
      min: 0,
      minExclusive: true,
    }),
    hotFraction: numberParam(0.25, 'share of the file that is also read by fd', {
      min: 0,
      minExclusive: true,
      max: 1,
    }),
    hog: booleanParam(false, 'run an anon hog beside the readers'),
    hogFraction: numberParam(0.5, 'hog size as a fraction of memory', { min: 0, minExclusive: true }),
  },
  build: (p) => {
    const tasks: TaskDef[] = [
      {
        name: 'mapper',
        regions: [{ name: 'map', kind: 'file-mapped', file: 'data' }],
        phases: [
          {
            name: 'mmap-read',
            regions: 'map',
            pattern: { kind: 'cyclic' },
            passes: 12 * p.scale,
            opEvery: 1,
          },
        ],
      },
      {
        name: 'reader',
        regions: [{ name: 'hot', kind: 'file-fd', file: 'data', size: mem(p.fileFraction * p.hotFraction) }],
        // Each round reads the subset twice, as readtwice does; cyclic passes repeat the rounds.
        phases: [
          {
            name: 'readtwice',
            regions: 'hot',
            pattern: { kind: 'cyclic' },
            passes: 48 * p.scale,
            opEvery: 1,
          },
        ],
      },
    ];
    if (p.hog) {
      tasks.push({
        name: 'hog',
        regions: [{ name: 'heap', kind: 'anon', size: mem(p.hogFraction) }],
        phases: [
          { name: 'fill', regions: 'heap', pattern: { kind: 'cyclic' }, writeFraction: 1 },
          { name: 'touch', regions: 'heap', pattern: { kind: 'cyclic' }, passes: 30 * p.scale },
        ],
      });
    }
    return { files: [{ name: 'data', size: mem(p.fileFraction) }], tasks };
  },
});
