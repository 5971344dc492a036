/**
 * mm/migrate.c and the tiering half of mm/vmscan.c: moving a folio between
 * memory tiers. `demoteFolio` is reclaim's `demote_folio_list` for one folio
 * (`can_demote`, `alloc_demote_folio`), `promoteFolio` the NUMA-balancing
 * `migrate_misplaced_folio`; both use `migrateFolio` (`migrate_pages` for
 * one base page: allocate on the target node, copy, move the mapping, free
 * the source).
 *
 * Demotion takes any folio that can migrate: private anon (mapped once, or
 * in the swap cache), page cache however often mapped, shmem in its page
 * cache or the swap cache. Deviation: promotion moves private anon only.
 *
 * Owns no state. May call: lru-add, kswapd (wake the target node).
 */
import {
  LRU_ANON,
  PG_ACTIVE,
  PG_ALLOCATED,
  PG_ANON,
  PG_DIRTY,
  PG_FILE,
  PG_ISOLATED,
  PG_LOCKED,
  PG_LRU,
  PG_MLOCKED,
  PG_READAHEAD,
  PG_REFERENCED,
  PG_SWAPBACKED,
  PG_SWAPCACHE,
  PG_UNEVICTABLE,
  PG_WORKINGSET,
  PG_WRITEBACK,
} from '@reclaim-lab/hw-model';
import { VM } from '@reclaim-lab/mechanisms';
import type { KernelState } from './kernel-state.js';
import { wakeKswapd } from './kswapd-wake.js';
import { lruAdd, lruDelFolio } from './lru-add.js';
import { canDemote } from './memory-tiers.js';
import type { ScanControl } from './scan-control.js';

const PAGE_BYTES = 4096;
/** Copy bandwidth of a node whose `nodeBandwidthMBps` is not given (local DRAM, one core's copy). */
export const DEFAULT_NODE_BANDWIDTH_MBPS = 20_000;

/** Flags `folio_migrate_flags` carries to the new folio. */
const MIGRATED_FLAGS =
  PG_ACTIVE |
  PG_REFERENCED |
  PG_WORKINGSET |
  PG_DIRTY |
  PG_SWAPBACKED |
  PG_SWAPCACHE |
  PG_ANON |
  PG_FILE |
  PG_READAHEAD;

/** Cost (ns) of copying one page from node `from` to node `to`: the slower side's bandwidth. */
export function copyPageNs(kern: KernelState, from: number, to: number): number {
  const bw = kern.machine.config.nodeBandwidthMBps;
  const a = bw?.[from] ?? DEFAULT_NODE_BANDWIDTH_MBPS;
  const b = bw?.[to] ?? DEFAULT_NODE_BANDWIDTH_MBPS;
  return (PAGE_BYTES / (Math.min(a, b) * 1e6)) * 1e9;
}

/**
 * Can this folio move at all: not locked, under write-back, mlocked or
 * unevictable; private anon mapped once or only in the swap cache; with
 * `pageCache` (demotion: `demote_folio_list` takes any folio whose mapping
 * migrates), also a page-cache folio however often mapped and a shmem folio
 * in its page cache or, unmapped, in the swap cache.
 */
export function migratable(kern: KernelState, pfn: number, pageCache = false): boolean {
  const f = kern.machine.frames;
  const fl = f.flags[pfn];
  if (fl & (PG_WRITEBACK | PG_LOCKED | PG_MLOCKED | PG_UNEVICTABLE)) return false;
  const kind = fl & (PG_ANON | PG_FILE);
  if (kind === PG_FILE) return pageCache;
  if (kind !== PG_ANON) return pageCache && (fl & PG_SWAPCACHE) !== 0 && f.mapcount[pfn] === 0;
  if (f.mapcount[pfn] > 1) return false;
  if (f.mapcount[pfn] === 1) {
    const mm = kern.world.mms[f.owner[pfn]];
    if (mm.pte[f.index[pfn]] !== pfn + 1) return false;
  } else if ((fl & PG_SWAPCACHE) === 0) return false;
  return true;
}

/**
 * Models `migrate_pages` for one isolated or listed base page: a frame on
 * `target` (`__GFP_THISNODE`, no reclaim: it must be above the min
 * watermark; a target below low wakes its kswapd), the contents and flags
 * copied, the PTE or swap-cache slot pointed at the new frame, the charge
 * kept, the source freed. The new folio joins its node's lruvec. Returns the
 * new pfn, or -1 (nothing changed).
 */
export function migrateFolio(kern: KernelState, pfn: number, target: number, t: number): number {
  const m = kern.machine;
  const zone = m.nodes[target].zone;
  const c = kern.world.counters.v;
  if (zone.free <= zone.min) {
    c[VM.pgmigrate_fail]++;
    return -1;
  }
  const to = m.allocFrame(target);
  if (zone.free <= zone.low) wakeKswapd(kern, target, t);
  const f = m.frames;
  const fl = f.flags[pfn];
  f.flags[to] = PG_ALLOCATED | (fl & MIGRATED_FLAGS);
  f.memcg[to] = f.memcg[pfn];
  f.owner[to] = f.owner[pfn];
  f.index[to] = f.index[pfn];
  f.mapcount[to] = f.mapcount[pfn];
  f.swapSlot[to] = f.swapSlot[pfn];
  if (fl & PG_FILE) {
    // `filemap_migrate_folio`: the page-cache slot, then every PTE mapping it (`remove_migration_ptes`).
    m.files[f.owner[pfn]].cache[f.index[pfn]] = to + 1;
    if (f.mapcount[pfn] > 0) kern.world.moveFilePtes(pfn, to);
  } else if (f.mapcount[pfn] === 1) kern.world.mms[f.owner[pfn]].pte[f.index[pfn]] = to + 1;
  if (fl & PG_SWAPCACHE) m.swap!.frame[f.swapSlot[pfn]] = to;
  // The source leaves its lruvec (reclaim had isolated it, or promotion takes it off its list).
  const lv = kern.world.lruvecs[f.lruvec[pfn]];
  if (fl & PG_ISOLATED) lv.nrIsolated[fl & PG_SWAPBACKED ? LRU_ANON : 1]--;
  // Models numamigrate_isolate_folio -> folio_isolate_lru -> lruvec_del_folio: the policy's own
  // counts drop the source too (MGLRU's per-generation sizes leaked a page per promotion before).
  else if (fl & PG_LRU) lruDelFolio(kern, pfn);
  f.flags[pfn] = PG_ALLOCATED;
  f.mapcount[pfn] = 0;
  f.swapSlot[pfn] = -1;
  m.freeFrame(pfn);
  c[VM.pgfree]++;
  c[VM.pgalloc_normal]++;
  c[VM.pgmigrate_success]++;
  lruAdd(kern, to, 0, 'migrate', (fl & PG_ACTIVE) !== 0, false);
  return to;
}

/** `demoteFolio` moved the folio. */
export const DEMOTED = 0;
/** It cannot move (no target for this reclaim, or not a folio that migrates). */
export const DEMOTE_NOT_MIGRATABLE = 1;
/** The target had no room: `migrate_pages` failed. */
export const DEMOTE_NO_ROOM = 2;

/**
 * One folio of `demote_folio_list`: reclaim decided to evict it from a node
 * that has a demotion target; move it there instead. DEMOTED if it moved
 * (counted as reclaimed, and in pgdemote_kswapd or pgdemote_direct).
 */
export function demoteFolio(kern: KernelState, pfn: number, sc: ScanControl): number {
  const node = kern.machine.frames.node[pfn];
  if (!canDemote(kern, node, sc) || !migratable(kern, pfn, true)) return DEMOTE_NOT_MIGRATABLE;
  const target = kern.machine.config.demotionTarget![node];
  if (migrateFolio(kern, pfn, target, sc.clockNs) < 0) return DEMOTE_NO_ROOM;
  kern.world.counters.v[sc.isKswapd ? VM.pgdemote_kswapd : VM.pgdemote_direct]++;
  const cost = kern.machine.config.cost;
  sc.costNs += copyPageNs(kern, node, target) + cost.unmapNs + cost.allocNs + cost.freeNs;
  return DEMOTED;
}
