import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AblationError,
  listPolicies,
  loadSweepDirs,
  planAblation,
  policyToggles,
  registerPolicy,
  renderAblationJson,
  renderAblationMarkdown,
  renderAblationText,
  runAblation,
  validateScenario,
} from '@reclaim-lab/harness';
import { lruPolicy } from '@reclaim-lab/policy-lru';
import { mglruPolicy } from '@reclaim-lab/policy-mglru';
import { exactLruPolicy } from '@reclaim-lab/policy-reference';
import type { PolicyFactory } from '@reclaim-lab/reclaim';
import { afterAll, describe, expect, it } from 'vitest';

const base = validateScenario({
  workload: 'zipf-anon',
  machine: { memory: '16MiB' },
  params: { scale: 0.02 },
});
const root = mkdtempSync(join(tmpdir(), 'ablation-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * A test-only policy with two toggles that matter: `alpha` (on by default)
 * picks the classic LRU over an exact LRU; `beta` (off by default) turns
 * off the LRU's exec protection.
 */
const tinyPolicy: PolicyFactory = {
  name: 'tiny-ablate',
  description: 'test-only: two toggles',
  defaults: { alpha: true, beta: false, depth: 2, mode: 'x' },
  create: (o) =>
    o.alpha
      ? lruPolicy.create({ ...lruPolicy.defaults, execProtection: !o.beta })
      : exactLruPolicy.create(exactLruPolicy.defaults as never),
};
registerPolicy(tinyPolicy);

function ablationError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AblationError);
    return (e as Error).message;
  }
  throw new Error('expected an AblationError');
}

describe('ablation planning', () => {
  it('lists the boolean and two-valued options of a policy as its toggles', () => {
    expect(policyToggles('lru')).toEqual([
      'execProtection',
      'bloom',
      'lookaround',
      'faultActivate',
      'refault',
      'balance',
      'quickRefault',
      'ageUpdate',
    ]);
    expect(policyToggles('tiny-ablate')).toEqual(['alpha', 'beta']);
  });

  it('names the toggles a policy has when asked for one it lacks', () => {
    const input = { policy: 'lru', toggles: ['ptwalk'], workloads: ['zipf-anon'], seeds: 2, base };
    expect(ablationError(() => planAblation(input))).toBe(
      'policy lru has no two-way option "ptwalk"; its toggles (boolean or two-valued options) are: execProtection, bloom, lookaround, faultActivate, refault, balance, quickRefault, ageUpdate',
    );
    expect(
      ablationError(() => planAblation({ ...input, policy: 'tiny-ablate', toggles: ['depth'] })),
    ).toMatch(/no two-way option "depth"; its toggles \(boolean or two-valued options\) are: alpha, beta$/);
    expect(ablationError(() => planAblation({ ...input, toggles: [] }))).toMatch(
      /name at least one; policy lru has the toggles execProtection/,
    );
    expect(
      ablationError(() => planAblation({ ...input, toggles: ['execProtection', 'execProtection'] })),
    ).toMatch(/named twice/);
    expect(
      ablationError(() => planAblation({ ...input, toggles: ['execProtection'], workloads: ['nope'] })),
    ).toMatch(/--workloads nope: unknown workload "nope"/);
  });

  it('takes MGLRU toggles from its factory defaults', () => {
    if (!listPolicies().some((p) => p.name === 'mglru'))
      registerPolicy(mglruPolicy as unknown as PolicyFactory);
    const input = {
      policy: 'mglru',
      toggles: ['bloom', 'fault-activation'],
      workloads: ['zipf-anon'],
      seeds: 2,
      base,
    };
    expect(ablationError(() => planAblation(input))).toBe(
      'policy mglru has no two-way option "fault-activation"; its toggles (boolean or two-valued options) are: bloom, lookaround, ptwalk, pid, dirtyHandling, faultActivate, execProtection, balance, refault, quickRefault, ageUpdate',
    );
    const setup = planAblation({ ...input, toggles: ['bloom', 'lookaround', 'ptwalk', 'pid'] });
    // base, four singles, four leave-one-outs, all flipped.
    expect(setup.configs).toHaveLength(10);
    expect(setup.pairs).toHaveLength(8);
    expect(setup.configs[1]).toEqual({ label: 'mglru -bloom', spec: 'mglru:bloom=off', flipped: ['bloom'] });
    const loo = setup.pairs.find((p) => p.toggle === 'ptwalk' && p.mode === 'leave-one-out');
    expect(loo?.on.spec).toBe('mglru:bloom=off,lookaround=off,pid=off');
    expect(loo?.off.label).toBe('mglru -bloom -lookaround -ptwalk -pid');
    expect(setup.plan.cells).toHaveLength(10 * 1 * 2);
    // Toggles flip what the base spec says, presets included.
    const rmap = planAblation({ ...input, policy: 'mglru:rmap-only', toggles: ['ptwalk'] });
    expect(rmap.configs.map((c) => c.spec)).toEqual(['mglru:rmap-only', 'mglru:rmap-only,ptwalk=on']);
    expect(rmap.pairs[0]).toMatchObject({
      on: { label: 'mglru:rmap-only +ptwalk' },
      off: { label: 'mglru:rmap-only' },
    });
  });

  it('toggles a two-valued option between its values: refault=classic|gen', () => {
    const setup = planAblation({
      policy: 'lru',
      toggles: ['refault'],
      workloads: ['zipf-anon'],
      seeds: 1,
      base,
    });
    expect(setup.configs.map((c) => [c.label, c.spec])).toEqual([
      ['lru', 'lru'],
      ['lru refault=gen', 'lru:refault=gen'],
    ]);
    expect(setup.toggles[0]).toMatchObject({ name: 'refault', base: false });
    expect(setup.pairs[0]).toMatchObject({ on: { spec: 'lru:refault=gen' }, off: { spec: 'lru' } });
    if (!listPolicies().some((p) => p.name === 'mglru'))
      registerPolicy(mglruPolicy as unknown as PolicyFactory);
    // MGLRU's base is "on" (gen): flipping it gives classic, and the pair still reads on = gen.
    const m = planAblation({
      policy: 'mglru',
      toggles: ['refault'],
      workloads: ['zipf-anon'],
      seeds: 1,
      base,
    });
    expect(m.configs.map((c) => c.spec)).toEqual(['mglru', 'mglru:refault=classic']);
    expect(m.pairs[0]).toMatchObject({ on: { spec: 'mglru' }, off: { spec: 'mglru:refault=classic' } });
  });

  it('adds a mechanism a policy lacks by default (off → on)', () => {
    const setup = planAblation({
      policy: 'tiny-ablate',
      toggles: ['alpha', 'beta'],
      workloads: ['suite'],
      seeds: 1,
      base,
    });
    // With two toggles, each leave-one-out configuration is the other toggle's single flip.
    expect(setup.configs.map((c) => c.label)).toEqual([
      'tiny-ablate',
      'tiny-ablate -alpha',
      'tiny-ablate +beta',
      'tiny-ablate -alpha +beta',
    ]);
    expect(setup.pairs.find((p) => p.toggle === 'beta' && p.mode === 'single')).toMatchObject({
      on: { label: 'tiny-ablate +beta' },
      off: { label: 'tiny-ablate' },
    });
    expect(setup.workloads.length).toBeGreaterThanOrEqual(15);
  });
});

describe('ablation runs', () => {
  it('gives one row per toggle and mode, with intervals, for a policy registered in-process', async () => {
    const a = await runAblation(
      {
        policy: 'tiny-ablate',
        toggles: ['alpha', 'beta'],
        workloads: ['zipf-anon', 'mmap-vs-read'],
        seeds: 3,
        base,
      },
      { workers: 0 },
    );
    expect(a.rows.map((r) => `${r.toggle}/${r.mode}`)).toEqual([
      'alpha/single',
      'beta/single',
      'alpha/leave-one-out',
      'beta/leave-one-out',
    ]);
    for (const row of a.rows) {
      expect(row.workloads.map((w) => w.workload)).toEqual(['zipf-anon', 'mmap-vs-read']);
      for (const w of row.workloads) {
        const major = w.effects.find((e) => e.metric === 'pgmajfault');
        expect(major?.on?.n).toBe(3);
        expect(major?.off?.n).toBe(3);
        expect(Number.isFinite(major?.effect?.halfWidth)).toBe(true);
        expect(typeof major?.effect?.significant).toBe('boolean');
        expect(w.effects.map((e) => e.metric)).toEqual(a.metrics);
      }
    }
    // alpha swaps the algorithm: some difference must be significant on some workload and metric.
    expect(a.rows.filter((r) => r.toggle === 'alpha').some((r) => r.better + r.worse > 0)).toBe(true);
    expect(a.comparison.labels).toEqual(a.configs.map((c) => c.label));
    expect(a.comparison.semanticsDiffer).toEqual([]);
    const text = renderAblationText(a);
    expect(text).toMatch(/workload zipf-anon/);
    expect(text).toMatch(/alpha\s+leave-one-out\s+tiny-ablate \+beta vs tiny-ablate -alpha \+beta/);
    expect(renderAblationMarkdown(a)).toMatch(/^## Ablation of `tiny-ablate`/);
    expect(JSON.parse(renderAblationJson(a)).rows).toHaveLength(4);
  });

  it('ablates lru execProtection on the pool, keeping resumable cells, identically to one thread', async () => {
    const input = {
      policy: 'lru',
      toggles: ['execProtection'],
      workloads: ['zipf-anon', 'mmap-vs-read'],
      seeds: 2,
      base,
    };
    const out = join(root, 'lru');
    const pooled = await runAblation(input, { workers: 2, out });
    const inline = await runAblation(input, { workers: 0 });
    expect(pooled.rows).toHaveLength(2);
    expect(pooled.rows[0]).toMatchObject({
      toggle: 'execProtection',
      mode: 'single',
      on: 'lru',
      off: 'lru -execProtection',
    });
    expect(renderAblationJson(pooled)).toBe(renderAblationJson(inline));
    const loaded = await loadSweepDirs([out]);
    expect(loaded.missing).toEqual([]);
    expect(loaded.manifest.configs).toEqual(['lru', 'lru -execProtection']);
    // Rerunning finds every cell on disk.
    const again = await runAblation(input, { workers: 2, out });
    expect(renderAblationJson(again)).toBe(renderAblationJson(pooled));
  });

  it('loads a policy module in the workers', async () => {
    const file = join(root, 'tiny-module.mjs');
    writeFileSync(
      file,
      "export default { name: 'tiny-module', description: 'test-only', defaults: { on: true, off: false }, create: () => ({ name: 'tiny-module' }) };\n",
    );
    const input = { policy: file, toggles: ['on', 'off'], workloads: ['zipf-anon'], seeds: 2, base };
    const pooled = await runAblation(input, { workers: 2 });
    expect(pooled.rows).toHaveLength(4);
    expect(pooled.policyName).toBe('tiny-module');
    expect(renderAblationJson(pooled)).toBe(renderAblationJson(await runAblation(input, { workers: 0 })));
    expect(readFileSync(file, 'utf8')).toMatch(/tiny-module/);
  });
});
