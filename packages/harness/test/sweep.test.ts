import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cellId,
  loadSweepFile,
  makeSyntheticTrace,
  parseShard,
  planSweep,
  SweepError,
  shardCells,
} from '@reclaim-lab/harness';
import { describe, expect, it } from 'vitest';

const SWEEP = {
  name: 'grid',
  workload: ['zipf-anon', { id: 'loop-over-memory', params: { loopFraction: [0.8, 1, 1.25, 1.5, 2, 3] } }],
  machine: { memory: ['16MiB', '32MiB'], swappiness: [0, 60, 200] },
  params: { scale: 0.02 },
  policy: ['lru', { name: 'lru', options: { execProtection: [false] } }],
  seed: 7,
  seeds: 3,
};

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SweepError);
    return (e as Error).message;
  }
  throw new Error('expected a SweepError');
}

describe('sweep matrix expansion', () => {
  it('multiplies workloads (with their parameter lists) × memory × policies × knobs × seeds', () => {
    const plan = planSweep(SWEEP, 'grid.yaml');
    // 7 workloads (1 + 6 loop sizes, the grid of docs/workloads.md) × 2 memory sizes; 2 policies × 3 swappiness values; 3 seeds.
    expect(plan.groups).toHaveLength(14);
    expect(plan.configs).toHaveLength(6);
    expect(plan.seeds).toEqual([7, 8, 9]);
    expect(plan.cells).toHaveLength(14 * 6 * 3);
    expect(plan.groups.slice(0, 3)).toEqual([
      'zipf-anon memory=16MiB',
      'zipf-anon memory=32MiB',
      'loop-over-memory loopFraction=0.8 memory=16MiB',
    ]);
    expect(plan.configs).toEqual([
      'lru swappiness=0',
      'lru swappiness=60',
      'lru swappiness=200',
      'lru:execProtection=off swappiness=0',
      'lru:execProtection=off swappiness=60',
      'lru:execProtection=off swappiness=200',
    ]);
    expect(plan.baseline).toBe('lru swappiness=0');
    expect(new Set(plan.cells.map((c) => c.id)).size).toBe(plan.cells.length);
    const cell = plan.cells.find(
      (c) =>
        c.group === 'loop-over-memory loopFraction=1.25 memory=32MiB' &&
        c.config === 'lru:execProtection=off swappiness=200' &&
        c.seed === 8,
    );
    expect(cell?.scenario).toMatchObject({
      workload: { id: 'loop-over-memory', params: { loopFraction: 1.25 } },
      machine: { memory: '32MiB', swappiness: 200 },
      policy: 'lru:execProtection=off',
      seed: 8,
      params: { scale: 0.02 },
    });
  });

  it('labels only what varies, and a scalar file is one cell per seed', () => {
    const plan = planSweep({ workload: 'baseline', machine: { memory: '16MiB' }, seeds: 2 });
    expect(plan.groups).toEqual(['baseline']);
    expect(plan.configs).toEqual(['lru']);
    expect(plan.cells.map((c) => c.seed)).toEqual([1, 2]);
    expect(planSweep({ workload: 'baseline', seed: [5, 9] }).seeds).toEqual([5, 9]);
  });

  it('gives stable ids: the same cell has the same id in another sweep, whatever its name or neighbours', () => {
    const a = planSweep(SWEEP, 'a.yaml');
    const b = planSweep({
      ...SWEEP,
      name: 'other',
      policy: 'lru:execProtection=off',
      machine: { memory: '32MiB', swappiness: 60 },
    });
    const inA = a.cells.find(
      (c) =>
        c.group === 'zipf-anon memory=32MiB' &&
        c.config === 'lru:execProtection=off swappiness=60' &&
        c.seed === 9,
    );
    const inB = b.cells.find((c) => c.group === 'zipf-anon' && c.seed === 9);
    expect(inA?.id).toBeDefined();
    expect(inB?.id).toBe(inA?.id);
    expect(planSweep(SWEEP).hash).toBe(a.hash);
    expect(b.hash).not.toBe(a.hash);
    // The id hashes the effective scenario: overriding the seed is the same cell as writing it in.
    const s = a.cells[0].scenario;
    expect(cellId({ scenario: { ...s, seed: 1 }, seed: 9 })).toBe(cellId({ scenario: { ...s, seed: 9 } }));
  });

  it('expands policy option lists into specs', () => {
    const plan = planSweep({
      workload: 'baseline',
      policy: [{ name: 'lru', options: { execProtection: [true, false] } }],
    });
    expect(plan.configs).toEqual(['lru:execProtection=on', 'lru:execProtection=off']);
  });

  it('names a baseline by label, and rejects one that is not a configuration', () => {
    expect(planSweep({ ...SWEEP, baseline: 'lru swappiness=60' }).baseline).toBe('lru swappiness=60');
    expect(errorOf(() => planSweep({ ...SWEEP, baseline: 'mglru' }, 'g.yaml'))).toMatch(
      /^g\.yaml: baseline: "mglru" is not a configuration of this sweep; its configurations: lru swappiness=0,/,
    );
  });

  it('reads YAML and JSON files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sweep-file-'));
    writeFileSync(
      join(dir, 's.yaml'),
      'workload: [baseline, zipf-anon]\nmachine: {memory: 16MiB, swappiness: [0, 60]}\nparams: {scale: 0.02}\n',
    );
    writeFileSync(join(dir, 's.json'), JSON.stringify({ workload: 'baseline', seeds: 2 }));
    expect((await loadSweepFile(join(dir, 's.yaml'))).cells).toHaveLength(4);
    expect((await loadSweepFile(join(dir, 's.json'))).cells).toHaveLength(2);
    writeFileSync(join(dir, 'bad.yaml'), 'workload: [baseline\n');
    await expect(loadSweepFile(join(dir, 'bad.yaml'))).rejects.toThrow(/bad\.yaml: not valid YAML/);
  });

  it("plans the README's trace example: cache sizes x policies on one trace", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sweep-trace-'));
    const trace = join(dir, 't.oracleGeneral');
    makeSyntheticTrace(trace, 'oracle-general', { requests: 1_000, keys: 200, seed: 1, pattern: 'zipf' });
    const example = new URL('../../../examples/sweep-trace.yaml', import.meta.url);
    const text = readFileSync(example, 'utf8').replace('examples/traces/zipf.oracleGeneral.zst', trace);
    writeFileSync(join(dir, 'mrc.yaml'), text);
    const plan = await loadSweepFile(join(dir, 'mrc.yaml'));
    expect(plan.groups).toEqual([0.01, 0.1, 0.3].map((x) => `t.oracleGeneral footprintShare=${x}`));
    expect(plan.configs).toContain('s3fifo:libcachesim');
    expect(plan.cells).toHaveLength(3 * 7);
  });
});

describe('sweep file errors name the path', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      'an out-of-range knob in a list',
      { workload: 'baseline', machine: { swappiness: [0, 300] } },
      /^f\.yaml: machine\.swappiness\[1\]: .*200/m,
    ],
    [
      'a bad memory size',
      { workload: 'baseline', machine: { memory: ['16MiB', 'lots'] } },
      /^f\.yaml: machine\.memory\[1\]: "lots" is not a size/m,
    ],
    [
      'an unknown top-level field',
      { workload: 'baseline', policies: ['lru'] },
      /^f\.yaml: policies: unknown key; did you mean "policy"\?$/m,
    ],
    [
      'an unknown machine field',
      { workload: 'baseline', machine: { swapiness: 10 } },
      /^f\.yaml: machine\.swapiness: /m,
    ],
    [
      'an unknown workload',
      { workload: ['baseline', 'nope'] },
      /^f\.yaml: workload\[1\]: unknown workload "nope"; allowed: baseline, /m,
    ],
    [
      'a bad preset parameter in a list',
      { workload: [{ id: 'loop-over-memory', params: { loopFraction: [1, -2] } }] },
      /^f\.yaml: workload\[0\]\.params\.loopFraction\[1\]: expected a number/m,
    ],
    [
      'a parameter one preset lacks',
      { workload: ['zipf-anon', 'loop-over-memory'], params: { loopFraction: [1, 2] } },
      /^f\.yaml: params\.loopFraction\[0\]: unknown parameter for zipf-anon/m,
    ],
    [
      'an unknown policy option',
      { workload: 'baseline', policy: ['lru', 'lru:gens=2'] },
      /^f\.yaml: policy\[1\] \("lru:gens=2"\): policy lru: unknown option "gens"; allowed: execProtection/m,
    ],
    [
      'an unknown policy',
      { workload: 'baseline', policy: ['lru', 'nosuch'] },
      /^f\.yaml: policy\[1\] \("nosuch"\): unknown policy "nosuch"/m,
    ],
    [
      'a malformed policy object',
      { workload: 'baseline', policy: [{ name: 'lru', opts: {} }] },
      /^f\.yaml: policy\[0\]\.opts: /m,
    ],
    [
      'an empty list',
      { workload: 'baseline', machine: { swappiness: [] } },
      /^f\.yaml: machine\.swappiness: an empty list gives no cells/m,
    ],
    [
      'a repeated value',
      { workload: 'baseline', policy: ['lru', 'lru'] },
      /^f\.yaml: policy\[1\] \("lru"\): repeats policy\[0\]/m,
    ],
    ['a missing workload', { machine: { memory: '16MiB' } }, /^f\.yaml: workload: a workload is needed/m],
    [
      'seeds with a seed list',
      { workload: 'baseline', seed: [1, 2], seeds: 3 },
      /^f\.yaml: seeds: give either a list of seeds/m,
    ],
    ['a bad seed', { workload: 'baseline', seed: -1 }, /^f\.yaml: seed: .*>=0 but received -1/m],
    ['a bad mode in a list', { workload: 'baseline', mode: ['kernel', 'fast'] }, /^f\.yaml: mode\[1\]: /m],
  ];
  for (const [what, input, pattern] of cases) {
    it(what, () => {
      expect(errorOf(() => planSweep(input, 'f.yaml'))).toMatch(pattern);
    });
  }

  it('reports several problems at once', () => {
    const msg = errorOf(() =>
      planSweep({ workload: ['baseline', 'nope'], machine: { swappiness: [0, 300] } }, 'f.yaml'),
    );
    expect(msg).toMatch(/machine\.swappiness\[1\]/);
    expect(msg).toMatch(/workload\[1\]/);
  });
});

describe('shards', () => {
  it('parses i/n and rejects the rest', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    for (const bad of ['0/2', '3/2', '1/0', 'a/b', '1'])
      expect(() => parseShard(bad)).toThrow(/--shard: expected i\/n/);
  });

  it('slices the cells into disjoint shards that cover the matrix', () => {
    const cells = planSweep(SWEEP).cells;
    const parts = [1, 2, 3].map((index) => shardCells(cells, { index, count: 3 }));
    expect(
      parts
        .flat()
        .map((c) => c.id)
        .sort(),
    ).toEqual(cells.map((c) => c.id).sort());
    expect(parts.map((p) => p.length)).toEqual([84, 84, 84]);
    expect(shardCells(cells, { index: 2, count: 3 })).toEqual(parts[1]);
  });
});
