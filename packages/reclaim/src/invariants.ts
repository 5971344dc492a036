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
 * Scratch arrays reused from one check to the next: the check runs after
 * every reclaim pass in checking mode (thousands of times a property case),
 * so it allocates only when a machine needs more than the last one did.
 */
let holdersScratch = new Int32Array(0);
let dirtyScratch = new Int32Array(0);

function holdersFor(slots: number): Int32Array {
  if (holdersScratch.length < slots)
    holdersScratch = new Int32Array(Math.max(slots, 2 * holdersScratch.length));
  holdersScratch.fill(0, 0, slots);
  return holdersScratch;
}

/** Two counts per memcg (dirty file, writeback), zeroed. */
function dirtyFor(memcgs: number): Int32Array {
  if (dirtyScratch.length < 2 * memcgs) dirtyScratch = new Int32Array(2 * memcgs);
  dirtyScratch.fill(0, 0, 2 * memcgs);
  return dirtyScratch;
}

/**
 * Whether anything the walk reads moved since the last call: the walk after
 * a reclaim pass is skipped when the pass made no list operation, took or
 * freed no frame, dirtied or cleaned no file page, started or ended no
 * write-back and took or freed no swap slot or zram page. Most passes of a
 * small machine are such (priorities whose scan target rounds to zero: 70%
 * of the walks of a two-tier case under lru, 84% under mglru). A state
 * written outside these (a link or a PTE written directly) is checked by
 * the next walk, which then names a later pass.
 */
export class PassPrint {
  private readonly last = new Float64Array(6).fill(-1);

  changed(machine: Machine, world: World): boolean {
    const l = this.last;
    const ops = world.lists.ops;
    const free = machine.freePages();
    const swapUsed = machine.swap ? machine.swap.used : 0;
    const zram = machine.zram ? machine.zram.held : 0;
    if (
      l[0] === ops &&
      l[1] === free &&
      l[2] === world.nrFileDirty &&
      l[3] === world.nrWriteback &&
      l[4] === swapUsed &&
      l[5] === zram
    )
      return false;
    l[0] = ops;
    l[1] = free;
    l[2] = world.nrFileDirty;
    l[3] = world.nrWriteback;
    l[4] = swapUsed;
    l[5] = zram;
    return true;
  }
}

/**
 * The invariants docs/contributing.md lists, checked against the whole machine:
 * conservation (every frame free, on exactly one list of its own lruvec, or
 * isolated; list counts equal list lengths), no PTE pointing at a free frame,
 * and every used swap slot held exactly once. Throws with a description.
 *
 * One pass over the frames (node by node), one over the PTEs, one over the
 * page caches, with counts in reused typed arrays: it runs after every
 * reclaim pass in checking mode, so its cost is most of a property run's.
 */
export function checkKernelInvariants(
  machine: Machine,
  world: World,
  ctxs: readonly LruvecCtx[],
  where: string,
): void {
  const f = machine.frames;
  const flags = f.flags;
  const lists = world.lists;
  const listOf = lists.listOf;
  const swap = machine.swap;
  const swapFrame = swap ? swap.frame : null;
  const highWater = swap ? swap.highWater : 0;
  const holders = holdersFor(highWater);
  const memcgs = machine.memcgs;
  const dirty = dirtyFor(memcgs.length);
  let free = 0;
  let zsmalloc = 0;
  let allDirty = 0;
  let allWriteback = 0;
  let covered = 0;
  for (const node of machine.nodes) {
    let nodeFree = 0;
    const end = node.firstPfn + node.pages;
    covered += node.pages;
    for (let pfn = node.firstPfn; pfn < end; pfn++) {
      const fl = flags[pfn];
      if ((fl & PG_ALLOCATED) === 0) {
        nodeFree++;
        if (listOf[pfn] !== -1)
          throw new Error(`${where}: free pfn ${pfn} is on list ${lists.name(listOf[pfn])}`);
        continue;
      }
      checkFrameNode(machine, world, pfn, node.id, where);
      // NR_FILE_DIRTY and NR_WRITEBACK, counted where the frame is charged (summed up the tree below).
      const fileDirty = (fl & (PG_FILE | PG_SWAPBACKED | PG_DIRTY)) === (PG_FILE | PG_DIRTY);
      if (fileDirty) {
        allDirty++;
        dirty[2 * f.memcg[pfn]]++;
      }
      if (fl & PG_WRITEBACK) {
        allWriteback++;
        dirty[2 * f.memcg[pfn] + 1]++;
      }
      if (fl & PG_SWAPCACHE && swap) {
        const slot = f.swapSlot[pfn];
        if (slot < 0 || !swap.isUsed(slot) || swap.frame[slot] !== pfn)
          throw new Error(`${where}: swap-cache pfn ${pfn} holds slot ${slot} inconsistently`);
        holders[slot]++;
      }
      // zram's pool pages are the pool's: on no list, and counted by it.
      if (fl & PG_ZSMALLOC) {
        zsmalloc++;
        if (listOf[pfn] !== -1) throw new Error(`${where}: zsmalloc pfn ${pfn} is on a list`);
        continue;
      }
      const onList = listOf[pfn] !== -1;
      const isolated = (fl & PG_ISOLATED) !== 0;
      // A folio being read in (PG_locked) is allocated before it joins an LRU.
      if (onList ? isolated : !isolated && (fl & PG_LOCKED) === 0)
        throw new Error(
          `${where}: pfn ${pfn} is ${onList ? 'both on a list and isolated' : 'neither on a list nor isolated'}`,
        );
      if (onList && (fl & PG_LRU) === 0) throw new Error(`${where}: pfn ${pfn} is on a list without PG_lru`);
      if (onList && lists.lruvecOf(listOf[pfn]) !== f.lruvec[pfn])
        throw new Error(`${where}: pfn ${pfn} is on another lruvec's list`);
    }
    if (nodeFree !== node.zone.free)
      throw new Error(
        `${where}: node ${node.id} has ${nodeFree} free frames but its zone counts ${node.zone.free}`,
      );
    free += nodeFree;
  }
  if (covered !== f.count)
    throw new Error(`${where}: the nodes hold ${covered} frames but the frame table has ${f.count}`);
  if (free !== machine.freePages())
    throw new Error(`${where}: ${free} free frames but zones count ${machine.freePages()}`);
  if (zsmalloc !== (machine.zram?.held ?? 0))
    throw new Error(
      `${where}: ${zsmalloc} zsmalloc frames but the zram pool holds ${machine.zram?.held ?? 0}`,
    );
  checkDirtyCounts(machine, world, dirty, allDirty, allWriteback, where);
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
  // No PTE maps a free frame, and a swap PTE owns its slot (the slot's holder unless a swap-cache folio holds it).
  for (const mm of world.mms) {
    const pte = mm.pte;
    const id = mm.id;
    for (let vpn = 0; vpn < pte.length; vpn++) {
      const p = pte[vpn];
      if (p === 0 || p === ZERO_PAGE_PTE) continue;
      if (p > 0) {
        if ((flags[p - 1] & PG_ALLOCATED) === 0)
          throw new Error(`${where}: mm ${id} vpn ${vpn} maps free pfn ${p - 1}`);
        continue;
      }
      const slot = -p - 1;
      if (
        swap === null ||
        swapFrame === null ||
        !swap.isUsed(slot) ||
        swap.ownerMm[slot] !== id ||
        swap.ownerVpn[slot] !== vpn
      )
        throw new Error(`${where}: mm ${id} vpn ${vpn} holds swap slot ${slot} that it does not own`);
      if (swapFrame[slot] < 0) holders[slot]++;
    }
  }
  // Every used swap slot is held exactly once: by a swap PTE, by its swap-cache folio,
  // or by the shmem file whose page cache holds its swap entry.
  if (swap) {
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
    for (let slot = 0; slot < highWater; slot++) {
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
}

/**
 * Conservation across nodes and no page on two nodes (what migration between
 * tiers must keep), for one allocated frame of `node`: a folio sits on a
 * lruvec of its own node; an anon folio is the one frame its PTE (or
 * swap-cache slot) names, and a page-cache folio the one its file's cache
 * slot names — so no (mm, vpn) or (file, index) has a second frame. (Each
 * node's zone counting exactly its own free frames is checked by the caller.)
 */
function checkFrameNode(machine: Machine, world: World, pfn: number, node: number, where: string): void {
  const f = machine.frames;
  const fl = f.flags[pfn];
  const lv = f.lruvec[pfn];
  if (lv >= 0 && (fl & (PG_LRU | PG_ISOLATED)) !== 0 && world.lruvecs[lv].node !== node)
    throw new Error(`${where}: pfn ${pfn} of node ${node} is on a lruvec of node ${world.lruvecs[lv].node}`);
  if (fl & PG_FILE) {
    if (machine.files[f.owner[pfn]].cache[f.index[pfn]] !== pfn + 1)
      throw new Error(
        `${where}: pfn ${pfn} (node ${node}) claims page ${f.index[pfn]} of file ${f.owner[pfn]}, whose cache slot holds another frame`,
      );
  } else if (fl & PG_ANON && f.mapcount[pfn] > 0) {
    const mm = world.mms[f.owner[pfn]];
    if (mm.pte[f.index[pfn]] !== pfn + 1)
      throw new Error(
        `${where}: pfn ${pfn} (node ${node}) claims mm ${mm.id} vpn ${f.index[pfn]}, whose PTE maps another frame`,
      );
  }
}

/**
 * NR_FILE_DIRTY and NR_WRITEBACK, machine-wide and per memcg subtree, agree
 * with the frames' flags. `own` holds each memcg's own (dirty, writeback)
 * counts; they are summed into the ancestors here, once per memcg rather
 * than once per frame.
 */
function checkDirtyCounts(
  machine: Machine,
  world: World,
  own: Int32Array,
  allDirty: number,
  allWriteback: number,
  where: string,
): void {
  if (allDirty !== world.nrFileDirty || allWriteback !== world.nrWriteback)
    throw new Error(
      `${where}: ${allDirty} dirty and ${allWriteback} write-back file pages, but the counts say ${world.nrFileDirty} and ${world.nrWriteback}`,
    );
  for (const m of machine.memcgs) {
    let dirty = 0;
    let writeback = 0;
    // A subtree's count: its own frames' and every descendant's (the tree is small; frames are not).
    for (const d of machine.memcgs) {
      if (own[2 * d.id] === 0 && own[2 * d.id + 1] === 0) continue;
      for (let a: Memcg | null = d; a; a = a.parent)
        if (a === m) {
          dirty += own[2 * d.id];
          writeback += own[2 * d.id + 1];
          break;
        }
    }
    if (dirty !== m.nrFileDirty || writeback !== m.nrWriteback)
      throw new Error(
        `${where}: memcg ${m.path} has ${dirty} dirty and ${writeback} write-back pages, but counts ${m.nrFileDirty} and ${m.nrWriteback}`,
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
