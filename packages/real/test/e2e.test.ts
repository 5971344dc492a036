import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { RealReport } from '../src/real.js';

/**
 * One tiny scenario end to end on the 6.1 cloud kernel, as a user runs it:
 * `reclaim-lab real FILE`. The first run on a machine installs qemu,
 * busybox-static and cpio with apt-get and fetches the kernel package
 * (cached under ~/.cache/reclaim-lab); later runs boot two guests, about
 * 10 s each.
 */
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rl-real-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A 20 MiB anon set written into a 16 MiB machine (so some of it goes to
// zram), then a 24 MiB file read twice past it: reclaim of both kinds within a few seconds of guest time.
const SCENARIO = `
name: tiny-real
machine: { memory: 16MiB, swap: 16MiB, swapDevice: zram, swappiness: 100 }
workload:
  files: [{ name: data, size: 24MiB }]
  tasks:
    - name: reader
      regions:
        - { name: data, kind: file-fd, file: data }
        - { name: heap, kind: anon, size: 20MiB }
      phases:
        - { name: fill, regions: heap, pattern: { kind: sequential }, writeFraction: 1 }
        - { name: stream, regions: data, pattern: { kind: cyclic }, passes: 2 }
        - { name: reuse, regions: heap, pattern: { kind: uniform }, accesses: 4000 }
seed: 1
`;

describe('reclaim-lab real (QEMU, 6.1 cloud kernel)', () => {
  it('boots the guest under lru and mglru, runs the driver, parses the counters and writes the report', () => {
    const file = join(dir, 'tiny.yaml');
    writeFileSync(file, SCENARIO);
    const out = join(dir, 'report');
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=@reclaim-lab/source',
        'apps/harness/src/main.ts',
        'real',
        file,
        '--kernel',
        '6.1',
        '--repeats',
        '1',
        '--report',
        out,
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 540_000 },
    );
    if (r.status !== 0) throw new Error(`reclaim-lab real failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
    expect(r.stderr).toMatch(/\[2\/2\] mglru seed 1: done in \d+ s/);
    expect(r.stdout).toMatch(/^kernel counters per phase \(6\.1\.0-\d+-cloud-amd64\):/);
    expect(r.stdout).toMatch(/^agreement: \d+ of \d+ LRU-vs-MGLRU verdicts on counters that moved/m);
    expect(existsSync(join(out, 'comparison.txt'))).toBe(true);
    const report = JSON.parse(readFileSync(join(out, 'comparison.json'), 'utf8')) as RealReport;
    expect(report.runs.map((x) => [x.policy, x.console.lruGen])).toEqual([
      ['lru', '0x0000'],
      ['mglru', '0x0007'],
    ]);
    for (const run of report.runs) {
      expect(run.phases.map((p) => p.phase)).toEqual(['fill', 'stream', 'reuse']);
      const stream = run.phases[1].counters;
      // A 6,144-page file read twice through a 4,096-page memcg: at least 8,192 pages go back.
      expect(stream.pgsteal_anon + stream.pgsteal_file).toBeGreaterThanOrEqual(8_192);
      // The 5,120-page heap does not fit the 4,096-page memcg: at least 1,024 pages went to zram.
      expect(run.phases[0].counters.pswpout).toBeGreaterThanOrEqual(1_024);
      expect(run.whole.counters.oom_kill).toBe(0);
    }
    const rows = report.comparison.rows.filter((x) => x.metric === 'pgsteal');
    expect(rows.length).toBeGreaterThan(0);
    // Both worlds stream the same file through the same memory: reclaim volume within a factor of two.
    for (const row of rows)
      for (const p of ['lru', 'mglru'] as const) expect(row.ratio[p]).toBeGreaterThan(0.5);
    for (const row of rows) for (const p of ['lru', 'mglru'] as const) expect(row.ratio[p]).toBeLessThan(2);
  }, 600_000);
});
