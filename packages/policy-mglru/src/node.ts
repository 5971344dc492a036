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
import { type Ctx, evictableMinSeq, evictableSize, getSwappiness, type Layout } from './state.js';

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
