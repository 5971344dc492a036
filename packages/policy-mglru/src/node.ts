/**
 * Node-wide MGLRU decisions (mm/vmscan.c: `set_initial_priority`,
 * `lru_gen_age_node`, `lruvec_is_sizable`, `lruvec_is_reclaimable`).
 *
 * min_ttl protects the working set of the last N milliseconds: when kswapd
 * finds that every lruvec of its node is either too small or has its oldest
 * evictable generation younger than min_ttl, evicting would thrash, so it
 * asks for an OOM kill instead.
 */
import { NS_PER_MS } from '@reclaim-lab/hw-model';
import { DEF_PRIORITY, MIN_LRU_BATCH, type ScanControl } from '@reclaim-lab/reclaim';
import type { Aging } from './aging.js';
import { type Ctx, evictableMinSeq, evictableSize, FILE, getSwappiness, type Layout } from './state.js';

function fls(x: number): number {
  return x <= 0 ? 0 : 32 - Math.clz32(x);
}

/**
 * `set_initial_priority`: at DEF_PRIORITY with a sizable goal, start at the
 * priority where (inactive >> priority) is about `nr_to_reclaim`, within
 * [DEF_PRIORITY / 2, DEF_PRIORITY].
 */
export function setInitialPriority(ctx: Ctx, sc: ScanControl): void {
  if (sc.priority !== DEF_PRIORITY || sc.nrToReclaim < MIN_LRU_BATCH) return;
  const node = ctx.lruvec.node;
  const root = ctx.world.findLruvec(ctx.world.machine.rootMemcg, node);
  const anon = root !== undefined && ctx.core.canReclaimAnon(root, sc);
  let reclaimable = 0;
  for (const lv of ctx.world.lruvecs) {
    if (lv.node !== node) continue;
    const z = ctx.core.lruSizes(lv);
    reclaimable += z.inactiveFile + (anon ? z.inactiveAnon : 0);
  }
  const priority = fls(reclaimable) - 1 - fls(sc.nrToReclaim - 1);
  sc.priority = Math.min(DEF_PRIORITY, Math.max(DEF_PRIORITY / 2, priority));
}

/** `lruvec_is_reclaimable`: not below memory.min, sizable, and its oldest generation older than `ttlNs`. */
function isReclaimable(L: Layout, ctx: Ctx, sc: ScanControl, ttlNs: number): boolean {
  const memcg = ctx.memcg;
  if (memcg.min > 0 && memcg.usage <= memcg.min) return false;
  const st = ctx.state;
  const swappiness = getSwappiness(ctx, sc);
  const total = evictableSize(L, st, swappiness);
  if ((memcg.online ? Math.floor(total / 2 ** sc.priority) : total) === 0) return false;
  const birth = st.timestamps[evictableMinSeq(st, swappiness) % L.gens];
  return ctx.now() > birth + ttlNs;
}

/**
 * `lru_gen_age_node`'s min_ttl check, decided once per node (by the first
 * lruvec of the node this policy governs): 'oom' when no lruvec may be
 * reclaimed without evicting a generation younger than min_ttl.
 */
export function minTtlCheck(L: Layout, ctx: Ctx, sc: ScanControl, minTtlMs: number): 'oom' | undefined {
  if (minTtlMs <= 0) return undefined;
  const node = ctx.lruvec.node;
  let first = true;
  for (const lv of ctx.world.lruvecs) {
    if (lv.node !== node) continue;
    const peer = ctx.peer(lv);
    if (peer === null) continue;
    if (first) {
      if (lv !== ctx.lruvec) return undefined;
      first = false;
      setInitialPriority(ctx, sc);
    }
    if (isReclaimable(L, peer, sc, minTtlMs * NS_PER_MS)) return undefined;
  }
  return 'oom';
}

/** Per node, during one `lru_gen_age_node` round up to 6.2: skipping the aging, and whether any lruvec was aged. */
const SKIP = 1;
const SUCCESS = 2;

/**
 * `lru_gen_age_node` up to 6.2 (before 7348cc91821b "remove aging fairness
 * safeguard"; of the offered lines, 6.1), called by kswapd for each lruvec
 * of its node: the first lruvec decides whether this round ages at all
 * (`memcgs_need_aging`, false at the start of each `balance_pgdat`); each
 * lruvec not below memory.min is aged when `should_run_aging` says so
 * (`age_lruvec`), unless min_ttl protects it; if min_ttl is set and no
 * lruvec could be aged, the last one asks for an OOM kill.
 */
export function ageNodeUpTo64(
  L: Layout,
  ctx: Ctx,
  sc: ScanControl,
  minTtlMs: number,
  aging: Aging,
  round: Uint8Array,
): 'oom' | undefined {
  const node = ctx.lruvec.node;
  let first = -1;
  let last = -1;
  for (const lv of ctx.world.lruvecs) {
    if (lv.node !== node || ctx.peer(lv) === null) continue;
    if (first < 0) first = lv.id;
    last = lv.id;
  }
  if (ctx.lruvec.id === first) {
    // A new balance_pgdat run starts at DEF_PRIORITY with nothing reclaimed.
    if (sc.priority === DEF_PRIORITY && sc.nrReclaimed === 0) aging.setMemcgsNeedAging(node, false);
    round[node] = 0;
    if (!aging.memcgsNeedAgingOf(node)) {
      aging.setMemcgsNeedAging(node, true);
      round[node] = SKIP;
    }
  }
  if (round[node] & SKIP) return undefined;
  if (ageLruvecUpTo64(L, ctx, sc, minTtlMs * NS_PER_MS, aging)) round[node] |= SUCCESS;
  if (ctx.lruvec.id === last && minTtlMs > 0 && (round[node] & SUCCESS) === 0) return 'oom';
  return undefined;
}

/** `age_lruvec` (up to 6.2): age if needed; false if protected by memory.min or min_ttl, or too small. */
function ageLruvecUpTo64(L: Layout, ctx: Ctx, sc: ScanControl, ttlNs: number, aging: Aging): boolean {
  const memcg = ctx.memcg;
  if (memcg.min > 0 && memcg.usage <= memcg.min) return false;
  const st = ctx.state;
  const swappiness = getSwappiness(ctx, sc);
  const need = aging.shouldRunAgingUpTo613(st, swappiness);
  if (ttlNs > 0) {
    const birth = st.timestamps[st.minSeq[FILE] % L.gens];
    if (ctx.now() < birth + ttlNs) return false;
    const total = aging.nrToScan;
    const nr = memcg.online ? Math.floor(total / 2 ** sc.priority) : total;
    if (nr === 0 && sc.priority !== DEF_PRIORITY) return false;
  }
  if (need) aging.tryToIncMaxSeq(ctx, st.maxSeq, swappiness, false, sc);
  return true;
}
