/**
 * The classic refault clock belongs to the reclaim target
 * (`workingset_eviction(folio, target_memcg)`): a folio of a child memcg
 * evicted by kswapd or direct reclaim leaves a shadow of the root's lruvec
 * and is judged on the node's clock and working set when it refaults; one
 * evicted by its memcg's own limit leaves a shadow of that memcg.
 */
import { DEVICE_PRESETS, defaultMachineConfig, OP_READ } from '@reclaim-lab/hw-model';
import { shadowLruvec } from '@reclaim-lab/mechanisms';
import { createLru } from '@reclaim-lab/policy-lru';
import { Kernel } from '@reclaim-lab/reclaim';
import { generated } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

const MEM = 8192;

/** A reader in /jobs/a streaming a file twice the size of memory; optionally a memory.max on /jobs/a. */
function run(max?: number) {
  const k = new Kernel({
    machine: defaultMachineConfig(MEM, { swapPages: MEM, swapDevice: DEVICE_PRESETS.zram }),
    policy: createLru(),
    seed: 6,
  });
  const pages = 2 * MEM;
  k.load({
    files: [{ name: 'data', pages }],
    memcgs: [{ path: '/jobs' }, { path: '/jobs/a', ...(max === undefined ? {} : { max }) }],
    tasks: [
      {
        name: 'reader',
        memcg: '/jobs/a',
        regions: [{ kind: 'file-fd', file: 0, pages }],
        source: generated((i) => (i < pages ? [OP_READ, 0, i] : null)),
      },
    ],
  });
  const r = k.run();
  const file = k.machine.files[0];
  const owners = new Map<string, number>();
  for (let i = 0; i < pages; i++) {
    const s = file.shadow[i];
    if (s === 0) continue;
    const path = k.world.lruvecs[shadowLruvec(s)].memcg.path;
    owners.set(path, (owners.get(path) ?? 0) + 1);
  }
  return { r, owners };
}

describe('classic workingset_eviction records the reclaim target', () => {
  it('global reclaim of a child memcg leaves shadows of the root', () => {
    const { r, owners } = run();
    expect(r.counters.pgsteal_kswapd + r.counters.pgsteal_direct).toBeGreaterThan(MEM / 2);
    expect([...owners.keys()]).toEqual(['/']);
  });

  it("a memcg's own limit leaves shadows of that memcg", () => {
    const { owners } = run(1024);
    expect([...owners.keys()]).toEqual(['/jobs/a']);
  });
});
