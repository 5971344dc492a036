import { beforeAll, describe, expect, it } from 'vitest';
import {
  loadPlotting,
  PHASE_COLUMNS,
  phaseRows,
  renderHtml,
  renderMarkdown,
  runComparison,
  runRows,
  runScenario,
  scenarioFrom,
  validateScenario,
} from '../src/index.js';

/**
 * What a kernel developer reads off a real machine: /proc/vmstat at each
 * phase boundary of the workload, and each cgroup's memory.stat and
 * memory.events. A phase-shift run (A, then B, then A again) shows its
 * refaults in the phases that cause them; a memcg-limited run shows its
 * reclaim in the memcg's memory.stat even though /proc/vmstat's
 * pgscan_direct leaves cgroup reclaim out.
 */
describe('per-phase results', () => {
  const r = runScenario(
    validateScenario({
      machine: { memory: '16MiB', swap: '16MiB' },
      workload: { id: 'phase-shift' },
      policy: 'lru',
      seed: 1,
    }),
  );
  const phases = r.phases ?? [];

  it('records every phase of the task, named, in order, tiling its run', () => {
    expect(phases.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < phases.length; i++) expect(phases[i].startNs).toBe(phases[i - 1].endNs);
    for (const p of phases) expect(p.phase).not.toMatch(/^phase\d+$/);
    const task = r.tasks[0];
    expect(phases.reduce((s, p) => s + p.majorFaults, 0)).toBe(task.majorFaults);
    expect(phases.reduce((s, p) => s + p.accesses, 0)).toBe(task.accesses);
  });

  it("the phase's vmstat deltas add up to the run's counters", () => {
    for (const k of ['pgfault', 'pswpin', 'workingset_refault_anon', 'pgsteal_anon']) {
      const sum = phases.reduce((s, p) => s + (p.vmstat[k] ?? 0), 0);
      expect(sum).toBeLessThanOrEqual(r.counters[k]);
      expect(sum).toBeGreaterThan(0);
    }
  });

  it('going back to set A refaults: the last phase has refaults, the first none', () => {
    const first = phases[0];
    const last = phases[phases.length - 1];
    expect(first.vmstat.workingset_refault_anon ?? 0).toBe(0);
    expect(
      (last.vmstat.workingset_refault_anon ?? 0) + (last.vmstat.workingset_refault_file ?? 0),
    ).toBeGreaterThan(0);
  });
});

describe('per-memcg memory.stat and memory.events', () => {
  const r = runScenario(
    validateScenario({
      machine: { memory: '512MiB', swap: '1GiB', swapDevice: 'zram' },
      workload: {
        name: 'fill',
        memcgs: [{ path: '/lab', max: '16MiB' }],
        tasks: [
          {
            name: 'fill',
            memcg: '/lab',
            regions: [{ name: 'buf', kind: 'anon', size: '24MiB' }],
            phases: [{ name: 'fill', regions: 'buf', pattern: { kind: 'cyclic' }, writeFraction: 1 }],
          },
        ],
      },
      policy: 'lru',
      seed: 1,
    }),
  );
  const lab = r.memcgs?.find((m) => m.path === '/lab');
  const root = r.memcgs?.find((m) => m.path === '/');

  it("limit reclaim shows in the memcg's memory.stat and memory.events, not in /proc/vmstat's pgscan_direct", () => {
    expect(lab).toBeDefined();
    expect(r.counters.pgscan_direct).toBe(0);
    expect(lab!.stat.pgscan_direct).toBeGreaterThan(0);
    expect(lab!.stat.pgsteal).toBe(r.counters.pgsteal_anon + r.counters.pgsteal_file);
    expect(lab!.stat.pswpout).toBe(r.counters.pswpout);
    expect(lab!.events.max).toBeGreaterThan(0);
    expect(lab!.stat.pgfault).toBeGreaterThan(0);
  });

  it("the root's memory.stat sums its subtree; every memcg's pgscan adds up to /proc/vmstat's by type", () => {
    expect(root!.stat.pgscan).toBe(r.counters.pgscan_anon + r.counters.pgscan_file);
    expect(root!.stat.pgfault).toBe(r.counters.pgfault);
    expect(root!.events.max).toBe(lab!.events.max);
    expect(root!.eventsLocal.max).toBe(0);
  });
});

describe('per-phase rows in the tidy CSV', () => {
  it('each (phase, metric) occurs once, phases named TASK:PHASE', () => {
    const r = runScenario(
      validateScenario({
        machine: { memory: '16MiB', swap: '16MiB' },
        workload: { id: 'phase-shift' },
        policy: 'lru',
        seed: 1,
      }),
    );
    const rows = runRows(r, 'lru', 'phase-shift').filter((x) => x.phase !== 'all');
    expect(rows.length).toBeGreaterThan(0);
    const keys = rows.map((x) => `${x.phase}|${x.metric}`);
    expect(new Set(keys).size).toBe(keys.length);
    const task = r.tasks[0].name;
    for (const x of rows) expect(x.phase.startsWith(`${task}:`)).toBe(true);
    const faults = rows.filter((x) => x.metric === 'pgfault').reduce((s, x) => s + x.value, 0);
    expect(faults).toBeGreaterThan(0);
    expect(faults).toBeLessThanOrEqual(r.counters.pgfault);
  });
});

describe('per-phase tables in the reports', () => {
  beforeAll(loadPlotting);
  it('Markdown and HTML show, per workload, a row per configuration and phase, the return to A refaulting', () => {
    const { comparison } = runComparison({
      policies: ['lru', 'mglru'],
      workloads: ['phase-shift'],
      seeds: 2,
      base: scenarioFrom({
        machine: { memory: '16MiB', swap: '16MiB' },
        workload: 'phase-shift',
        policy: 'lru',
      }),
    });
    const rows = phaseRows(comparison, 'phase-shift');
    expect(new Set(rows.map((r) => r.configuration))).toEqual(new Set(['lru', 'mglru']));
    for (const r of rows) expect(r.runs).toBe(2);
    const lruRows = rows.filter((r) => r.configuration === 'lru');
    expect(lruRows[lruRows.length - 1].refaults).toBeGreaterThan(0);
    const md = renderMarkdown(comparison);
    expect(md).toContain('Per phase');
    expect(md).toContain(`| ${PHASE_COLUMNS.join(' | ')} |`);
    expect(renderHtml(comparison)).toContain('phase-shift: per phase');
  });
});
