import { defaultMachineConfig } from '@reclaim-lab/hw-model';
import type { PolicyAttachment, PolicyCtx, ReclaimOps, RunResult } from '@reclaim-lab/reclaim';
import { describe, expect, it } from 'vitest';
import { fifo, MEM, mru, reader, run } from './fixtures.js';

/**
 * Granularity is an experiment (docs/architecture.md): a policy may govern the
 * whole system, one NUMA node or one memcg subtree, and policies side by
 * side on one machine keep their own behaviour. The behaviour used here is
 * the textbook one: on a loop a little larger than the memory it may use,
 * FIFO misses on nearly every access and MRU on few.
 */

type S = { list: number };

/**
 * Wrap a policy so every hook call records the lruvec it was made for
 * ("memcg@node") and, for an added folio, the list it went on.
 */
function recording(ops: ReclaimOps<S>, seen: Set<string>, lists: Set<string>): ReclaimOps<S> {
  const where = (ctx: PolicyCtx<S>) => `${ctx.lruvec.memcg.path}@${ctx.lruvec.node}`;
  return {
    ...ops,
    folioAdded(ctx, pfn, how) {
      seen.add(where(ctx));
      ops.folioAdded!(ctx, pfn, how);
      lists.add(`${where(ctx)} ${ctx.lists.name(ctx.lists.listOf[pfn])}`);
    },
    evictCandidates(ctx, req, out) {
      seen.add(where(ctx));
      return ops.evictCandidates!(ctx, req, out);
    },
  };
}

function nodeRun(p0: ReclaimOps<S>, p1: ReclaimOps<S>, extra: PolicyAttachment[] = []) {
  const perNode = MEM / 2;
  const loop = Math.floor(perNode * 1.2);
  return run(
    [{ scope: 'node:0', ops: p0 }, { scope: 'node:1', ops: p1 }, ...extra],
    {
      files: [
        { name: 'zero', pages: loop },
        { name: 'one', pages: loop },
        { name: 'pinned', pages: 16 },
      ],
      memcgs: [{ path: '/pinned' }],
      tasks: [
        reader('on-0', 0, loop, 8, { node: 0 }),
        reader('on-1', 1, loop, 8, { node: 1 }),
        reader('pinned', 2, 16, 4, { memcg: '/pinned', node: 1 }),
      ],
    },
    { machine: defaultMachineConfig(MEM, { nodePages: [perNode, perNode], swapPages: MEM }) },
  );
}

function faultsOf(r: RunResult): Record<string, number> {
  return Object.fromEntries(r.tasks.map((t) => [t.name, t.majorFaults + t.readMisses]));
}

describe('policies attached per memcg and per node keep their own behaviour on one machine', () => {
  it('memcg:/a (and its child /a/c) runs MRU and memcg:/b FIFO, each under its own memory.max, on the same loop', () => {
    const limit = MEM / 4;
    const loop = Math.floor(limit * 1.25);
    const seen = { sys: new Set<string>(), a: new Set<string>(), b: new Set<string>() };
    const lists = new Set<string>();
    const attachments: PolicyAttachment[] = [
      { scope: 'system', ops: recording(fifo('sys-fifo'), seen.sys, lists) },
      { scope: 'memcg:/a', ops: recording(mru('a-mru'), seen.a, lists) },
      { scope: 'memcg:/b', ops: recording(fifo('b-fifo'), seen.b, lists) },
    ];
    const { r } = run(attachments, {
      files: [
        { name: 'a', pages: loop },
        { name: 'b', pages: loop },
        { name: 'c', pages: 16 },
      ],
      memcgs: [{ path: '/a', max: limit }, { path: '/b', max: limit }, { path: '/a/c' }],
      tasks: [
        reader('in-a', 0, loop, 8, { memcg: '/a' }),
        reader('in-b', 1, loop, 8, { memcg: '/b' }),
        reader('in-a-c', 2, 16, 4, { memcg: '/a/c' }),
      ],
    });
    expect(r.policyExits).toEqual([]);
    expect(r.policy).toBe('sys-fifo+a-mru@memcg:/a+b-fifo@memcg:/b');
    // Each policy saw only the lruvecs of its scope; /a/c is in /a's subtree.
    expect([...seen.a].sort()).toEqual(['/a/c@0', '/a@0']);
    expect([...seen.b]).toEqual(['/b@0']);
    expect([...seen.sys].every((s) => s.startsWith('/@'))).toBe(true);
    // Each lruvec's folios went on its own policy's lists only.
    expect([...lists].filter((l) => !l.startsWith('/@')).sort()).toEqual([
      '/a/c@0 a-mru:fifo',
      '/a@0 a-mru:fifo',
      '/b@0 b-fifo:fifo',
    ]);
    // Behaviour: the same loop under the same limit, very different miss counts.
    const faults = faultsOf(r);
    expect(r.tasks.every((t) => t.finished)).toBe(true);
    expect(faults['in-b']).toBeGreaterThan(loop * 6);
    expect(faults['in-a']).toBeLessThan(faults['in-b'] / 2);
  });

  it('node:0 runs MRU and node:1 FIFO, and swapping them swaps the outcome; a memcg attachment beats a node attachment', () => {
    const seen = { n0: new Set<string>(), n1: new Set<string>(), cg: new Set<string>() };
    const lists = new Set<string>();
    const { r } = nodeRun(
      recording(mru('node0-mru'), seen.n0, lists),
      recording(fifo('node1-fifo'), seen.n1, lists),
      [{ scope: 'memcg:/pinned', ops: recording(fifo('pinned-fifo'), seen.cg, lists) }],
    );
    expect(r.policyExits).toEqual([]);
    expect([...seen.n0].sort()).toEqual(['/@0']);
    expect([...seen.n1].sort()).toEqual(['/@1']);
    expect([...seen.cg].sort()).toEqual(['/pinned@1']);
    expect([...lists].sort()).toEqual([
      '/@0 node0-mru:fifo',
      '/@1 node1-fifo:fifo',
      '/pinned@1 pinned-fifo:fifo',
    ]);
    const mruFirst = faultsOf(r);
    const fifoFirst = faultsOf(nodeRun(fifo('node0-fifo'), mru('node1-mru')).r);
    expect(mruFirst['on-0']).toBeLessThan(0.7 * mruFirst['on-1']);
    expect(fifoFirst['on-1']).toBeLessThan(0.7 * fifoFirst['on-0']);
  });
});
