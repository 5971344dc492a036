import { describe, expect, it } from 'vitest';
import { parseMachine, parseSysctlArg, runScenario, VM_SYSCTLS, validateScenario } from '../src/index.js';

describe('vm.* sysctl names in a scenario', () => {
  it('set the same machine as the field names', () => {
    const byName = validateScenario({
      machine: { memory: '64MiB', 'vm.swappiness': 100, 'vm.page-cluster': 0, 'vm.min_free_kbytes': 2048 },
      workload: 'zipf-anon',
    });
    const byField = validateScenario({
      machine: { memory: '64MiB', swappiness: 100, pageCluster: 0, minFreeKbytes: 2048 },
      workload: 'zipf-anon',
    });
    expect(byName).toEqual(byField);
    expect(parseMachine(byName).swappiness).toBe(100);
    expect(Object.keys(VM_SYSCTLS)).toContain('vm.watermark_scale_factor');
  });

  it('reach the reclaim path: vm.swappiness=0 keeps anon out of swap where 200 prefers it', () => {
    const run = (swappiness: number) =>
      runScenario(
        validateScenario({
          machine: { memory: '48MiB', swapDevice: 'zram', 'vm.swappiness': swappiness },
          workload: 'kv-store',
          policy: 'lru',
        }),
      ).counters;
    const low = run(0);
    const high = run(200);
    // get_scan_count: swappiness 0 reclaims file pages only while there are any to reclaim.
    expect(low.pswpout).toBe(0);
    expect(high.pswpout).toBeGreaterThan(1000);
  });

  it('reject a name the model has no knob for, and a sysctl that contradicts its field, in one line', () => {
    expect(() =>
      validateScenario({ machine: { 'vm.overcommit_memory': 1 }, workload: 'zipf-anon' }, 's.yaml'),
    ).toThrow(
      /^s\.yaml: machine\.vm\.overcommit_memory: vm\.overcommit_memory is not a sysctl the model has; known: vm\.swappiness, /,
    );
    expect(() =>
      validateScenario(
        { machine: { swappiness: 60, 'vm.swappiness': 100 }, workload: 'zipf-anon' },
        's.yaml',
      ),
    ).toThrow(/machine\.vm\.swappiness \(100\) and machine\.swappiness \(60\) disagree/);
    // Range checks are the field's own.
    expect(() => validateScenario({ machine: { 'vm.swappiness': 300 }, workload: 'zipf-anon' })).toThrow(
      /machine\.swappiness/,
    );
  });

  it('parse --sysctl arguments, with slashes as sysctl(8) accepts them', () => {
    expect(parseSysctlArg('vm.swappiness=100')).toEqual(['vm.swappiness', 100]);
    expect(parseSysctlArg('vm/page-cluster=0')).toEqual(['vm.page-cluster', 0]);
    expect(() => parseSysctlArg('vm.swappiness')).toThrow(/expected name=value/);
    expect(() => parseSysctlArg('vm.swappiness=high')).toThrow(/high is not a number/);
  });
});
