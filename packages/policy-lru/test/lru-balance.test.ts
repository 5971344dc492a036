/**
 * `lru:balance=cost|pid`: get_scan_count's cost fractions (kernel LRU)
 * against MGLRU's refault controller (`get_type_to_scan`), which picks one
 * type to scan by comparing how much each refaults per eviction.
 */
import { DEVICE_PRESETS, defaultMachineConfig, OP_READ, OP_STORE, OP_THINK } from '@reclaim-lab/hw-model';
import { VM } from '@reclaim-lab/mechanisms';
import { createLru, type LruBalance, type LruState } from '@reclaim-lab/policy-lru';
import { Kernel, ScanControl } from '@reclaim-lab/reclaim';
import { askRefault, generated } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

const N = 256;

/** 256 anon pages (inactive, mapped, idle) and a 256-page file read twice (all on the active file list); no pressure. */
function loaded(balance: LruBalance) {
  const k = new Kernel({
    machine: defaultMachineConfig(4096, { swapDevice: DEVICE_PRESETS.zram }),
    policy: createLru({ balance }),
    seed: 2,
    untilNs: 5e8,
    watchdog: { abortOnEject: true },
  });
  k.load({
    files: [{ name: 'f', pages: N }],
    memcgs: [],
    tasks: [
      {
        name: 't',
        regions: [
          { kind: 'anon', pages: N },
          { kind: 'file-fd', file: 0, pages: N },
        ],
        source: generated((i) =>
          i < N
            ? [OP_STORE, 0, i]
            : i < 3 * N
              ? [OP_READ, 1, (i - N) % N]
              : i === 3 * N
                ? [OP_THINK, 0, 1e9]
                : null,
        ),
      },
    ],
  });
  k.run();
  const lv = k.world.lruvec(k.machine.rootMemcg, 0);
  const ctx = k.ctxOf(lv);
  return { k, lv, ctx, state: ctx.state as LruState };
}

describe('lru:balance', () => {
  it('a recent refault and an eviction feed the controller of the folio type (pid only)', () => {
    for (const balance of ['cost', 'pid'] as const) {
      const { ctx, state } = loaded(balance);
      const ops = ctx.slot.ops;
      const pfn = ctx.lists.last(state.lists[3]);
      const payload = ops.evicted!(ctx as never, pfn, new ScanControl()) as number;
      const verdict = askRefault(ops, ctx, pfn, { payload });
      expect(verdict.activate).toBe(true);
      const fed = balance === 'pid' ? 1 : 0;
      expect([...state.ctrl.evicted]).toEqual([0, fed]);
      expect([...state.ctrl.refaulted]).toEqual([0, fed]);
    }
  });

  it('with file refaulting 2 of 3 evictions and anon never: pid reclaims anon and leaves the active file alone; cost reclaims file', () => {
    const after = (balance: LruBalance) => {
      const { k, lv, state } = loaded(balance);
      // The controller's history: 300 of each type evicted, 200 file refaults (what the hooks above count).
      state.ctrl.evicted[0] = 300;
      state.ctrl.evicted[1] = 300;
      state.ctrl.refaulted[1] = 200;
      const v = k.world.counters.v;
      const swapped0 = v[VM.pswpout];
      const stolen0 = v[VM.pgsteal_file];
      k.proactiveReclaim(k.machine.rootMemcg, 64);
      return {
        anonSwapped: v[VM.pswpout] - swapped0,
        fileStolen: v[VM.pgsteal_file] - stolen0,
        sizes: { ...k.lruSizes(lv) },
      };
    };
    const cost = after('cost');
    // No cost noted yet: get_scan_count's fractions, and the active file list (inactive is low) is aged and trimmed.
    expect(cost.fileStolen).toBeGreaterThan(0);
    expect(cost.anonSwapped).toBe(0);
    const pid = after('pid');
    expect(pid.anonSwapped).toBeGreaterThanOrEqual(64);
    expect(pid.fileStolen).toBe(0);
  });
});
