import { listPolicies } from '@reclaim-lab/harness';
import { conformanceProperties, fcParams } from '@reclaim-lab/reclaim/testing';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/**
 * The properties every variant runs, with their case counts in `pnpm test`
 * (`pnpm test:deep` runs each at 10,000, one test per property so a deep
 * run can be split and resumed property by property).
 */
const PROPERTIES = [
  ['invariants', 12],
  ['mlockRespected', 4],
  // The vmstat identities are checked by `invariants`, on the same cases (same arbitrary and seed).
  ['noOomWhenReclaimable', 6],
  // Two memory tiers: demotion and promotion keep conservation per node and no folio on two nodes.
  ['tiering', 4],
] as const;

// Every registered policy, and every preset it declares, inherits the
// invariants docs/contributing.md lists without writing a test of its own
// (on a flat machine and on a two-tier one).
describe('every registered policy keeps the reclaim invariants', () => {
  const factories = listPolicies();
  it('has the kernel policy registered', () => {
    expect(factories.map((f) => f.name)).toContain('lru');
  });
  for (const f of factories) {
    // Belady's OPT needs the trace's future (an `oracle`): it runs only on traces in ideal mode.
    if ('oracle' in f.defaults) continue;
    const variants: [string, Record<string, unknown>][] = [['defaults', f.defaults]];
    for (const [name, preset] of Object.entries(f.presets ?? {}))
      variants.push([name, { ...f.defaults, ...preset }]);
    for (const [variant, options] of variants) {
      describe(`${f.name} (${variant})`, () => {
        const props = conformanceProperties(() => f.create(options));
        for (const [property, runs] of PROPERTIES)
          it(property, () => {
            fc.assert(props[property], fcParams(runs));
          });
      });
    }
  }
});
