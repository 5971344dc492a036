#!/usr/bin/env node
/**
 * `pnpm test:deep [policy ...]`: the conformance properties of every
 * registered policy (each preset too) at 10,000 cases per property, one
 * vitest run per policy so a failure names its policy and the others still
 * run. Not part of `pnpm test`: hours on a small machine, a nightly job's
 * work. FC_NUM_RUNS changes the count, FC_SEED the seed (default: the
 * suite's fixed seed); a failure prints fast-check's seed, path and
 * shrunk counterexample, to add as a fixed regression test.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '../..');
const SUITE = 'packages/harness/test/registry-conformance.test.ts';
const runs = process.env.FC_NUM_RUNS ?? '10000';

/** Policy names as the suite names its tests, asked of the suite itself. */
function registered() {
  const r = spawnSync(
    process.execPath,
    [
      resolve(ROOT, 'node_modules/tsx/dist/cli.mjs'),
      '--conditions=@reclaim-lab/source',
      '-e',
      `import(${JSON.stringify(pathToFileURL(resolve(ROOT, 'packages/harness/src/policies.ts')).href)}).then((h) => console.log(JSON.stringify(h.listPolicies().filter((f) => !('oracle' in f.defaults)).map((f) => f.name))))`,
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`cannot list the policies: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const all = registered();
const wanted = process.argv.slice(2);
for (const w of wanted) {
  if (!all.includes(w)) {
    console.error(`test:deep: unknown policy "${w}"; registered: ${all.join(', ')}`);
    process.exit(2);
  }
}
const policies = wanted.length ? wanted : all;
const reEscape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const failed = [];
for (const name of policies) {
  const started = Date.now();
  console.log(`test:deep: ${name}: ${runs} cases per property…`);
  const r = spawnSync(
    process.execPath,
    [
      resolve(ROOT, 'node_modules/vitest/vitest.mjs'),
      'run',
      SUITE,
      '--testTimeout=0',
      '-t',
      `invariants ${reEscape(name)} \\(`,
    ],
    { cwd: ROOT, stdio: 'inherit', env: { ...process.env, FC_NUM_RUNS: runs } },
  );
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  console.log(`test:deep: ${name}: ${r.status === 0 ? 'passed' : 'FAILED'} in ${minutes} min`);
  if (r.status !== 0) failed.push(name);
}
console.log(
  `${policies.length - failed.length} passed, ${failed.length} failed${failed.length ? ` (${failed.join(', ')})` : ''}`,
);
process.exit(failed.length ? 1 : 0);
