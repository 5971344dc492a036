import type { FileDef, PhaseDef, RegionDef } from '../spec.js';
import { keyPattern, mem, perPage, RUN_PAGES } from './common.js';
import { choiceParam, definePreset, numberParam } from './define.js';

/**
 * Data pages one transaction touches (TPC-B's three updates descend an index
 * and touch a heap page each, plus a history insert); in tpcb mode it also
 * appends one WAL page and fsyncs it at commit.
 */
const PAGES_PER_TRANSACTION = 8;

/**
 * A database: a buffer pool (shmem, or anon) caching a data file twice the
 * size of memory, WAL appends with fsync at commit, and periodic checkpoints
 * that write the dirty buffers back — pgbench, mmtests pgioperf, TPC-C. The
 * pool is an exact LRU inside the generator: hits touch the pool, misses
 * pread the data file, dirty victims are written back. Several clients
 * each get a slice of the pool and of the data (a partitioned pool).
 */
export const database = definePreset({
  id: 'database',
  description: 'buffer pool over a page-cached data file, WAL appends and checkpoints',
  standsFor: ['pgbench select-only and TPC-B', 'mmtests pgioperf', 'TPC-C'],
  params: {
    mode: choiceParam(
      ['tpcb', 'select-only'] as const,
      'tpcb',
      'updates with WAL and checkpoints, or reads only',
    ),
    distribution: choiceParam(
      ['zipf', 'uniform'] as const,
      'zipf',
      'row popularity (pgbench is uniform; TPC-C skewed)',
    ),
    alpha: numberParam(0.99, 'Zipf exponent', { min: 0, minExclusive: true, max: 5 }),
    poolFraction: numberParam(0.2, 'buffer pool as a fraction of memory', { min: 0, minExclusive: true }),
    dataFraction: numberParam(2, 'data file as a fraction of memory', { min: 0, minExclusive: true }),
    poolBacking: choiceParam(
      ['shmem', 'anon'] as const,
      'shmem',
      'PostgreSQL shared memory, or a private anon pool',
    ),
    clients: numberParam(1, 'backends', { min: 1, max: 256, integer: true }),
    checkpoints: numberParam(4, 'checkpoints over the run, the last at its end (tpcb)', {
      min: 0,
      integer: true,
    }),
  },
  build: (p) => {
    const tpcb = p.mode === 'tpcb';
    const files: FileDef[] = [
      { name: 'data', size: mem(p.dataFraction) },
      { name: 'wal', size: mem(p.dataFraction / 48) },
    ];
    const pool: RegionDef =
      p.poolBacking === 'shmem'
        ? { name: 'pool', kind: 'file-mapped', file: 'shared_buffers', shmem: true, split: true }
        : { name: 'pool', kind: 'anon', size: mem(p.poolFraction), split: true };
    if (p.poolBacking === 'shmem') files.push({ name: 'shared_buffers', size: mem(p.poolFraction) });
    const regions: RegionDef[] = [{ name: 'data', kind: 'file-fd', file: 'data', split: true }, pool];
    const draws = (RUN_PAGES * p.scale) / p.clients;
    const run: PhaseDef = {
      name: 'run',
      regions: 'data',
      pattern: keyPattern(p.distribution, p.alpha),
      cache: { region: 'pool' },
      accesses: perPage(draws),
      opEvery: tpcb ? PAGES_PER_TRANSACTION : 1,
    };
    if (tpcb) {
      regions.push({ name: 'wal', kind: 'file-fd', file: 'wal', split: true, advice: 'sequential' });
      run.writeFraction = 0.25;
      run.side = [
        {
          regions: 'wal',
          pattern: { kind: 'sequential' },
          writeFraction: 1,
          every: PAGES_PER_TRANSACTION,
          fsyncEvery: 1,
        },
      ];
      if (p.checkpoints > 0) run.cache = { region: 'pool', checkpointEvery: perPage(draws / p.checkpoints) };
    }
    return { files, tasks: [{ name: 'backend', count: p.clients, regions, phases: [run] }] };
  },
});
