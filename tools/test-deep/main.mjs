#!/usr/bin/env node
/**
 * `pnpm test:deep [--jobs N] [--property P[,P...]] [policy ...]`: the
 * conformance properties of every registered policy (each preset too) at
 * 10,000 cases per property, one vitest run per policy so a failure names
 * its policy and the others still run, N policies at a time (default: one
 * per CPU; each run is one thread of computing). `--property` runs only the
 * named properties (invariants, mlockRespected, noOomWhenReclaimable,
 * tiering), so a long run can be split. Not part of `pnpm test`: a nightly
 * job's work (docs/contributing.md has the measured cost).
 * FC_NUM_RUNS changes the count, FC_SEED the seed (default: the suite's
 * fixed seed); a failure prints fast-check's seed, path and shrunk
 * counterexample, to add as a fixed regression test.
 */
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '../..');
const SUITE = 'packages/harness/test/registry-conformance.test.ts';
const CONFIG = resolve(import.meta.dirname, 'vitest.config.ts');
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

const args = process.argv.slice(2);
let jobs = availableParallelism();
const j = args.indexOf('--jobs');
if (j >= 0) {
  jobs = Number(args[j + 1]);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 256) {
    console.error(`test:deep: --jobs: must be an integer 1..256, got ${args[j + 1]}`);
    process.exit(2);
  }
  args.splice(j, 2);
}
const PROPERTIES = ['invariants', 'mlockRespected', 'noOomWhenReclaimable', 'tiering'];
let properties = PROPERTIES;
const p = args.indexOf('--property');
if (p >= 0) {
  properties = String(args[p + 1] ?? '').split(',');
  for (const name of properties) {
    if (!PROPERTIES.includes(name)) {
      console.error(`test:deep: --property: unknown property "${name}"; known: ${PROPERTIES.join(', ')}`);
      process.exit(2);
    }
  }
  args.splice(p, 2);
}
const all = registered();
const wanted = args;
for (const w of wanted) {
  if (!all.includes(w)) {
    console.error(`test:deep: unknown policy "${w}"; registered: ${all.join(', ')}`);
    process.exit(2);
  }
}
const policies = wanted.length ? wanted : all;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the colour codes vitest writes
const ANSI = /\x1b\[[0-9;]*m/g;
/** A verdict line of vitest's verbose reporter: mark, variant, property, milliseconds. */
const VERDICT = /^\s*([✓×]) .* > [^>]+ \(([^)]*)\) > (\w+)(?:\s+(\d+)ms)?\s*$/;
const reEscape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const failed = [];
/** One policy's suite; its output is held and printed whole, so parallel runs do not interleave. */
function runPolicy(name) {
  const started = Date.now();
  console.log(`test:deep: ${name}: ${runs} cases per property (${properties.join(', ')})…`);
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      [
        resolve(ROOT, 'node_modules/vitest/vitest.mjs'),
        'run',
        SUITE,
        `--config=${CONFIG}`,
        '--testTimeout=0',
        // Every test's verdict listed, for the record of which (property, variant) pairs passed.
        '--reporter=verbose',
        '-t',
        `invariants ${reEscape(name)} \\([^)]*\\) (${properties.join('|')})$`,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FC_NUM_RUNS: runs } },
    );
    const out = [];
    // Each (variant, property) verdict is printed as it comes, so a run of hours shows its progress.
    // A chunk can end inside a multi-byte character (✓ is three bytes): decode across chunks.
    const text = new StringDecoder('utf8');
    let partial = '';
    child.stdout.on('data', (d) => {
      out.push(d);
      const lines = (partial + text.write(d)).split('\n');
      partial = lines.pop();
      for (const line of lines) {
        const m = VERDICT.exec(line.replace(ANSI, ''));
        if (m)
          console.log(
            `test:deep: ${name} (${m[2]}) ${m[3]}: ${m[1] === '✓' ? 'passed' : 'FAILED'} in ${m[4] ? `${(Number(m[4]) / 1000).toFixed(0)} s` : '?'}`,
          );
      }
    });
    child.stderr.on('data', (d) => out.push(d));
    child.on('close', (code) => {
      const minutes = ((Date.now() - started) / 60_000).toFixed(1);
      process.stdout.write(Buffer.concat(out));
      console.log(`test:deep: ${name}: ${code === 0 ? 'passed' : 'FAILED'} in ${minutes} min`);
      if (code !== 0) failed.push(name);
      done();
    });
  });
}
const queue = [...policies];
await Promise.all(
  Array.from({ length: Math.min(jobs, queue.length) }, async () => {
    while (queue.length > 0) await runPolicy(queue.shift());
  }),
);
console.log(
  `${policies.length - failed.length} passed, ${failed.length} failed${failed.length ? ` (${failed.join(', ')})` : ''}`,
);
process.exit(failed.length ? 1 : 0);
