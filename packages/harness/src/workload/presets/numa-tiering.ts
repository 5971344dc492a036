import type { PhaseDef } from '../spec.js';
import { mem, perPage } from './common.js';
import { definePreset, numberParam } from './define.js';

/**
 * Memory tiering (docs/tiering.md): a cold bulk written first fills the
 * fast node, so the hot sets written after it start on the slow node; then
 * hot set A is used, and the hot set shifts to B. On a tiered machine
 * (`machine.demotionTarget`, `machine.numaBalancing: 2`) NUMA-balancing hint
 * faults promote each hot set while kswapd demotes the bulk, which belongs
 * on the slow node. On a flat machine it is an anon workload that fits.
 */
export const numaTiering = definePreset({
  id: 'numa-tiering',
  description: 'cold bulk fills the fast node, hot sets start on the slow one, then the hot set shifts',
  standsFor: ['a key-value store on DRAM + CXL memory (TPP, memory tiering in v6.x)'],
  params: {
    bulkFraction: numberParam(0.5, "cold bulk as a fraction of all memory (the fast node's share)", {
      min: 0,
      minExclusive: true,
    }),
    hotFraction: numberParam(0.12, 'each hot set as a fraction of all memory', {
      min: 0,
      minExclusive: true,
    }),
    accesses: numberParam(24, 'accesses per hot-set phase, as a multiple of memory pages', {
      min: 0,
      minExclusive: true,
    }),
  },
  build: (p) => {
    const run = (name: string, region: string): PhaseDef => ({
      name,
      regions: region,
      pattern: { kind: 'uniform' },
      writeFraction: 0.05,
      accesses: perPage(p.accesses * p.scale),
      opEvery: 1,
    });
    const fill = (region: string): PhaseDef => ({
      name: `fill-${region}`,
      regions: region,
      pattern: { kind: 'sequential' },
      writeFraction: 1,
    });
    return {
      tasks: [
        {
          name: 'app',
          node: 0,
          regions: [
            { name: 'bulk', kind: 'anon', size: mem(p.bulkFraction) },
            { name: 'hotA', kind: 'anon', size: mem(p.hotFraction) },
            { name: 'hotB', kind: 'anon', size: mem(p.hotFraction) },
          ],
          phases: [fill('bulk'), fill('hotA'), fill('hotB'), run('hot-A', 'hotA'), run('hot-B', 'hotB')],
        },
      ],
    };
  },
});
