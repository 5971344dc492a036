import { OP_READ, OP_THINK, PG_ACTIVE, PG_FILE, PG_REFERENCED, VM_EXEC } from '@reclaim-lab/hw-model';
import { createLru, type LruState } from '@reclaim-lab/policy-lru';
import { layerPolicy, type ReclaimOps } from '@reclaim-lab/reclaim';
import { conformanceProperties, fcParams, generated, runWithPolicy } from '@reclaim-lab/reclaim/testing';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const MEM = 8192;

/** A hot file set read twice, then a one-pass scan of twice memory, then the hot set again. */
function useOnce(policy: ReclaimOps<unknown>) {
  const hot = Math.floor(MEM * 0.3);
  const scan = MEM * 2;
  return runWithPolicy(
    policy,
    [
      {
        name: 'hot',
        regions: [{ kind: 'file-fd', file: 0, pages: hot }],
        source: generated((i) => {
          if (i < hot * 2) return [OP_READ, 0, i % hot];
          if (i < hot * 2 + scan) return [OP_THINK, 0, 20_000];
          if (i < hot * 3 + scan) return [OP_READ, 0, i % hot];
          return null;
        }),
      },
      {
        name: 'backup',
        regions: [{ kind: 'file-fd', file: 1, pages: scan }],
        source: generated((i) => (i < scan ? [OP_READ, 0, i] : null)),
        startNs: 5e6,
      },
    ],
    [
      { name: 'hot', pages: hot },
      { name: 'backup', pages: scan },
    ],
    { memoryPages: MEM, seed: 9 },
  );
}

describe('layering: an extension overrides a few decisions of the base policy', () => {
  it('overriding "where a page moves on access" (never activate on read) removes LRU’s use-once protection, and nothing else', () => {
    const noActivation = layerPolicy(createLru(), {
      name: 'no-activate',
      folioAccessed(ctx, pfn) {
        // Keep only the first step of folio_mark_accessed.
        ctx.frames.flags[pfn] |= PG_REFERENCED;
      },
    }) as ReclaimOps<unknown>;
    const plain = useOnce(createLru() as ReclaimOps<unknown>);
    const layered = useOnce(noActivation);
    expect(noActivation.name).toBe('lru+no-activate');
    expect(plain.r.counters.workingset_refault_file).toBe(0);
    expect(layered.r.counters.workingset_refault_file).toBeGreaterThan(0);
    expect(layered.r.tasks[0].majorFaults + layered.r.tasks[0].readMisses).toBeGreaterThan(
      plain.r.tasks[0].majorFaults + plain.r.tasks[0].readMisses,
    );
  });

  it('overriding "which pages are skipped" keeps one file resident under any pressure', () => {
    const pinFile0 = layerPolicy(createLru(), {
      name: 'pin-file-0',
      checkReferences(ctx, pfn, _rmap, _sc, next) {
        const f = ctx.frames;
        return (f.flags[pfn] & PG_FILE) !== 0 && f.owner[pfn] === 0 ? 'keep' : next();
      },
    }) as ReclaimOps<unknown>;
    const { k } = useOnce(pinFile0);
    expect(k.machine.files[0].nrCached).toBe(Math.floor(MEM * 0.3));
  });

  it('overriding "where a new folio goes" through next(how): read pages start on the active list', () => {
    let activeAdds = 0;
    const startActive = layerPolicy<LruState>(createLru(), {
      name: 'start-active',
      folioAdded(ctx, pfn, how, next) {
        ctx.frames.flags[pfn] |= PG_ACTIVE;
        activeAdds++;
        next(how);
      },
    }) as ReclaimOps<unknown>;
    const { r } = useOnce(startActive);
    expect(activeAdds).toBeGreaterThan(0);
    expect(r.counters.pgdeactivate).toBeGreaterThan(0);
  });

  it('a layered policy keeps every reclaim invariant', () => {
    const props = conformanceProperties(
      () =>
        layerPolicy(createLru(), {
          name: 'keep-exec',
          checkReferences: (_ctx, _pfn, rmap, _sc, next) => (rmap.vmFlags & VM_EXEC ? 'keep' : next()),
        }) as ReclaimOps<unknown>,
    );
    fc.assert(props.invariants, fcParams(15));
  });
});
