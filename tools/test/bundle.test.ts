/**
 * The bundled CLI (apps/harness/bundle.mjs, what bin/reclaim-lab.js runs in
 * the repository) against the unbundled dist/main.js: it starts on a
 * fraction of the modules, replays a trace to the same result, and a
 * policy loaded by path gets the bundle's own module instances.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const DIST_MAIN = join(ROOT, 'apps/harness/dist/main.js');
const TRACE = join(ROOT, 'examples/traces/zipf.oracleGeneral');
let work: string;
let bundle: string;

/** `node [--import hooks] entry args`, with the file: URLs it resolved when `log` is given. */
function cli(
  entry: string,
  args: string[],
  log?: string,
): { stdout: string; stderr: string; urls: string[] } {
  const pre: string[] = [];
  if (log !== undefined) {
    const file = join(work, `${log}.log`);
    const hooks = join(work, `${log}-hooks.mjs`);
    const start = join(work, `${log}.mjs`);
    writeFileSync(file, '');
    // A resolve hook (on the loader thread) appends every URL it resolves.
    writeFileSync(
      hooks,
      `import { appendFileSync } from 'node:fs';
export async function resolve(spec, ctx, next) {
  const r = await next(spec, ctx);
  appendFileSync(${JSON.stringify(file)}, r.url + '\\n');
  return r;
}`,
    );
    writeFileSync(
      start,
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
    );
    pre.push('--import', pathToFileURL(start).href);
  }
  const r = spawnSync(process.execPath, [...pre, entry, ...args], { cwd: ROOT, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const urls =
    log === undefined
      ? []
      : readFileSync(join(work, `${log}.log`), 'utf8')
          .split('\n')
          .filter((u) => u.startsWith('file:'));
  return { stdout: r.stdout, stderr: r.stderr, urls };
}

describe('the bundled CLI', () => {
  beforeAll(() => {
    // Inside the CLI's node_modules, so it finds esbuild where the CLI's package has it; not under
    // dist, where the release test's pack (run in parallel) would take it for a shipped file.
    const cache = join(ROOT, 'apps/harness/node_modules/.cache');
    mkdirSync(cache, { recursive: true });
    work = mkdtempSync(join(cache, 'bundle-test-'));
    // Built JavaScript first (incremental), then a bundle of it in a directory of the test's own.
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.json'], {
      cwd: ROOT,
      stdio: 'pipe',
    });
    execFileSync(process.execPath, [join(ROOT, 'apps/harness/bundle.mjs'), join(work, 'bundle')], {
      cwd: ROOT,
      stdio: 'pipe',
    });
    bundle = join(work, 'bundle/main.js');
  }, 600_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('starts on a tenth of the modules dist/main.js loads, and prints the same help', () => {
    const a = cli(DIST_MAIN, ['--help'], 'help-dist');
    const b = cli(bundle, ['--help'], 'help-bundle');
    expect(b.stdout).toBe(a.stdout);
    expect(a.urls.length).toBeGreaterThan(100);
    expect(b.urls.length).toBeLessThan(a.urls.length / 10);
  });

  it('replays a trace to the same result as dist/main.js', () => {
    const args = ['run', '--trace', TRACE, '--mode', 'ideal', '--memory-pages', '64', '--format', 'json'];
    for (const policy of ['sieve', 'exact-lru']) {
      const a = JSON.parse(cli(DIST_MAIN, [...args, '--policy', policy]).stdout);
      const b = JSON.parse(cli(bundle, [...args, '--policy', policy]).stdout);
      expect(b.counters, policy).toEqual(a.counters);
      expect(b.counters.pgsteal_direct + b.counters.pgsteal_kswapd, policy).toBeGreaterThan(0);
    }
  });

  it("gives a policy loaded by path the bundle's modules, not a second copy from dist", () => {
    const policy = join(work, 'where-policy.ts');
    const example = readFileSync(join(ROOT, 'examples/my-policy.ts'), 'utf8');
    writeFileSync(
      policy,
      `${example}\nconsole.error('resolved ' + import.meta.resolve('@reclaim-lab/mechanisms'));\n`,
    );
    const args = ['run', '--trace', TRACE, '--mode', 'ideal', '--memory-pages', '64', '--in-process'];
    const where = (stderr: string) => /resolved (\S+)/.exec(stderr)?.[1];
    expect(where(cli(bundle, [...args, '--policy', policy]).stderr)).toBe(
      pathToFileURL(join(work, 'bundle/pkg-mechanisms.js')).href,
    );
    expect(where(cli(DIST_MAIN, [...args, '--policy', policy]).stderr)).toBe(
      pathToFileURL(join(ROOT, 'packages/mechanisms/dist/index.js')).href,
    );
  });
});
