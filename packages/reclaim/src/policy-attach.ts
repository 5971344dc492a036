/**
 * Which policy runs where, and what happens when one is ejected: slotFor
 * picks the most specific attachment for a lruvec (system, node, memcg
 * subtree), attachLruvec/initPolicyState set up its per-lruvec state,
 * ejectSlot swaps the fallback in (the sched_ext-style exit), and
 * takeStrays/recoverStrays put back folios the ejected policy left on its
 * own lists.
 *
 * Owns no state. May call: the watchdog, lru-add, the policy init hooks.
 */
import { LRU_ANON, LRU_FILE, PG_ACTIVE, PG_LRU, PG_SWAPBACKED, PG_UNEVICTABLE } from '@reclaim-lab/hw-model';
import { type Lruvec, VM } from '@reclaim-lab/mechanisms';
import type { KernelState } from './kernel-state.js';
import { placeOnLru } from './lru-add.js';
import { defaultHooks, LruvecCtx, type PolicySlot } from './policy-host.js';
import type { PolicyExit } from './result.js';
import { PolicyEjected } from './watchdog.js';

export function slotFor(kern: KernelState, lv: Lruvec): PolicySlot {
  let best: PolicySlot | undefined;
  let bestRank = -1;
  for (const s of kern.slots) {
    let rank = -1;
    if (s.scope === 'system') rank = 0;
    else if (s.scope === `node:${lv.node}`) rank = 1;
    else if (s.scope.startsWith('memcg:')) {
      const path = s.scope.slice(6);
      const m = kern.machine.memcgs.find((x) => x.path === path);
      if (m?.isAncestorOf(lv.memcg)) rank = 2 + m.path.length;
    }
    if (rank > bestRank) {
      best = s;
      bestRank = rank;
    }
  }
  return best ?? kern.slots[0];
}

export function attachLruvec(kern: KernelState, lv: Lruvec): void {
  const slot = slotFor(kern, lv);
  lv.policySlot = slot.index;
  const ctx = new LruvecCtx(lv, kern.world, kern.core, kern.rng.fork(lv.id), slot, (o) => kern.ctxs[o.id]);
  kern.ctxs[lv.id] = ctx;
  initPolicyState(kern, ctx);
}

export function initPolicyState(kern: KernelState, ctx: LruvecCtx): void {
  const ops = ctx.slot.ops;
  for (const l of ctx.ownLists) kern.world.lists.retire(l);
  ctx.ownLists = [];
  if (ops.init) {
    const NONE = {};
    const state = kern.watchdog.guard(
      ctx,
      'init',
      () =>
        ops.init!({
          lruvec: ctx.lruvec,
          machine: kern.machine,
          memoryPages: Math.min(kern.machine.nodes[ctx.lruvec.node].pages, ctx.lruvec.memcg.max),
          createList: (name: string) => {
            const id = kern.world.lists.create(ctx.lruvec.id, `${ops.name}:${name}`);
            ctx.ownLists.push(id);
            return id;
          },
        }),
      () => NONE,
    );
    // Ejected inside init: the ejection already initialised the fallback.
    if (ctx.slot.ops !== ops) return;
    ctx.state = state === NONE ? undefined : state;
  } else ctx.state = undefined;
  defaultHooks.init(ctx);
  if (!ops.init) ctx.state = { list: ctx.ownLists[0] };
}

/** Used by the watchdog on ejection: move every folio of the scope to the fallback policy. */
export function ejectSlot(kern: KernelState, slot: PolicySlot, exit: PolicyExit): void {
  kern.policyExits.push(exit);
  if (!kern.fallback) throw new PolicyEjected(exit);
  slot.ops = kern.fallback;
  slot.ejected = true;
  const f = kern.machine.frames;
  const lists = kern.world.lists;
  const strays = takeStrays(kern, slot);
  for (const ctx of kern.ctxs) {
    if (!ctx || ctx.slot !== slot) continue;
    // `drain_evictable` then `fill_evictable`: unlink from the old lists, re-add through the fallback.
    const pfns: number[] = strays.get(ctx) ?? [];
    for (const l of ctx.ownLists) {
      for (let p = lists.last(l); p !== -1; p = lists.last(l)) {
        lists.remove(p);
        pfns.push(p);
      }
    }
    for (const p of pfns) f.flags[p] &= ~(PG_ACTIVE | PG_LRU);
    ctx.lruvec.nrPages[0] = 0;
    ctx.lruvec.nrPages[1] = 0;
    for (const p of pfns) f.policy[p] = 0;
    initPolicyState(kern, ctx);
    for (const p of pfns.reverse()) {
      kern.addHow.reason = 'migrate';
      kern.addHow.active = false;
      kern.addHow.inFault = false;
      kern.addHow.vmFlags = 0;
      placeOnLru(kern, ctx, p, 'folioAdded');
    }
  }
}

/**
 * A hook stopped between two list operations (it threw, ran out of budget,
 * or went on after its policy was ejected) can leave a folio of its scope
 * on no list, or on a list its lruvec does not own. Take each one off
 * whatever list holds it (PG_lru stays set), grouped by lruvec, counted in
 * `policy_overrides`.
 */
export function takeStrays(kern: KernelState, slot: PolicySlot): Map<LruvecCtx, number[]> {
  const f = kern.machine.frames;
  const lists = kern.world.lists;
  const strays = new Map<LruvecCtx, number[]>();
  for (let pfn = 0; pfn < f.count; pfn++) {
    if ((f.flags[pfn] & (PG_LRU | PG_UNEVICTABLE)) !== PG_LRU) continue;
    const ctx = kern.ctxs[f.lruvec[pfn]];
    if (ctx?.slot !== slot || ctx.owns(lists.listOf[pfn])) continue;
    if (lists.listOf[pfn] !== -1) lists.remove(pfn);
    kern.world.counters.v[VM.policy_overrides]++;
    const list = strays.get(ctx);
    if (list) list.push(pfn);
    else strays.set(ctx, [pfn]);
  }
  return strays;
}

/** After an ejection by a nested hook: re-add what the rest of the old policy's hook left astray. */
export function recoverStrays(kern: KernelState, slot: PolicySlot): void {
  const f = kern.machine.frames;
  for (const [ctx, pfns] of takeStrays(kern, slot)) {
    for (const pfn of pfns) {
      f.flags[pfn] &= ~(PG_ACTIVE | PG_LRU);
      ctx.lruvec.nrPages[f.flags[pfn] & PG_SWAPBACKED ? LRU_ANON : LRU_FILE]--;
      kern.addHow.reason = 'migrate';
      kern.addHow.active = false;
      kern.addHow.inFault = false;
      kern.addHow.vmFlags = 0;
      placeOnLru(kern, kern.ctxs[ctx.lruvec.id], pfn, 'folioAdded');
    }
  }
}
