/**
 * The CLI's --help and a trace replay must not pay for plotting: importing
 * the harness loads neither Plot (with d3) nor linkedom, and an HTML report
 * loads them on demand.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './fixtures/traces/trace-test-helpers.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** The module URLs a fresh node resolves while running `body` (sources through tsx). */
function resolvedUrls(body: string, name: string): string[] {
  const log = tmp.path(`${name}.log`);
  const hooks = tmp.path(`${name}-hooks.mjs`);
  // A resolve hook (it runs on the loader thread) appends every URL it resolves.
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
export async function resolve(spec, ctx, next) {
  const r = await next(spec, ctx);
  appendFileSync(${JSON.stringify(log)}, r.url + '\\n');
  return r;
}`,
  );
  writeFileSync(log, '');
  const script = `import { register } from 'node:module';
register(${JSON.stringify(pathToFileURL(hooks).href)});
${body}`;
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=@reclaim-lab/source', '--input-type=module', '-e', script],
    { cwd: ROOT, encoding: 'utf8' },
  );
  expect(r.status, r.stderr).toBe(0);
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

const heavy = (urls: string[]) => urls.filter((u) => /observablehq|linkedom|\/d3-/.test(u));

describe('lazy loading of report code', () => {
  it('loads no plotting or DOM library on import, and loads them when a report draws', () => {
    const plain = resolvedUrls(`await import('./packages/harness/src/index.ts');`, 'plain');
    expect(plain.some((u) => u.endsWith('packages/harness/src/trace-run.ts'))).toBe(true);
    expect(heavy(plain)).toEqual([]);
    const drawn = resolvedUrls(
      `const h = await import('./packages/harness/src/index.ts'); await h.loadPlotting();`,
      'drawn',
    );
    expect(heavy(drawn).length).toBeGreaterThan(0);
  }, 60_000);
});
