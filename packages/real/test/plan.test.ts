import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  compileWorkload,
  drainSource,
  parseMachine,
  type Scenario,
  scenarioWorkload,
  validateScenario,
} from '@reclaim-lab/harness';
import { OP_THINK } from '@reclaim-lab/hw-model';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDriver } from '../src/driver.js';
import {
  compilePlan,
  decodeWords,
  encodePlan,
  eventHash,
  type PlanEvent,
  RealPlanError,
} from '../src/plan.js';
import { checkSize, GUEST_ACCESSES_PER_SECOND, GUEST_BOOT_SECONDS } from '../src/real.js';

/** The simulator's own event streams for the scenario, drained the way its kernel pulls them. */
function simulatorEvents(s: Scenario, seed: number): PlanEvent[][] {
  const machine = parseMachine(s);
  const { spec, params } = scenarioWorkload(s);
  const w = compileWorkload(spec, {
    memoryPages: machine.nodePages.reduce((a, b) => a + b, 0),
    swapPages: machine.swapPages,
    seed,
    params: params as never,
  });
  return w.tasks.map((t) => {
    const out: PlanEvent[] = [];
    drainSource(t.source, (c) => {
      for (let i = 0; i < c.length; i++) out.push({ op: c.op[i], region: c.region[i], arg: c.arg[i] });
    });
    return out;
  });
}

const scan = validateScenario({
  machine: { memory: '16MiB', swap: '16MiB', swapDevice: 'zram' },
  workload: { id: 'scan-resistance', params: { hotFraction: 0.6, hotVariant: 'fd', scanners: 2 } },
  seed: 1,
});

// A database with a buffer pool, a WAL side stream, think time beyond 24 bits and fsyncs.
const custom = validateScenario({
  machine: { memory: '8MiB', swap: '8MiB' },
  workload: {
    files: [
      { name: 'data', size: '4MiB' },
      { name: 'wal', size: '1MiB' },
    ],
    memcgs: [{ path: '/db', max: '6MiB' }],
    tasks: [
      {
        name: 'db',
        memcg: '/db',
        regions: [
          { name: 'data', kind: 'file-fd', file: 'data' },
          { name: 'wal', kind: 'file-fd', file: 'wal' },
          { name: 'pool', kind: 'anon', size: '1MiB' },
          { name: 'heap', kind: 'anon', size: '2MiB' },
        ],
        phases: [
          { name: 'load', regions: 'heap', pattern: { kind: 'sequential' }, writeFraction: 1 },
          {
            name: 'run',
            regions: 'data',
            pattern: { kind: 'zipf', alpha: 0.9 },
            accesses: 3000,
            writeFraction: 0.3,
            think: '20ms',
            cache: { region: 'pool', checkpointEvery: 500 },
            side: [
              { regions: 'wal', pattern: { kind: 'sequential' }, every: 4, writeFraction: 1, fsyncEvery: 8 },
            ],
            madvise: [{ region: 'heap', advice: 'cold' }],
          },
        ],
      },
    ],
  },
  seed: 7,
});

describe('plan compiler', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('stores exactly the access sequence the simulator draws for the same seed', () => {
    for (const s of [scan, custom]) {
      const plan = compilePlan(s);
      const sim = simulatorEvents(s, s.seed);
      expect(plan.tasks.length).toBe(sim.length);
      plan.tasks.forEach((t, i) => {
        const decoded = decodeWords(t.words);
        expect(decoded.length).toBe(sim[i].length);
        expect(t.events).toBe(sim[i].length);
        // Field by field as packed arrays (hundreds of thousands of events); the first mismatch is named.
        const pack = (es: PlanEvent[]) => Int32Array.from(es.flatMap((e) => [e.op, e.region, e.arg]));
        const a = pack(decoded);
        const b = pack(sim[i]);
        const at = a.findIndex((x, j) => x !== b[j]);
        expect(
          at === -1
            ? null
            : {
                event: Math.floor(at / 3),
                plan: decoded[Math.floor(at / 3)],
                sim: sim[i][Math.floor(at / 3)],
              },
        ).toBeNull();
      });
    }
  });

  it('draws a different sequence at another seed, and the same one again at the same seed', () => {
    const a = compilePlan(custom, 7);
    const b = compilePlan(custom, 8);
    const again = compilePlan(custom, 7);
    expect(eventHash(decodeWords(a.tasks[0].words))).not.toBe(eventHash(decodeWords(b.tasks[0].words)));
    expect(Buffer.compare(encodePlan(a), encodePlan(again))).toBe(0);
  });

  it('escapes arguments wider than 24 bits (20 ms of think time)', () => {
    const plan = compilePlan(custom);
    const thinks = decodeWords(plan.tasks[0].words).filter((e) => e.op === OP_THINK);
    expect(thinks.length).toBe(3000);
    expect(thinks[0].arg).toBe(20_000_000);
    expect(plan.tasks[0].words.length).toBeGreaterThan(plan.tasks[0].events);
  });

  it('the C driver decodes the plan file into the same sequence (its --dry hash)', () => {
    const driver = buildDriver();
    const dir = mkdtempSync(join(tmpdir(), 'rl-plan-'));
    dirs.push(dir);
    for (const s of [scan, custom]) {
      const plan = compilePlan(s);
      const file = join(dir, 'plan.bin');
      writeFileSync(file, encodePlan(plan));
      const out = execFileSync(driver, ['--dry', file], { encoding: 'utf8' });
      const lines = out.trim().split('\n');
      const sim = simulatorEvents(s, s.seed);
      expect(lines.length).toBe(sim.length);
      sim.forEach((events, i) => {
        expect(lines[i]).toBe(`task ${i} events ${events.length} hash ${eventHash(events)}`);
      });
    }
  });

  it('refuses what the guest cannot express, naming the field', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ mode: 'ideal', machine: { memoryPages: 100 }, workload: 'zipf-anon' }, /^mode: ideal mode/],
      [
        { machine: { memory: '16MiB', nodes: 2 }, workload: 'zipf-anon' },
        /^machine\.nodes: the guest has one/,
      ],
      [
        { machine: { memory: '16MiB' }, workload: { id: 'multi-memcg', params: { proactive: true } } },
        /^workload\.proactive:/,
      ],
      [
        {
          machine: { memory: '16MiB' },
          workload: {
            memcgs: [{ path: '/a', swappiness: 10 }],
            tasks: [
              {
                name: 't',
                memcg: '/a',
                regions: [{ name: 'r', kind: 'anon', size: '1MiB' }],
                phases: [{ regions: 'r', pattern: { kind: 'sequential' } }],
              },
            ],
          },
        },
        /^workload\.memcgs\[0\]\.swappiness: cgroup v2 has no per-memcg swappiness/,
      ],
    ];
    for (const [input, message] of cases) {
      const s = validateScenario(input);
      expect(() => compilePlan(s)).toThrow(RealPlanError);
      expect(() => compilePlan(s)).toThrow(message);
    }
  });

  it('refuses a scenario that would run for hours, with its size and a scale that fits', () => {
    const big = validateScenario({ machine: { memory: '16GiB' }, workload: 'zipf-anon', seed: 1 });
    expect(() => checkSize(big, 30)).toThrow(RealPlanError);
    let message = '';
    try {
      checkSize(big, 30);
    } catch (e) {
      message = (e as Error).message;
    }
    const m =
      /^zipf-anon: ([\d,]+) accesses over 16384 MiB would take about (\d+) min per guest run .* scale: ([\d.e-]+) or less/.exec(
        message,
      );
    expect(m, message).not.toBeNull();
    const accesses = Number((m as RegExpExecArray)[1].replace(/,/g, ''));
    expect(Number((m as RegExpExecArray)[2])).toBeGreaterThan(30);
    // The suggested scale brings the run under the limit by the same estimate.
    const scale = Number((m as RegExpExecArray)[3]);
    expect(GUEST_BOOT_SECONDS + (accesses * scale) / GUEST_ACCESSES_PER_SECOND).toBeLessThanOrEqual(30 * 60);
    const fits = validateScenario({
      machine: { memory: '16GiB' },
      workload: { id: 'zipf-anon', params: { scale } },
      seed: 1,
    });
    expect(checkSize(fits, 30).secondsPerRun).toBeLessThanOrEqual(30 * 60 * 1.01);
  });
});
