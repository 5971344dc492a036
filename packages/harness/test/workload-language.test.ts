import {
  EventChunk,
  type EventSource,
  MADV_PAGEOUT,
  OP_FSYNC,
  OP_LOAD,
  OP_MADVISE,
  OP_MAP,
  OP_OPDONE,
  OP_PHASE,
  OP_STORE,
  OP_THINK,
  OP_UNMAP,
  OP_WRITE,
} from '@reclaim-lab/hw-model';
import { describe, expect, it } from 'vitest';
import {
  compileWorkload,
  drainSource,
  validateWorkload,
  type WorkloadInput,
  type WorkloadSpec,
  WorkloadSpecError,
  workloadFromYaml,
  workloadToYaml,
} from '../src/workload/index.js';

const MEMORY = 4096;

interface Events {
  op: number[];
  region: number[];
  arg: number[];
}

function collect(source: EventSource, capacity = 4096): Events {
  const out: Events = { op: [], region: [], arg: [] };
  drainSource(
    source,
    (c) => {
      for (let i = 0; i < c.length; i++) {
        out.op.push(c.op[i]);
        out.region.push(c.region[i]);
        out.arg.push(c.arg[i]);
      }
    },
    { chunk: new EventChunk(capacity) },
  );
  return out;
}

function errorOf(fn: () => unknown): WorkloadSpecError {
  try {
    fn();
  } catch (error) {
    if (error instanceof WorkloadSpecError) return error;
    throw error;
  }
  throw new Error('expected a WorkloadSpecError');
}

const simple = (phase: Record<string, unknown> = {}): WorkloadInput => ({
  tasks: [
    {
      name: 't',
      regions: [{ name: 'heap', kind: 'anon', size: { pages: 100 } }],
      phases: [{ regions: 'heap', pattern: { kind: 'uniform' }, accesses: 1000, ...phase }],
    },
  ],
});

describe('validation errors name the path to the bad field', () => {
  it('reports a bad Zipf alpha at tasks[1].phases[0].pattern.alpha', () => {
    const spec = {
      tasks: [
        { name: 'a', regions: [], phases: [] },
        {
          name: 'b',
          regions: [{ name: 'r', kind: 'anon', size: '1MiB' }],
          phases: [{ regions: 'r', pattern: { kind: 'zipf', alpha: -1 } }],
        },
      ],
    };
    expect(errorOf(() => validateWorkload(spec)).message).toBe(
      'tasks[1].phases[0].pattern.alpha: expected a number in (0, 5], got -1',
    );
  });

  it('collects every problem: typos, unknown kinds, bad sizes, missing fields', () => {
    const spec = {
      tasks: [
        {
          name: 't',
          regions: [{ name: 'r', kind: 'anonymous', size: '12 parsecs' }],
          phases: [{ regions: 'r', pattern: { kind: 'zipfian' }, passs: 2 }],
        },
        { regions: [], phases: [] },
      ],
    };
    const issues = errorOf(() => validateWorkload(spec)).issues.map((i) => `${i.path}: ${i.message}`);
    expect(issues).toContainEqual(
      expect.stringMatching(/^tasks\[0\]\.regions\[0\]\.kind: expected one of "anon"/),
    );
    expect(issues).toContainEqual(
      expect.stringMatching(/^tasks\[0\]\.regions\[0\]\.size: expected a size like/),
    );
    expect(issues).toContainEqual(
      expect.stringMatching(/^tasks\[0\]\.phases\[0\]\.pattern\.kind: expected kind one of/),
    );
    expect(issues).toContainEqual(
      expect.stringMatching(/^tasks\[0\]\.phases\[0\]\.passs: unknown field; allowed: /),
    );
    expect(issues).toContain('tasks[1].name: required field missing');
  });

  it("checks lmkd's PSI triggers: a window the kernel takes, thresholds within it, no old keys", () => {
    const tasks = [{ name: 't', regions: [], phases: [] }];
    const issues = (lmkd: unknown) =>
      errorOf(() => validateWorkload({ tasks, lmkd })).issues.map((i) => `${i.path}: ${i.message}`);
    expect(issues({ window: '150ms', some: '70ms' })).toEqual([
      'lmkd.window: expected a multiple of 100ms from 500ms to 10s, got 150ms',
      'lmkd.full: expected a stall above 0 and at most the window (150ms), got 700ms',
    ]);
    expect(issues({ some: '2s' })).toEqual([
      'lmkd.some: expected a stall above 0 and at most the window (1000ms), got 2000ms',
    ]);
    expect(issues({ poll: '100ms' })).toContainEqual(
      expect.stringMatching(/^lmkd\.poll: unknown field; allowed: /),
    );
  });

  it('checks references between names', () => {
    const spec = {
      files: [{ name: 'f', size: '1MiB' }],
      tasks: [
        {
          name: 't',
          memcg: '/nope',
          regions: [
            { name: 'r', kind: 'file-fd', file: 'g' },
            { name: 'r', kind: 'anon', size: '1MiB' },
          ],
          phases: [{ regions: ['r', 'q'], pattern: { kind: 'uniform' }, passes: 1, accesses: 5 }],
        },
      ],
    };
    const issues = errorOf(() => validateWorkload(spec)).issues.map((i) => `${i.path}: ${i.message}`);
    expect(issues).toEqual([
      'tasks[0].memcg: unknown memcg "/nope"; declared: /',
      'tasks[0].regions[0].file: unknown file "g"; declared: f',
      'tasks[0].regions[1].name: duplicate region "r"',
      'tasks[0].phases[0].regions[1]: unknown region "q"; regions: r',
      'tasks[0].phases[0].accesses: give only one of passes, accesses, duration (also has passes)',
    ]);
  });

  it('reports sizes that vanish or overflow on a given machine at compile time', () => {
    const spec: WorkloadInput = {
      files: [{ name: 'f', size: '0.5x' }],
      tasks: [
        {
          name: 't',
          regions: [{ name: 'r', kind: 'file-fd', file: 'f', size: '0.75x' }],
          phases: [{ regions: 'r', pattern: { kind: 'sequential' } }],
        },
      ],
    };
    expect(errorOf(() => compileWorkload(spec, { memoryPages: MEMORY })).message).toBe(
      'tasks[0].regions[0].size: runs past the end of file "f" (2048 pages)',
    );
    const swapRelative: WorkloadInput = {
      tasks: [
        {
          name: 't',
          regions: [{ name: 'r', kind: 'anon', size: { fraction: 1, of: 'memory+swap' } }],
          phases: [{ regions: 'r', pattern: { kind: 'sequential' } }],
        },
      ],
    };
    expect(errorOf(() => compileWorkload(swapRelative, { memoryPages: MEMORY })).message).toMatch(
      /^tasks\[0\]\.regions\[0\]\.size: is relative to swap: pass swapPages/,
    );
    expect(
      compileWorkload(swapRelative, { memoryPages: MEMORY, swapPages: 1000 }).tasks[0].regions[0].pages,
    ).toBe(5096);
  });
});

describe('sizes and parameters', () => {
  it('resolves absolute and memory-relative sizes', () => {
    const spec: WorkloadSpec = {
      files: [
        { name: 'a', size: '64MiB' },
        { name: 'b', size: '0.5x' },
        { name: 'c', size: { fraction: 1.5 } },
        { name: 'd', size: { pages: 7 } },
        { name: 'e', size: 10_000 },
      ],
      memcgs: [{ path: '/g', max: '0.25x', low: '1MiB', swapMax: 'max' }],
      tasks: [],
    };
    const w = compileWorkload(spec, { memoryPages: MEMORY });
    expect(w.files.map((f) => f.pages)).toEqual([16384, 2048, 6144, 7, 3]);
    expect(w.memcgs).toEqual([{ path: '/g', max: 1024, low: 256, swapMax: Number.POSITIVE_INFINITY }]);
  });

  it('passes memory.oom.group through, and names the field when it is not a boolean', () => {
    const w = compileWorkload(
      { memcgs: [{ path: '/pod', oomGroup: true }], tasks: [] },
      { memoryPages: MEMORY },
    );
    expect(w.memcgs).toEqual([{ path: '/pod', oomGroup: true }]);
    const bad = { memcgs: [{ path: '/pod', oomGroup: 'yes' }], tasks: [] } as unknown as WorkloadInput;
    expect(errorOf(() => validateWorkload(bad)).message).toMatch(/^memcgs\[0\]\.oomGroup: /);
  });

  it('substitutes $name and {name} interpolation from declared defaults and overrides', () => {
    const spec: WorkloadInput = {
      params: { hot: 0.25, alpha: { default: 0.9, description: 'skew' }, kind: 'anon' },
      tasks: [
        {
          name: 't',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the workload language's own interpolation
          regions: [{ name: 'r', kind: '$kind', size: '${hot}x' }],
          phases: [{ regions: 'r', pattern: { kind: 'zipf', alpha: '$alpha' } }],
        },
      ],
    };
    const w = compileWorkload(spec, { memoryPages: MEMORY, params: { hot: '0.5' } });
    expect(w.tasks[0].regions[0].pages).toBe(2048);
    expect(w.spec.tasks[0].phases[0].pattern).toEqual({ kind: 'zipf', alpha: 0.9 });
    expect(errorOf(() => compileWorkload(spec, { memoryPages: MEMORY, params: { hott: 1 } })).message).toBe(
      'params.hott: unknown parameter; declared: hot, alpha, kind',
    );
    expect(errorOf(() => compileWorkload(spec, { memoryPages: MEMORY, params: { alpha: 9 } })).message).toBe(
      'tasks[0].phases[0].pattern.alpha: expected a number in (0, 5], got 9',
    );
  });

  it('round-trips through YAML, parameters included', () => {
    const spec: WorkloadInput = {
      params: { n: 500 },
      tasks: [
        {
          name: 't',
          regions: [{ name: 'r', kind: 'anon', size: { pages: 64 } }],
          phases: [{ regions: 'r', pattern: { kind: 'zipf', alpha: 1.2 }, accesses: '$n' }],
        },
      ],
    };
    const back = workloadFromYaml(workloadToYaml(spec));
    expect(back).toEqual(spec);
    const a = collect(compileWorkload(spec, { memoryPages: MEMORY, seed: 3 }).tasks[0].source);
    const b = collect(compileWorkload(back, { memoryPages: MEMORY, seed: 3 }).tasks[0].source);
    expect(b).toEqual(a);
    expect(a.op.filter((op) => op === OP_LOAD)).toHaveLength(500);
    expect(
      errorOf(() => workloadFromYaml('tasks:\n  - name: t\n    regions: 3\n    phases: []\n')).message,
    ).toBe('tasks[0].regions: expected a list, got 3');
  });
});

describe('tasks, copies and phases', () => {
  it('expands count into named copies with split regions and staggered starts', () => {
    const spec: WorkloadInput = {
      files: [{ name: 'f', size: { pages: 1000 } }],
      memcgs: [{ path: '/g' }],
      tasks: [
        {
          name: 'w',
          memcg: '/g',
          count: 4,
          startAt: '1ms',
          stagger: '2ms',
          oomScoreAdj: 500,
          regions: [
            { name: 'in', kind: 'file-fd', file: 'f', split: true, advice: 'sequential' },
            { name: 'heap', kind: 'anon', size: { pages: 400 }, split: true, mlock: true },
          ],
          phases: [{ regions: 'in', pattern: { kind: 'sequential' } }],
        },
      ],
    };
    const w = compileWorkload(spec, { memoryPages: MEMORY });
    expect(w.tasks.map((t) => [t.name, t.memcg, t.startNs, t.oomScoreAdj])).toEqual([
      ['w.0', '/g', 1_000_000, 500],
      ['w.1', '/g', 3_000_000, 500],
      ['w.2', '/g', 5_000_000, 500],
      ['w.3', '/g', 7_000_000, 500],
    ]);
    expect(w.tasks[2].regions).toEqual([
      { kind: 'file-fd', pages: 250, file: 0, filePageOffset: 500, advice: 'sequential' },
      { kind: 'anon', pages: 100, mlock: true },
    ]);
    const reads = collect(w.tasks[2].source).arg;
    expect(reads.slice(1)).toEqual(Array.from({ length: 250 }, (_, i) => i));
  });

  it('emits markers, think, opdone, fsync, map/unmap, madvise and long pauses as scripted', () => {
    const spec: WorkloadInput = {
      files: [{ name: 'f', size: { pages: 10 } }],
      tasks: [
        {
          name: 't',
          regions: [
            { name: 'log', kind: 'file-fd', file: 'f' },
            { name: 'buf', kind: 'anon', size: { pages: 10 } },
          ],
          phases: [
            {
              name: 'append',
              regions: 'log',
              pattern: { kind: 'sequential' },
              writeFraction: 1,
              accesses: 4,
              think: '1us',
              opEvery: 2,
              fsyncEvery: 2,
              map: ['buf'],
              madvise: [{ region: 'buf', advice: 'pageout' }],
              fsync: true,
              unmap: ['buf'],
              pause: '5s',
            },
          ],
        },
      ],
    };
    const w = compileWorkload(spec, { memoryPages: MEMORY });
    expect(w.tasks[0].regions[1].mapAtStart).toBe(false);
    expect(w.tasks[0].phaseNames).toEqual(['append']);
    const e = collect(w.tasks[0].source, 3);
    const triples = e.op.map((op, i) => [op, e.region[i], e.arg[i]]);
    expect(triples).toEqual([
      [OP_PHASE, -1, 0],
      [OP_MAP, 1, 0],
      [OP_MADVISE, 1, MADV_PAGEOUT],
      [OP_THINK, -1, 1000],
      [OP_WRITE, 0, 0],
      [OP_THINK, -1, 1000],
      [OP_WRITE, 0, 1],
      [OP_FSYNC, 0, 0],
      [OP_OPDONE, -1, 0],
      [OP_THINK, -1, 1000],
      [OP_WRITE, 0, 2],
      [OP_THINK, -1, 1000],
      [OP_WRITE, 0, 3],
      [OP_FSYNC, 0, 0],
      [OP_OPDONE, -1, 0],
      [OP_FSYNC, 0, 0],
      [OP_UNMAP, 1, 0],
      [OP_THINK, -1, 2 ** 31 - 1],
      [OP_THINK, -1, 2 ** 31 - 1],
      [OP_THINK, -1, 5e9 - 2 * (2 ** 31 - 1)],
    ]);
  });

  it('sequential continues across phases and repeats; cyclic restarts at each phase', () => {
    const spec = (kind: 'sequential' | 'cyclic'): WorkloadInput => ({
      tasks: [
        {
          name: 't',
          repeat: 2,
          regions: [{ name: 'r', kind: 'anon', size: { pages: 10 } }],
          phases: [{ regions: 'r', pattern: { kind }, accesses: 4, marker: false }],
        },
      ],
    });
    expect(collect(compileWorkload(spec('sequential'), { memoryPages: MEMORY }).tasks[0].source).arg).toEqual(
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
    expect(collect(compileWorkload(spec('cyclic'), { memoryPages: MEMORY }).tasks[0].source).arg).toEqual([
      0, 1, 2, 3, 0, 1, 2, 3,
    ]);
  });

  it('spans several regions, honours range, mixes writes, and interleaves side streams', () => {
    const spec: WorkloadInput = {
      files: [{ name: 'wal', size: { pages: 8 } }],
      tasks: [
        {
          name: 't',
          regions: [
            { name: 'a', kind: 'anon', size: { pages: 100 } },
            { name: 'b', kind: 'anon', size: { pages: 100 } },
            { name: 'wal', kind: 'file-fd', file: 'wal' },
          ],
          phases: [
            {
              regions: ['a', 'b'],
              range: { from: 0.25, to: 0.75 },
              pattern: { kind: 'uniform' },
              writeFraction: 0.3,
              accesses: 20_000,
              marker: false,
              side: [{ regions: 'wal', pattern: { kind: 'sequential' }, writeFraction: 1, every: 4 }],
            },
          ],
        },
      ],
    };
    const e = collect(compileWorkload(spec, { memoryPages: MEMORY, seed: 5 }).tasks[0].source);
    const main = e.op.map((_op, i) => i).filter((i) => e.region[i] !== 2);
    const global = main.map((i) => e.region[i] * 100 + e.arg[i]);
    expect(Math.min(...global)).toBe(50);
    expect(Math.max(...global)).toBe(149);
    const writes = main.filter((i) => e.op[i] === OP_STORE).length / main.length;
    expect(writes).toBeGreaterThan(0.28);
    expect(writes).toBeLessThan(0.32);
    const wal = e.op.map((_op, i) => i).filter((i) => e.region[i] === 2);
    expect(wal).toHaveLength(5000);
    expect(wal.slice(0, 10).map((i) => e.arg[i])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 0, 1]);
    expect(wal.every((i) => e.op[i] === OP_WRITE)).toBe(true);
  });

  it('turns a duration into accesses of think + accessNs each', () => {
    const w = compileWorkload(simple({ accesses: undefined, duration: '1ms', think: 900 }), {
      memoryPages: MEMORY,
      accessNs: 100,
    });
    expect(w.tasks[0].plannedAccesses).toBe(1000);
    const e = collect(w.tasks[0].source);
    expect(e.op.filter((op) => op === OP_LOAD)).toHaveLength(1000);
    expect(e.op.filter((op) => op === OP_THINK)).toHaveLength(1000);
  });

  it('expands periodic proactive reclaim', () => {
    const spec: WorkloadInput = {
      memcgs: [{ path: '/g' }],
      tasks: [],
      proactive: [{ at: '10ms', every: '5ms', times: 3, memcg: '/g', size: '0.01x', swappiness: 0 }],
    };
    expect(compileWorkload(spec, { memoryPages: MEMORY }).proactive).toEqual([
      { atNs: 10_000_000, memcg: '/g', pages: 40, swappiness: 0 },
      { atNs: 15_000_000, memcg: '/g', pages: 40, swappiness: 0 },
      { atNs: 20_000_000, memcg: '/g', pages: 40, swappiness: 0 },
    ]);
  });
});

describe('event streams', () => {
  const cached: WorkloadInput = {
    files: [{ name: 'data', size: '2x' }],
    tasks: [
      {
        name: 'db',
        count: 2,
        regions: [
          { name: 'data', kind: 'file-fd', file: 'data' },
          { name: 'pool', kind: 'anon', size: '0.2x' },
        ],
        phases: [
          {
            regions: 'data',
            pattern: { kind: 'zipf', alpha: 0.99 },
            writeFraction: 0.3,
            cache: { region: 'pool', checkpointEvery: 5000 },
            think: 100,
            opEvery: 3,
            accesses: 40_000,
          },
        ],
      },
    ],
  };

  it('do not depend on the chunk size', () => {
    const reference = collect(compileWorkload(cached, { memoryPages: 1024, seed: 7 }).tasks[0].source, 4096);
    for (const capacity of [1, 5, 31, 33, 1000]) {
      const e = collect(compileWorkload(cached, { memoryPages: 1024, seed: 7 }).tasks[0].source, capacity);
      expect(e).toEqual(reference);
    }
  });

  it('are deterministic: same seed, same stream; different seed or copy, different stream', () => {
    const run = (seed: number, task: number) =>
      collect(compileWorkload(cached, { memoryPages: 1024, seed }).tasks[task].source);
    const a = run(1, 0);
    expect(run(1, 0)).toEqual(a);
    expect(run(2, 0).arg).not.toEqual(a.arg);
    expect(run(1, 1).arg).not.toEqual(a.arg);
  });

  it('keep memory bounded however long they run', () => {
    const long = (accesses: number): WorkloadInput => ({
      files: [{ name: 'data', size: '4x' }],
      tasks: [
        {
          name: 't',
          regions: [
            { name: 'data', kind: 'file-fd', file: 'data' },
            { name: 'pool', kind: 'anon', size: '0.5x' },
            { name: 'wal', kind: 'file-fd', file: 'data', size: '0.01x' },
          ],
          phases: [
            {
              regions: 'data',
              pattern: { kind: 'zipf', alpha: 0.8 },
              writeFraction: 0.2,
              cache: { region: 'pool' },
              accesses,
              opEvery: 1,
              side: [{ regions: 'wal', pattern: { kind: 'sequential' }, writeFraction: 1, fsyncEvery: 8 }],
            },
          ],
        },
      ],
    });
    const chunk = new EventChunk();
    const heapAfter = (accesses: number) => {
      const source = compileWorkload(long(accesses), { memoryPages: 16_384, seed: 1 }).tasks[0].source;
      let events = 0;
      const before = process.memoryUsage().heapUsed;
      let peak = before;
      drainSource(
        source,
        (c) => {
          events += c.length;
          if ((events & 0xfffff) < c.length) peak = Math.max(peak, process.memoryUsage().heapUsed);
        },
        { chunk },
      );
      return { events, growth: peak - before };
    };
    heapAfter(100_000);
    const short = heapAfter(200_000);
    const longer = heapAfter(4_000_000);
    expect(longer.events).toBeGreaterThan(15 * short.events);
    // 4 M accesses (> 12 M events) must not cost more than a few MiB beyond the fixed-size state.
    expect(longer.growth).toBeLessThan(short.growth + 16 * 1024 * 1024);
  });
});
