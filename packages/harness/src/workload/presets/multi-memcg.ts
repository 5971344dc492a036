import type { FileDef, MemcgDef, ProactiveDef, RegionDef, TaskDef } from '../spec.js';
import { mem, perPage, RUN_PAGES } from './common.js';
import { booleanParam, definePreset, numberParam } from './define.js';

/**
 * Several cgroups under global pressure, one of them noisy: MGLRU's
 * memcached + fio in two memcgs, cache_ext's isolation test. Well-behaved
 * groups alternate anon-heavy and file-heavy; each lays its working set out
 * once and then draws Zipf accesses over it. A working set is `workingSet`
 * × the group's memory.max (1.25 by default), so the limit bites: charges
 * past memory.max make the group reclaim from itself (try_charge() calling
 * try_to_free_mem_cgroup_pages(), memory.events max). The limits add up to
 * `oversubscribe` × memory: 0.75 by default, so the groups fit together and
 * the noisy group (no limit, streaming a file twice the size of memory)
 * supplies the global pressure beside them. Above 1 the limits
 * oversubscribe memory; global reclaim, which scans each group by its size
 * (shrink_node_memcgs()), then usually trims the groups before they reach
 * their limits, as on a real machine. An anon-heavy group keeps 0.75 × its
 * limit in anon memory (it fits, so a machine without swap does not OOM
 * it) and reads and updates a file for the rest. Report per-group slowdown
 * and Jain fairness.
 */
export const multiMemcg = definePreset({
  id: 'multi-memcg',
  description: 'several memcgs with limits under global pressure, one noisy neighbour',
  standsFor: ['MGLRU memcached + fio in two memcgs', 'cache_ext isolation (10 GiB + 1 GiB)'],
  params: {
    groups: numberParam(3, 'well-behaved memcgs (2-32 in the suite)', { min: 1, max: 64, integer: true }),
    oversubscribe: numberParam(
      0.75,
      'sum of their memory.max over memory (> 1 oversubscribes; ≤ 1 lets each limit bite)',
      {
        min: 0,
        minExclusive: true,
      },
    ),
    workingSet: numberParam(
      1.25,
      'each group’s working set over its memory.max (> 1: the group reclaims against its limit)',
      {
        min: 0,
        minExclusive: true,
      },
    ),
    noisy: booleanParam(true, 'add a noisy memcg that streams a file twice the size of memory'),
    protect: booleanParam(
      false,
      'set memory.low to each well-behaved group’s working set (at most 80% of its limit)',
    ),
    proactive: booleanParam(false, 'issue memory.reclaim of 2% of memory to every group each 100 ms'),
  },
  build: (p) => {
    const limit = p.oversubscribe / p.groups;
    const workingSet = p.workingSet * limit;
    const anonShare = Math.min(workingSet, 0.75 * limit);
    const memcgs: MemcgDef[] = [];
    const files: FileDef[] = [];
    const tasks: TaskDef[] = [];
    for (let g = 0; g < p.groups; g++) {
      const path = `/g${g}`;
      const group: MemcgDef = { path, max: mem(limit) };
      if (p.protect) group.low = mem(Math.min(workingSet, 0.8 * limit));
      memcgs.push(group);
      const accesses = perPage((RUN_PAGES * p.scale) / p.groups);
      if (g % 2 === 0) {
        const regions: RegionDef[] = [{ name: 'heap', kind: 'anon', size: mem(anonShare) }];
        // What does not fit in anon memory is a file it reads and updates.
        if (workingSet > anonShare) {
          files.push({ name: `side${g}`, size: mem(workingSet - anonShare) });
          regions.push({ name: 'side', kind: 'file-fd', file: `side${g}` });
        }
        tasks.push({
          name: `anon${g}`,
          memcg: path,
          regions,
          phases: [
            { name: 'fill', regions: 'heap', pattern: { kind: 'sequential' }, writeFraction: 1 },
            ...(regions.length > 1
              ? [{ name: 'load', regions: 'side', pattern: { kind: 'sequential' as const } }]
              : []),
            {
              name: 'run',
              regions: regions.map((r) => r.name),
              pattern: { kind: 'zipf', alpha: 0.99 },
              writeFraction: 0.1,
              accesses,
              opEvery: 1,
            },
          ],
        });
      } else {
        files.push({ name: `data${g}`, size: mem(workingSet) });
        tasks.push({
          name: `file${g}`,
          memcg: path,
          regions: [{ name: 'data', kind: 'file-fd', file: `data${g}` }],
          phases: [
            // Lay the data set out once (fio's layout, a store's warm-up), then the random reads.
            { name: 'load', regions: 'data', pattern: { kind: 'sequential' } },
            { name: 'run', regions: 'data', pattern: { kind: 'zipf', alpha: 0.99 }, accesses, opEvery: 1 },
          ],
        });
      }
    }
    if (p.noisy) {
      memcgs.push({ path: '/noisy' });
      files.push({ name: 'stream', size: mem(2) });
      tasks.push({
        name: 'noisy',
        memcg: '/noisy',
        regions: [{ name: 'stream', kind: 'file-fd', file: 'stream' }],
        phases: [
          {
            name: 'stream',
            regions: 'stream',
            pattern: { kind: 'cyclic' },
            passes: Math.max(1, 2 * p.scale),
          },
        ],
      });
    }
    const proactive: ProactiveDef[] = p.proactive
      ? memcgs.map((m) => ({ at: '100ms', every: '100ms', times: 20, memcg: m.path, size: mem(0.02) }))
      : [];
    return { files, memcgs, tasks, proactive };
  },
});
