import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildJsonReport,
  listPolicies,
  loadPolicyModule,
  loadPolicySpecs,
  parsePolicySpec,
  runComparison,
  runScenario,
  type Scenario,
  scenarioFrom,
  scenarioPolicySpecs,
} from '@reclaim-lab/harness';
import { PolicyEjected, PolicyLoadError, RECLAIM_OPS_VERSION } from '@reclaim-lab/reclaim';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * A policy the core has never seen, written outside the repository, loaded
 * by path at run time and compared with the built-in ones: the path from
 * "I have an idea" to "here is how it compares" without touching the core.
 */

const dir = mkdtempSync(join(tmpdir(), 'reclaim-lab-policy-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

/** MRU in plain JavaScript, no imports at all: evicts the newest folios first. */
const MRU_MJS = `
export default {
  name: 'outside-mru',
  description: 'evicts the most recently added folios first',
  defaults: { batch: 32, end: 'head' },
  optionDocs: { batch: 'candidates per request', end: 'which end of the list to evict from' },
  optionSchema: { batch: { type: 'number', integer: true, min: 1, max: 4096 }, end: { type: 'string', choices: ['head', 'tail'] } },
  create(o) {
    return {
      name: 'outside-mru',
      pageStateBits: 1,
      evictCandidates(ctx, req, out) {
        const list = ctx.state.list;
        const head = o.end === 'head';
        let n = 0;
        for (let p = head ? ctx.lists.first(list) : ctx.lists.last(list); p !== -1 && n < Math.min(req.nr, o.batch); p = head ? ctx.lists.next[p] : ctx.lists.prev[p]) out[n++] = p;
        return n;
      },
    };
  },
};
`;

/** FIFO in TypeScript, typed against the contract with a type-only import (erased at load). */
const FIFO_TS = `
import type { ReclaimOps } from '@reclaim-lab/reclaim';

interface State { list: number }

export function policy(): ReclaimOps<State> {
  return {
    name: 'outside-fifo',
    version: ${RECLAIM_OPS_VERSION},
    requires: ['evictCandidates'],
    init: (ictx) => ({ list: ictx.createList('fifo') }),
    folioAdded: (ctx, pfn) => ctx.lists.addHead(ctx.state.list, pfn),
    evictCandidates(ctx, req, out) {
      let n = 0;
      for (let p = ctx.lists.last(ctx.state.list); p !== -1 && n < req.nr; p = ctx.lists.prev[p]) out[n++] = p;
      return n;
    },
  };
}
`;

let mruPath = '';
let fifoPath = '';

beforeAll(() => {
  mruPath = file('mru.mjs', MRU_MJS);
  fifoPath = file('fifo.ts', FIFO_TS);
});

function base(fields: Record<string, unknown> = {}): Scenario {
  return scenarioFrom({
    workload: 'loop-over-memory',
    machine: { memory: '4MiB' },
    params: { passes: 4, variant: 'file' },
    ...fields,
  });
}

describe('a policy from outside the repository, by path', () => {
  it('loads a .mjs PolicyFactory and a .ts function export, and runs both', async () => {
    const specs = await loadPolicySpecs([mruPath, `${mruPath}:batch=8,end=tail`, fifoPath]);
    expect(specs.map((s) => [s.name, s.options])).toEqual([
      ['outside-mru', { batch: 32, end: 'head' }],
      ['outside-mru', { batch: 8, end: 'tail' }],
      ['outside-fifo', {}],
    ]);
    const r = runScenario(base(), { policy: fifoPath, checkInvariants: true });
    expect(r.policy).toBe(fifoPath);
    expect(r.policyExits).toEqual([]);
    expect(r.tasks.every((t) => t.finished)).toBe(true);
  });

  it('is compared with LRU (and MGLRU when registered) through runComparison', async () => {
    const builtIn = ['lru', ...(listPolicies().some((p) => p.name === 'mglru') ? ['mglru'] : [])];
    const policies = [...builtIn, mruPath, fifoPath];
    await loadPolicySpecs(policies);
    const { comparison, results } = runComparison({
      policies,
      workloads: ['loop-over-memory'],
      seeds: 2,
      base: base(),
    });
    expect(comparison.baseline).toBe('lru');
    expect(comparison.labels).toEqual(policies);
    for (const p of policies) expect(results.get(`loop-over-memory\u0000${p}`)).toHaveLength(2);
    const columns = comparison.workloads[0].columns;
    expect(columns.map((c) => [c.label, c.n, c.policies])).toEqual(policies.map((p) => [p, 2, [p]]));
    // The page-state bits each policy declared reach the JSON report, run by run.
    const json = buildJsonReport(comparison);
    const mruRuns = json.runs.find((c) => c.label === mruPath)!;
    expect(mruRuns.results[0].pageStateBits).toEqual({ 'outside-mru': 1 });
    expect(json.runs.find((c) => c.label === fifoPath)!.results[0].pageStateBits).toEqual({
      'outside-fifo': 0,
    });
  });

  it('attaches loaded policies per memcg through the scenario `policy: [{scope, policy}]` form', async () => {
    const scenario = scenarioFrom({
      workload: {
        files: [
          { name: 'a', size: '1MiB' },
          { name: 'b', size: '1MiB' },
        ],
        memcgs: [
          { path: '/a', max: '768KiB' },
          { path: '/b', max: '768KiB' },
        ],
        tasks: [
          {
            name: 'in-a',
            memcg: '/a',
            regions: [{ name: 'a', kind: 'file-fd', file: 'a', advice: 'random' }],
            phases: [{ name: 'loop', regions: 'a', pattern: { kind: 'cyclic' }, passes: 6 }],
          },
          {
            name: 'in-b',
            memcg: '/b',
            regions: [{ name: 'b', kind: 'file-fd', file: 'b', advice: 'random' }],
            phases: [{ name: 'loop', regions: 'b', pattern: { kind: 'cyclic' }, passes: 6 }],
          },
        ],
      },
      machine: { memory: '4MiB' },
      policy: [
        { scope: 'system', policy: 'lru' },
        { scope: 'memcg:/a', policy: mruPath },
        { scope: 'memcg:/b', policy: fifoPath },
      ],
    });
    await loadPolicySpecs(scenarioPolicySpecs(scenario));
    const r = runScenario(scenario, { checkInvariants: true });
    expect(r.policy).toBe(`lru@system+${mruPath}@memcg:/a+${fifoPath}@memcg:/b`);
    expect(r.pageStateBits).toEqual({ lru: expect.any(Number), 'outside-mru': 1, 'outside-fifo': 0 });
    const faults = Object.fromEntries(r.tasks.map((t) => [t.name, t.majorFaults + t.readMisses]));
    expect(faults['in-a']).toBeLessThan(faults['in-b']);
  });
});

describe('options of a loaded policy are checked against its declared defaults and schema', () => {
  beforeAll(() => loadPolicySpecs([mruPath, fifoPath]));

  it('one clear line naming the option and what it accepts', () => {
    expect(() => parsePolicySpec(`${mruPath}:batch=0`)).toThrow(
      `policy ${mruPath}: option batch: expected an integer in 1..4096, got "0"`,
    );
    expect(() => parsePolicySpec(`${mruPath}:batch=2.5`)).toThrow(
      `policy ${mruPath}: option batch: expected an integer in 1..4096, got "2.5"`,
    );
    expect(() => parsePolicySpec(`${mruPath}:end=middle`)).toThrow(
      `policy ${mruPath}: option end: expected head|tail, got "middle"`,
    );
    expect(() => parsePolicySpec(`${mruPath}:gens=2`)).toThrow(
      `policy ${mruPath}: unknown option "gens"; allowed: batch (an integer in 1..4096), end (head|tail)`,
    );
    expect(() => parsePolicySpec(`${fifoPath}:x=1`)).toThrow(
      `policy ${fifoPath}: unknown option "x"; allowed: (none)`,
    );
  });

  it('a spec naming a module that was never loaded says how to load it', () => {
    expect(() => parsePolicySpec('./never-loaded.ts')).toThrow(
      /unknown policy "\.\/never-loaded\.ts"; allowed: .*loaded with loadPolicySpecs/,
    );
  });
});

describe('every export form, and every refusal, with the reason', () => {
  it('accepts a plain ReclaimOps object, a factory function, a `policy` factory and a package name', async () => {
    const plain = file('plain.mjs', `export default { name: 'plain' };`);
    const fn = file(
      'fn.mjs',
      `export default (options) => ({ name: 'from-fn', pageStateBits: Object.keys(options).length });`,
    );
    const named = file(
      'named.mjs',
      `export const policy = { name: 'named', description: 'd', defaults: { k: true }, create: () => ({ name: 'named' }) };`,
    );
    expect((await loadPolicyModule(plain)).name).toBe('plain');
    expect((await loadPolicyModule(fn)).name).toBe('from-fn');
    expect((await loadPolicyModule(named)).defaults).toEqual({ k: true });
    // A package exporting one factory among other things (here `lruPolicy` beside `createLru`).
    const lru = await loadPolicyModule('@reclaim-lab/policy-lru');
    expect(lru.name).toBe('lru');
    expect(runScenario(base(), { policy: plain }).policyExits).toEqual([]);
  });

  const refusals: [string, string, string | RegExp][] = [
    [
      'version.mjs',
      `export default { name: 'old', version: ${RECLAIM_OPS_VERSION + 1} };`,
      `policy old was written for ReclaimOps version ${RECLAIM_OPS_VERSION + 1}; this core implements version ${RECLAIM_OPS_VERSION}`,
    ],
    [
      'factory-version.mjs',
      `export default { name: 'oldf', description: '', version: 0, defaults: {}, create: () => ({ name: 'oldf' }) };`,
      `policy oldf was written for ReclaimOps version 0; this core implements version ${RECLAIM_OPS_VERSION}`,
    ],
    [
      'requires.mjs',
      `export default { name: 'needy', requires: ['rmap', 'cxl-tiering'] };`,
      /^policy module \S+requires\.mjs: policy needy requires cxl-tiering, which this core does not offer; it offers: shrink, evictCandidates, rmap/,
    ],
    [
      'nothing.mjs',
      `export const helper = 1; export function util() {}`,
      /exports no policy; export a PolicyFactory, a ReclaimOps object or an \(options\) => ReclaimOps function as default or as `policy` \(found: helper, util\)/,
    ],
    [
      'two.mjs',
      `const f = (n) => ({ name: n, description: '', defaults: {}, create: () => ({ name: n }) }); export const a = f('a'); export const b = f('b');`,
      'exports several policy factories (a, b); export the one to use as default or as `policy`',
    ],
    [
      'throws.mjs',
      `export default { name: 't', description: '', defaults: {}, create() { throw new Error('no memory'); } };`,
      'policy t: creating it with its defaults threw: no memory',
    ],
    [
      'not-a-hook.mjs',
      `export default { name: 'h', folioAdded: 'head' };`,
      'policy h: hook folioAdded must be a function, got string',
    ],
    [
      'schema.mjs',
      `export default { name: 's', description: '', defaults: { n: 0 }, optionSchema: { n: { type: 'number', min: 1 } }, create: () => ({ name: 's' }) };`,
      'policy s: the default of option n (0) is not a number >= 1',
    ],
    ['syntax.mjs', `export default {`, /failed to load/],
  ];

  it.each(refusals)('%s is refused with a clear message', async (name, text, message) => {
    const path = file(name, text);
    const error = await loadPolicySpecs([path]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PolicyLoadError);
    if (typeof message === 'string') expect((error as Error).message).toContain(message);
    else expect((error as Error).message).toMatch(message);
  });

  it('a missing file and an unknown name are refused before anything runs', async () => {
    await expect(loadPolicySpecs([join(dir, 'missing.ts')])).rejects.toThrow(
      `policy module ${join(dir, 'missing.ts')}: file not found`,
    );
    await expect(loadPolicySpecs(['./missing.ts:x=1'])).rejects.toThrow(
      /^policy module \.\/missing\.ts: file not found \(looked for .*missing\.ts\)$/,
    );
    await expect(loadPolicySpecs(['no-such-policy'])).rejects.toThrow(
      /^unknown policy "no-such-policy"; allowed: lru.*, a policy module path \(\.\/my-policy\.ts\) or an installed package name$/,
    );
  });
});

describe('a loaded policy that misbehaves is ejected and the run finishes under the default policy (LRU)', () => {
  const BAD = `
export default () => {
  let calls = 0;
  return {
    name: 'outside-bad',
    evictCandidates(ctx, req, out) {
      if (++calls > 3) throw new Error('index out of range in my clever idea');
      let n = 0;
      for (let p = ctx.lists.last(ctx.state.list); p !== -1 && n < req.nr; p = ctx.lists.prev[p]) out[n++] = p;
      return n;
    },
  };
};
`;

  it('records the exit, counts the fallback, keeps invariants and finishes every task', async () => {
    const bad = file('bad.mjs', BAD);
    await loadPolicySpecs([bad]);
    const clean = runScenario(base(), { policy: 'lru' });
    const r = runScenario(base(), { policy: bad, checkInvariants: true });
    expect(r.policyExits).toHaveLength(1);
    expect(r.policyExits[0]).toMatchObject({
      policy: 'outside-bad',
      scope: 'system',
      kind: 'error',
      hook: 'evictCandidates',
      reason: 'hook threw',
      message: 'index out of range in my clever idea',
    });
    expect(r.policyExits[0].timeNs).toBeGreaterThan(0);
    expect(r.tasks.map((t) => [t.name, t.accesses, t.finished, t.killed])).toEqual(
      clean.tasks.map((t) => [t.name, t.accesses, true, false]),
    );
    expect(r.counters.pgsteal_kswapd + r.counters.pgsteal_direct).toBeGreaterThan(0);
  });

  it('abortOnEject makes the run throw PolicyEjected instead', async () => {
    const bad = file('bad-abort.mjs', BAD);
    await loadPolicySpecs([bad]);
    expect(() => runScenario(base(), { policy: bad, abortOnEject: true })).toThrow(PolicyEjected);
  });
});
