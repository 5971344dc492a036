/**
 * Releasing, as a consumer meets it: changesets can plan a release, every
 * public package packs with what runs and nothing of the workspace, and the
 * packed tarballs installed with npm outside the monorepo run each package
 * README's example and the `reclaim-lab` bin.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const PNPM = process.env.npm_execpath?.includes('pnpm') ? process.env.npm_execpath : 'pnpm';

interface Pkg {
  dir: string;
  json: Record<string, unknown> & { name: string; version: string; private?: boolean };
}

function workspacePackages(): Pkg[] {
  const out: Pkg[] = [];
  for (const group of ['packages', 'apps', 'tools'])
    for (const d of readdirSync(join(ROOT, group))) {
      const dir = join(ROOT, group, d);
      try {
        out.push({ dir, json: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) });
      } catch {
        // not a package (a test folder)
      }
    }
  return out;
}

function pnpm(args: string[], cwd = ROOT): string {
  const cmd = PNPM.endsWith('.js') || PNPM.endsWith('.cjs') ? process.execPath : PNPM;
  const pre = cmd === process.execPath ? [PNPM] : [];
  return execFileSync(cmd, [...pre, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The ```js block under a README's "## Example" heading, and the ```text block after it. */
function readmeExample(readme: string): { code: string; prints?: string } {
  const section = readme.split(/^## Example\s*$/m)[1]?.split(/^## /m)[0] ?? '';
  const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code) throw new Error('README has no ```js block under "## Example"');
  return { code, prints: /```text\n([\s\S]*?)```/.exec(section)?.[1] };
}

const publicPackages = workspacePackages().filter((p) => !p.json.private);
let work: string;
const tarballs = new Map<string, string>();

describe('releasing', () => {
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'reclaim-lab-release-'));
    // What ships is built JavaScript: build once (incremental), then pack each public package.
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.json'], {
      cwd: ROOT,
      stdio: 'pipe',
    });
    for (const p of publicPackages) {
      const out = pnpm(['pack', '--pack-destination', work], p.dir).trim().split('\n');
      tarballs.set(p.json.name, out[out.length - 1].trim());
    }
  }, 600_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('changesets can plan a release of the pending changesets', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/@changesets/cli/bin.js'), 'status'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/error/);
    expect(r.status).toBe(0);
  });

  it('has the libraries, every policy and the CLI public, with the metadata a registry shows', () => {
    const names = publicPackages.map((p) => p.json.name);
    for (const n of ['hw-model', 'mechanisms', 'reclaim', 'policy-lru', 'policy-mglru', 'harness', 'cli'])
      expect(names).toContain(`@reclaim-lab/${n}`);
    for (const { json } of publicPackages) {
      expect(json.license, json.name).toBe('MIT');
      expect(json.repository, json.name).toMatchObject({ type: 'git' });
      expect(json.homepage, json.name).toMatch(/^https:\/\//);
      expect((json.keywords as string[]).length, json.name).toBeGreaterThan(2);
      expect(json.engines, json.name).toEqual({ node: '>=20.19' });
    }
  });

  it('packs what runs and nothing of the workspace', () => {
    for (const p of publicPackages) {
      const tgz = tarballs.get(p.json.name)!;
      const files = execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' }).trim().split('\n');
      const has = (f: string) => files.includes(`package/${f}`);
      const label = p.json.name;
      for (const f of ['package.json', 'README.md', 'LICENSE']) expect(has(f), `${label}: ${f}`).toBe(true);
      expect(
        files.filter((f) => /\/(test|node_modules)\/|tsbuildinfo$/.test(f)),
        label,
      ).toEqual([]);
      const manifest = JSON.parse(
        execFileSync('tar', ['-xzOf', tgz, 'package/package.json'], { encoding: 'utf8' }),
      );
      // workspace: ranges become the versions released together.
      const deps = JSON.stringify({ ...manifest.dependencies, ...manifest.peerDependencies });
      expect(deps, label).not.toMatch(/workspace:/);
      if (label === '@reclaim-lab/cli') {
        expect(manifest.bin).toEqual({ 'reclaim-lab': './bin/reclaim-lab.js' });
        expect(has('bin/reclaim-lab.js')).toBe(true);
        expect(has('dist/main.js')).toBe(true);
        // Only what runs: no sources, declarations or source maps.
        expect(files.filter((f) => !/\.js$|package\.json$|README\.md$|LICENSE$/.test(f))).toEqual([]);
      } else {
        expect(has('dist/index.js') && has('dist/index.d.ts'), label).toBe(true);
      }
    }
    const reclaim = publicPackages.find((p) => p.json.name === '@reclaim-lab/reclaim')!.json;
    expect(reclaim.dependencies).not.toHaveProperty('fast-check');
    expect(reclaim.peerDependenciesMeta).toEqual({ 'fast-check': { optional: true } });
  });

  it('installs from the tarballs outside the monorepo, and each README example runs as written', () => {
    const app = join(work, 'consumer');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), '{"name":"consumer","private":true,"type":"module"}\n');
    execFileSync(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...tarballs.values()],
      { cwd: app, stdio: 'pipe' },
    );
    const withExample = ['hw-model', 'mechanisms', 'reclaim', 'policy-lru', 'harness'];
    for (const short of withExample) {
      const p = publicPackages.find((q) => q.json.name === `@reclaim-lab/${short}`)!;
      const { code, prints } = readmeExample(readFileSync(join(p.dir, 'README.md'), 'utf8'));
      const file = join(app, `${short}-example.mjs`);
      writeFileSync(file, code);
      const out = execFileSync(process.execPath, [file], { cwd: app, encoding: 'utf8' });
      expect(out.length, short).toBeGreaterThan(0);
      if (prints) expect(out, short).toContain(prints.trim());
    }
    // The bin a user gets on PATH.
    const bin = join(app, 'node_modules/.bin/reclaim-lab');
    const cli = publicPackages.find((p) => p.json.name === '@reclaim-lab/cli')!.json;
    expect(execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim()).toBe(cli.version);
    const run = JSON.parse(
      execFileSync(
        bin,
        ['run', '--workload', 'scan-resistance', '--policy', 'lru', '--memory', '64MiB', '--format', 'json'],
        {
          encoding: 'utf8',
        },
      ),
    );
    expect(run.counters.pgscan_kswapd + run.counters.pgscan_direct).toBeGreaterThan(0);
    // A TypeScript policy of the user's, away from any node_modules, gets the installed tool's packages.
    const own = mkdtempSync(join(tmpdir(), 'own-policy-'));
    writeFileSync(
      join(own, 'p.ts'),
      "import { ListSet } from '@reclaim-lab/mechanisms';\nimport type { ReclaimOps } from '@reclaim-lab/reclaim';\n" +
        "const p: ReclaimOps<unknown> = { name: typeof ListSet === 'function' ? 'own' : 'broken' };\nexport default p;\n",
    );
    const ownRun = JSON.parse(
      execFileSync(
        bin,
        ['run', '--workload', 'zipf-anon', '--memory', '32MiB', '--policy', './p.ts', '--format', 'json'],
        {
          cwd: own,
          encoding: 'utf8',
        },
      ),
    );
    rmSync(own, { recursive: true, force: true });
    expect(ownRun.policy).toBe('./p.ts');
  });
});
