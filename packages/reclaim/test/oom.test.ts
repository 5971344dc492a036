import { defaultMachineConfig, OP_STORE, OP_THINK } from '@reclaim-lab/hw-model';
import { Kernel } from '@reclaim-lab/reclaim';
import { generated } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';
import { oomBadness, oomTotalPages, selectOomVictim } from '../src/oom.js';

// select_bad_process: the biggest task by rss + swap + page tables, shifted by oom_score_adj; -1000 is never chosen.
describe('OOM victim selection (oom_badness)', () => {
  type Sized = { pages: number; adj?: number; memcg?: string; startNs?: number };
  function runTasks(sizes: Sized[], memcgs: { path: string; max: number }[] = []) {
    const k = new Kernel({
      machine: defaultMachineConfig(4096, { swapPages: 0 }),
      policy: { name: 'empty' },
      seed: 1,
    });
    k.load({
      files: [],
      memcgs,
      tasks: sizes.map((s, i) => {
        // Optionally wait, touch every page, then stay alive so the run ends with everyone resident.
        const lead = s.startNs ? 1 : 0;
        return {
          name: `t${i}`,
          memcg: s.memcg ?? '/',
          oomScoreAdj: s.adj ?? 0,
          regions: [{ kind: 'anon' as const, pages: s.pages }],
          source: generated((j) =>
            j < lead
              ? [OP_THINK, 0, s.startNs ?? 0]
              : j < lead + s.pages
                ? [OP_STORE, 0, j - lead]
                : j < lead + s.pages + 2
                  ? [OP_THINK, 0, 1e9]
                  : null,
          ),
        };
      }),
    });
    return { k, r: k.run() };
  }
  const kernelWith = (sizes: Sized[]) => runTasks(sizes).k;

  it('picks the task with the most resident pages', () => {
    const k = kernelWith([{ pages: 100 }, { pages: 300 }, { pages: 200 }]);
    // The run tore the address spaces down at exit: revive the tasks with the rss figures the rule reads.
    for (const t of k.tasks) Object.assign(t, { finished: false, killed: false });
    for (const [i, t] of k.tasks.entries()) t.mm.rssAnon = [100, 300, 200][i];
    expect(selectOomVictim(k.tasks, null, 4096)?.name).toBe('t1');
    expect(oomBadness(k.tasks[1])).toBe(300 + k.tasks[1].mm.pageTablePages());
  });

  it('honours oom_score_adj, and never picks -1000', () => {
    const k = kernelWith([{ pages: 100, adj: 1000 }, { pages: 300, adj: -1000 }, { pages: 200 }]);
    for (const t of k.tasks) Object.assign(t, { finished: false, killed: false });
    for (const [i, t] of k.tasks.entries()) t.mm.rssAnon = [100, 300, 200][i];
    expect(selectOomVictim(k.tasks, null, 4096)?.name).toBe('t0');
    k.tasks[0].oomScoreAdj = -1000;
    expect(selectOomVictim(k.tasks, null, 4096)?.name).toBe('t2');
  });

  it('looks only inside the OOMing memcg', () => {
    const k = kernelWith([
      { pages: 300, memcg: '/a' },
      { pages: 100, memcg: '/b' },
    ]);
    for (const t of k.tasks) Object.assign(t, { finished: false, killed: false });
    for (const [i, t] of k.tasks.entries()) t.mm.rssAnon = [300, 100][i];
    expect(selectOomVictim(k.tasks, k.machine.memcg('/b'), 4096)?.name).toBe('t1');
  });

  it('breaks a tie for the task evaluated last, as oom_evaluate_task does', () => {
    const k = kernelWith([{ pages: 200 }, { pages: 200 }, { pages: 100 }]);
    for (const t of k.tasks) Object.assign(t, { finished: false, killed: false });
    for (const [i, t] of k.tasks.entries()) t.mm.rssAnon = [200, 200, 100][i];
    expect(selectOomVictim(k.tasks, null, 4096)?.name).toBe('t1');
  });

  it('scales oom_score_adj by totalpages / 1000 truncated first', () => {
    const k = kernelWith([{ pages: 100 }, { pages: 100, adj: 1 }]);
    for (const t of k.tasks) Object.assign(t, { finished: false, killed: false });
    for (const t of k.tasks) t.mm.rssAnon = 100;
    k.tasks[0].mm.rssAnon = 101;
    // 1999 / 1000 truncates to 1: +1 ties t0's extra page, and the later task wins the tie.
    expect(selectOomVictim(k.tasks, null, 1999)?.name).toBe('t1');
    // 999 / 1000 truncates to 0: the adjustment vanishes.
    expect(selectOomVictim(k.tasks, null, 999)?.name).toBe('t0');
  });

  it('takes totalpages from the OOMing memcg: memory.max plus the swap it may use', () => {
    const k = kernelWith([{ pages: 10 }]);
    const g = k.machine.memcg('/g');
    expect(oomTotalPages(null, 4096, 1024, 60)).toBe(5120);
    g.max = 1000;
    expect(oomTotalPages(g, 4096, 1024, 60)).toBe(2024);
    g.swapMax = 100;
    expect(oomTotalPages(g, 4096, 1024, 60)).toBe(1100);
    expect(oomTotalPages(g, 4096, 1024, 0)).toBe(1000);
    g.max = 0;
    g.swapMax = 0;
    expect(oomTotalPages(g, 4096, 1024, 60)).toBe(1);
  });

  it('kills by the memcg scale in a memcg OOM, not the machine scale', () => {
    // t0 fills 700 of /g's 1000 pages; t1 arrives later with oom_score_adj 120 and hits the limit at 300.
    // Scaled by /g (1000 pages: +120) t1 scores ~420 against t0's ~700; by the machine (4096: +480) ~780.
    const { r } = runTasks(
      [
        { pages: 700, memcg: '/g' },
        { pages: 400, memcg: '/g', adj: 120, startNs: 1e8 },
      ],
      [{ path: '/g', max: 1000 }],
    );
    expect(r.oomKills.map((o) => o.task)).toEqual(['t0']);
    expect(r.oomKills[0].kind).toBe('memcg');
  });
});

// memory.oom.group: the OOM killer takes the whole group of the victim (as Kubernetes sets for each container).
describe('memory.oom.group', () => {
  function pod(groupAt: '/pod' | '/pod/big') {
    const k = new Kernel({
      machine: defaultMachineConfig(4096, { swapPages: 0 }),
      policy: { name: 'empty' },
      seed: 1,
    });
    const stay = (name: string, memcg: string, pages: number, adj = 0) => ({
      name,
      memcg,
      oomScoreAdj: adj,
      regions: [{ kind: 'anon' as const, pages }],
      source: generated((j) => (j < pages ? [OP_STORE, 0, j] : j < pages + 2 ? [OP_THINK, 0, 1e9] : null)),
    });
    k.load({
      files: [],
      memcgs: [
        { path: '/pod', max: 1024, oomGroup: groupAt === '/pod' },
        { path: '/pod/big', oomGroup: groupAt === '/pod/big' },
        { path: '/pod/small' },
      ],
      tasks: [
        stay('sidecar', '/pod/small', 100),
        stay('pause', '/pod/small', 10, -1000),
        stay('outsider', '/', 500),
        // Grows past the pod's limit: the memcg OOM picks it.
        stay('hog', '/pod/big', 2000),
      ],
    });
    return { k, r: k.run() };
  }

  it('kills every task of the highest oom.group memcg up to the OOM domain, sparing oom_score_adj -1000', () => {
    const { k, r } = pod('/pod');
    expect(r.oomKills.map((o) => [o.task, o.oomGroup])).toEqual([
      ['hog', undefined],
      ['sidecar', '/pod'],
    ]);
    expect(r.counters.oom_kill).toBe(2);
    const m = (path: string) => k.machine.memcgs.find((x) => x.path === path);
    expect(m('/pod')?.events.oom_group_kill).toBe(1);
    // memory.events oom_kill counts up the hierarchy.
    expect(m('/pod')?.events.oom_kill).toBe(2);
    expect(m('/pod/big')?.events.oom_kill).toBe(1);
    const byName = new Map(r.tasks.map((t) => [t.name, t]));
    expect(byName.get('pause')?.killed).toBe(false);
    expect(byName.get('outsider')?.killed).toBe(false);
  });

  it('a group below the OOM domain takes only its own tasks', () => {
    const { r } = pod('/pod/big');
    expect(r.oomKills.map((o) => o.task)).toEqual(['hog']);
    expect(r.tasks.find((t) => t.name === 'sidecar')?.killed).toBe(false);
  });
});
