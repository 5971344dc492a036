import type { FileDef, PatternDef, PhaseDef, RegionDef } from '../spec.js';
import { mem, perPage } from './common.js';
import { choiceParam, definePreset, numberParam } from './define.js';

/**
 * Working set A, then B, then A again (masim zigzag; memcached load then fio
 * in the MGLRU mixed run). Each switch should show a refault spike and a
 * time to converge; OP_PHASE marks the switches. Anon sets are written once
 * first so that they really occupy memory (reads of untouched anon would
 * map the zero page).
 */
export const phaseShift = definePreset({
  id: 'phase-shift',
  description: 'working set A, then B, then A again',
  standsFor: ['masim zigzag/stairs', 'memcached load then fio (MGLRU mixed run)'],
  params: {
    setFraction: numberParam(0.6, 'each working set as a fraction of memory (0.5-0.7 in the suite)', {
      min: 0,
      minExclusive: true,
    }),
    variant: choiceParam(
      ['anon', 'file', 'mixed'] as const,
      'anon',
      'both sets anon, both files, or A anon and B a file',
    ),
    distribution: choiceParam(['zipf', 'uniform'] as const, 'zipf', 'popularity within a set'),
    alpha: numberParam(0.99, 'Zipf exponent', { min: 0, minExclusive: true, max: 5 }),
  },
  build: (p) => {
    const files: FileDef[] = [];
    const set = (name: 'A' | 'B', anon: boolean): RegionDef => {
      if (anon) return { name, kind: 'anon', size: mem(p.setFraction) };
      files.push({ name: `set-${name}`, size: mem(p.setFraction) });
      return { name, kind: 'file-fd', file: `set-${name}` };
    };
    const regions = [set('A', p.variant === 'anon' || p.variant === 'mixed'), set('B', p.variant === 'anon')];
    const pattern: PatternDef =
      p.distribution === 'zipf' ? { kind: 'zipf', alpha: p.alpha } : { kind: 'uniform' };
    const fill = (r: RegionDef): PhaseDef => ({
      name: `fill-${r.name}`,
      regions: r.name,
      pattern: { kind: 'sequential' },
      writeFraction: r.kind === 'anon' ? 1 : 0,
    });
    const run = (name: string, region: string): PhaseDef => ({
      name,
      regions: region,
      pattern,
      writeFraction: 0.05,
      accesses: perPage(12 * p.scale),
      opEvery: 1,
    });
    return {
      files,
      tasks: [
        {
          name: 'shifter',
          regions,
          phases: [fill(regions[0]), run('A', 'A'), fill(regions[1]), run('B', 'B'), run('A-again', 'A')],
        },
      ],
    };
  },
});
