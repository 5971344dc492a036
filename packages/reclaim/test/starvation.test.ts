import type { PolicyCtx, ReclaimOps, RunResult, ScanControl } from '@reclaim-lab/reclaim';
import { describe, expect, it } from 'vitest';
import { fallbackFifo, fifo, heap, MEM, machine, run } from './fixtures.js';

/**
 * "OOM is declared only when nothing is reclaimable" must hold against a
 * bad policy too: before any OOM kill the core asks whether an attached
 * policy keeps pages from the fallback, ejects it if so, and kills only
 * when the fallback cannot free memory either.
 */
type S = { list: number };
const buf = new Int32Array(32);
const outcome = new Uint8Array(32);

const starving: [string, () => ReclaimOps<S>][] = [
  ['a shrink that does nothing', () => ({ ...fifo('noop-shrink'), shrink: () => undefined })],
  [
    'checkReferences answering keep for everything',
    () => ({ ...fifo('keep-all'), checkReferences: () => 'keep' }),
  ],
  [
    'checkReferences answering activate for everything',
    () => ({ ...fifo('activate-all'), checkReferences: () => 'activate' }),
  ],
  [
    'a shrink that isolates and puts everything back',
    () => ({
      ...fifo('isolate-return'),
      shrink(ctx: PolicyCtx<S>, sc: ScanControl) {
        const { taken } = ctx.core.isolate(ctx, ctx.state.list, 32, buf, sc);
        for (let i = 0; i < taken; i++) ctx.core.putback(ctx, buf[i], 'keep');
        return undefined;
      },
    }),
  ],
  [
    'a shrink that leaves what it isolates isolated',
    () => ({
      ...fifo('leave-isolated'),
      shrink(ctx: PolicyCtx<S>, sc: ScanControl) {
        ctx.core.isolate(ctx, ctx.state.list, 32, buf, sc);
        return undefined;
      },
    }),
  ],
  [
    'a shrink that reclaims nothing it isolated (keeps survivors off the shrink list)',
    () => ({
      ...fifo('shrink-zero'),
      shrink(ctx: PolicyCtx<S>, sc: ScanControl) {
        const { taken } = ctx.core.isolate(ctx, ctx.state.list, 32, buf, sc);
        const r = ctx.core.shrinkFolioList(ctx, buf, 0, sc, outcome);
        for (let i = r.survivors; i < taken; i++) ctx.core.putback(ctx, buf[i], 'activate');
        return undefined;
      },
    }),
  ],
];

function starvedExit(r: RunResult) {
  expect(r.policyExits).toHaveLength(1);
  const e = r.policyExits[0];
  expect(e.kind).toBe('stall');
  expect(e.reason).toBe('starved reclaim');
  expect(e.message).toMatch(/^OOM \((global|memcg \/\S*)\) with \d+ pages the fallback can reclaim$/);
  return e;
}

/** Two anon heaps whose sum exceeds memory plus swap: the fallback alone must kill one. */
function overcommit() {
  return {
    files: [],
    memcgs: [],
    tasks: [heap('big', Math.floor(MEM * 1.3), 3, 50_000), heap('small', Math.floor(MEM * 0.9), 3, 50_000)],
  };
}

describe('a policy that starves reclaim is ejected before any OOM kill', () => {
  const fallbackPressure = run(fallbackFifo()).r;
  const fallbackOvercommit = run(fallbackFifo(), overcommit()).r;

  it('the controls: the fallback alone kills nothing under pressure, and one task when memory+swap is overcommitted', () => {
    expect(fallbackPressure.oomKills).toEqual([]);
    expect(fallbackOvercommit.oomKills.map((k) => k.task)).toEqual(['big']);
  });

  for (const [what, make] of starving) {
    it(`${what}: ejected, no kill, the run completes as under the fallback`, () => {
      const { r } = run(make());
      starvedExit(r);
      expect(r.oomKills).toEqual([]);
      expect(r.tasks.map((t) => [t.name, t.finished, t.killed, t.accesses])).toEqual(
        fallbackPressure.tasks.map((t) => [t.name, true, false, t.accesses]),
      );
    });

    it(`${what}: with memory overcommitted, ejected before the first kill, then the fallback's kills`, () => {
      const { r } = run(make(), overcommit());
      const e = starvedExit(r);
      expect(r.oomKills.length).toBeGreaterThan(0);
      expect(e.timeNs).toBeLessThanOrEqual(r.oomKills[0].timeNs);
      expect(r.oomKills.map((k) => [k.task, k.kind])).toEqual(
        fallbackOvercommit.oomKills.map((k) => [k.task, k.kind]),
      );
    });
  }

  it('a policy that reclaims well is never ejected at OOM: it kills as the fallback does, with no exit record', () => {
    const { r } = run(fifo(), overcommit());
    expect(r.policyExits).toEqual([]);
    expect(r.oomKills.map((k) => k.task)).toEqual(['big']);
  });

  it('memcg OOM: a starving policy attached to the memcg is ejected before memory.max kills', () => {
    // A workload's task sources are consumed by a run: one instance per run.
    const w = () => ({
      files: [],
      memcgs: [{ path: '/a', max: Math.floor(MEM / 2) }],
      tasks: [heap('inside', Math.floor(MEM * 0.6), 3, 50_000, { memcg: '/a' })],
    });
    const alone = run(fallbackFifo(), w()).r;
    expect(alone.oomKills).toEqual([]);
    const { r } = run([{ scope: 'memcg:/a', ops: { ...fifo('noop-shrink'), shrink: () => undefined } }], w());
    const e = starvedExit(r);
    expect(e.scope).toBe('memcg:/a');
    expect(e.message).toMatch(/^OOM \(memcg \/a\)/);
    expect(r.oomKills).toEqual([]);
    // An ejection declares no OOM: memory.events oom stays 0, as under the fallback alone
    // (max counts each charge over memory.max, the starving policy's failed ones too).
    const events = (x: RunResult) => x.memcgs?.find((m) => m.path === '/a')?.events;
    expect(events(alone)?.oom).toBe(0);
    expect(events(r)?.oom).toBe(0);
    expect(events(r)?.max).toBeGreaterThan(0);
  });

  it('without swap, anon pages are not counted as reclaimable: a genuine OOM kills without an ejection', () => {
    const k = run({ ...fifo('noop-shrink'), shrink: () => undefined }, overcommit(), {
      machine: machine({ swapPages: 0 }),
    }).r;
    expect(k.policyExits).toEqual([]);
    expect(k.oomKills.length).toBeGreaterThan(0);
  });
});
