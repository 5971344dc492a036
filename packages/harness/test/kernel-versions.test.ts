import { describe, expect, it } from 'vitest';
import { parseMachine, runScenario, validateScenario } from '../src/index.js';

/** A memcg too small for a Zipf-accessed anon region: refaults from swap all run long. */
function hotCold(policy: string, kernel?: string | number) {
  return runScenario(
    validateScenario({
      machine: {
        memory: '256MiB',
        swap: '256MiB',
        swapDevice: 'zram',
        ...(kernel === undefined ? {} : { kernel }),
      },
      workload: {
        name: 'hot-cold',
        memcgs: [{ path: '/lab', max: '16MiB' }],
        tasks: [
          {
            name: 't',
            memcg: '/lab',
            regions: [{ name: 'buf', kind: 'anon', size: '24MiB' }],
            phases: [
              {
                name: 'zipf',
                regions: 'buf',
                pattern: { kind: 'zipf', alpha: 0.9 },
                accesses: 100_000,
                writeFraction: 0.5,
              },
            ],
          },
        ],
      },
      policy,
      seed: 1,
    }),
  );
}

describe('machine.kernel', () => {
  it('takes 6.1 | 6.6 | 6.12 | 6.14 as strings or as the numbers YAML reads them as; absent means the newest rules', () => {
    const kernelOf = (kernel: unknown) =>
      parseMachine(
        validateScenario({ machine: kernel === undefined ? {} : { kernel }, workload: 'anon-swap' }),
      ).kernel;
    expect(kernelOf(6.1)).toBe('6.1');
    expect(kernelOf('6.6')).toBe('6.6');
    expect(kernelOf(6.12)).toBe('6.12');
    expect(kernelOf('6.14')).toBe('6.14');
    expect(kernelOf(undefined)).toBeUndefined();
  });

  it('refuses any other version with one line naming the field and the allowed values', () => {
    for (const bad of ['5.15', 6.2, '6.10', 'latest'])
      expect(() => validateScenario({ machine: { kernel: bad }, workload: 'anon-swap' })).toThrow(
        /machine\.kernel.*6\.1, 6\.6, 6\.12, 6\.14/,
      );
  });

  it('mglru: lru_gen_refault up to 6.13 restores every refault in a fault as workingset; 6.14 only those evicted as workingset', () => {
    const old = hotCold('mglru', '6.6').counters;
    const now = hotCold('mglru', '6.14').counters;
    expect(old.workingset_activate_anon).toBeGreaterThan(1000);
    // Every refault here is in a fault: each recent one is an activation and a restore.
    expect(old.workingset_restore_anon).toBe(old.workingset_activate_anon);
    expect(now.workingset_activate_anon).toBeGreaterThan(1000);
    expect(now.workingset_restore_anon).toBeLessThan(now.workingset_activate_anon * 0.75);
  });

  it('mglru 6.1 counts only recent refaults and no activations ("Multi-gen LRU: fix workingset accounting" came in 6.5)', () => {
    const v61 = hotCold('mglru', '6.1').counters;
    const v66 = hotCold('mglru', '6.6').counters;
    // The same run: only the counting differs.
    expect(v61.pswpin).toBe(v66.pswpin);
    expect(v66.workingset_refault_anon).toBe(v61.pswpin);
    expect(v61.workingset_refault_anon).toBe(v66.workingset_activate_anon);
    expect(v61.workingset_refault_anon).toBeLessThan(v66.workingset_refault_anon * 0.8);
    expect(v61.workingset_activate_anon).toBe(0);
  });

  it('6.6 and 6.12 share their rules; 6.1, 6.6 and 6.14 each differ; no version runs the 6.14 rules bit for bit', () => {
    const counters = (kernel?: string) => JSON.stringify(hotCold('mglru', kernel).counters);
    const v66 = counters('6.6');
    expect(counters('6.12')).toBe(v66);
    const v61 = counters('6.1');
    expect(v61).not.toBe(v66);
    const v614 = counters('6.14');
    expect(v614).not.toBe(v66);
    expect(counters(undefined)).toBe(v614);
  });

  it('mglru 6.1 under global pressure: kswapd ages in lru_gen_age_node; eviction scans differ from 6.6 where reclaim ages itself', () => {
    const run = (kernel: string) =>
      runScenario(validateScenario({ machine: { kernel }, workload: 'zipf-anon', policy: 'mglru', seed: 1 }))
        .counters;
    const v61 = run('6.1');
    const v66 = run('6.6');
    expect(v61.pgscan_kswapd).toBeGreaterThan(10_000);
    expect(v61.lru_gen_aging).toBeGreaterThan(0);
    expect(v61.pgscan_kswapd).not.toBe(v66.pgscan_kswapd);
  });

  it('lru: no modelled rule of the classic LRU changed between 6.1 and 6.14, so every version gives the same result', () => {
    const lru = (kernel: string) => JSON.stringify(hotCold('lru', kernel).counters);
    const v614 = lru('6.14');
    expect(lru('6.1')).toBe(v614);
  });
});
