/**
 * MADV_PAGEOUT reclaims the range now, whatever the policy thinks of it
 * (`reclaim_pages` ignores references): every anon page mapped only by the
 * caller goes to swap at once, and comes back by major faults; pages
 * another process maps too are left alone.
 */
import {
  DEVICE_PRESETS,
  defaultMachineConfig,
  MADV_PAGEOUT,
  OP_LOAD,
  OP_MADVISE,
  OP_STORE,
  OP_THINK,
} from '@reclaim-lab/hw-model';
import { Kernel } from '@reclaim-lab/reclaim';
import { generated, scripted } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';
import { createPolicy, parsePolicySpec } from '../src/index.js';

const PAGES = 1000;

function anonPageout(policy: string) {
  const k = new Kernel({
    machine: defaultMachineConfig(16_384, { swapPages: 16_384, swapDevice: DEVICE_PRESETS.zram }),
    policy: createPolicy(parsePolicySpec(policy)),
    seed: 1,
    watchdog: { abortOnEject: true },
  });
  // Touch every page three times (hot by any measure), page the range out, read it back.
  const events: [number, number, number][] = [];
  for (let pass = 0; pass < 3; pass++)
    for (let i = 0; i < PAGES; i++) events.push([pass ? OP_LOAD : OP_STORE, 0, i]);
  events.push([OP_MADVISE, 0, MADV_PAGEOUT]);
  const afterPageout = events.length;
  for (let i = 0; i < PAGES; i++) events.push([OP_LOAD, 0, i]);
  k.load({
    files: [],
    memcgs: [],
    tasks: [{ name: 'app', regions: [{ kind: 'anon', pages: PAGES }], source: scripted(events) }],
  });
  const r = k.run();
  return { r, afterPageout };
}

describe('MADV_PAGEOUT', () => {
  for (const policy of ['lru', 'mglru']) {
    it(`${policy}: pages out every exclusively mapped page of the range at once, hot or not`, () => {
      const { r } = anonPageout(policy);
      expect(r.counters.pswpout).toBe(PAGES);
      expect(r.counters.pswpin).toBe(PAGES);
      expect(r.tasks[0].majorFaults).toBe(PAGES);
      // reclaim_pages counts no PGSTEAL, and no reclaimer ran.
      expect(r.counters.pgsteal_anon).toBe(0);
      expect(r.counters.pgscan_kswapd + r.counters.pgscan_direct).toBe(0);
    });
  }

  it('leaves alone pages another process maps too', () => {
    const pages = 200;
    // `a` maps and reads the file, waits 50 ms, pages it out; `b` maps and
    // reads it too and is still alive then (or is absent).
    const run = (shared: boolean) => {
      const k = new Kernel({
        machine: defaultMachineConfig(16_384, { swapPages: 16_384, swapDevice: DEVICE_PRESETS.zram }),
        policy: createPolicy(parsePolicySpec('lru')),
        seed: 1,
      });
      const a = generated((i) =>
        i < pages
          ? [OP_LOAD, 0, i]
          : i < pages + 50
            ? [OP_THINK, 0, 1_000_000]
            : i === pages + 50
              ? [OP_MADVISE, 0, MADV_PAGEOUT]
              : null,
      );
      const b = generated((i) =>
        i < pages ? [OP_LOAD, 0, i] : i < pages + 100 ? [OP_THINK, 0, 1_000_000] : null,
      );
      k.load({
        files: [{ name: 'lib', pages }],
        memcgs: [],
        tasks: [
          { name: 'a', regions: [{ kind: 'file-mapped', file: 0, pages }], source: a },
          ...(shared
            ? [{ name: 'b', regions: [{ kind: 'file-mapped' as const, file: 0, pages }], source: b }]
            : []),
        ],
      });
      k.run();
      return k.machine.files[0].nrCached;
    };
    expect(run(false)).toBe(0);
    expect(run(true)).toBe(pages);
  });
});
