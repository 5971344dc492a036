#!/usr/bin/env node
// Runs the whole test suite once and ends with the plain "N passed, N failed"
// line that CI reads, so a run that executed no test is visible as such.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSystemPackages } from './system-deps.mjs';

// Set-up first, so the README's test command works on a machine with Node alone:
// the HTML report test needs a headless Chromium, the batch test Slurm and munge.
for (const { name, reason } of ensureSystemPackages(['chromium', 'slurm-wlm', 'munge']))
  console.error(`test set-up: ${name}: ${reason}; the tests that need it will fail`);

const dir = mkdtempSync(join(tmpdir(), 'reclaim-lab-ci-'));
const out = join(dir, 'vitest.json');
const run = spawnSync(
  process.execPath,
  [
    'node_modules/vitest/vitest.mjs',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${out}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
);
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const report = JSON.parse(readFileSync(out, 'utf8'));
  passed = report.numPassedTests;
  failed = report.numFailedTests + (report.numRuntimeErrorTestSuites ?? 0);
  skipped = report.numPendingTests + (report.numTodoTests ?? 0);
  for (const suite of report.testResults ?? []) {
    if (suite.status === 'failed' && (suite.assertionResults ?? []).length === 0) failed++;
  }
} catch {
  failed = Math.max(failed, 1);
}
rmSync(dir, { recursive: true, force: true });
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(run.status === 0 && failed === 0 && passed > 0 ? 0 : 1);
