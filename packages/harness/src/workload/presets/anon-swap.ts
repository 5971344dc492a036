import type { PatternDef } from '../spec.js';
import { mem, perPage, RUN_PAGES } from './common.js';
import { choiceParam, definePreset, numberParam } from './define.js';

/**
 * An anon working set larger than memory beside a file working set: mmtests
 * usemem-swap and the swappiness sweep. `fileShare` is the file part of the
 * total working set and of the accesses, so the anon/file balance (swap
 * versus file I/O) is what a policy is judged on. Swappiness and the swap
 * device's latency are kernel and machine settings.
 */
export const anonSwap = definePreset({
  id: 'anon-swap',
  description: 'an anon working set larger than memory beside a file working set',
  standsFor: ['mmtests usemem-swap', 'the swappiness sweep'],
  params: {
    anonFraction: numberParam(1.2, 'anon working set as a fraction of memory (1.0-1.5 in the suite)', {
      min: 0,
      minExclusive: true,
    }),
    fileShare: numberParam(0.3, 'file share of the working set and accesses (0.1-0.7 in the suite)', {
      min: 0,
      minExclusive: true,
      max: 0.95,
    }),
    pattern: choiceParam(['zipf', 'uniform', 'cyclic'] as const, 'zipf', 'access pattern within each set'),
    alpha: numberParam(0.9, 'Zipf exponent (milder than 0.99 so that most of the set stays live)', {
      min: 0,
      minExclusive: true,
      max: 5,
    }),
  },
  build: (p) => {
    const pattern: PatternDef =
      p.pattern === 'zipf'
        ? { kind: 'zipf', alpha: p.alpha }
        : p.pattern === 'uniform'
          ? { kind: 'uniform' }
          : { kind: 'cyclic' };
    const fileFraction = (p.anonFraction * p.fileShare) / (1 - p.fileShare);
    const total = RUN_PAGES * p.scale;
    return {
      files: [{ name: 'data', size: mem(fileFraction) }],
      tasks: [
        {
          name: 'usemem',
          regions: [{ name: 'heap', kind: 'anon', size: mem(p.anonFraction) }],
          phases: [
            { name: 'fill', regions: 'heap', pattern: { kind: 'sequential' }, writeFraction: 1 },
            {
              name: 'run',
              regions: 'heap',
              pattern,
              writeFraction: 0.3,
              accesses: perPage(total * (1 - p.fileShare)),
              opEvery: 1,
            },
          ],
        },
        {
          name: 'reader',
          regions: [{ name: 'data', kind: 'file-fd', file: 'data' }],
          phases: [
            { name: 'run', regions: 'data', pattern, accesses: perPage(total * p.fileShare), opEvery: 1 },
          ],
        },
      ],
    };
  },
});
