import type { PatternDef } from '../spec.js';

/** Six significant digits keep YAML dumps readable (0.6 × 1.1 is not 0.6600000000000001). */
function tidy(x: number): number {
  return Number(x.toPrecision(6));
}

/** A size as a multiple of machine memory: `mem(0.5)` → "0.5x". */
export function mem(fraction: number): string {
  return `${tidy(fraction)}x`;
}

/** An access count as a multiple of machine pages: `perPage(40)` → "40x". */
export function perPage(multiple: number): string {
  return `${tidy(multiple)}x`;
}

export function ms(value: number): string {
  return `${tidy(value)}ms`;
}

export const KEY_DISTRIBUTIONS = ['zipf', 'uniform', 'gaussian'] as const;
export type KeyDistribution = (typeof KEY_DISTRIBUTIONS)[number];

/**
 * Key popularity as memtier and YCSB offer it: Zipf (keys scattered over
 * the pages), uniform, or Gaussian around the middle with memtier's default
 * spread of a sixth of the key range.
 */
export function keyPattern(distribution: KeyDistribution, alpha: number): PatternDef {
  switch (distribution) {
    case 'zipf':
      return { kind: 'zipf', alpha };
    case 'uniform':
      return { kind: 'uniform' };
    case 'gaussian':
      return { kind: 'gaussian', mean: 0.5, stddev: 1 / 6 };
  }
}

/** Default accesses per workload, in multiples of machine pages: ~2.4 M at 256 MiB. */
export const RUN_PAGES = 36;
