import type { FileDef, MemcgDef, ProactiveDef, TaskDef } from '../spec.js';
import { mem, perPage, RUN_PAGES } from './common.js';
import { booleanParam, definePreset, numberParam } from './define.js';

/**
 * Several cgroups under global pressure, one of them noisy: MGLRU's
 * memcached + fio in two memcgs, cache_ext's isolation test. Well-behaved
 * groups alternate anon-heavy and file-heavy; each one's working set is 80%
 * of its limit, and the limits add up to `oversubscribe` × memory. The noisy
 * group has no limit and streams a file twice the size of memory. Report
 * per-group slowdown and Jain fairness.
 */
export const multiMemcg = definePreset({
  id: 'multi-memcg',
  description: 'several memcgs with limits under global pressure, one noisy neighbour',
  standsFor: ['MGLRU memcached + fio in two memcgs', 'cache_ext isolation (10 GiB + 1 GiB)'],
  params: {
    groups: numberParam(3, 'well-behaved memcgs (2-32 in the suite)', { min: 1, max: 64, integer: true }),
    oversubscribe: numberParam(1.25, 'sum of their memory.max over memory (< 1 does not oversubscribe)', {
      min: 0,
      minExclusive: true,
    }),
    noisy: booleanParam(true, 'add a noisy memcg that streams a file twice the size of memory'),
    protect: booleanParam(false, 'set memory.low to each well-behaved group’s working set'),
    proactive: booleanParam(false, 'issue memory.reclaim of 2% of memory to every group each 100 ms'),
  },
  build: (p) => {
    const limit = p.oversubscribe / p.groups;
    const workingSet = 0.8 * limit;
    const memcgs: MemcgDef[] = [];
    const files: FileDef[] = [];
    const tasks: TaskDef[] = [];
    for (let g = 0; g < p.groups; g++) {
      const path = `/g${g}`;
      const group: MemcgDef = { path, max: mem(limit) };
      if (p.protect) group.low = mem(workingSet);
      memcgs.push(group);
      const accesses = perPage((RUN_PAGES * p.scale) / p.groups);
      if (g % 2 === 0) {
        tasks.push({
          name: `anon${g}`,
          memcg: path,
          regions: [{ name: 'heap', kind: 'anon', size: mem(workingSet) }],
          phases: [
            { name: 'fill', regions: 'heap', pattern: { kind: 'sequential' }, writeFraction: 1 },
            {
              name: 'run',
              regions: 'heap',
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
