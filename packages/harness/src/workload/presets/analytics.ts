import { mem, ms } from './common.js';
import { definePreset, numberParam } from './define.js';

/**
 * Spark sort / Hadoop TeraSort as in the MGLRU lab: concurrent jobs each
 * stream their slice of the input while filling a growing anon sort buffer,
 * sort it in place, write it out and free it. The buffers together
 * overcommit memory, so reclaim must choose between input cache, other
 * jobs' buffers and swap — or the OOM killer.
 */
export const analytics = definePreset({
  id: 'analytics',
  description:
    'concurrent jobs: sequential input scans plus growing anon sort buffers that overcommit memory',
  standsFor: ['Spark sort', 'Hadoop TeraSort (MGLRU lab)'],
  params: {
    jobs: numberParam(12, 'concurrent jobs', { min: 1, max: 256, integer: true }),
    inputMultiple: numberParam(2, 'total input as a multiple of memory', { min: 0, minExclusive: true }),
    bufferOvercommit: numberParam(1.5, 'total sort buffers as a multiple of memory', {
      min: 0,
      minExclusive: true,
    }),
    sortPasses: numberParam(16, 'random passes over each buffer while sorting', {
      min: 0,
      minExclusive: true,
    }),
    staggerMs: numberParam(10, 'start-time offset between jobs (ms)', { min: 0 }),
  },
  build: (p) => ({
    files: [
      { name: 'input', size: mem(p.inputMultiple) },
      { name: 'output', size: mem(p.bufferOvercommit) },
    ],
    tasks: [
      {
        name: 'job',
        count: p.jobs,
        stagger: ms(p.staggerMs),
        regions: [
          { name: 'input', kind: 'file-fd', file: 'input', split: true, advice: 'sequential' },
          { name: 'buffer', kind: 'anon', size: mem(p.bufferOvercommit), split: true },
          { name: 'output', kind: 'file-fd', file: 'output', split: true },
        ],
        phases: [
          {
            name: 'read',
            regions: 'input',
            pattern: { kind: 'sequential' },
            map: ['buffer'],
            // The buffer grows with the input read so far.
            side: [
              {
                regions: 'buffer',
                pattern: { kind: 'sequential' },
                writeFraction: 1,
                every: Math.max(1, p.inputMultiple / p.bufferOvercommit),
              },
            ],
          },
          {
            name: 'sort',
            regions: 'buffer',
            pattern: { kind: 'uniform' },
            writeFraction: 0.5,
            passes: p.sortPasses * p.scale,
          },
          {
            name: 'write',
            regions: 'buffer',
            pattern: { kind: 'cyclic' },
            side: [{ regions: 'output', pattern: { kind: 'sequential' }, writeFraction: 1 }],
            fsync: true,
            unmap: ['buffer'],
          },
        ],
      },
    ],
  }),
});
