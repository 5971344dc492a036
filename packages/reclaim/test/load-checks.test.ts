import {
  CORE_CAPABILITIES,
  checkCompatibility,
  Kernel,
  PolicyLoadError,
  RECLAIM_OPS_VERSION,
  type ReclaimOps,
  validatePolicy,
} from '@reclaim-lab/reclaim';
import { describe, expect, it } from 'vitest';
import { fallbackFifo, fifo, machine, run } from './fixtures.js';

/** sched_ext checks a scheduler once, at load; so does the core: a policy that does not fit is refused with the reason. */
describe('a policy is checked once, at load', () => {
  const refuse = (ops: unknown) => () =>
    new Kernel({ machine: machine(), policy: ops as ReclaimOps<unknown> });

  it('accepts the all-defaults policy: only a name is required', () => {
    expect(() => validatePolicy({ name: 'empty' })).not.toThrow();
    expect(() => refuse({ name: 'empty' })()).not.toThrow();
  });

  it('refuses a policy written for another contract version, naming both versions', () => {
    expect(refuse({ name: 'future', version: RECLAIM_OPS_VERSION + 1 })).toThrow(
      new PolicyLoadError(
        `policy future was written for ReclaimOps version ${RECLAIM_OPS_VERSION + 1}; this core implements version ${RECLAIM_OPS_VERSION}`,
      ),
    );
  });

  it('refuses a policy requiring a capability the core lacks, naming what is missing and what is offered', () => {
    expect(refuse({ name: 'needy', requires: ['rmap', 'hardware-access-counters'] })).toThrow(
      `policy needy requires hardware-access-counters, which this core does not offer; it offers: ${CORE_CAPABILITIES.join(', ')}`,
    );
    expect(refuse({ name: 'odd', requires: 'rmap' })).toThrow(
      'policy odd: requires must be a list of capability names, got "rmap"',
    );
  });

  it('accepts every capability the core lists', () => {
    expect(() => checkCompatibility('all', RECLAIM_OPS_VERSION, [...CORE_CAPABILITIES])).not.toThrow();
    expect(CORE_CAPABILITIES).toEqual(
      expect.arrayContaining(['evictCandidates', 'rmap', 'ptwalk', 'lookaround', 'shadows', 'memcg-attach']),
    );
  });

  it('refuses a hook that is not a function, a nameless policy and impossible page-state bits', () => {
    expect(refuse({ name: 'x', shrink: 42 })).toThrow('policy x: hook shrink must be a function, got number');
    expect(refuse({ name: '' })).toThrow('a policy must have a non-empty string `name`');
    expect(refuse({ name: 'fat', pageStateBits: 40 })).toThrow(
      'policy fat: pageStateBits must be an integer 0..32, got 40',
    );
    expect(refuse({ name: 'bad', version: 1, pageStateBits: 1.5 })).toThrow(PolicyLoadError);
  });

  it('checks every attachment, not only the first', () => {
    expect(
      () =>
        new Kernel({
          machine: machine(),
          policy: [
            { scope: 'system', ops: fifo() },
            { scope: 'memcg:/a', ops: { name: 'old', version: 0 } },
          ],
        }),
    ).toThrow(PolicyLoadError);
  });

  it('reports the page-state bits each attached policy declared, an ejected one included', () => {
    const fiveBits: ReclaimOps<{ list: number }> = {
      ...fifo('five-bits'),
      pageStateBits: 5,
      folioAdded(ctx, pfn) {
        if (ctx.lruvec.nrPages[0] > 100) throw new Error('gone');
        ctx.lists.addHead(ctx.state.list, pfn);
      },
    };
    const { r } = run([
      { scope: 'system', ops: { ...fifo('three-bits'), pageStateBits: 3 } },
      { scope: 'memcg:/a', ops: fiveBits },
    ]);
    expect(r.pageStateBits).toEqual({ 'three-bits': 3, 'five-bits': 5 });
    expect(r.policyExits.map((e) => [e.policy, e.scope])).toEqual([['five-bits', 'memcg:/a']]);
    expect(fallbackFifo().pageStateBits).toBeUndefined();
  });
});
