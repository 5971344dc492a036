import type { PhaseDef, RegionDef } from '../spec.js';
import { keyPattern, mem, perPage, RUN_PAGES } from './common.js';
import { choiceParam, definePreset, numberParam } from './define.js';

/**
 * A key-value store in a memcg under YCSB: over anon memory (memcached,
 * Redis: loaded first, sharded when there are several clients) or over a
 * page-cached file read with pread (LevelDB, MongoDB: the data is already
 * on disk and all clients share it). Read/write 100/0, 95/5 (default,
 * YCSB-B), 50/50; data 1.1-11× the memcg.
 */
export const kvStore = definePreset({
  id: 'kv-store',
  description: 'a key-value store over anon memory or a page-cached file, in a memcg',
  standsFor: ['memcached', 'Redis', 'MongoDB', 'LevelDB with YCSB'],
  params: {
    backing: choiceParam(['anon', 'file'] as const, 'anon', 'where the data lives'),
    writeFraction: numberParam(0.05, 'share of updates (0, 0.05, 0.5 in the suite)', { min: 0, max: 1 }),
    dataMultiple: numberParam(1.1, 'data as a multiple of the memcg limit (1.1-11 in the suite)', {
      min: 0,
      minExclusive: true,
    }),
    limitFraction: numberParam(0.5, 'memcg memory.max as a fraction of memory', {
      min: 0,
      minExclusive: true,
    }),
    distribution: choiceParam(
      ['zipf', 'uniform'] as const,
      'zipf',
      'key popularity (YCSB zipfian or uniform)',
    ),
    alpha: numberParam(0.99, 'Zipf exponent (YCSB default 0.99)', { min: 0, minExclusive: true, max: 5 }),
    clients: numberParam(1, 'client processes', { min: 1, max: 256, integer: true }),
  },
  build: (p) => {
    const anon = p.backing === 'anon';
    const data = mem(p.limitFraction * p.dataMultiple);
    const region: RegionDef = anon
      ? { name: 'data', kind: 'anon', size: data, split: true }
      : { name: 'data', kind: 'file-fd', file: 'db' };
    const phases: PhaseDef[] = [
      {
        name: 'run',
        regions: 'data',
        pattern: keyPattern(p.distribution, p.alpha),
        writeFraction: p.writeFraction,
        accesses: perPage((RUN_PAGES * p.scale) / p.clients),
        opEvery: 1,
      },
    ];
    if (anon)
      phases.unshift({
        name: 'load',
        regions: 'data',
        pattern: { kind: 'sequential' },
        writeFraction: 1,
        opEvery: 1,
      });
    return {
      files: anon ? [] : [{ name: 'db', size: data }],
      memcgs: [{ path: '/kv', max: mem(p.limitFraction) }],
      tasks: [{ name: 'kv', memcg: '/kv', count: p.clients, regions: [region], phases }],
    };
  },
});
