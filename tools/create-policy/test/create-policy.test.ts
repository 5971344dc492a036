import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultMachineConfig, OP_READ, OP_STORE } from '@reclaim-lab/hw-model';
import { Kernel, type PolicyFactory, type ReclaimOps } from '@reclaim-lab/reclaim';
import { conformanceProperties, fcParams, generated } from '@reclaim-lab/reclaim/testing';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { nameProblem, scaffoldPolicy } from '../src/scaffold.js';

const REPO = join(import.meta.dirname, '..', '..', '..');

/** A temporary workspace: packages/ beside a copy of the root tsconfig.base.json the packages extend. */
function tempPackages(): string {
  const root = mkdtempSync(join(tmpdir(), 'create-policy-'));
  copyFileSync(join(REPO, 'tsconfig.base.json'), join(root, 'tsconfig.base.json'));
  mkdirSync(join(root, 'packages'));
  return join(root, 'packages');
}

function cli(argv: string[], cwd = REPO) {
  let out = '';
  let err = '';
  const code = runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), cwd });
  return { code, out, err };
}

/** Uncomment every hook example inside the generated factory function. */
function everyHookOn(source: string): string {
  return source
    .split('\n')
    .map((line) => {
      const m = /^ {4}\/\/ (.*)$/.exec(line);
      if (!m) return line;
      const code = m[1];
      return /^([a-z]\w*: |\s{2}|\},?$)/.test(code) ? `    ${code}` : line;
    })
    .join('\n');
}

/** A small run with file and anon pressure, invariants checked after every reclaim pass. */
function smallRun(ops: ReclaimOps<unknown>) {
  const MEM = 512;
  const k = new Kernel({
    machine: defaultMachineConfig(MEM, { swapPages: MEM }),
    policy: ops,
    seed: 2,
    checkInvariants: true,
  });
  k.load({
    files: [{ name: 'data', pages: MEM * 2 }],
    memcgs: [],
    tasks: [
      {
        name: 'reader',
        regions: [{ kind: 'file-fd', file: 0, pages: MEM * 2 }],
        source: generated((i) => (i < MEM * 4 ? [OP_READ, 0, i % (MEM * 2)] : null)),
      },
      {
        name: 'heap',
        regions: [{ kind: 'anon', pages: MEM / 2 }],
        source: generated((i) => (i < MEM * 2 ? [OP_STORE, 0, (i * 7) % (MEM / 2)] : null)),
      },
    ],
  });
  const r = k.run();
  k.checkInvariants('end of run');
  return r;
}

describe('create-policy scaffolds a policy package that works before anything is written in it', () => {
  it('writes the package, shaped like the others', () => {
    const dir = tempPackages();
    const { path, files } = scaffoldPolicy({
      name: 'clock-pro',
      dir,
      description: 'CLOCK-Pro (Jiang, Chen, Zhang 2005)',
    });
    expect(path).toBe(join(dir, 'policy-clock-pro'));
    expect(files).toEqual([
      'package.json',
      'tsconfig.json',
      'README.md',
      'LICENSE',
      'src/index.ts',
      'src/clock-pro.ts',
      'test/clock-pro.test.ts',
    ]);
    const pkg = JSON.parse(readFileSync(join(path, 'package.json'), 'utf8'));
    const lru = JSON.parse(readFileSync(join(REPO, 'packages/policy-lru/package.json'), 'utf8'));
    // The same keys in the same order, the same exports map, build and test scripts and dependencies.
    expect(Object.keys(pkg)).toEqual(Object.keys(lru));
    expect(pkg.name).toBe('@reclaim-lab/policy-clock-pro');
    expect(pkg.description).toBe('CLOCK-Pro (Jiang, Chen, Zhang 2005)');
    expect(pkg.exports).toEqual(lru.exports);
    expect(pkg.scripts).toEqual({
      build: lru.scripts.build,
      test: 'vitest run --root ../.. packages/policy-clock-pro/',
    });
    expect(Object.keys(pkg.dependencies).sort()).toEqual([
      '@reclaim-lab/hw-model',
      '@reclaim-lab/mechanisms',
      '@reclaim-lab/reclaim',
    ]);
    expect(JSON.parse(readFileSync(join(path, 'tsconfig.json'), 'utf8'))).toEqual(
      JSON.parse(readFileSync(join(REPO, 'packages/policy-lru/tsconfig.json'), 'utf8')),
    );
    expect(readFileSync(join(path, 'src/index.ts'), 'utf8')).toBe(
      "export { type ClockProOptions, type ClockProState, clockProPolicy, createClockPro } from './clock-pro.js';\n",
    );
    const test = readFileSync(join(path, 'test/clock-pro.test.ts'), 'utf8');
    expect(test).toContain("import { clockProPolicy, createClockPro } from '@reclaim-lab/policy-clock-pro';");
    expect(test).toContain("from '@reclaim-lab/reclaim/testing'");
    expect(test).toContain('conformanceProperties(() => createClockPro())');
    expect(readFileSync(join(path, 'README.md'), 'utf8')).toContain('# @reclaim-lab/policy-clock-pro');
    expect(readFileSync(join(path, 'src/clock-pro.ts'), 'utf8')).not.toMatch(/\{\{\w+\}\}/);
  });

  it('documents every hook of the contract, each commented out', () => {
    const dir = tempPackages();
    const { path } = scaffoldPolicy({ name: 'every-hook', dir });
    const source = readFileSync(join(path, 'src/every-hook.ts'), 'utf8');
    const ops = readFileSync(join(REPO, 'packages/reclaim/src/ops.ts'), 'utf8');
    const hooks = [...ops.slice(ops.indexOf('export interface ReclaimOps')).matchAll(/^ {2}(\w+)\?\(/gm)].map(
      (m) => m[1],
    );
    expect(hooks.length).toBeGreaterThanOrEqual(16);
    for (const hook of hooks) {
      expect(source, hook).toMatch(new RegExp(`^ {4}// ${hook}: `, 'm'));
      expect(source, `${hook} documents its default`).toMatch(
        new RegExp(`Absent: [^\\n]*\\n(?: {4}// [^\\n]*\\n)*? {4}// ${hook}: `),
      );
    }
  });

  it('the generated policy passes the shared conformance suite as generated, and with every hook example on', async () => {
    const dir = tempPackages();
    const { path } = scaffoldPolicy({ name: 'fresh', dir });
    const mod = (await import(join(path, 'src/index.ts'))) as {
      createFresh: () => ReclaimOps<unknown>;
      freshPolicy: PolicyFactory;
    };
    expect(mod.freshPolicy.create(mod.freshPolicy.defaults).name).toBe('fresh');
    const props = conformanceProperties(() => mod.createFresh());
    fc.assert(props.invariants, fcParams(8));
    expect(smallRun(mod.createFresh()).policyExits).toEqual([]);

    const on = join(path, 'src/fresh-on.ts');
    writeFileSync(on, everyHookOn(readFileSync(join(path, 'src/fresh.ts'), 'utf8')));
    const all = (await import(on)) as { createFresh: () => ReclaimOps<unknown> };
    const ops = all.createFresh();
    expect(
      Object.keys(ops).filter((k) => typeof (ops as unknown as Record<string, unknown>)[k] === 'function')
        .length,
    ).toBeGreaterThanOrEqual(16);
    fc.assert(conformanceProperties(() => all.createFresh()).invariants, fcParams(8));
    const r = smallRun(all.createFresh());
    expect(r.policyExits).toEqual([]);
    expect(r.counters.pgsteal_kswapd + r.counters.pgsteal_direct).toBeGreaterThan(0);
  });

  it('refuses a bad name with a clear message, before writing anything', () => {
    expect(nameProblem('clock-pro')).toBeUndefined();
    expect(nameProblem('s3fifo')).toBeUndefined();
    expect(nameProblem('')).toBe('a policy name is needed');
    expect(nameProblem('Clock')).toMatch(
      /^"Clock" is not a valid policy name: use lowercase letters, digits and single hyphens, starting with a letter/,
    );
    for (const bad of ['3q', 'clock--pro', 'clock-', '-clock', 'clock_pro', 'clock pro', '../x'])
      expect(nameProblem(bad), bad).toMatch(/is not a valid policy name/);
    expect(nameProblem('policy-arc')).toBe(
      'give the name without the "policy-" prefix ("arc"); the package is called policy-NAME',
    );
    expect(nameProblem('a'.repeat(41))).toMatch(/longer than 40 characters/);
    const dir = tempPackages();
    expect(() => scaffoldPolicy({ name: 'Bad', dir })).toThrow(/not a valid policy name/);
    expect(existsSync(join(dir, 'policy-Bad'))).toBe(false);
  });

  it('refuses an existing directory and leaves it untouched', () => {
    const dir = tempPackages();
    mkdirSync(join(dir, 'policy-taken'));
    writeFileSync(join(dir, 'policy-taken', 'keep.txt'), 'mine');
    const { code, err, out } = cli(['taken', '--dir', dir]);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toMatch(
      /^create-policy: .*policy-taken already exists; choose another name or remove it first\n$/,
    );
    expect(readFileSync(join(dir, 'policy-taken', 'keep.txt'), 'utf8')).toBe('mine');
    expect(existsSync(join(dir, 'policy-taken', 'package.json'))).toBe(false);
  });

  it('the command: --dir, next steps, usage errors, and the repository packages as they are', () => {
    const dir = tempPackages();
    const made = cli(['my-lfu', '--dir', dir, '--description', 'LFU with aging']);
    expect(made.code).toBe(0);
    expect(made.out).toContain('created ');
    expect(made.out).toContain('src/my-lfu.ts');
    expect(made.out).toContain('pnpm install');
    expect(made.out).toContain('registerPolicy(myLfuPolicy)');
    expect(JSON.parse(readFileSync(join(dir, 'policy-my-lfu/package.json'), 'utf8')).description).toBe(
      'LFU with aging',
    );
    expect(cli([]).code).toBe(2);
    expect(cli([]).err).toContain('a policy name is needed');
    expect(cli(['a', 'b']).err).toContain('one name at a time');
    expect(cli(['x', '--frobnicate']).err).toContain('unknown option --frobnicate');
    expect(cli(['--help']).out).toContain('usage: create-policy NAME');
    // In the repository itself an existing policy is refused: nothing there is touched.
    expect(cli(['lru'])).toMatchObject({
      code: 1,
      err: 'create-policy: packages/policy-lru already exists; choose another name or remove it first\n',
    });
    expect(cli(['Nope']).code).toBe(1);
  });
});

describe('create-policy output and pnpm lint', () => {
  it('is lint-clean as generated, for short and long names alike', () => {
    // Inside the repository, where biome's configuration applies (git ignores the folder).
    const packages = mkdtempSync(join(import.meta.dirname, '.lint-probe-'));
    try {
      for (const name of ['arc', 'a-much-longer-policy-name-for-wrapping'])
        expect(cli([name, '--dir', packages]).code).toBe(0);
      const r = spawnSync(
        process.execPath,
        [join(REPO, 'node_modules/@biomejs/biome/bin/biome'), 'check', packages],
        {
          cwd: REPO,
          encoding: 'utf8',
        },
      );
      expect(`${r.stdout}${r.stderr}`).toMatch(/Checked \d+ files/);
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    } finally {
      rmSync(packages, { recursive: true, force: true });
    }
  });
});
