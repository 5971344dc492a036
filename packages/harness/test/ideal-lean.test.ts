/**
 * Ideal mode's lean paths (a trace replayed as it is, a miss that evicts
 * one clean file folio without the general shrink_node walk) exist for
 * speed only. Every result — misses, every vmstat counter, time series,
 * task figures, policy exits — must be what the general path gives, for
 * every registered policy and for policies that fail in any hook.
 */
import { idealMachineConfig } from '@reclaim-lab/hw-model';
import { Kernel, type PolicyCtx, type ReclaimOps, type RunResult } from '@reclaim-lab/reclaim';
import { fcParams } from '@reclaim-lab/reclaim/testing';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createPolicy,
  defaultPolicy,
  listPolicies,
  parsePolicySpec,
  prepareRequestsWorkload,
  runIdealRequests,
} from '../src/index.js';

const policies = () =>
  listPolicies()
    .map((p) => p.name)
    .filter((n) => !n.startsWith('test-'));

const requests = fc.array(fc.tuple(fc.nat({ max: 40 }), fc.boolean()), { minLength: 1, maxLength: 300 });

/** The leaf paths where two results differ, with both values: a counterexample one can read. */
function differences(a: unknown, b: unknown, path = '', out: string[] = []): string[] {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys)
      differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`, out);
  } else if (!Object.is(a, b)) out.push(`${path.slice(1)}: lean ${String(a)}, general ${String(b)}`);
  return out;
}

function expectSame(lean: RunResult, general: RunResult, what: string): void {
  const diff = differences(lean, general);
  if (diff.length > 0) throw new Error(`${what}: ${diff.slice(0, 8).join('; ')}`);
}

function describeCase(reqs: [number, boolean][], frames: number): string {
  return `${frames} frames, requests [${reqs.map(([k, w]) => (w ? `w${k}` : `${k}`)).join(' ')}]`;
}

describe('ideal mode: the lean paths give the general path’s results', () => {
  it('for every registered policy on random read/write request sequences', () => {
    const names = policies();
    expect(names).toEqual(expect.arrayContaining(['exact-lru', 'opt', 'lru', 'mglru', 'fifo', 's3fifo']));
    fc.assert(
      fc.property(requests, fc.constantFrom(1, 2, 3, 7, 16, 33), (reqs, frames) => {
        const keys = reqs.map(([k]) => k);
        const writes = reqs.map(([, w]) => w);
        for (const policy of names) {
          const run = (leanPaths: boolean) =>
            runIdealRequests(keys, { memoryPages: frames, policy, writes, leanPaths });
          expectSame(run(true), run(false), `${policy}, ${describeCase(reqs, frames)}`);
        }
      }),
      fcParams(25),
    );
  });

  it('leaves every frame’s flags, policy bits and list place, and every shadow, as the general path does', () => {
    // What the results may not show: the flags and policy bits a hit leaves (PG_REFERENCED under
    // a policy with no access hook, `markAccessed`'s; a visited bit), which later hooks or a
    // fallback policy read.
    const names = policies().filter((n) => n !== 'opt');
    fc.assert(
      fc.property(requests, fc.constantFrom(1, 3, 7, 16), (reqs, frames) => {
        const prepare = () =>
          prepareRequestsWorkload(
            reqs.map(([k]) => k),
            'ideal',
            'file-fd',
            reqs.map(([, w]) => w),
          );
        for (const name of names) {
          const state = (leanPaths: boolean) => {
            const kernel = new Kernel({
              machine: idealMachineConfig(frames),
              policy: createPolicy(parsePolicySpec(name)),
              fallback: defaultPolicy(),
              seed: 1,
              idealLeanPaths: leanPaths,
            });
            kernel.load(prepare().workload);
            kernel.run();
            const f = kernel.machine.frames;
            const lists = kernel.world.lists;
            // The page cache's shadows, wherever the lean path keeps them (`SimFile.leanShadow`).
            const shadows = kernel.machine.files.map((file) => [
              file.nrShadows,
              Array.from(file.shadow, (v, i) => {
                const code = file.leanShadow?.[i] ?? 0;
                return code === 0 ? v : file.leanShadowValue[code - 1];
              }),
            ]);
            const perFrame = Array.from({ length: f.count }, (_, pfn) => [
              f.flags[pfn],
              f.policy[pfn],
              lists.listOf[pfn],
              lists.next[pfn],
            ]);
            return { perFrame, shadows };
          };
          expect(state(true), `${name}, ${describeCase(reqs, frames)}`).toEqual(state(false));
        }
      }),
      fcParams(15),
    );
  });

  const hooks = ['evictCandidates', 'checkReferences', 'folioAccessed', 'folioAdded', 'evicted'] as const;

  /**
   * exact-lru whose `hook` fails on its `nth` call (and an `evicted` hook to
   * fail in): it throws, or it loops on list operations until the watchdog's
   * step budget stops it.
   */
  function failing(
    hook: (typeof hooks)[number],
    nth: number,
    how: 'throw' | 'loop' = 'throw',
  ): ReclaimOps<unknown> {
    const base = createPolicy(parsePolicySpec('exact-lru'));
    const ops: ReclaimOps<unknown> = { ...base, evicted: () => 0 };
    const original = ops[hook] as (...args: unknown[]) => unknown;
    let calls = 0;
    (ops as unknown as Record<string, unknown>)[hook] = (...args: unknown[]) => {
      if (++calls === nth) {
        if (how === 'loop') {
          const ctx = args[0] as PolicyCtx<{ list: number }>;
          // Far past the default budget of a million list operations; a guard that lost it fails here.
          for (let i = 0; i < 20_000_000; i++)
            ctx.lists.moveHead(ctx.state.list, ctx.lists.first(ctx.state.list));
          throw new Error(`the step budget never stopped ${hook}`);
        }
        throw new Error(`injected failure in ${hook}`);
      }
      return original(...args);
    };
    return ops;
  }

  function runFailing(
    reqs: [number, boolean][],
    frames: number,
    hook: (typeof hooks)[number],
    nth: number,
    leanPaths: boolean,
    how: 'throw' | 'loop' = 'throw',
  ): RunResult {
    const prepared = prepareRequestsWorkload(
      reqs.map(([k]) => k),
      'ideal',
      'file-fd',
      reqs.map(([, w]) => w),
    );
    const kernel = new Kernel({
      machine: idealMachineConfig(frames),
      policy: failing(hook, nth, how),
      fallback: defaultPolicy(),
      seed: 1,
      watchdog: { abortOnEject: false },
      idealLeanPaths: leanPaths,
    });
    kernel.load(prepared.workload);
    return kernel.run();
  }

  it('when the policy throws in any hook and is ejected to the fallback', () => {
    fc.assert(
      fc.property(
        requests,
        fc.constantFrom(1, 3, 8),
        fc.constantFrom(...hooks),
        fc.integer({ min: 1, max: 60 }),
        (reqs, frames, hook, nth) => {
          expectSame(
            runFailing(reqs, frames, hook, nth, true),
            runFailing(reqs, frames, hook, nth, false),
            `${hook} failing at call ${nth}, ${describeCase(reqs, frames)}`,
          );
        },
      ),
      fcParams(60),
    );
  });

  it('when the policy loops in any hook until its step budget ejects it', () => {
    fc.assert(
      fc.property(
        requests,
        fc.constantFrom(1, 3, 8),
        fc.constantFrom(...hooks),
        fc.integer({ min: 1, max: 40 }),
        (reqs, frames, hook, nth) => {
          const lean = runFailing(reqs, frames, hook, nth, true, 'loop');
          expectSame(
            lean,
            runFailing(reqs, frames, hook, nth, false, 'loop'),
            `${hook} looping at call ${nth}, ${describeCase(reqs, frames)}`,
          );
          for (const exit of lean.policyExits) expect(exit).toMatchObject({ hook, kind: 'budget' });
        },
      ),
      fcParams(30),
    );
  });

  it('an ejection on the lean path is recorded as on the general one', () => {
    const reqs: [number, boolean][] = Array.from({ length: 200 }, (_, i) => [(i * 7) % 23, i % 5 === 0]);
    const r = runFailing(reqs, 4, 'checkReferences', 3, true);
    expect(r.policyExits).toHaveLength(1);
    expect(r.policyExits[0]).toMatchObject({ hook: 'checkReferences', kind: 'error' });
    expect(r.requests).toBe(200);
    // A runaway loop in any hook the miss path calls directly is stopped by the step budget.
    for (const hook of hooks) {
      const looped = runFailing(reqs, 4, hook, 2, true, 'loop');
      expect(looped.policyExits).toEqual([expect.objectContaining({ hook, kind: 'budget' })]);
      expect(looped.requests).toBe(200);
    }
  });
});
