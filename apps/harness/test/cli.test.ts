/**
 * The command line's habits and its output for tools: --version, help with
 * defaults, exit status 2 for every usage error, NO_COLOR / FORCE_COLOR,
 * --sysctl, run JSON that explains itself (checked against its schema in
 * docs/), and tidy CSV that reads back as one frame.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, loadSchema, ROOT, schemaErrors, tidyFrame } from './cli-helpers.js';

const SMALL = ['--workload', 'zipf-anon', '--memory', '32MiB', '--swap-device', 'zram'];
const dir = mkdtempSync(join(tmpdir(), 'reclaim-lab-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reclaim-lab habits', () => {
  it('--version prints the CLI package version', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'apps/harness/package.json'), 'utf8'));
    const r = cli(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it('shows defaults in --help', () => {
    const r = cli(['run', '--help']);
    expect(r.status).toBe(0);
    const text = r.stdout.replace(/\s+/g, ' '); // help wraps at the terminal's width
    for (const d of [
      '(default: 256MiB)',
      '(default: 60)',
      '(default: lru)',
      '(default: 1)',
      'default: "table")',
    ])
      expect(text).toContain(d);
    expect(r.stdout).toContain('--sysctl <name=value>');
  });

  // One case per test: each starts the CLI from sources, which takes a while on a loaded machine.
  it.each<[string[], RegExp]>([
    [['run', '--bogus'], /unknown option '--bogus'/],
    [['run', ...SMALL, '--format', 'xml'], /argument 'xml' is invalid/],
    [['run', '--workload', 'nope'], /unknown workload "nope"; allowed: baseline/],
    [['run', ...SMALL, '--swappiness', '300'], /swappiness/],
    [
      ['run', ...SMALL, '--sysctl', 'vm.overcommit_memory=1'],
      /not a sysctl the model has; known: vm\.swappiness/,
    ],
    [['run', ...SMALL, '--policy', 'nosuch'], /nosuch/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('exits 2 on a usage error, with one line saying what is wrong: %j', (args, msg) => {
    const r = cli(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(msg);
  });

  it('colours the table only when asked: FORCE_COLOR on, NO_COLOR off (NO_COLOR wins)', () => {
    const esc = '\u001b[';
    expect(cli(['run', ...SMALL]).stdout).not.toContain(esc);
    expect(cli(['run', ...SMALL], { FORCE_COLOR: '1' }).stdout).toContain(esc);
    expect(cli(['run', ...SMALL], { FORCE_COLOR: '1', NO_COLOR: '1' }).stdout).not.toContain(esc);
  });
});

describe('run output for tools', () => {
  it('--format json names its schema, the tool and what ran, and conforms to docs/schemas/run.schema.json', () => {
    const r = cli([
      'run',
      ...SMALL,
      '--policy',
      'mglru:bloom=off',
      '--sysctl',
      'vm.swappiness=100',
      '--format',
      'json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(schemaErrors(loadSchema('run'), j)).toEqual([]);
    expect(j.schema).toBe('reclaim-lab/run@1');
    expect(j.tool.name).toBe('reclaim-lab');
    expect(j.workload).toEqual({ id: 'zipf-anon', params: {} });
    expect(j.machine).toMatchObject({ memory: '32MiB', swapDevice: 'zram', swappiness: 100 });
    // Every option, defaults filled in: bloom as given, the rest at their defaults.
    expect(j.policyConfig).toMatchObject({ spec: 'mglru:bloom=off', name: 'mglru' });
    expect(j.policyConfig.options.bloom).toBe(false);
    expect(Object.keys(j.policyConfig.options).length).toBeGreaterThan(3);
    expect(j.counters.pswpout).toBeGreaterThan(0);
  });

  it('--sysctl vm.swappiness sets what --swappiness sets', () => {
    const a = JSON.parse(cli(['run', ...SMALL, '--sysctl', 'vm.swappiness=10', '--format', 'json']).stdout);
    const b = JSON.parse(cli(['run', ...SMALL, '--swappiness', '10', '--format', 'json']).stdout);
    expect(a.counters).toEqual(b.counters);
    expect(a.machine.swappiness).toBe(10);
  });

  it('--format csv is one tidy frame whose values are the JSON result', () => {
    const csv = cli(['run', ...SMALL, '--policy', 'lru', '--format', 'csv']);
    expect(csv.status, csv.stderr).toBe(0);
    const rows = tidyFrame(csv.stdout);
    const json = JSON.parse(cli(['run', ...SMALL, '--policy', 'lru', '--format', 'json']).stdout);
    const value = (metric: string) => rows.find((r) => r.metric === metric && r.phase === 'all')?.value;
    for (const c of ['pgscan_kswapd', 'pgsteal_kswapd', 'pswpout', 'pswpin', 'workingset_refault_anon'])
      expect(value(c), c).toBe(json.counters[c]);
    expect(value('runtime_ns')).toBe(json.runtimeNs);
    expect(new Set(rows.map((r) => `${r.configuration}/${r.workload}/${r.seed}`))).toEqual(
      new Set(['lru/zipf-anon/1']),
    );
    expect(rows.some((r) => String(r.metric).startsWith('task:'))).toBe(true);
  });
});

describe('comparison output for tools', () => {
  it('compare --format csv holds every configuration × seed; --format json conforms to its schema', () => {
    const args = ['compare', '--policies', 'lru,mglru', ...SMALL, '--seeds', '2', '--workers', '0'];
    const csv = cli([...args, '--format', 'csv']);
    expect(csv.status, csv.stderr).toBe(0);
    const rows = tidyFrame(csv.stdout);
    expect(new Set(rows.map((r) => `${r.configuration}/${r.seed}`))).toEqual(
      new Set(['lru/1', 'lru/2', 'mglru/1', 'mglru/2']),
    );
    // One progress display on stderr, the same as sweep's.
    expect(csv.stderr).toMatch(/compare \[[=\- ]*\] 4\/4 runs/);
    const json = cli([...args, '--format', 'json']);
    expect(schemaErrors(loadSchema('comparison'), JSON.parse(json.stdout))).toEqual([]);
  });

  it('sweep and ablate --format csv read back as tidy frames', () => {
    const spec = join(dir, 'sweep.yaml');
    writeFileSync(
      spec,
      'name: csv\nmachine: { memory: 32MiB, swapDevice: zram, swappiness: [10, 100] }\nworkload: zipf-anon\npolicy: lru\nseeds: 1\n',
    );
    const sweep = cli(['sweep', spec, '--out', join(dir, 'sweep'), '--workers', '0', '--format', 'csv']);
    expect(sweep.status, sweep.stderr).toBe(0);
    const rows = tidyFrame(sweep.stdout);
    expect(new Set(rows.map((r) => r.configuration)).size).toBe(2);
    expect(readFileSync(join(dir, 'sweep/report.csv'), 'utf8')).toBe(sweep.stdout);
    const ablate = cli([
      'ablate',
      '--policy',
      'mglru',
      '--toggle',
      'bloom',
      ...SMALL,
      '--seeds',
      '1',
      '--workers',
      '0',
      '--format',
      'csv',
    ]);
    expect(ablate.status, ablate.stderr).toBe(0);
    expect(new Set(tidyFrame(ablate.stdout).map((r) => r.configuration)).size).toBeGreaterThanOrEqual(2);
  });
});

describe('a policy file of your own', () => {
  it('imports @reclaim-lab/* from the running tool, wherever the file lives', () => {
    // Outside the repository, with no node_modules anywhere above it.
    const own = mkdtempSync(join(tmpdir(), 'my-policy-'));
    const path = join(own, 'my-policy.ts');
    writeFileSync(
      path,
      `import { ListSet } from '@reclaim-lab/mechanisms';
import type { ReclaimOps } from '@reclaim-lab/reclaim';

// Uses a value of the package, so the import must resolve at run time.
if (typeof ListSet !== 'function') throw new Error('no ListSet');
const fifo: ReclaimOps<{ list: number }> = {
  name: 'own-fifo',
  init: (ictx) => ({ list: ictx.createList('fifo') }),
  folioAdded: (ctx, pfn) => ctx.lists.addHead(ctx.state.list, pfn),
  evictCandidates(ctx, req, out) {
    let n = 0;
    for (let p = ctx.lists.last(ctx.state.list); p !== -1 && n < req.nr; p = ctx.lists.prev[p]) out[n++] = p;
    return n;
  },
};
export default fifo;
`,
    );
    const r = cli(['run', ...SMALL, '--policy', path, '--format', 'json'], {}, own);
    rmSync(own, { recursive: true, force: true });
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.policy).toContain('my-policy.ts');
    expect(j.counters.pswpout).toBeGreaterThan(0);
  });
});
