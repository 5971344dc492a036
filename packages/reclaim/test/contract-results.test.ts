import type { LruSizes } from '@reclaim-lab/mechanisms';
import type { PolicyCtx, ReclaimOps, RunResult, ScanControl } from '@reclaim-lab/reclaim';
import { describe, expect, it } from 'vitest';
import { fallbackFifo, fifo, run } from './fixtures.js';

/**
 * Every hook's return value is checked against the contract of ops.ts;
 * what does not fit ejects the policy with a record quoting the value,
 * never coerced into the results. Each policy below is FIFO but for one
 * bad answer.
 */
type S = { list: number };
const base = () => fifo('bad');
const clean = run(fallbackFifo()).r;

function theExit(r: RunResult) {
  expect(r.policyExits).toHaveLength(1);
  const e = r.policyExits[0];
  // The run went on under the fallback: every task finished, nobody was killed.
  expect(r.tasks.map((t) => [t.name, t.finished, t.killed])).toEqual(
    clean.tasks.map((t) => [t.name, true, false]),
  );
  return e;
}

function sizes(v: unknown): Partial<ReclaimOps<S>> {
  return {
    lruSizes(_ctx: PolicyCtx<S>, out: LruSizes) {
      out.activeAnon = 0;
      out.inactiveAnon = 0;
      out.activeFile = v as number;
      out.inactiveFile = 0;
    },
  };
}

const cases: [string, Partial<ReclaimOps<S>>, string, string][] = [
  ['lruSizes null', sizes(null), 'lruSizes', 'reported activeFile = null; sizes are integers 0..'],
  ['lruSizes 1e12', sizes(1e12), 'lruSizes', 'reported activeFile = 1000000000000; sizes are integers 0..'],
  ['lruSizes -5', sizes(-5), 'lruSizes', 'reported activeFile = -5; sizes are integers 0..'],
  ['lruSizes a string', sizes('12'), 'lruSizes', 'reported activeFile = "12"; sizes are integers 0..'],
  ['lruSizes 2.5', sizes(2.5), 'lruSizes', 'reported activeFile = 2.5; sizes are integers 0..'],
  [
    'evicted NaN',
    { evicted: () => Number.NaN },
    'evicted',
    'returned NaN; a shadow payload is an integer 0..4294967295',
  ],
  [
    'evicted -1',
    { evicted: () => -1 },
    'evicted',
    'returned -1; a shadow payload is an integer 0..4294967295',
  ],
  [
    'evicted 2^40+7',
    { evicted: () => 2 ** 40 + 7 },
    'evicted',
    'returned 1099511627783; a shadow payload is an integer 0..4294967295',
  ],
  [
    'evicted an object',
    { evicted: () => ({ valueOf: () => 3 }) as unknown as number },
    'evicted',
    'returned an object; a shadow payload is an integer 0..4294967295',
  ],
  [
    'refault verdict 1',
    {
      evicted: () => 1,
      refault: (_c, _p, _s, v) => {
        (v as unknown as { activate: number }).activate = 1;
      },
    },
    'refault',
    'set verdict activate=1 restore=false; both must be booleans',
  ],
  [
    'refault verdict "yes"',
    {
      evicted: () => 1,
      refault: (_c, _p, _s, v) => {
        (v as unknown as { restore: string }).restore = 'yes';
      },
    },
    'refault',
    'set verdict activate=false restore="yes"; both must be booleans',
  ],
  [
    'refault countRefault 0',
    {
      evicted: () => 1,
      refault: (_c, _p, _s, v) => {
        (v as unknown as { countRefault: number }).countRefault = 0;
      },
    },
    'refault',
    'set verdict countRefault=0; it must be a boolean',
  ],
  [
    'refault countActivate "no"',
    {
      evicted: () => 1,
      refault: (_c, _p, _s, v) => {
        (v as unknown as { countActivate: string }).countActivate = 'no';
      },
    },
    'refault',
    'set verdict countActivate="no"; it must be a boolean or null',
  ],
  [
    'shrink returns an unknown tag',
    {
      shrink: (ctx: PolicyCtx<S>, sc: ScanControl) => {
        const buf = new Int32Array(32);
        const out = new Uint8Array(32);
        const { taken } = ctx.core.isolate(ctx, ctx.state.list, 32, buf, sc);
        const r = ctx.core.shrinkFolioList(ctx, buf, taken, sc, out);
        for (let i = 0; i < r.survivors; i++) ctx.core.putback(ctx, buf[i], 'keep');
        return 'done' as 'rotate';
      },
    },
    'shrink',
    `returned "done"; shrink returns nothing or 'rotate'`,
  ],
  [
    'shrink lowers its goal',
    {
      shrink: (_ctx: PolicyCtx<S>, sc: ScanControl) => {
        sc.nrToReclaim = -1e9;
        return undefined;
      },
    },
    'shrink',
    'changed sc.nrToReclaim from',
  ],
  [
    'shrink sets a negative priority',
    {
      shrink: (_ctx: PolicyCtx<S>, sc: ScanControl) => {
        sc.priority = -3;
        return undefined;
      },
    },
    'shrink',
    'set sc.priority to -3; priorities are integers 0..12',
  ],
  [
    'evictCandidates proposes one pfn twice',
    {
      evictCandidates(ctx, req, out) {
        const p = ctx.lists.last(ctx.state.list);
        if (p === -1 || req.nr < 2) return 0;
        out[0] = p;
        out[1] = p;
        return 2;
      },
    },
    'evictCandidates',
    'proposed pfn',
  ],
  [
    'a hook lifts its own step budget',
    {
      folioAdded(ctx, pfn) {
        ctx.lists.stepLimit = Number.POSITIVE_INFINITY;
        ctx.lists.addHead(ctx.state.list, pfn);
      },
    },
    'folioAdded',
    'changed its step budget (lists.stepLimit) from 1000000 to Infinity',
  ],
];

describe('hook results outside the contract eject the policy, with the value quoted', () => {
  for (const [what, override, hook, message] of cases) {
    it(what, () => {
      const { r } = run({ ...base(), ...override } as ReclaimOps<S>);
      const e = theExit(r);
      expect([e.hook, e.kind === 'invalid' || e.kind === 'invariant']).toEqual([hook, true]);
      expect(e.message.startsWith(message)).toBe(true);
    });
  }

  it('age returning an unknown tag is refused (kswapd asks it every balance round)', () => {
    const { r } = run({ ...base(), age: () => 'kill' as 'oom' } as ReclaimOps<S>);
    const e = theExit(r);
    expect([e.hook, e.kind, e.message]).toEqual([
      'age',
      'invalid',
      `returned "kill"; age returns nothing or 'oom'`,
    ]);
    expect(r.oomKills).toEqual([]);
  });

  it('a sound policy with the same hooks is not ejected (the checks do not misfire)', () => {
    const { r } = run({
      ...base(),
      evicted: () => 4294967295,
      refault: (_c, _p, _s, v) => {
        v.activate = true;
      },
      age: () => undefined,
    } as ReclaimOps<S>);
    expect(r.policyExits).toEqual([]);
    expect(r.counters.workingset_activate_file).toBeGreaterThan(0);
  });
});

describe('the invariant check walks list links', () => {
  it('a folio made its own predecessor, or a loop, is found, naming the pfn', () => {
    // Stop mid-run, with folios on the lists, and corrupt what a policy could write.
    const { k } = run(base(), undefined, { untilNs: 5e6 });
    const lists = k.world.lists;
    const ctx = k.ctxs.find((c) => c && lists.length(c.ownLists[0]) > 3);
    if (!ctx) throw new Error('no list with folios');
    const l = ctx.ownLists[0];
    const second = lists.next[lists.first(l)];
    const saved = lists.prev[second];
    lists.prev[second] = second;
    expect(() => k.checkInvariants('test')).toThrow(
      `test: pfn ${second} on list ${lists.name(l)} has prev ${second}, not ${saved}`,
    );
    lists.prev[second] = saved;
    k.checkInvariants('restored');
    const tail = lists.last(l);
    lists.next[tail] = lists.first(l);
    expect(() => k.checkInvariants('test')).toThrow(/links more than its \d+ folios \(a cycle at pfn \d+\)/);
  });
});

describe('checking mode: the core counters are read-only to a policy', () => {
  it('a policy that zeroes pgfault is ejected, and the count is restored', () => {
    let once = false;
    const p: ReclaimOps<S> = {
      ...base(),
      folioAdded(ctx, pfn) {
        ctx.lists.addHead(ctx.state.list, pfn);
        if (!once && ctx.world.counters.v[0] >= 0 && ctx.now() > 1e6) {
          once = true;
          ctx.world.counters.v.fill(0);
        }
      },
    };
    const { r } = run(p);
    const e = theExit(r);
    expect([e.kind, e.hook]).toEqual(['invariant', 'folioAdded']);
    expect(e.message).toMatch(/^changed vmstat counter \w+ from \d+ to 0; counters are the core's$/);
    // The lowered counter was put back: the run's counts are the fallback run's, give or take the policy's order.
    expect(r.counters.pgfault).toBeGreaterThan(0);
  });
});
