import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  type CellRunner,
  createCellRunner,
  loadSweepDirs,
  makeSyntheticTrace,
  mergeSweepDirs,
  planSweep,
  prepareTraceWorkload,
  renderJson,
  runComparison,
  runComparisonParallel,
  runIdealTrace,
  runSweep,
  SweepError,
  type SweepPlan,
  sweepComparison,
  validateScenario,
} from '@reclaim-lab/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** 2 workload groups × 2 configurations × 2 seeds = 8 cells of ~10 ms each. */
const SMALL = {
  name: 'small',
  workload: ['zipf-anon', { id: 'loop-over-memory', params: { loopFraction: 1.25 } }],
  machine: { memory: '16MiB', swappiness: [0, 200] },
  params: { scale: 0.02 },
  policy: 'lru',
  seeds: 2,
};

const root = mkdtempSync(join(tmpdir(), 'sweep-run-'));
const dir = (name: string) => join(root, name);

/** Every cell file of a sweep directory, by name. */
function cellFiles(d: string): Map<string, string> {
  const names = readdirSync(join(d, 'cells')).filter((n) => n.endsWith('.json'));
  return new Map(names.sort().map((n) => [n, readFileSync(join(d, 'cells', n), 'utf8')]));
}

function expectSameCells(a: string, b: string): void {
  const ca = cellFiles(a);
  const cb = cellFiles(b);
  expect([...cb.keys()]).toEqual([...ca.keys()]);
  for (const [name, text] of ca) expect(cb.get(name), name).toBe(text);
}

async function reportJson(dirs: string[]): Promise<string> {
  return renderJson(sweepComparison(await loadSweepDirs(dirs)));
}

let plan: SweepPlan;
let pool2: CellRunner;
const reference = dir('reference');

beforeAll(async () => {
  plan = planSweep(SMALL, 'small.yaml');
  pool2 = createCellRunner({ workers: 2 });
  const s = await runSweep(plan, { out: reference, runner: pool2 });
  expect(s).toMatchObject({ total: 8, ran: 8, skipped: 0, failed: [], complete: true });
});

afterAll(async () => {
  await pool2.close();
  rmSync(root, { recursive: true, force: true });
});

describe('a sweep over a trace', () => {
  it('runs policies x footprint shares on a trace, each cell as a direct ideal-mode run of its size', async () => {
    const trace = dir('zipf.oracleGeneral');
    makeSyntheticTrace(trace, 'oracle-general', { requests: 20_000, keys: 3_000, seed: 5, pattern: 'zipf' });
    const tracePlan = planSweep(
      {
        mode: 'ideal',
        workload: { trace, format: 'oracleGeneral' },
        machine: { footprintShare: [0.05, 0.2] },
        policy: ['exact-lru', 's3fifo:libcachesim'],
      },
      'trace.yaml',
    );
    expect(tracePlan.groups).toEqual([
      'zipf.oracleGeneral footprintShare=0.05',
      'zipf.oracleGeneral footprintShare=0.2',
    ]);
    const out = dir('trace-sweep');
    const summary = await runSweep(tracePlan, { out, workers: 1 });
    expect(summary.failed).toEqual([]);
    const cells = [...cellFiles(out).values()].map((t) => JSON.parse(t));
    expect(cells).toHaveLength(4);
    const footprint = prepareTraceWorkload({ trace }, 'ideal').pages;
    for (const c of cells) {
      const pages = c.result.memoryPages as number;
      expect(pages).toBe(Math.floor(c.scenario.machine.footprintShare * footprint));
      const direct = runIdealTrace(trace, { memoryPages: pages, policy: c.scenario.policy });
      expect(c.result.misses).toBe(direct.misses);
    }
  });

  it('runs its cells again when the trace file at the same path changes, and only then', async () => {
    const trace = dir('changing.oracleGeneral');
    const make = (seed: number) =>
      makeSyntheticTrace(trace, 'oracle-general', { requests: 5_000, keys: 800, seed, pattern: 'zipf' });
    make(1);
    const plan = () =>
      planSweep(
        { mode: 'ideal', workload: { trace }, machine: { memoryPages: 100 }, policy: ['exact-lru', 'fifo'] },
        'trace.yaml',
      );
    const out = dir('changing-sweep');
    expect((await runSweep(plan(), { out, workers: 1 })).ran).toBe(2);
    // The same bytes written again (a new modification time): nothing to run.
    make(1);
    expect(await runSweep(plan(), { out, workers: 1 })).toMatchObject({ ran: 0, skipped: 2, complete: true });
    // Other bytes at the same path: the cells are new, and their results are the new trace's.
    make(2);
    const changed = plan();
    expect(await runSweep(changed, { out, workers: 1 })).toMatchObject({
      ran: 2,
      skipped: 0,
      complete: true,
    });
    const cells = cellFiles(out);
    for (const c of changed.cells) {
      const cell = JSON.parse(cells.get(`${c.id}.json`) as string);
      expect(cell.result.misses).toBe(
        runIdealTrace(trace, { memoryPages: 100, policy: c.scenario.policy as string }).misses,
      );
    }
  });

  it('names a missing trace by its list entry', () => {
    expect(() =>
      planSweep({ workload: ['baseline', { trace: dir('nope.oracleGeneral') }] }, 'trace.yaml'),
    ).toThrow(/trace\.yaml: workload\[1\]: .*nope\.oracleGeneral: cannot read trace: no such file/);
  });
});

describe('sweep runs', () => {
  it('gives the same cells, byte for byte, on 2 workers and on 1', async () => {
    expect(plan.cells).toHaveLength(8);
    expect(cellFiles(reference).size).toBe(8);
    const one = await runSweep(plan, { out: dir('one-worker'), workers: 1 });
    expect(one.ran).toBe(8);
    expectSameCells(reference, dir('one-worker'));
    expect(await reportJson([dir('one-worker')])).toBe(await reportJson([reference]));
  });

  it('finishes an aborted sweep when rerun with the same command, identical to an uninterrupted run', async () => {
    const out = dir('aborted');
    const ac = new AbortController();
    const first = await runSweep(plan, {
      out,
      workers: 2,
      signal: ac.signal,
      onProgress: (p) => {
        if (p.ran >= 2) ac.abort();
      },
    });
    expect(first.aborted).toBe(true);
    expect(first.complete).toBe(false);
    const written = cellFiles(out).size;
    expect(written).toBeGreaterThanOrEqual(2);
    expect(written).toBeLessThan(8);
    expect(first.missing).toBe(8 - written);
    await expect(mergeSweepDirs([out])).rejects.toThrow(new RegExp(`${8 - written} of 8 cells are missing`));

    const second = await runSweep(plan, { out, runner: pool2 });
    expect(second).toMatchObject({ skipped: written, ran: 8 - written, complete: true, aborted: false });
    expectSameCells(reference, out);
    expect(await reportJson([out])).toBe(await reportJson([reference]));

    const third = await runSweep(plan, { out, runner: pool2 });
    expect(third).toMatchObject({ skipped: 8, ran: 0 });
    const again = await runSweep(plan, { out, runner: pool2, resume: false });
    expect(again).toMatchObject({ skipped: 0, ran: 8 });
    expectSameCells(reference, out);
  });

  it('finishes a sweep whose process was killed (SIGKILL) mid-way', async () => {
    // Cells of ~0.2 s, so the kill lands mid-sweep; the killed run works in its own process, in one thread.
    const slowInput = {
      ...SMALL,
      workload: 'zipf-anon',
      params: { scale: 0.05 },
      machine: { memory: '16MiB' },
      seeds: 6,
    };
    const slow = planSweep(slowInput);
    const out = dir('killed');
    // .mts: outside a "type": "module" package a .ts script would load as CommonJS.
    const script = join(root, 'run-sweep.mts');
    const harness = pathToFileURL(resolve(fileURLToPath(import.meta.url), '../../src/index.ts')).href;
    writeFileSync(
      script,
      `import { planSweep, runSweep } from ${JSON.stringify(harness)};\n` +
        `await runSweep(planSweep(JSON.parse(process.argv[2])), { out: process.argv[3], workers: 0 });\n`,
    );
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const child = spawn(
      process.execPath,
      ['--import', tsx, '--conditions=@reclaim-lab/source', script, JSON.stringify(slowInput), out],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += String(d);
    });
    const exited = new Promise<NodeJS.Signals | null>((done) =>
      child.on('exit', (_code, signal) => done(signal)),
    );
    const count = () => {
      try {
        return readdirSync(join(out, 'cells')).filter((n) => /^[0-9a-f]+\.json$/.test(n)).length;
      } catch {
        return 0;
      }
    };
    const deadline = Date.now() + 60_000;
    while (count() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    expect(await exited, stderr).toBe('SIGKILL');
    const survived = count();
    expect(survived).toBeGreaterThanOrEqual(2);
    expect(survived).toBeLessThan(slow.cells.length);

    const resumed = await runSweep(slow, { out, runner: pool2 });
    expect(resumed).toMatchObject({ skipped: survived, ran: slow.cells.length - survived, complete: true });
    const uninterrupted = dir('killed-reference');
    await runSweep(slow, { out: uninterrupted, runner: pool2 });
    expectSameCells(uninterrupted, out);
    expect(await reportJson([out])).toBe(await reportJson([uninterrupted]));
  });

  it('merges shards 1/2 and 2/2 (run in this thread) into the report of the unsharded sweep', async () => {
    const s1 = await runSweep(plan, { out: dir('shard1'), workers: 0, shard: { index: 1, count: 2 } });
    const s2 = await runSweep(plan, { out: dir('shard2'), workers: 0, shard: { index: 2, count: 2 } });
    expect(s1).toMatchObject({ shardTotal: 4, ran: 4, missing: 4, complete: false });
    expect(s2).toMatchObject({ shardTotal: 4, ran: 4, missing: 4, complete: false });
    const union = new Map([...cellFiles(dir('shard1')), ...cellFiles(dir('shard2'))]);
    expect([...union.keys()].sort()).toEqual([...cellFiles(reference).keys()]);
    for (const [name, text] of cellFiles(reference)) expect(union.get(name), name).toBe(text);

    const merged = await mergeSweepDirs([dir('shard1'), dir('shard2')], { out: dir('merged') });
    expect(merged.loaded.missing).toEqual([]);
    const whole = await mergeSweepDirs([reference], { out: dir('whole') });
    for (const file of ['report.json', 'report.md', 'report.html', 'report.txt']) {
      expect(readFileSync(join(dir('merged'), file), 'utf8'), file).toBe(
        readFileSync(join(dir('whole'), file), 'utf8'),
      );
    }
    expect(merged.comparison.labels).toEqual(plan.configs);
    expect(merged.comparison.workloads.map((w) => w.workload)).toEqual(plan.groups);
    // A directory may overlap another (identical cells); a lone shard is partial.
    expect(
      renderJson((await mergeSweepDirs([reference, dir('shard1')], { out: dir('overlap') })).comparison),
    ).toBe(renderJson(whole.comparison));
    await expect(mergeSweepDirs([dir('shard1')], { out: dir('partial') })).rejects.toThrow(
      /4 of 8 cells are missing/,
    );
    const partial = await mergeSweepDirs([dir('shard1')], { out: dir('partial'), allowPartial: true });
    expect(partial.comparison.caveats).toContain('4 of 8 cells are missing: this report is partial.');
  });

  it('refuses to merge different sweeps, and cells that differ', async () => {
    const other = planSweep({ ...SMALL, name: 'other', seeds: 1 });
    await runSweep(other, { out: dir('other'), workers: 0 });
    await expect(loadSweepDirs([reference, dir('other')])).rejects.toThrow(SweepError);
    await expect(loadSweepDirs([reference, dir('other')])).rejects.toThrow(
      /only shards of one sweep can be merged/,
    );

    const tampered = dir('tampered');
    await runSweep(plan, { out: tampered, workers: 0, shard: { index: 1, count: 8 } });
    const [name] = [...cellFiles(tampered).keys()];
    const text = readFileSync(join(tampered, 'cells', name), 'utf8');
    writeFileSync(join(tampered, 'cells', name), text.replace('"seed":', '"seed": '));
    await expect(loadSweepDirs([reference, tampered])).rejects.toThrow(
      /differs between .* not deterministic/,
    );
  });

  it('runs compare cells on the pool with the same comparison as in one thread', async () => {
    const base = validateScenario({
      workload: 'zipf-anon',
      machine: { memory: '16MiB' },
      params: { scale: 0.02 },
    });
    const cmp = {
      policies: ['lru', 'lru:execProtection=off'],
      workloads: ['zipf-anon', 'mmap-vs-read'],
      seeds: 2,
      base,
    };
    const serial = runComparison(cmp);
    const calls: number[] = [];
    const pooled = await runComparisonParallel(
      { ...cmp, onCell: (done) => calls.push(done) },
      { runner: pool2 },
    );
    const inline = await runComparisonParallel(cmp, { workers: 0 });
    expect(renderJson(pooled.comparison)).toBe(renderJson(serial.comparison));
    expect(renderJson(inline.comparison)).toBe(renderJson(serial.comparison));
    expect(calls.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('sweep throughput figures', () => {
  it("counts a cell's CPU time, and the main thread as busy when the cells run in it", async () => {
    const { measureSweepThroughput } = await import('@reclaim-lab/harness');
    const r = await measureSweepThroughput(0, 2, { scale: 0.02 });
    expect(r.cells).toBe(2);
    expect(r.cpuMsPerCell).toBeGreaterThan(0);
    // In this thread the cells are the main thread's work: nearly all of the measured time.
    expect(r.mainBusy).toBeGreaterThan(0.5);
    expect(r.mainBusy).toBeLessThanOrEqual(1);
  });
});
