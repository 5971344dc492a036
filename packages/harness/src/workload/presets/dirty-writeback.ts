import { mem, perPage, RUN_PAGES } from './common.js';
import { definePreset, numberParam } from './define.js';

/**
 * Heavy writes into a small memcg: dd streaming a file twice the limit,
 * a YCSB-B-style updater (MongoDB, 5% updates) over a record file, and
 * mmtests stutterp's anon writer. Reclaim meets dirty and writeback pages
 * and must wait for the flusher; dirty thresholds are kernel knobs.
 */
export const dirtyWriteback = definePreset({
  id: 'dirty-writeback',
  description: 'heavy writes to file pages and anon memory inside a small memcg',
  standsFor: ['mmtests stutterp writers', 'MongoDB YCSB-B (5% updates)', 'dd into a small memcg'],
  params: {
    limitFraction: numberParam(0.5, 'memcg memory.max as a fraction of memory', {
      min: 0,
      minExclusive: true,
    }),
    dirtyFraction: numberParam(0.5, 'updated record file as a fraction of the limit (0.2-1.0 in the suite)', {
      min: 0,
      minExclusive: true,
    }),
    ddMultiple: numberParam(2, 'dd output size as a multiple of the limit', { min: 0, minExclusive: true }),
    updateFraction: numberParam(0.05, 'share of record accesses that are updates (YCSB-B)', {
      min: 0,
      max: 1,
    }),
    anonFraction: numberParam(0.3, 'anon writer size as a fraction of the limit', {
      min: 0,
      minExclusive: true,
    }),
  },
  build: (p) => ({
    files: [
      { name: 'dd-out', size: mem(p.limitFraction * p.ddMultiple) },
      { name: 'records', size: mem(p.limitFraction * p.dirtyFraction) },
    ],
    memcgs: [{ path: '/dirty', max: mem(p.limitFraction) }],
    tasks: [
      {
        name: 'dd',
        memcg: '/dirty',
        regions: [{ name: 'out', kind: 'file-fd', file: 'dd-out' }],
        phases: [
          { name: 'write', regions: 'out', pattern: { kind: 'sequential' }, writeFraction: 1, fsync: true },
        ],
      },
      {
        name: 'updater',
        memcg: '/dirty',
        regions: [{ name: 'records', kind: 'file-fd', file: 'records' }],
        phases: [
          { name: 'load', regions: 'records', pattern: { kind: 'sequential' }, writeFraction: 1, opEvery: 1 },
          {
            name: 'run',
            regions: 'records',
            pattern: { kind: 'zipf', alpha: 0.99 },
            writeFraction: p.updateFraction,
            accesses: perPage(RUN_PAGES * 0.75 * p.scale),
            opEvery: 1,
          },
        ],
      },
      {
        name: 'anon-writer',
        memcg: '/dirty',
        regions: [{ name: 'buffer', kind: 'anon', size: mem(p.limitFraction * p.anonFraction) }],
        phases: [
          {
            name: 'write',
            regions: 'buffer',
            pattern: { kind: 'cyclic' },
            writeFraction: 1,
            passes: 40 * p.scale,
          },
        ],
      },
    ],
  }),
});
