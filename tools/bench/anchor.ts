/**
 * Side by side with libCacheSim's `cachesim`, a binary the user built
 * (never vendored): `pnpm bench --cachesim PATH`. Whole processes, as a user
 * runs them: reclaim-lab's bin (`run --trace … --mode ideal`) against
 * `cachesim TRACE oracleGeneral POLICY SIZE --ignore-obj-size 1`, on the
 * same generated traces, at the same object-count size (10% of the
 * footprint), in pairs run back to back so both see the same machine; the
 * median of each side's wall times gives the ratio. Each line prints both
 * miss ratios: equal ones say both did the same work.
 *
 * Environment: RECLAIM_LAB_BENCH_PAIRS (default 5) pairs per line;
 * RECLAIM_LAB_BENCH_SCALE scales the request counts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './extra.js';

// The command a user runs: the bin, which starts the bundled CLI (dist/bundle) the build made.
const APP = resolve(dirname(fileURLToPath(import.meta.url)), '../../../apps/harness');
const CLI = join(APP, 'bin/reclaim-lab.js');

/** libCacheSim's policy name → ours: its LRU is an exact LRU. */
const POLICIES: [string, string][] = [
  ['lru', 'exact-lru'],
  ['fifo', 'fifo'],
  ['sieve', 'sieve'],
  // Our S3-FIFO's libcachesim preset walks its queues as libCacheSim's does (same misses).
  ['s3fifo', 's3fifo:libcachesim'],
];

interface Timed {
  seconds: number;
  /** User + system CPU seconds (NaN without /usr/bin/time): steadier than wall time on a shared machine. */
  cpu: number;
  missRatio: number;
}

const TIME = '/usr/bin/time';
let cpuLog = '';

function timed(cmd: string, args: string[], missRatio: (out: string) => number): Timed {
  const withTime = existsSync(TIME);
  const [c, a] = withTime ? [TIME, ['-f', '%U %S', '-o', cpuLog, cmd, ...args]] : [cmd, args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(c, a, { encoding: 'utf8', maxBuffer: 64 << 20, cwd: dirname(cpuLog) });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-400)}`);
  let cpu = Number.NaN;
  if (withTime) {
    const [user, sys] = readFileSync(cpuLog, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
    cpu = user + sys;
  }
  return { seconds, cpu, missRatio: missRatio(r.stdout) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function ours(trace: string, policy: string, objects: number): Timed {
  return timed(
    process.execPath,
    [
      CLI,
      'run',
      '--trace',
      trace,
      '--mode',
      'ideal',
      '--memory-pages',
      String(objects),
      '--policy',
      policy,
      '--format',
      'json',
    ],
    (out) => {
      const r = JSON.parse(out) as { results?: { misses: number; requests: number }[] } & {
        misses?: number;
        requests?: number;
      };
      const one = r.results?.[0] ?? (r as { misses: number; requests: number });
      return one.misses / one.requests;
    },
  );
}

function theirs(cachesim: string, trace: string, policy: string, objects: number): Timed {
  return timed(
    cachesim,
    [trace, 'oracleGeneral', policy, String(objects), '--ignore-obj-size', '1'],
    (out) => {
      const m = /miss ratio ([0-9.]+)/.exec(out);
      return m === null ? Number.NaN : Number(m[1]);
    },
  );
}

export async function anchorBenches(cachesim: string, scale: number): Promise<BenchRow[]> {
  if (!existsSync(cachesim)) throw new Error(`--cachesim ${cachesim}: no such file`);
  const bundle = join(APP, 'dist/bundle/main.js');
  if (!existsSync(bundle)) throw new Error(`${bundle} missing: run pnpm build first (pnpm bench does)`);
  const harness = await import('@reclaim-lab/harness');
  const pairs = Number(process.env.RECLAIM_LAB_BENCH_PAIRS ?? 5);
  const dir = mkdtempSync(join(tmpdir(), 'reclaim-lab-anchor-'));
  // cachesim writes result files into its working directory: keep them in the scratch directory.
  cpuLog = join(dir, 'cpu.txt');
  const rows: BenchRow[] = [];
  try {
    const traces: { name: string; path: string }[] = [];
    const requests = Math.round(10_000_000 * scale);
    for (const keys of [100_000, 1_000_000]) {
      const path = join(dir, `zipf1-${keys}.oracleGeneral.bin`);
      harness.makeSyntheticTrace(path, 'oracle-general', {
        requests,
        keys,
        pattern: 'zipf',
        zipfAlpha: 1.0,
        seed: 1,
      });
      traces.push({ name: `Zipf 1.0, ${requests / 1e6} M req, ${keys / 1000} k objects`, path });
    }
    // libCacheSim ships a 114 k-request block trace next to its build (data/ beside _build/bin/).
    const block = resolve(dirname(cachesim), '../../data/cloudPhysicsIO.oracleGeneral.bin');
    if (existsSync(block)) traces.push({ name: 'cloudPhysicsIO block trace, 114 k req', path: block });
    else process.stderr.write(`bench: no ${block}; the block-trace line is skipped\n`);
    for (const t of traces) {
      const footprint = harness.traceStats(t.path, 'oracle-general').uniqueKeys;
      const objects = Math.max(1, Math.floor(0.1 * footprint));
      const n = harness.traceStats(t.path, 'oracle-general').requests;
      for (const [theirName, ourName] of POLICIES) {
        const a: Timed[] = [];
        const b: Timed[] = [];
        for (let i = 0; i < pairs; i++) {
          // Alternate who goes first, so neither always runs on a warmer page cache.
          if (i % 2 === 0) {
            a.push(ours(t.path, ourName, objects));
            b.push(theirs(cachesim, t.path, theirName, objects));
          } else {
            b.push(theirs(cachesim, t.path, theirName, objects));
            a.push(ours(t.path, ourName, objects));
          }
        }
        const ourS = median(a.map((x) => x.seconds));
        const theirS = median(b.map((x) => x.seconds));
        const pairRatios = a.map((x, i) => b[i].seconds / x.seconds);
        const cpuRatio = median(b.map((x) => x.cpu)) / median(a.map((x) => x.cpu));
        rows.push({
          what: `vs libCacheSim: ${t.name}, ${theirName}`,
          value: `${(theirS / ourS).toFixed(2)}×`,
          target: t.name.startsWith('Zipf') ? '≥ 1.0×' : '≥ 0.5×',
          note: `whole process, ${objects} objects (10%): reclaim-lab ${(n / ourS / 1e6).toFixed(2)} M req/s (${ourS.toFixed(2)} s), cachesim ${(n / theirS / 1e6).toFixed(2)} M req/s (${theirS.toFixed(2)} s); pairs ${pairRatios.map((r) => r.toFixed(2)).join(' ')}; CPU-time ratio ${cpuRatio.toFixed(2)}×; miss ratio ${a[0].missRatio.toFixed(4)} vs ${b[0].missRatio.toFixed(4)}`,
        });
        process.stderr.write(`bench: ${rows[rows.length - 1].what} ${rows[rows.length - 1].value}\n`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
