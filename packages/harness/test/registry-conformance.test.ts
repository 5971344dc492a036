import { listPolicies } from '@reclaim-lab/harness';
import { conformanceProperties, fcParams } from '@reclaim-lab/reclaim/testing';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';

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
      it(`${f.name} (${variant})`, () => {
        const props = conformanceProperties(() => f.create(options));
        fc.assert(props.invariants, fcParams(12));
        fc.assert(props.mlockRespected, fcParams(4));
        // The vmstat identities are checked by `invariants`, on the same cases (same arbitrary and seed).
        fc.assert(props.noOomWhenReclaimable, fcParams(6));
        // Two memory tiers: demotion and promotion keep conservation per node and no folio on two nodes.
        fc.assert(props.tiering, fcParams(4));
      });
    }
  }
});
