import { defaultMachineConfig, PG_ALLOCATED, PG_LRU } from '@reclaim-lab/hw-model';
import {
  DEFAULT_WATCHDOG,
  Kernel,
  type PolicyCtx,
  PolicyEjected,
  type PolicyExit,
  type ReclaimOps,
  type RunResult,
  type ScanControl,
} from '@reclaim-lab/reclaim';
import { describe, expect, it } from 'vitest';
import { fallbackFifo, fifo, machine, pressureWorkload, run } from './fixtures.js';

/**
 * sched_ext's promise for reclaim (docs/architecture.md: "A policy that throws,
 * breaks an invariant, or overruns its work budget is ejected"): each test
 * policy below behaves like FIFO until virtual time T, then misbehaves once
 * in one way. The watchdog ejects it, its scope falls back to the default
 * policy, the run records why and when, and nothing else about the run is
 * lost.
 */

const T = 10e6;
type S = { list: number };

/** FIFO that, from virtual time T on, does `bad` instead of its own hook. */
function badFrom(
  name: string,
  override: (base: ReclaimOps<S>, late: (ctx: PolicyCtx<S>) => boolean) => Partial<ReclaimOps<S>>,
): ReclaimOps<S> {
  const base = fifo(name);
  return { ...base, ...override(base, (ctx) => ctx.now() >= T) };
}

/** FIFO reclaim as a `shrink` hook: isolate from the tail, reclaim, put survivors back. */
function shrinkFifo(ctx: PolicyCtx<S>, sc: ScanControl, leave = 0): undefined {
  const buf = new Int32Array(32);
  const outcome = new Uint8Array(32);
  const { taken } = ctx.core.isolate(ctx, ctx.state.list, 32, buf, sc);
  const res = ctx.core.shrinkFolioList(ctx, buf, Math.max(0, taken - leave), sc, outcome);
  for (let i = 0; i < res.survivors; i++)
    ctx.core.putback(ctx, buf[i], outcome[i] === 1 ? 'activate' : 'keep');
  return undefined;
}

/** A policy literal typed with this file's state. */
const typed = (ops: ReclaimOps<S>): ReclaimOps<S> => ops;

const clean = run(fallbackFifo()).r;

/** The run completed as a run under the fallback alone would: every task did all its work, counters went on. */
function expectCarriedOn(r: RunResult, exit: PolicyExit): void {
  expect(r.tasks.map((t) => [t.name, t.accesses, t.finished, t.killed])).toEqual(
    clean.tasks.map((t) => [t.name, t.accesses, true, false]),
  );
  expect(r.oomKills).toEqual([]);
  expect(exit.timeNs).toBeGreaterThanOrEqual(T);
  expect(exit.timeNs).toBeLessThanOrEqual(r.runtimeNs);
  // Reclaim went on after the ejection, under the fallback's order.
  expect(r.counters.pgsteal_kswapd + r.counters.pgsteal_direct).toBeGreaterThan(0);
  expect(r.counters.policy_fallback_folios).toBeGreaterThan(0);
  expect(r.counters.pgfault + r.counters.pgmajfault).toBeGreaterThanOrEqual(
    clean.counters.pgfault + clean.counters.pgmajfault - 64,
  );
  // Reports keep the attached policy's name.
  expect(r.policy).toBe(exit.policy);
}

function onlyExit(r: RunResult): PolicyExit {
  expect(r.policyExits).toHaveLength(1);
  return r.policyExits[0];
}

describe('the watchdog ejects a misbehaving policy and the run carries on under the fallback', () => {
  const throwing: [
    string,
    (late: (ctx: PolicyCtx<S>) => boolean, base: ReclaimOps<S>) => Partial<ReclaimOps<S>>,
  ][] = [
    [
      'folioAdded',
      (late, base) => ({
        folioAdded(ctx, pfn, how) {
          if (late(ctx)) throw new Error('boom in folioAdded');
          base.folioAdded!(ctx, pfn, how);
        },
      }),
    ],
    [
      'folioAccessed',
      (late) => ({
        folioAccessed(ctx) {
          if (late(ctx)) throw new Error('boom in folioAccessed');
        },
      }),
    ],
    [
      'evictCandidates',
      (late, base) => ({
        evictCandidates(ctx, req, out) {
          if (late(ctx)) throw new Error('boom in evictCandidates');
          return base.evictCandidates!(ctx, req, out);
        },
      }),
    ],
    [
      'checkReferences',
      (late) => ({
        checkReferences(ctx, _pfn, rmap) {
          if (late(ctx)) throw new Error('boom in checkReferences');
          return rmap.refs > 0 ? 'keep' : 'reclaim';
        },
      }),
    ],
    [
      'evicted',
      (late) => ({
        evicted(ctx) {
          if (late(ctx)) throw new Error('boom in evicted');
          return 0;
        },
      }),
    ],
    [
      'lruSizes',
      (late) => ({
        lruSizes(ctx, out) {
          if (late(ctx)) throw new Error('boom in lruSizes');
          out.activeAnon = out.activeFile = 0;
          out.inactiveAnon = ctx.lruvec.nrPages[0];
          out.inactiveFile = ctx.lruvec.nrPages[1];
        },
      }),
    ],
    [
      'policyLists',
      (late) => ({
        policyLists(ctx, out) {
          if (late(ctx)) throw new Error('boom in policyLists');
          out.all = (out.all ?? 0) + ctx.lruvec.evictable;
        },
      }),
    ],
  ];

  it.each(throwing)('a hook that throws (%s): kind error, the hook, its message', (hook, make) => {
    const { r } = run(badFrom(`throws-in-${hook}`, (base, late) => make(late, base)));
    const exit = onlyExit(r);
    expect(exit).toMatchObject({
      policy: `throws-in-${hook}`,
      scope: 'system',
      kind: 'error',
      hook,
      reason: 'hook threw',
      message: `boom in ${hook}`,
    });
    expectCarriedOn(r, exit);
  });

  it('evictCandidates proposing a folio of another lruvec: kind invalid', () => {
    const { r } = run(
      badFrom('foreign-pfn', (base, late) => ({
        evictCandidates(ctx, req, out) {
          if (!late(ctx)) return base.evictCandidates!(ctx, req, out);
          for (let p = 0; p < ctx.frames.count; p++) {
            if (ctx.frames.flags[p] & PG_LRU && ctx.frames.lruvec[p] !== ctx.lruvec.id) {
              out[0] = p;
              return 1;
            }
          }
          return 0;
        },
      })),
    );
    const exit = onlyExit(r);
    expect(exit).toMatchObject({ kind: 'invalid', hook: 'evictCandidates', reason: 'invalid result' });
    expect(exit.message).toMatch(/^proposed pfn \d+, which is not an evictable folio on its lists$/);
    expectCarriedOn(r, exit);
  });

  it('evictCandidates proposing a free frame, on no list: kind invalid', () => {
    const { r } = run(
      badFrom('free-pfn', (base, late) => ({
        evictCandidates(ctx, req, out) {
          if (!late(ctx)) return base.evictCandidates!(ctx, req, out);
          let p = 0;
          while (ctx.frames.flags[p] & PG_ALLOCATED) p++;
          out[0] = p;
          return 1;
        },
      })),
    );
    const exit = onlyExit(r);
    expect(exit).toMatchObject({ kind: 'invalid', hook: 'evictCandidates' });
    expect(exit.message).toMatch(/not an evictable folio on its lists/);
    expectCarriedOn(r, exit);
  });

  it('evictCandidates returning more than was requested: kind invalid, with both counts', () => {
    let asked = 0;
    const { r } = run(
      badFrom('too-many', (base, late) => ({
        evictCandidates(ctx, req, out) {
          const n = base.evictCandidates!(ctx, req, out);
          asked = req.nr;
          return late(ctx) ? req.nr + 1 : n;
        },
      })),
    );
    const exit = onlyExit(r);
    expect(exit).toMatchObject({
      kind: 'invalid',
      hook: 'evictCandidates',
      message: `returned ${asked + 1} for a request of ${asked}`,
    });
    expectCarriedOn(r, exit);
  });

  it('folioAdded leaving the folio on no list: kind invalid, and the folio is placed by the fallback', () => {
    const { r } = run(
      badFrom('drops-folios', (base, late) => ({
        folioAdded(ctx, pfn, how) {
          if (!late(ctx)) base.folioAdded!(ctx, pfn, how);
        },
      })),
    );
    const exit = onlyExit(r);
    expect(exit).toMatchObject({ kind: 'invalid', hook: 'folioAdded', reason: 'invalid result' });
    expect(exit.message).toMatch(/^left pfn \d+ on no list, not on one of its own lists$/);
    expectCarriedOn(r, exit);
  });

  it('a shrink that loops over list moves: kind budget once the step budget is spent', () => {
    const stepBudget = 5001; // odd: the budget runs out between the two halves of a move
    const { r } = run(
      badFrom('spins', (_base, late) => ({
        shrink(ctx, sc) {
          if (!late(ctx)) return shrinkFifo(ctx, sc);
          const list = ctx.state.list;
          // A move by hand, a removal and then an addition: a folio is left on no list when the budget ends between them.
          for (let p = ctx.lists.last(list); p !== -1; p = ctx.lists.last(list)) {
            ctx.lists.remove(p);
            ctx.lists.addHead(list, p);
          }
          return undefined;
        },
      })),
      pressureWorkload(),
      { watchdog: { stepBudget } },
    );
    const exit = onlyExit(r);
    expect(exit).toMatchObject({
      kind: 'budget',
      hook: 'shrink',
      reason: 'work budget exceeded',
      message: `more than ${stepBudget} list operations in one hook call`,
    });
    // The folio the loop had taken off its list was put back by the core.
    expect(r.counters.policy_overrides).toBeGreaterThan(0);
    expectCarriedOn(r, exit);
  });

  it('scales the default step budget with the machine (4 list operations a page, at least 1 M)', () => {
    // Priority-0 reclaim walks a whole LRU in one shrink call: a fixed 1 M ejected lru at 4 GiB.
    const on = (pages: number, stepBudget?: number) =>
      new Kernel({
        machine: defaultMachineConfig(pages, { swapPages: 0 }),
        policy: fifo('f'),
        ...(stepBudget === undefined ? {} : { watchdog: { stepBudget } }),
      }).watchdog.options.stepBudget;
    expect(on(4096)).toBe(DEFAULT_WATCHDOG.stepBudget);
    expect(on(1 << 19)).toBe(4 << 19);
    // A budget the caller sets is the budget.
    expect(on(1 << 19, 5001)).toBe(5001);
  });

  it('a shrink that never isolates anything under pressure: kind stall', () => {
    const { r } = run(
      badFrom('idle', (_base, late) => ({
        shrink: (ctx, sc) => (late(ctx) ? undefined : shrinkFifo(ctx, sc)),
      })),
      pressureWorkload(),
      { watchdog: { stallBudget: 16 } },
    );
    const exit = onlyExit(r);
    expect(exit).toMatchObject({ kind: 'stall', hook: 'shrink', reason: 'no progress under pressure' });
    expect(exit.message).toMatch(/^isolated nothing in 16 passes at priority 0 with \d+ reclaimable pages$/);
    expectCarriedOn(r, exit);
  });

  it('a hook of the policy that throws while its own shrink is running: the rest of that shrink is moot', () => {
    // shrink → core.shrinkFolioList → checkReferences throws: the policy is
    // ejected in the middle of its own shrink, which then goes on with stale
    // state, strands a folio on a list it no longer owns, and throws.
    let stranded = -1;
    let spare = -1;
    const policy: ReclaimOps<S> = {
      ...fifo('nested'),
      init(ictx) {
        spare = ictx.createList('spare');
        return { list: ictx.createList('fifo') };
      },
      shrink(ctx, sc) {
        shrinkFifo(ctx, sc);
        const p = ctx.lists.last(ctx.state.list);
        if (p !== -1 && ctx.now() >= T) {
          // `ctx.state` is the fallback's by now, and `spare` a list retired with this policy.
          stranded = p;
          ctx.lists.moveHead(spare, p);
          throw new Error('stale shrink');
        }
        return undefined;
      },
      checkReferences(ctx, _pfn, rmap) {
        if (ctx.now() >= T) throw new Error('boom in checkReferences');
        return rmap.refs > 0 ? 'keep' : 'reclaim';
      },
    };
    const { r } = run(policy);
    const exit = onlyExit(r);
    expect(exit).toMatchObject({
      kind: 'error',
      hook: 'checkReferences',
      message: 'boom in checkReferences',
    });
    expect(stranded).toBeGreaterThanOrEqual(0);
    expect(r.counters.policy_overrides).toBeGreaterThan(0);
    expectCarriedOn(r, exit);
  });

  it('abortOnEject turns the ejection into a thrown PolicyEjected carrying the exit record', () => {
    const k = new Kernel({
      machine: machine(),
      policy: badFrom('aborts', (_b, late) => ({
        folioAccessed(ctx) {
          if (late(ctx)) throw new Error('boom');
        },
      })),
      fallback: fallbackFifo(),
      seed: 5,
      watchdog: { abortOnEject: true },
    });
    k.load(pressureWorkload());
    let caught: unknown;
    try {
      k.run();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(PolicyEjected);
    const exit = (caught as PolicyEjected).exit;
    expect(exit).toMatchObject({ policy: 'aborts', kind: 'error', hook: 'folioAccessed', message: 'boom' });
    expect(exit.timeNs).toBeGreaterThanOrEqual(T);
    expect((caught as Error).message).toBe(
      'policy aborts (system) ejected from hook folioAccessed: hook threw: boom',
    );
  });

  it('a fallback that fails too stops the run, naming the fallback', () => {
    const k = new Kernel({
      machine: machine(),
      policy: badFrom('first', (_b, late) => ({
        folioAccessed(ctx) {
          if (late(ctx)) throw new Error('boom');
        },
      })),
      fallback: {
        name: 'broken-fallback',
        folioAdded() {
          throw new Error('also broken');
        },
      },
      seed: 5,
    });
    k.load(pressureWorkload());
    expect(() => k.run()).toThrow('fallback policy broken-fallback failed in folioAdded: also broken');
  });

  it('without a fallback an ejection aborts the run too', () => {
    const k = new Kernel({
      machine: machine(),
      policy: badFrom('alone', () => ({ shrink: () => undefined })),
      seed: 5,
      watchdog: { stallBudget: 4 },
    });
    k.load(pressureWorkload());
    expect(() => k.run()).toThrow(PolicyEjected);
  });
});

describe('core overrides short of an ejection are counted, not punished', () => {
  it('candidates short of the request: the core makes up the batch and counts policy_fallback_folios', () => {
    const { r } = run(
      typed({
        ...fifo('stingy'),
        evictCandidates(ctx, req, out) {
          const p = ctx.lists.last(ctx.state.list);
          if (p === -1 || req.nr < 2) return 0;
          out[0] = p;
          return 1;
        },
      }),
    );
    expect(r.policyExits).toEqual([]);
    expect(r.counters.policy_fallback_folios).toBeGreaterThan(0);
    expect(r.tasks.every((t) => t.finished)).toBe(true);
  });

  it('a shrink that leaves a folio isolated: the core puts it back and counts policy_overrides', () => {
    const { r } = run(
      typed({
        ...fifo('forgetful'),
        // The last folio isolated is never handed to reclaim nor put back.
        shrink: (ctx, sc) => shrinkFifo(ctx, sc, 1),
      }),
    );
    expect(r.policyExits).toEqual([]);
    expect(r.counters.policy_overrides).toBeGreaterThan(0);
    expect(r.counters.policy_fallback_folios).toBe(0);
    expect(r.tasks.every((t) => t.finished && !t.killed)).toBe(true);
  });
});
