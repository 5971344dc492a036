import {
  type Machine,
  type Memcg,
  PG_ALLOCATED,
  PG_ANON,
  PG_DIRTY,
  PG_FILE,
  PG_ISOLATED,
  PG_LOCKED,
  PG_LRU,
  PG_SWAPBACKED,
  PG_SWAPCACHE,
  PG_WRITEBACK,
  PG_ZSMALLOC,
  ZERO_PAGE_PTE,
} from '@reclaim-lab/hw-model';
import type { World } from '@reclaim-lab/mechanisms';
import type { LruvecCtx } from './policy-host.js';

/**
 * The invariants docs/contributing.md lists, checked against the whole machine:
 * conservation (every frame free, on exactly one list of its own lruvec, or
 * isolated; list counts equal list lengths), no PTE pointing at a free frame,
 * and every used swap slot held exactly once. Throws with a description.
 */
export function checkKernelInvariants(
  machine: Machine,
  world: World,
  ctxs: readonly LruvecCtx[],
  where: string,
): void {
  const f = machine.frames;
  const lists = world.lists;
  let free = 0;
  let zsmalloc = 0;
  for (let pfn = 0; pfn < f.count; pfn++) {
    const fl = f.flags[pfn];
    if ((fl & PG_ALLOCATED) === 0) {
      free++;
      if (lists.listOf[pfn] !== -1)
        throw new Error(`${where}: free pfn ${pfn} is on list ${lists.name(lists.listOf[pfn])}`);
      continue;
    }
    // zram's pool pages are the pool's: on no list, and counted by it.
    if (fl & PG_ZSMALLOC) {
      zsmalloc++;
      if (lists.listOf[pfn] !== -1) throw new Error(`${where}: zsmalloc pfn ${pfn} is on a list`);
      continue;
    }
    const onList = lists.listOf[pfn] !== -1;
    const isolated = (fl & PG_ISOLATED) !== 0;
    // A folio being read in (PG_locked) is allocated before it joins an LRU.
    if (onList ? isolated : !isolated && (fl & PG_LOCKED) === 0)
      throw new Error(
        `${where}: pfn ${pfn} is ${onList ? 'both on a list and isolated' : 'neither on a list nor isolated'}`,
      );
    if (onList && (fl & PG_LRU) === 0) throw new Error(`${where}: pfn ${pfn} is on a list without PG_lru`);
    if (onList && lists.lruvecOf(lists.listOf[pfn]) !== f.lruvec[pfn])
      throw new Error(`${where}: pfn ${pfn} is on another lruvec's list`);
  }
  if (free !== machine.freePages())
    throw new Error(`${where}: ${free} free frames but zones count ${machine.freePages()}`);
  if (zsmalloc !== (machine.zram?.held ?? 0))
    throw new Error(
      `${where}: ${zsmalloc} zsmalloc frames but the zram pool holds ${machine.zram?.held ?? 0}`,
    );
  checkNodes(machine, world, where);
  checkDirtyCounts(machine, world, where);
  for (const lv of world.lruvecs) {
    const ctx = ctxs[lv.id];
    let onLists = 0;
    for (const l of ctx.ownLists) onLists += lists.length(l);
    if (onLists !== lv.nrPages[0] + lv.nrPages[1]) {
      throw new Error(
        `${where}: lruvec ${lv.memcg.path}@${lv.node} counts ${lv.nrPages[0] + lv.nrPages[1]} pages but its lists hold ${onLists}`,
      );
    }
    if (lists.length(lv.unevictableList) !== lv.nrUnevictable)
      throw new Error(`${where}: unevictable count mismatch on ${lv.memcg.path}`);
    for (const l of ctx.ownLists) checkLinks(world, l, where);
    checkLinks(world, lv.unevictableList, where);
  }
  // Every used swap slot is held exactly once: by a swap PTE or by its swap-cache folio.
  const swap = machine.swap;
  if (swap) {
    const holders = new Uint8Array(swap.highWater);
    for (let pfn = 0; pfn < f.count; pfn++) {
      if ((f.flags[pfn] & PG_ALLOCATED) === 0 || (f.flags[pfn] & PG_SWAPCACHE) === 0) continue;
      const slot = f.swapSlot[pfn];
      if (slot < 0 || !swap.isUsed(slot) || swap.frame[slot] !== pfn)
        throw new Error(`${where}: swap-cache pfn ${pfn} holds slot ${slot} inconsistently`);
      holders[slot]++;
    }
    for (const mm of world.mms) {
      for (let vpn = 0; vpn < mm.pte.length; vpn++)
        if (mm.pte[vpn] < 0 && swap.frame[-mm.pte[vpn] - 1] < 0) holders[-mm.pte[vpn] - 1]++;
    }
    // A shmem file's page cache holds the swap entries of its swapped-out pages.
    for (const file of machine.files) {
      const entries = file.swapEntry;
      if (entries === null) continue;
      for (let index = 0; index < entries.length; index++) {
        if (entries[index] === 0) continue;
        const slot = entries[index] - 1;
        if (
          !swap.isUsed(slot) ||
          swap.shmem[slot] !== 1 ||
          swap.ownerMm[slot] !== file.id ||
          swap.ownerVpn[slot] !== index
        )
          throw new Error(
            `${where}: shmem file ${file.name} index ${index} holds swap slot ${slot} that it does not own`,
          );
        if (file.cache[index] !== 0)
          throw new Error(`${where}: shmem file ${file.name} index ${index} is both cached and swapped`);
        if (swap.frame[slot] < 0) holders[slot]++;
      }
    }
    let used = 0;
    for (let slot = 0; slot < swap.highWater; slot++) {
      if (!swap.isUsed(slot)) continue;
      used++;
      if (holders[slot] !== 1)
        throw new Error(
          `${where}: swap slot ${slot} is held ${holders[slot]} times (owner mm ${swap.ownerMm[slot]} vpn ${swap.ownerVpn[slot]})`,
        );
    }
    if (used !== swap.used)
      throw new Error(`${where}: ${used} swap slots in use but the swap map counts ${swap.used}`);
  }
  // The shadow-node shrinker's counts follow the trees they stand for.
  const nodes = world.shadowNodes?.check();
  if (nodes) throw new Error(`${where}: shadow nodes: ${nodes}`);
  for (const mm of world.mms) {
    for (let vpn = 0; vpn < mm.pte.length; vpn++) {
      const p = mm.pte[vpn];
      if (p === ZERO_PAGE_PTE) continue;
      if (p > 0) {
        const pfn = p - 1;
        if ((f.flags[pfn] & PG_ALLOCATED) === 0)
          throw new Error(`${where}: mm ${mm.id} vpn ${vpn} maps free pfn ${pfn}`);
      } else if (p < 0) {
        const slot = -p - 1;
        if (!swap?.isUsed(slot) || swap.ownerMm[slot] !== mm.id || swap.ownerVpn[slot] !== vpn) {
          throw new Error(`${where}: mm ${mm.id} vpn ${vpn} holds swap slot ${slot} that it does not own`);
        }
      }
    }
  }
}

/**
 * Conservation across nodes and no page on two nodes (what migration between
 * tiers must keep): each node's zone counts exactly its own free frames; a
 * folio sits on a lruvec of its own node; an anon folio is the one frame its
 * PTE (or swap-cache slot) names, and a page-cache folio the one its file's
 * cache slot names — so no (mm, vpn) or (file, index) has a second frame.
 */
function checkNodes(machine: Machine, world: World, where: string): void {
  const f = machine.frames;
  for (const node of machine.nodes) {
    let free = 0;
    for (let pfn = node.firstPfn; pfn < node.firstPfn + node.pages; pfn++) {
      if ((f.flags[pfn] & PG_ALLOCATED) === 0) {
        free++;
        continue;
      }
      const lv = f.lruvec[pfn];
      if (lv >= 0 && (f.flags[pfn] & (PG_LRU | PG_ISOLATED)) !== 0 && world.lruvecs[lv].node !== node.id)
        throw new Error(
          `${where}: pfn ${pfn} of node ${node.id} is on a lruvec of node ${world.lruvecs[lv].node}`,
        );
      const fl = f.flags[pfn];
      if (fl & PG_FILE) {
        if (machine.files[f.owner[pfn]].cache[f.index[pfn]] !== pfn + 1)
          throw new Error(
            `${where}: pfn ${pfn} (node ${node.id}) claims page ${f.index[pfn]} of file ${f.owner[pfn]}, whose cache slot holds another frame`,
          );
      } else if (fl & PG_ANON && f.mapcount[pfn] > 0) {
        const mm = world.mms[f.owner[pfn]];
        if (mm.pte[f.index[pfn]] !== pfn + 1)
          throw new Error(
            `${where}: pfn ${pfn} (node ${node.id}) claims mm ${mm.id} vpn ${f.index[pfn]}, whose PTE maps another frame`,
          );
      }
    }
    if (free !== node.zone.free)
      throw new Error(
        `${where}: node ${node.id} has ${free} free frames but its zone counts ${node.zone.free}`,
      );
  }
}

/** NR_FILE_DIRTY and NR_WRITEBACK, machine-wide and per memcg subtree, agree with the frames' flags. */
function checkDirtyCounts(machine: Machine, world: World, where: string): void {
  const f = machine.frames;
  const dirty = new Float64Array(machine.memcgs.length);
  const writeback = new Float64Array(machine.memcgs.length);
  let allDirty = 0;
  let allWriteback = 0;
  for (let pfn = 0; pfn < f.count; pfn++) {
    const fl = f.flags[pfn];
    if ((fl & PG_ALLOCATED) === 0) continue;
    const fileDirty = (fl & (PG_FILE | PG_SWAPBACKED | PG_DIRTY)) === (PG_FILE | PG_DIRTY);
    const wb = (fl & PG_WRITEBACK) !== 0;
    if (fileDirty) allDirty++;
    if (wb) allWriteback++;
    for (let m: Memcg | null = machine.memcgs[f.memcg[pfn]]; m; m = m.parent) {
      if (fileDirty) dirty[m.id]++;
      if (wb) writeback[m.id]++;
    }
  }
  if (allDirty !== world.nrFileDirty || allWriteback !== world.nrWriteback)
    throw new Error(
      `${where}: ${allDirty} dirty and ${allWriteback} write-back file pages, but the counts say ${world.nrFileDirty} and ${world.nrWriteback}`,
    );
  for (const m of machine.memcgs) {
    if (dirty[m.id] !== m.nrFileDirty || writeback[m.id] !== m.nrWriteback)
      throw new Error(
        `${where}: memcg ${m.path} has ${dirty[m.id]} dirty and ${writeback[m.id]} write-back pages, but counts ${m.nrFileDirty} and ${m.nrWriteback}`,
      );
  }
}

/**
 * Walk one list's links both ways: each folio's `prev` is the folio before
 * it, each names this list, the walk ends at the tail within the list's
 * length. A policy that writes the link arrays itself (a folio its own
 * predecessor, a loop) is caught here, not by the counts alone.
 */
function checkLinks(world: World, list: number, where: string): void {
  const lists = world.lists;
  const len = lists.length(list);
  let n = 0;
  let before = -1;
  for (let p = lists.first(list); p !== -1; p = lists.next[p]) {
    if (++n > len)
      throw new Error(
        `${where}: list ${lists.name(list)} links more than its ${len} folios (a cycle at pfn ${p})`,
      );
    if (lists.listOf[p] !== list)
      throw new Error(`${where}: pfn ${p} is linked into list ${lists.name(list)} but belongs to another`);
    if (lists.prev[p] !== before)
      throw new Error(
        `${where}: pfn ${p} on list ${lists.name(list)} has prev ${lists.prev[p]}, not ${before}`,
      );
    before = p;
  }
  if (n !== len) throw new Error(`${where}: list ${lists.name(list)} links ${n} folios but counts ${len}`);
  if (lists.last(list) !== before)
    throw new Error(
      `${where}: list ${lists.name(list)} ends at pfn ${before} but its tail is ${lists.last(list)}`,
    );
}
