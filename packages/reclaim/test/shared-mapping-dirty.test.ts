/**
 * Dirty tracking of shared file mappings: the PTE of a clean folio is
 * write-protected, so the first store faults and dirties the folio for the
 * flushers (`fault_dirty_shared_page`); write-back write-protects it again
 * (`folio_mkclean`), so the next store faults again.
 */
import { DEFAULT_COST, DEVICE_PRESETS, OP_FSYNC, OP_LOAD, OP_STORE } from '@reclaim-lab/hw-model';
import { KIB_PER_PAGE } from '@reclaim-lab/mechanisms';
import { describe, expect, it } from 'vitest';
import type { ReclaimOps } from '../src/index.js';
import { runWithPolicy, scripted } from '../src/testing.js';

const policy = (): ReclaimOps<unknown> => ({ name: 'defaults' });
const N = 100;

function sweep(op: number): [number, number, number][] {
  const events: [number, number, number][] = [];
  for (let i = 0; i < N; i++) events.push([op, 0, i]);
  return events;
}

describe('shared file mapping dirty tracking', () => {
  it('a store faults once per clean folio and dirties it; write-back re-protects it', () => {
    const { k, r } = runWithPolicy(
      policy(),
      [
        {
          name: 'mapper',
          // MADV_RANDOM: one page per read fault, no read-around.
          regions: [{ kind: 'file-mapped', file: 0, pages: N, advice: 'random' }],
          source: scripted([
            ...sweep(OP_LOAD),
            ...sweep(OP_STORE),
            // Stores to folios already dirty and writable do not fault.
            ...sweep(OP_STORE),
            [OP_FSYNC, 0, 0],
            ...sweep(OP_STORE),
            [OP_FSYNC, 0, 0],
          ]),
        },
      ],
      [{ name: 'data', pages: N }],
    );
    const t = r.tasks[0];
    expect(t.majorFaults).toBe(N);
    // One write-protect fault per folio per clean period: after the loads, and after the first fsync.
    expect(t.minorFaults).toBe(2 * N);
    expect(r.counters.pgfault).toBe(3 * N);
    // Both fsyncs found every page dirty: the flushers and fsync saw the stores, not just an unmap.
    expect(r.counters.pgpgout).toBe(2 * N * KIB_PER_PAGE);
    expect(k.machine.files[0].nrDirty).toBe(0);
  });

  it('a write fault on a missing page dirties it at once: fsync writes it without an unmap', () => {
    const { r } = runWithPolicy(
      policy(),
      [
        {
          name: 'writer',
          regions: [{ kind: 'file-mapped', file: 0, pages: N, advice: 'random' }],
          source: scripted([...sweep(OP_STORE), [OP_FSYNC, 0, 0]]),
        },
      ],
      [{ name: 'data', pages: N }],
    );
    expect(r.tasks[0].majorFaults).toBe(N);
    expect(r.tasks[0].minorFaults).toBe(0);
    expect(r.counters.pgpgout).toBe(N * KIB_PER_PAGE);
  });

  it("folio_mkclean walks every mapping of each folio fsync writes, on the caller's CPU", () => {
    const twice = (rmapNs: number) =>
      runWithPolicy(
        policy(),
        [
          {
            name: 'mapper',
            // The same file mapped twice: each folio has two mappings to write-protect.
            regions: [
              { kind: 'file-mapped', file: 0, pages: N, advice: 'random' },
              { kind: 'file-mapped', file: 0, pages: N, advice: 'random' },
            ],
            source: scripted([
              ...sweep(OP_LOAD).map(([op, , a]) => [op, 1, a] as [number, number, number]),
              ...sweep(OP_STORE),
              [OP_FSYNC, 0, 0],
            ]),
          },
        ],
        [{ name: 'data', pages: N }],
        // A synchronous disk: the write does not hide the walk's CPU time behind its wait.
        { machine: { disk: DEVICE_PRESETS.ramdisk, cost: { ...DEFAULT_COST, rmapNs } } },
      ).r;
    const r = twice(DEFAULT_COST.rmapNs);
    expect(r.counters.rmap_walks).toBe(N);
    expect(r.counters.rmap_ptes).toBe(2 * N);
    const free = twice(0);
    expect(r.tasks[0].runtimeNs - free.tasks[0].runtimeNs).toBe(2 * N * DEFAULT_COST.rmapNs);
  });
});
