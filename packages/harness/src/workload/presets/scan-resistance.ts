import type { RegionDef } from '../spec.js';
import { mem, ms, perPage, RUN_PAGES } from './common.js';
import { choiceParam, definePreset, numberParam } from './define.js';

/**
 * A hot set under a one-pass scan of a file larger than memory ("the
 * nightly backup"): vm-scalability lru-file-readonce, mmtests seqread at 2×
 * memory, cache_ext GET-SCAN. A scan-resistant policy keeps the hot set; a
 * naive LRU lets the scan flush it. The scan starts once the hot set is warm
 * and is split among the scanners, so total scan size stays `scanMultiple`.
 */
export const scanResistance = definePreset({
  id: 'scan-resistance',
  description: 'a Zipf hot set plus one-pass streaming reads of a file larger than memory',
  standsFor: ['vm-scalability lru-file-readonce', 'mmtests seqread (2x memory)', 'cache_ext GET-SCAN'],
  params: {
    hotFraction: numberParam(0.6, 'hot set as a fraction of memory (0.5-0.7 in the suite)', {
      min: 0,
      minExclusive: true,
    }),
    hotVariant: choiceParam(
      ['anon', 'mapped', 'fd'] as const,
      'anon',
      'how the hot set is held: anon, mmap of a file, or read()',
    ),
    alpha: numberParam(0.99, 'Zipf exponent of the hot set', { min: 0, minExclusive: true, max: 5 }),
    scanMultiple: numberParam(2, 'scanned file size as a multiple of memory', { min: 0, minExclusive: true }),
    scanners: numberParam(1, 'concurrent scanners sharing the scan (1, or 4+ in the suite)', {
      min: 1,
      max: 256,
      integer: true,
    }),
    scanStartMs: numberParam(100, 'virtual time at which the scan starts (ms)', { min: 0 }),
    // Without compute between requests the hot set would finish in a few
    // milliseconds of virtual time, long before the scan; an application
    // request takes about a microsecond, so the hot set runs through the scan.
    hotThinkNs: numberParam(1000, 'compute between two hot-set requests (ns)', { min: 0 }),
  },
  build: (p) => {
    const hotKind = p.hotVariant === 'anon' ? 'anon' : p.hotVariant === 'mapped' ? 'file-mapped' : 'file-fd';
    const hotRegion: RegionDef =
      hotKind === 'anon'
        ? { name: 'hot', kind: hotKind, size: mem(p.hotFraction) }
        : { name: 'hot', kind: hotKind, file: 'hot' };
    return {
      files: [
        { name: 'scan', size: mem(p.scanMultiple) },
        ...(hotKind === 'anon' ? [] : [{ name: 'hot', size: mem(p.hotFraction) }]),
      ],
      tasks: [
        {
          name: 'hot',
          regions: [hotRegion],
          phases: [
            {
              name: 'warm',
              regions: 'hot',
              pattern: { kind: 'sequential' },
              writeFraction: hotKind === 'anon' ? 1 : 0,
            },
            {
              name: 'hot',
              regions: 'hot',
              pattern: { kind: 'zipf', alpha: p.alpha },
              accesses: perPage(RUN_PAGES * p.scale),
              think: `${p.hotThinkNs}ns`,
              opEvery: 1,
            },
          ],
        },
        {
          name: 'scanner',
          count: p.scanners,
          startAt: ms(p.scanStartMs),
          regions: [{ name: 'scan', kind: 'file-fd', file: 'scan', split: true }],
          phases: [{ name: 'scan', regions: 'scan', pattern: { kind: 'sequential' }, passes: 1 }],
        },
      ],
    };
  },
});
