import type { Machine, Memcg, Rng } from '@reclaim-lab/hw-model';
import { type ListSet, type LruSizes, type Lruvec, VM, type World } from '@reclaim-lab/mechanisms';
import type { PolicyCtx, ReclaimCore, ReclaimOps } from './ops.js';

/** A policy attached to a scope: the whole system, a node, or a memcg subtree. */
export interface PolicySlot {
  index: number;
  /** "system", "node:1", "memcg:/a". */
  scope: string;
  ops: ReclaimOps<unknown>;
  /** The policy originally attached (kept for reports after an ejection). */
  attached: ReclaimOps<unknown>;
  ejected: boolean;
  /** The shrink_node pass in which `prepare` last ran for this slot. */
  preparedEpoch: number;
}

/** The per-lruvec context handed to every hook; one object per lruvec, reused. */
export class LruvecCtx implements PolicyCtx<unknown> {
  readonly lruvec: Lruvec;
  state: unknown;
  readonly world: World;
  readonly lists: ListSet;
  readonly frames: Machine['frames'];
  readonly core: ReclaimCore;
  readonly rng: Rng;
  readonly memcg: Memcg;
  slot: PolicySlot;
  /** Lists this lruvec's policy created (for validation and the default hooks). */
  ownLists: number[] = [];
  private readonly peers: (lv: Lruvec) => LruvecCtx;

  constructor(
    lruvec: Lruvec,
    world: World,
    core: ReclaimCore,
    rng: Rng,
    slot: PolicySlot,
    peers: (lv: Lruvec) => LruvecCtx,
  ) {
    this.lruvec = lruvec;
    this.world = world;
    this.lists = world.lists;
    this.frames = world.frames;
    this.core = core;
    this.rng = rng;
    this.memcg = lruvec.memcg;
    this.slot = slot;
    this.peers = peers;
  }

  now(): number {
    return this.world.now;
  }

  peer(lv: Lruvec): PolicyCtx<unknown> | null {
    const c = this.peers(lv);
    return c.slot === this.slot ? c : null;
  }

  /** Is `list` one of this lruvec's policy lists? */
  owns(list: number): boolean {
    return list >= 0 && this.lists.lruvecOf(list) === this.lruvec.id && list !== this.lruvec.unevictableList;
  }
}

/** Default hook behaviour, used for every hook a policy leaves out. */
export const defaultHooks = {
  init(ctx: LruvecCtx): void {
    if (ctx.ownLists.length === 0)
      ctx.ownLists.push(ctx.lists.create(ctx.lruvec.id, `${ctx.slot.ops.name}:lru`));
  },
  folioAdded(ctx: LruvecCtx, pfn: number): void {
    ctx.lists.addHead(ctx.ownLists[0], pfn);
  },
  lruSizes(ctx: LruvecCtx, out: LruSizes): void {
    out.activeAnon = 0;
    out.activeFile = 0;
    out.inactiveAnon = ctx.lruvec.nrPages[0];
    out.inactiveFile = ctx.lruvec.nrPages[1];
  },
  /** Fallback victims come from the tail of the policy's lists, oldest first. */
  fillCandidates(
    ctx: LruvecCtx,
    out: Int32Array,
    from: number,
    nr: number,
    taken: Uint8Array | null,
  ): number {
    let n = from;
    for (const list of ctx.ownLists) {
      for (let p = ctx.lists.last(list); p !== -1 && n < nr; p = ctx.lists.prev[p]) {
        if (taken?.[p]) continue;
        out[n++] = p;
        ctx.world.counters.v[VM.policy_fallback_folios]++;
      }
      if (n >= nr) break;
    }
    return n;
  },
};
