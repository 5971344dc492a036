/**
 * Where a folio goes and how accesses mark it (include/linux/mm_inline.h and
 * mm/swap.c: `lru_gen_folio_seq`, `lru_gen_add_folio`, `lru_gen_del_folio`,
 * `lru_gen_inc_refs`, `lru_gen_set_refs`; mm/vmscan.c: `folio_inc_gen`,
 * `folio_update_gen`). 6.14+ semantics by default; with `machine.kernel`
 * 6.1/6.6/6.12 (`state.upTo613`) the rules before the Dec 2024 rework.
 *
 * Two ways to be hot, as the table above `lru_gen_folio_seq` draws them:
 * through page tables (two A-bit sightings: PG_referenced, then promotion
 * to max_seq with PG_workingset) and through file descriptors (the refs
 * counter climbs the tiers; `sort_folio` protects tiers the refault
 * feedback says are worth it).
 */
import {
  PG_ACTIVE,
  PG_DIRTY,
  PG_RECLAIM,
  PG_REFERENCED,
  PG_SWAPCACHE,
  PG_UNEVICTABLE,
  PG_WORKINGSET,
  PG_WRITEBACK,
} from '@reclaim-lab/hw-model';
import { VM } from '@reclaim-lab/mechanisms';
import { ANON, type Ctx, type Layout, type MglruState, typeOf } from './state.js';

/**
 * `lru_gen_folio_seq` (6.14+): a folio added in a fault (PG_active) goes to
 * max_seq-1, or max_seq if it was workingset; one put back at the tail by
 * reclaim, and cold page cache, to the oldest; anon not yet in swap cache and
 * dirty folios reclaim tagged, to max_seq-1; workingset page cache one newer
 * than the oldest. Clamped to the type's min_seq.
 * Kernels up to 6.13 follow `folioSeqUpTo613`.
 */
export function folioSeq(
  L: Layout,
  st: MglruState,
  flags: number,
  reclaiming: boolean,
  active: boolean,
): number {
  const type = typeOf(flags);
  if (st.upTo613) return folioSeqUpTo613(L, st, flags, type, reclaiming, active);
  const ws = flags & PG_WORKINGSET ? 1 : 0;
  let g: number;
  if (active) g = L.minGens - ws;
  else if (reclaiming) g = L.gens;
  else if (
    (type === ANON && (flags & PG_SWAPCACHE) === 0) ||
    (flags & PG_RECLAIM && flags & (PG_DIRTY | PG_WRITEBACK))
  )
    g = L.minGens;
  else g = L.gens - ws;
  if (g < 1) g = 1;
  return Math.max(st.maxSeq - g + 1, st.minSeq[type]);
}

/**
 * `lru_gen_add_folio` up to 6.13 (changed by 4d5d14a01e2c "mm/mglru: rework
 * workingset protection"): a folio added active (faulted in, or rejected by
 * reclaim) goes to the youngest generation itself; anon not in swap cache
 * and reclaim-tagged dirty folios to max_seq-1; one put back for reclaim,
 * or any other when only MIN_NR_GENS generations exist, to the oldest;
 * the rest to min_seq+1.
 */
function folioSeqUpTo613(
  L: Layout,
  st: MglruState,
  flags: number,
  type: number,
  reclaiming: boolean,
  active: boolean,
): number {
  if (active) return st.maxSeq;
  if (
    (type === ANON && (flags & PG_SWAPCACHE) === 0) ||
    (flags & PG_RECLAIM && flags & (PG_DIRTY | PG_WRITEBACK))
  )
    return st.maxSeq - 1;
  if (reclaiming || st.minSeq[type] + L.minGens >= st.maxSeq) return st.minSeq[type];
  return st.minSeq[type] + 1;
}

/**
 * `lru_gen_add_folio`: write the generation, clear PG_active, and put the
 * folio at the head of its list (the tail when reclaim is putting it back
 * to be reclaimed next).
 */
export function addFolio(L: Layout, ctx: Ctx, pfn: number, reclaiming: boolean, active: boolean): void {
  const f = ctx.frames;
  const st = ctx.state;
  const flags = f.flags[pfn];
  const type = typeOf(flags);
  const isActive = active || (flags & PG_ACTIVE) !== 0;
  const gen = folioSeq(L, st, flags, reclaiming, isActive) % L.gens;
  f.policy[pfn] = L.withGen(f.policy[pfn], gen);
  f.flags[pfn] = flags & ~PG_ACTIVE;
  // Up to 6.13 an active add also cleared the refs counter and PG_referenced.
  if (isActive && st.upTo613) clearRefsFlags(L, ctx, pfn);
  st.nrPages[gen * 2 + type]++;
  if (reclaiming) ctx.lists.addTail(st.lists[gen * 2 + type], pfn);
  else ctx.lists.addHead(st.lists[gen * 2 + type], pfn);
}

/** `lru_gen_del_folio` (the list unlink is the caller's): clear the gen field. */
export function delFolio(L: Layout, ctx: Ctx, pfn: number): void {
  const f = ctx.frames;
  const gen = L.genOf(f.policy[pfn]);
  if (gen < 0) return;
  ctx.state.nrPages[gen * 2 + typeOf(f.flags[pfn])]--;
  f.policy[pfn] = L.withGen(f.policy[pfn], -1);
}

/** Change a folio's gen field (and the per-gen counts), leaving it where it is on the lists. */
function setGen(L: Layout, ctx: Ctx, pfn: number, gen: number): void {
  const f = ctx.frames;
  const old = L.genOf(f.policy[pfn]);
  if (old === gen) return;
  const type = typeOf(f.flags[pfn]);
  const n = ctx.state.nrPages;
  if (old >= 0) n[old * 2 + type]--;
  n[gen * 2 + type]++;
  f.policy[pfn] = L.withGen(f.policy[pfn], gen);
}

/** Clear LRU_REFS_FLAGS: the refs counter and PG_referenced. */
export function clearRefsFlags(L: Layout, ctx: Ctx, pfn: number): void {
  const f = ctx.frames;
  f.policy[pfn] = L.withRefsCounter(f.policy[pfn], 0);
  f.flags[pfn] &= ~PG_REFERENCED;
}

/**
 * `lru_gen_inc_refs` (an fd access): the first sets PG_referenced, later
 * ones count up; once the counter is full, PG_workingset. No list movement.
 * Up to 6.13 (`folio_inc_refs`) PG_workingset came second, then the count.
 */
export function incRefs(L: Layout, ctx: Ctx, pfn: number): void {
  const f = ctx.frames;
  const flags = f.flags[pfn];
  if (flags & PG_UNEVICTABLE) return;
  if ((flags & PG_REFERENCED) === 0) {
    f.policy[pfn] = L.withRefsCounter(f.policy[pfn], 0);
    f.flags[pfn] = flags | PG_REFERENCED;
    return;
  }
  // Up to 6.13 (`folio_inc_refs`): the second access sets PG_workingset, later ones count up.
  if (L.legacyRefs && (flags & PG_WORKINGSET) === 0) {
    f.flags[pfn] = flags | PG_WORKINGSET;
    return;
  }
  const refs = L.refsCounter(f.policy[pfn]);
  if (refs === L.refsMax) f.flags[pfn] = flags | PG_WORKINGSET;
  else f.policy[pfn] = L.withRefsCounter(f.policy[pfn], refs + 1);
}

/**
 * `lru_gen_set_refs` (a young PTE found by rmap): the first sighting sets
 * PG_referenced and returns false; the second clears the refs flags, sets
 * PG_workingset and returns true (activate).
 */
export function setRefs(L: Layout, ctx: Ctx, pfn: number): boolean {
  const f = ctx.frames;
  const flags = f.flags[pfn];
  f.policy[pfn] = L.withRefsCounter(f.policy[pfn], 0);
  if ((flags & (PG_REFERENCED | PG_WORKINGSET)) === 0) {
    f.flags[pfn] = flags | PG_REFERENCED;
    return false;
  }
  f.flags[pfn] = (flags & ~PG_REFERENCED) | PG_WORKINGSET;
  return true;
}

/**
 * `folio_inc_gen`: move a folio of the oldest generation to the next one,
 * clearing its refs flags (and tagging PG_reclaim when reclaim moves a
 * dirty or writeback folio). A folio the aging already promoted keeps its
 * generation. Returns the generation; the caller moves it on the lists.
 */
export function folioIncGen(L: Layout, ctx: Ctx, pfn: number, reclaiming: boolean): number {
  const st = ctx.state;
  const f = ctx.frames;
  const type = typeOf(f.flags[pfn]);
  const oldGen = st.minSeq[type] % L.gens;
  const gen = L.genOf(f.policy[pfn]);
  if (gen >= 0 && gen !== oldGen) return gen;
  const newGen = (oldGen + 1) % L.gens;
  clearRefsFlags(L, ctx, pfn);
  // Up to 6.13 LRU_REFS_FLAGS held PG_workingset too.
  if (L.legacyRefs) f.flags[pfn] &= ~PG_WORKINGSET;
  if (reclaiming) f.flags[pfn] |= PG_RECLAIM;
  setGen(L, ctx, pfn, newGen);
  return newGen;
}

/**
 * `folio_update_gen` (a young PTE found by a page-table walk, or by
 * look-around in a reclaimer that owns a walk): the first sighting only
 * sets PG_referenced; the second promotes to max_seq with PG_workingset.
 * The folio stays on its list until `sort_folio` or `inc_min_seq` meets it.
 * Returns whether the generation changed (an age update, for `ageUpdate`).
 */
export function folioUpdateGen(L: Layout, ctx: Ctx, pfn: number): boolean {
  const f = ctx.frames;
  const flags = f.flags[pfn];
  if (ctx.state.upTo613) return folioUpdateGenUpTo613(L, ctx, pfn);
  if ((flags & (PG_REFERENCED | PG_WORKINGSET)) === 0) {
    f.policy[pfn] = L.withRefsCounter(f.policy[pfn], 0);
    f.flags[pfn] = flags | PG_REFERENCED;
    return false;
  }
  if (L.genOf(f.policy[pfn]) < 0) return false;
  f.policy[pfn] = L.withRefsCounter(f.policy[pfn], 0);
  f.flags[pfn] = (flags & ~PG_REFERENCED) | PG_WORKINGSET;
  setGen(L, ctx, pfn, ctx.state.maxSeq % L.gens);
  return true;
}

/**
 * `folio_update_gen` up to 6.13: one A-bit sighting promotes to max_seq and
 * clears the refs counter, PG_referenced and PG_workingset (then
 * LRU_REFS_FLAGS). A folio isolated meanwhile gets PG_referenced for
 * `shrink_folio_list`.
 */
function folioUpdateGenUpTo613(L: Layout, ctx: Ctx, pfn: number): boolean {
  const f = ctx.frames;
  if (L.genOf(f.policy[pfn]) < 0) {
    f.flags[pfn] |= PG_REFERENCED;
    return false;
  }
  f.policy[pfn] = L.withRefsCounter(f.policy[pfn], 0);
  f.flags[pfn] &= ~(PG_REFERENCED | PG_WORKINGSET);
  setGen(L, ctx, pfn, ctx.state.maxSeq % L.gens);
  return true;
}

/** `folio_activate` under MGLRU: take the folio off its list and add it back as active. */
export function folioActivate(L: Layout, ctx: Ctx, pfn: number): void {
  ctx.lists.remove(pfn);
  delFolio(L, ctx, pfn);
  addFolio(L, ctx, pfn, false, true);
  ctx.world.counters.v[VM.pgactivate]++;
}

/** Move a folio to the head (or tail) of the list of its current gen field. */
export function moveToOwnGen(L: Layout, ctx: Ctx, pfn: number, head: boolean): void {
  const f = ctx.frames;
  const list = ctx.state.lists[L.genOf(f.policy[pfn]) * 2 + typeOf(f.flags[pfn])];
  if (head) ctx.lists.moveHead(list, pfn);
  else ctx.lists.moveTail(list, pfn);
}
