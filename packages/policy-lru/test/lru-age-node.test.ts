/**
 * `kswapd_age_node`: kswapd deactivates a batch of active anon in every
 * memcg when the NODE's anon inactive list is low (the root lruvec's
 * hierarchical sizes) and swap is configured or the node can demote
 * (`can_age_anon_pages`) — not per memcg, and not only while swap has free slots.
 */
import { DEVICE_PRESETS, defaultMachineConfig, OP_STORE, OP_THINK, PG_ACTIVE } from '@reclaim-lab/hw-model';
import { createLru, LRU_ACTIVE_ANON, LRU_INACTIVE_ANON, type LruState } from '@reclaim-lab/policy-lru';
import { Kernel, type PolicyCtx, ScanControl } from '@reclaim-lab/reclaim';
import { generated } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

/** /a and /b each hold `pages` anon pages of a live task, all on inactive anon. */
function twoGroups(pages: number, swapPages: number, tiers?: { demotionTarget: number[] }): Kernel {
  const k = new Kernel({
    machine: defaultMachineConfig(16_384, {
      swapPages,
      swapDevice: DEVICE_PRESETS.zram,
      // Two 8,192-page nodes, the tasks on node 0; demotionTarget [1, -1] makes node 1 its slow tier.
      ...(tiers && { nodePages: [8_192, 8_192], ...tiers }),
    }),
    policy: createLru(),
    seed: 9,
    untilNs: 5_000_000_000,
  });
  const task = (name: string, memcg: string) => ({
    name,
    memcg,
    regions: [{ kind: 'anon' as const, pages }],
    source: generated((i) => (i < pages ? [OP_STORE, 0, i] : [OP_THINK, 0, 1_000_000_000])),
  });
  k.load({
    files: [],
    memcgs: [{ path: '/a' }, { path: '/b' }],
    tasks: [task('a', '/a'), task('b', '/b')],
  });
  k.run();
  return k;
}

/** Move all of a group's inactive anon to its active list, as if every page had been activated. */
function activateAll(k: Kernel, path: string): PolicyCtx<LruState> {
  const ctx = k.ctxOf(k.world.findLruvec(k.machine.memcg(path), 0)!) as unknown as PolicyCtx<LruState>;
  const [inactive, active] = [ctx.state.lists[LRU_INACTIVE_ANON], ctx.state.lists[LRU_ACTIVE_ANON]];
  for (let p = ctx.lists.last(inactive); p !== -1; p = ctx.lists.last(inactive)) {
    ctx.lists.moveHead(active, p);
    ctx.frames.flags[p] |= PG_ACTIVE;
  }
  return ctx;
}

function age(k: Kernel, ctx: PolicyCtx<LruState>): number {
  const before = ctx.lists.length(ctx.state.lists[LRU_ACTIVE_ANON]);
  const sc = new ScanControl().reset('kswapd', null, 0, 0);
  k.ctxOf(ctx.lruvec).slot.ops.age?.(ctx as never, sc);
  return before - ctx.lists.length(ctx.state.lists[LRU_ACTIVE_ANON]);
}

describe('kswapd_age_node (traditional LRU)', () => {
  it("ages a memcg's active anon only when the node's inactive anon is low", () => {
    // /a all active, /b all inactive: /a alone looks low, the node does not.
    const k = twoGroups(2_000, 16_384);
    const a = activateAll(k, '/a');
    expect(age(k, a)).toBe(0);
    // With /b active too, the node's inactive anon is empty: /a gives up a batch.
    activateAll(k, '/b');
    expect(age(k, a)).toBe(32);
  });

  it('keeps aging when swap is configured but full', () => {
    const k = twoGroups(2_000, 16_384);
    const a = activateAll(k, '/a');
    activateAll(k, '/b');
    const swap = k.machine.swap!;
    while (swap.free > 0) swap.alloc(0, 0, 0);
    expect(age(k, a)).toBe(32);
  });

  it('does not age without swap', () => {
    const k = twoGroups(2_000, 0);
    const a = activateAll(k, '/a');
    activateAll(k, '/b');
    expect(age(k, a)).toBe(0);
  });

  it('ages without swap when the node can demote to a slower one', () => {
    const k = twoGroups(2_000, 0, { demotionTarget: [1, -1] });
    const a = activateAll(k, '/a');
    activateAll(k, '/b');
    expect(age(k, a)).toBe(32);
    // The same two nodes with no demotion target: nowhere to put anon, nothing to age.
    const flat = twoGroups(2_000, 0, { demotionTarget: [-1, -1] });
    const fa = activateAll(flat, '/a');
    activateAll(flat, '/b');
    expect(age(flat, fa)).toBe(0);
  });
});
