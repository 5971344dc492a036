import {
  DEVICE_PRESETS,
  defaultMachineConfig,
  OP_LOAD,
  OP_READ,
  OP_STORE,
  OP_WRITE,
} from '@reclaim-lab/hw-model';
import { Kernel, type ReclaimOps } from '@reclaim-lab/reclaim';
import { conformanceProperties, fcParams, generated } from '@reclaim-lab/reclaim/testing';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// sched_ext's promise for reclaim: a policy that is only a name is a
// policy. Every hook falls back to the core's default (one list, new folios
// at its head, victims from its tail, young PTEs kept), and the run is whole.
const empty = (): ReclaimOps<unknown> => ({ name: 'empty' });

describe('a policy with only a name (all core defaults)', () => {
  it('runs a mixed anon, mapped-file and read/write workload to completion with the invariants checked after every reclaim pass', () => {
    const MEM = 1024;
    const k = new Kernel({
      machine: defaultMachineConfig(MEM, { swapDevice: DEVICE_PRESETS.zram }),
      policy: empty(),
      seed: 3,
      checkInvariants: true,
    });
    const anon = MEM;
    const file = MEM * 2;
    k.load({
      files: [
        { name: 'mapped', pages: MEM },
        { name: 'data', pages: file },
      ],
      memcgs: [],
      tasks: [
        {
          name: 'anon',
          regions: [{ kind: 'anon', pages: anon }],
          source: generated((i) =>
            i < anon * 2 ? [i < anon ? OP_STORE : OP_LOAD, 0, (i * 7) % anon] : null,
          ),
        },
        {
          name: 'mapped',
          regions: [{ kind: 'file-mapped', file: 0, pages: MEM }],
          source: generated((i) => (i < MEM * 2 ? [OP_LOAD, 0, (i * 13) % MEM] : null)),
        },
        {
          name: 'io',
          regions: [{ kind: 'file-fd', file: 1, pages: file }],
          source: generated((i) => (i < file * 2 ? [i % 5 === 0 ? OP_WRITE : OP_READ, 0, i % file] : null)),
        },
      ],
    });
    const r = k.run();
    k.checkInvariants('end of run');
    expect(r.tasks.every((t) => t.finished)).toBe(true);
    expect(r.policyExits).toEqual([]);
    expect(r.counters.pgsteal_anon).toBeGreaterThan(0);
    expect(r.counters.pgsteal_file).toBeGreaterThan(0);
    // With no `evictCandidates`, every victim came from the core's default order.
    expect(r.counters.policy_fallback_folios).toBeGreaterThan(0);
  });

  it('keeps every invariant of the shared suite', () => {
    const props = conformanceProperties(empty);
    fc.assert(props.invariants, fcParams(15));
    fc.assert(props.mlockRespected, fcParams(5));
  });
});
