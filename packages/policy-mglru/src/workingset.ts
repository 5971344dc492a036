/**
 * MGLRU's workingset shadows (mm/workingset.c: `lru_gen_eviction`,
 * `lru_gen_refault`, `lru_gen_test_recent`).
 *
 * An evicted folio leaves a token: the evicting type's min_seq and its refs,
 * and the eviction is counted against its tier. When it comes back while
 * that generation is still live, the refault is counted against the same
 * tier — the feedback that tells `get_tier_idx` which tiers are worth
 * protecting and `get_type_to_scan` which type refaults more. A refault in
 * a page fault is added as active (`folio_add_lru`); a workingset folio gets
 * PG_workingset back, any other its refs counter.
 * `quickRefault=off` keeps the test and the controller's count but gives
 * nothing back to the folio (no refs, no PG_workingset, not activated).
 * Up to 6.13 the refault had to come from the oldest live generation, and
 * refaults in a fault or with saturated refs restored workingset+refs.
 * What the refault counters count changed twice (see `refaultToken`).
 */
import { PG_WORKINGSET } from '@reclaim-lab/hw-model';
import {
  classicRefaultIsRecent,
  genRefaultIsRecent,
  genTokenRefs,
  type LruSizes,
  packGenToken,
} from '@reclaim-lab/mechanisms';
import type { RefaultVerdict, ScanControl, ShadowInfo } from '@reclaim-lab/reclaim';
import { ANON, type Ctx, FILE, type Layout, typeOf } from './state.js';

/** `lru_gen_eviction`: count the eviction by tier and return the token. */
export function evictedToken(L: Layout, ctx: Ctx, pfn: number): number {
  const f = ctx.frames;
  const flags = f.flags[pfn];
  const type = typeOf(flags);
  const refs = L.lruRefs(flags, f.policy[pfn]);
  const tier = L.tierFromRefs(refs, (flags & PG_WORKINGSET) !== 0);
  const st = ctx.state;
  st.ctrl.evicted[type * L.tiers + tier]++;
  return packGenToken(st.minSeq[type], refs, L.refsWidth);
}

/** `lru_gen_refault`: a shadow of this policy is met where `pfn` is being added; returns whether it was recent. */
export function refaultToken(
  L: Layout,
  ctx: Ctx,
  pfn: number,
  shadow: ShadowInfo,
  verdict: RefaultVerdict,
  quick = true,
): boolean {
  // A folio refaulting into another memcg or node says nothing about this
  // lruvec, and is not counted as a refault at all.
  if (shadow.evictionLruvec !== ctx.lruvec) {
    verdict.countRefault = false;
    return false;
  }
  const st = ctx.state;
  const type = shadow.isFile ? FILE : ANON;
  // 6.14 (b1a71694fb00 "mm/mglru: rework refault detection"): within MAX_NR_GENS of max_seq;
  // up to 6.13 the token's generation had to still be the type's oldest.
  const rule = st.upTo613 ? 'oldest' : 'window';
  const recent = genRefaultIsRecent(shadow.payload, L.refsWidth, st.minSeq[type], st.maxSeq, L.gens, rule);
  // Before 6.5 only recent refaults were counted, and none as an activation;
  // 6.5 to 6.13 counted every recent one as an activation, fault or not.
  if (st.upTo64) {
    verdict.countRefault = recent;
    verdict.countActivate = false;
  } else if (st.upTo613 && recent) verdict.countActivate = true;
  if (!recent) return false;
  // Up to 6.13 the token kept refs - 1 of refs that counted PG_workingset, the shadow's bit.
  const refs = L.legacyRefs
    ? genTokenRefs(shadow.payload, L.refsWidth) - 1 + (shadow.workingset ? 1 : 0)
    : genTokenRefs(shadow.payload, L.refsWidth);
  const tier = L.tierFromRefs(refs, shadow.workingset);
  st.ctrl.refaulted[type * L.tiers + tier]++;
  // `quickRefault=off`: the controller heard of it; the folio itself comes back as a first-time one.
  if (!quick) {
    verdict.countActivate = false;
    return true;
  }
  if (shadow.inFault) verdict.activate = true;
  if (st.upTo613) {
    // Up to 6.13 (before 4d5d14a01e2c): a refault in a fault, or of a folio with refs of at
    // least BIT(LRU_REFS_WIDTH) - 1 (081488051d28), came back workingset with full refs.
    if (shadow.inFault || refs >= L.refsMax) {
      verdict.restore = true;
      ctx.frames.policy[pfn] = L.withRefsCounter(ctx.frames.policy[pfn], L.refsMax);
    }
    return true;
  }
  if (shadow.workingset) verdict.restore = true;
  else ctx.frames.policy[pfn] = L.withRefsCounter(ctx.frames.policy[pfn], refs - 1);
  return true;
}

/**
 * `refault=classic`: the eviction is counted by tier as `lru_gen_eviction`
 * does (the PID controller still needs it), but the shadow holds this
 * lruvec's eviction counter (`workingset_eviction`), which the eviction
 * then ages. MGLRU has no single activation point to age the clock with
 * (aging promotes a generation at a time), so the clock counts evictions
 * and refault activations only: a deviation from the classic LRU's clock.
 */
export function evictedClassic(L: Layout, ctx: Ctx, pfn: number): number {
  evictedToken(L, ctx, pfn);
  const eviction = ctx.lruvec.nonresidentAge;
  ctx.core.ageNonresident(ctx.lruvec, 1);
  return eviction;
}

/**
 * `refault=classic`: `workingset_refault`'s test and accounting (every
 * refault counted in the folio's own lruvec; recent when the refault
 * distance fits the evicting lruvec's workingset, its MIN_NR_GENS youngest
 * generations being the "active" lists), with MGLRU's decision: a recent
 * refault feeds the PID controller and comes back active only in a fault.
 * The classic shadow has no refs, so the tier is the top one for a
 * workingset folio, else tier 0.
 */
export function refaultClassic(
  L: Layout,
  ctx: Ctx,
  _pfn: number,
  shadow: ShadowInfo,
  verdict: RefaultVerdict,
  sizes: LruSizes,
  idleSc: ScanControl,
  quick = true,
): boolean {
  const evictLv = shadow.evictionLruvec;
  const z = ctx.core.lruSizes(evictLv);
  sizes.activeAnon = z.activeAnon;
  sizes.inactiveAnon = z.inactiveAnon;
  sizes.activeFile = z.activeFile;
  sizes.inactiveFile = z.inactiveFile;
  const swapAvailable = ctx.core.canReclaimAnon(evictLv, idleSc);
  if (!classicRefaultIsRecent(shadow.payload, evictLv.nonresidentAge, shadow.isFile, sizes, swapAvailable))
    return false;
  // The controller's counts are this lruvec's; a refault from another says nothing about them.
  if (evictLv === ctx.lruvec) {
    const type = shadow.isFile ? FILE : ANON;
    ctx.state.ctrl.refaulted[type * L.tiers + (shadow.workingset ? L.tiers - 1 : 0)]++;
  }
  if (!quick) return true;
  if (shadow.inFault) {
    verdict.activate = true;
    // `workingset_refault` ages the clock by what it activates.
    ctx.core.ageNonresident(ctx.lruvec, 1);
  }
  // No refs to give back: the classic shadow does not keep them.
  if (shadow.workingset) verdict.restore = true;
  return true;
}
