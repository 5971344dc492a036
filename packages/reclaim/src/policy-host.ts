import type { Machine, Memcg, Rng } from '@reclaim-lab/hw-model';
import { type ListSet, type LruSizes, type Lruvec, VM, type World } from '@reclaim-lab/mechanisms';
import type { PolicyCtx, ReclaimCore, ReclaimOps, RefaultVerdict } from './ops.js';
import { DEF_PRIORITY, type ScanControl } from './scan-control.js';

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

/** A value as a policy's bad result is quoted in an exit record: short, never raw bytes. */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === undefined || v === null) return String(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'function') return 'a function';
  return Array.isArray(v) ? 'an array' : 'an object';
}

/** `evicted` must hand back a shadow payload the cache slot can hold: an integer 0..2^32-1. */
export function badPayload(p: unknown): string | null {
  return typeof p === 'number' && p >>> 0 === p
    ? null
    : `returned ${describeValue(p)}; a shadow payload is an integer 0..4294967295`;
}

/** `refault` fills a verdict of booleans (countActivate may stay null); anything else is refused, not coerced. */
export function badVerdict(v: RefaultVerdict): string | null {
  if (typeof v.activate !== 'boolean' || typeof v.restore !== 'boolean')
    return `set verdict activate=${describeValue(v.activate)} restore=${describeValue(v.restore)}; both must be booleans`;
  if (typeof v.countRefault !== 'boolean')
    return `set verdict countRefault=${describeValue(v.countRefault)}; it must be a boolean`;
  if (v.countActivate !== null && typeof v.countActivate !== 'boolean')
    return `set verdict countActivate=${describeValue(v.countActivate)}; it must be a boolean or null`;
  return null;
}

const SIZE_FIELDS = ['activeAnon', 'inactiveAnon', 'activeFile', 'inactiveFile'] as const;

/** `lruSizes` reports page counts: integers from 0 to the pages the machine has. */
export function badLruSizes(out: LruSizes, maxPages: number): string | null {
  for (const k of SIZE_FIELDS) {
    const v: unknown = out[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > maxPages)
      return `reported ${k} = ${describeValue(v)}; sizes are integers 0..${maxPages}`;
  }
  return null;
}

/** What a hook with a tagged result may return, by hook. */
export function badTag(hook: 'shrink' | 'age', r: unknown): string | null {
  const allowed = hook === 'shrink' ? 'rotate' : 'oom';
  return r === undefined || r === allowed
    ? null
    : `returned ${describeValue(r)}; ${hook} returns nothing or '${allowed}'`;
}

/**
 * The parts of scan control a hook must leave alone: its goal, and a
 * priority within DEF_PRIORITY..0 (MGLRU sets its own initial priority; a
 * policy may, within range). Flags a policy owns (cacheTrimMode,
 * mayDeactivate, ...) are its to set, as in `prepare_scan_control`.
 */
export function badScanControl(nrToReclaim: number, after: ScanControl): string | null {
  if (after.nrToReclaim !== nrToReclaim)
    return `changed sc.nrToReclaim from ${nrToReclaim} to ${describeValue(after.nrToReclaim)}`;
  const p: unknown = after.priority;
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > DEF_PRIORITY)
    return `set sc.priority to ${describeValue(p)}; priorities are integers 0..${DEF_PRIORITY}`;
  return null;
}

/**
 * A duplicate in `out[0..n)`: the first pfn proposed twice, or -1. `mark`
 * (one byte per frame, all zero) is left all zero again. Candidates have
 * been checked to be pfns of the machine first.
 */
export function duplicatePfn(out: Int32Array, n: number, mark: Uint8Array): number {
  let dup = -1;
  let i = 0;
  for (; i < n; i++) {
    if (mark[out[i]]) {
      dup = out[i];
      break;
    }
    mark[out[i]] = 1;
  }
  for (let j = 0; j < i; j++) mark[out[j]] = 0;
  return dup;
}
