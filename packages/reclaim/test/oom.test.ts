import { defaultMachineConfig, OP_STORE, OP_THINK } from '@reclaim-lab/hw-model';
import { Kernel } from '@reclaim-lab/reclaim';
import { generated } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';
import { oomBadness, selectOomVictim } from '../src/oom.js';

// select_bad_process: the biggest task by rss + swap + page tables, shifted by oom_score_adj; -1000 is never chosen.
describe('OOM victim selection (oom_badness)', () => {
  function kernelWith(sizes: { pages: number; adj?: number; memcg?: string }[]) {
    const k = new Kernel({
      machine: defaultMachineConfig(4096, { swapPages: 0 }),
      policy: { name: 'empty' },
      seed: 1,
    });
    k.load({
      files: [],
      memcgs: [],
      tasks: sizes.map((s, i) => ({
        name: `t${i}`,
        memcg: s.memcg ?? '/',
        oomScoreAdj: s.adj ?? 0,
        regions: [{ kind: 'anon' as const, pages: s.pages }],
        // Touch every page, then stay alive so the run ends with everyone resident.
        source: generated((j) =>
          j < s.pages ? [OP_STORE, 0, j] : j < s.pages + 2 ? [OP_THINK, 0, 1e9] : null,
        ),
      })),
    });
    k.run();
    return k;
  }

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
});
