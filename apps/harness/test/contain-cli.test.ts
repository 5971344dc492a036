import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, ROOT } from './cli-helpers.js';

/**
 * The CLI runs a policy loaded by path contained unless told to trust it:
 * a hook that never returns or exits the process ends in an exit record
 * and a complete run, in `run` and on the cell runner (`compare`), and
 * `--in-process` says what it gives up.
 */
const F = resolve(ROOT, 'packages/harness/test/fixtures/contain');
const SMALL = ['--workload', 'zipf-anon', '--memory', '16MiB', '--swap', '16MiB', '--param', 'scale=0.25'];

describe('reclaim-lab with a policy loaded by path', () => {
  it('run: a hook that never returns is ejected as a stall and the run completes', () => {
    const r = cli(['run', ...SMALL, '--policy', `${F}/loop.mjs`, '--stall-limit', '1', '--format', 'json']);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.policyExits).toEqual([
      expect.objectContaining({ kind: 'stall', hook: 'evictCandidates', reason: 'stalled' }),
    ]);
    expect(j.counters.pgfault).toBeGreaterThan(0);
  }, 120_000);

  it('run: process.exit in a hook ends only the worker, with an exit record in the table', () => {
    const r = cli(['run', ...SMALL, '--policy', `${F}/exit.mjs`]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /policy misbehaving ejected from evictCandidates at [\d.]+ ms: process exit: called process\.exit\(0\)/,
    );
  }, 120_000);

  it('compare: cells of a contained policy run in sandboxes beside the built-in ones', () => {
    const r = cli([
      'compare',
      ...SMALL,
      '--policies',
      `lru,${F}/loop.mjs`,
      '--seeds',
      '2',
      '--workers',
      '2',
      '--stall-limit',
      '1',
      '--format',
      'json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('loop.mjs');
  }, 180_000);

  it('--in-process trusts the policy and says so; the limits of containment do not apply to it', () => {
    const r = cli(['run', ...SMALL, '--policy', `${F}/fine.mjs`, '--in-process', '--format', 'json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe(
      `note: policy ${F}/fine.mjs runs in this process, with every right you have (--in-process)\n`,
    );
    const both = cli(['run', ...SMALL, '--policy', `${F}/fine.mjs`, '--in-process', '--stall-limit', '2']);
    expect(both.status).toBe(2);
    expect(both.stderr).toBe(
      'reclaim-lab: error: --stall-limit and --policy-heap limit contained runs; --in-process runs none\n',
    );
  }, 120_000);

  it.each([
    ['--stall-limit', '0', '--stall-limit: must be above 0 and at most 3600 seconds, got 0'],
    ['--policy-heap', '8', '--policy-heap: must be an integer 16..65536 (MiB), got 8'],
  ])(
    '%s %s is refused in one line',
    (flag, value, message) => {
      const r = cli(['run', ...SMALL, '--policy', `${F}/fine.mjs`, flag, value]);
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`reclaim-lab: error: ${message}\n`);
    },
    60_000,
  );
});
