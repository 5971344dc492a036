/**
 * The multi-generational LRU (mm/vmscan.c `CONFIG_LRU_GEN`, 6.14+).
 *
 * Folios live in generations, youngest at max_seq; each type has its own
 * oldest generation, min_seq. Eviction takes the oldest generation's folios
 * from the tail; aging makes a new generation when too few remain, after
 * walking the page tables of the memcg's processes to find what was
 * accessed since the last walk. A folio reached twice through page tables
 * is promoted to the youngest generation; one read through file
 * descriptors climbs tiers by its access count, and the refault feedback
 * (a PID controller over refaulted/evicted counts per tier) decides which
 * tiers are protected from eviction and whether anon or file is scanned.
 * Bloom filters keep walks to page tables that were dense with accessed
 * entries; look-around turns each young PTE met by rmap during eviction
 * into a scan of its neighbours.
 *
 * Where it shines: large anon working sets (Android, ChromeOS, servers with
 * page-table accessed bits to harvest), mixed workloads where aging cost
 * matters, scan resistance for fd-read streams. Trade-offs: the walk costs
 * CPU when address spaces are sparse or huge (the Bloom filter's job),
 * "recent" refaults mean "within the live generations" rather than a
 * distance, meminfo's active/inactive flip at each aging, and dirty page
 * cache cycles through the generations waiting for writeback.
 */
import { kernelBefore, PG_ACTIVE, PG_WORKINGSET } from '@reclaim-lab/hw-model';
import type { LruSizes } from '@reclaim-lab/mechanisms';
import { type PolicyFactory, type ReclaimOps, ScanControl } from '@reclaim-lab/reclaim';
import { Aging } from './aging.js';
import { Eviction } from './eviction.js';
import { ageNodeUpTo64, minTtlCheck, setInitialPriority } from './node.js';
import {
  MGLRU_DEFAULTS,
  MGLRU_OPTION_DOCS,
  MGLRU_OPTION_SCHEMA,
  MGLRU_PRESETS,
  type MglruOptions,
  resolveMglruOptions,
} from './options.js';
import { addFolio, clearRefsFlags, delFolio, incRefs } from './placement.js';
import { getSwappiness, Layout, MglruState, typeOf } from './state.js';
import { evictedClassic, evictedToken, refaultClassic, refaultToken } from './workingset.js';

export function createMglru(options: Partial<MglruOptions> = {}): ReclaimOps<MglruState> {
  const opts = resolveMglruOptions(options);
  const L = new Layout(opts.gens, opts.tiers);
  const aging = new Aging(L, opts);
  /** Per node: what the current `lru_gen_age_node` round (up to 6.2) decided. */
  const ageRound = new Uint8Array(64);
  const eviction = new Eviction(L, opts, aging);
  const G = L.gens;
  const rankNames: string[] = [];
  for (let rank = 0; rank < G; rank++) rankNames.push(`gen${rank} anon`, `gen${rank} file`);

  const classic = opts.refault === 'classic';
  const costBalance = opts.balance === 'cost';
  const classicSizes: LruSizes = { activeAnon: 0, inactiveAnon: 0, activeFile: 0, inactiveFile: 0 };
  // canReclaimAnon takes a scan_control; refaults happen outside any reclaim.
  const idleSc = new ScanControl();

  const requires = ['shrink', 'rmap', 'shadows', 'aging', 'mark-dirty'];
  if (opts.ptwalk) requires.push('ptwalk');
  if (opts.bloom) requires.push('bloom');
  if (opts.lookaround) requires.push('lookaround');

  return {
    name: 'mglru',
    pageStateBits: L.pageStateBits,
    requires,
    // `shrink_node` hands root reclaim to `lru_gen_shrink_node` and returns.
    shrinksNodeWhole: true,

    /**
     * `lru_gen_init_lruvec`; lruvecs are made when a workload loads, so
     * generations are born at time 0. `machine.kernel` picks the rules.
     */
    init(ictx) {
      const kernel = ictx.machine.config.kernel;
      const upTo613 = kernelBefore(kernel, '6.14');
      L.legacyRefs = upTo613;
      return new MglruState(L, ictx.createList, 0, opts.bloom, upTo613, kernelBefore(kernel, '6.6'));
    },

    /** `folio_add_lru`: PG_active if added in a page fault (`lru_gen_in_fault`), then `lru_gen_add_folio`. */
    folioAdded(ctx, pfn, how) {
      addFolio(L, ctx, pfn, false, how.active || (opts.faultActivate && how.inFault));
    },

    /** `folio_mark_accessed` → `lru_gen_inc_refs`. */
    folioAccessed(ctx, pfn) {
      incRefs(L, ctx, pfn);
    },

    folioRemoved(ctx, pfn) {
      delFolio(L, ctx, pfn);
    },

    /** Taken by the core (MADV_PAGEOUT): out of its generation's count until put back. */
    folioIsolated(ctx, pfn) {
      delFolio(L, ctx, pfn);
    },

    shrink: (ctx, sc) => eviction.shrink(ctx, sc),

    checkReferences: (ctx, pfn, rmap) => eviction.checkReferences(ctx, pfn, rmap),

    putback: (ctx, pfn, outcome) => eviction.putback(ctx, pfn, outcome),

    /** `folio_rotate_reclaimable` → `lru_move_tail`: tail of the oldest generation. */
    rotate(ctx, pfn) {
      ctx.lists.remove(pfn);
      delFolio(L, ctx, pfn);
      ctx.frames.flags[pfn] &= ~PG_ACTIVE;
      addFolio(L, ctx, pfn, true, false);
    },

    evicted: classic ? (ctx, pfn) => evictedClassic(L, ctx, pfn) : (ctx, pfn) => evictedToken(L, ctx, pfn),

    refault(ctx, pfn, shadow, verdict) {
      const recent = classic
        ? refaultClassic(L, ctx, pfn, shadow, verdict, classicSizes, idleSc, opts.quickRefault)
        : refaultToken(L, ctx, pfn, shadow, verdict, opts.quickRefault);
      // `balance=cost`: `lru_note_cost_refault`, a workingset folio's refault costs like an I/O
      // (heard by the balance even when `quickRefault=off` restores nothing).
      const costly = opts.quickRefault ? verdict.restore : recent && shadow.workingset;
      if (costBalance && costly) ctx.core.noteCost(ctx.lruvec, shadow.isFile ? 1 : 0, 1, 0);
    },

    /** Once per `shrink_node`: whether this reclaimer owns a walk, and `set_initial_priority` for root reclaim. */
    prepare(ctx, sc) {
      aging.walkOwned = sc.isKswapd || sc.proactive;
      if (sc.rootReclaim) setInitialPriority(ctx, sc);
    },

    /**
     * `lru_gen_age_node`: from 6.3 kswapd no longer ages here and only the
     * min_ttl check remains; up to 6.2 it ages every memcg of the node.
     */
    age: (ctx, sc) =>
      ctx.state.upTo64
        ? ageNodeUpTo64(L, ctx, sc, opts.minTtlMs, aging, ageRound)
        : minTtlCheck(L, ctx, sc, opts.minTtlMs),

    /**
     * v2 `ageLruvec` (a vendor hook ageing a backgrounded app's memcg):
     * `try_to_inc_max_seq` MAX_NR_GENS - 1 times, the page-table walks
     * forced. The first walk moves what the app touched since the last
     * aging to the youngest generation; the app no longer runs, so each
     * later generation pushes everything one step older, and at the end
     * all of it is in the oldest (`inc_min_seq` folds the retired ones in).
     * Deviation: the kernel has no such entry point; vendor kernels age a
     * memcg's lruvec through the same two functions.
     */
    ageLruvec(ctx, sc) {
      const swappiness = getSwappiness(ctx, sc);
      for (let i = 1; i < G; i++) aging.tryToIncMaxSeq(ctx, ctx.state.maxSeq, swappiness, true, sc);
    },

    /**
     * MADV_COLD (`folio_deactivate`): drop the refs flags and PG_workingset; a
     * folio not already in the oldest generation is added back (which, for
     * anon not in swap cache, is max_seq-1). MADV_PAGEOUT: tail of the oldest.
     */
    deactivate(ctx, pfn, hint) {
      const f = ctx.frames;
      const st = ctx.state;
      clearRefsFlags(L, ctx, pfn);
      f.flags[pfn] &= ~PG_WORKINGSET;
      const pageout = hint === 'pageout';
      if (!pageout && L.genOf(f.policy[pfn]) === st.minSeq[typeOf(f.flags[pfn])] % G) return;
      ctx.lists.remove(pfn);
      delFolio(L, ctx, pfn);
      addFolio(L, ctx, pfn, pageout, false);
    },

    /** /proc/meminfo under MGLRU: the MIN_NR_GENS youngest generations are "active". */
    lruSizes(ctx, out) {
      const st = ctx.state;
      out.activeAnon = out.inactiveAnon = out.activeFile = out.inactiveFile = 0;
      for (let gen = 0; gen < G; gen++) {
        const age = (((st.maxSeq - gen) % G) + G) % G;
        const anon = st.nrPages[gen * 2];
        const file = st.nrPages[gen * 2 + 1];
        if (age < L.minGens) {
          out.activeAnon += anon;
          out.activeFile += file;
        } else {
          out.inactiveAnon += anon;
          out.inactiveFile += file;
        }
      }
    },

    /** Sizes by age rank ("gen0 file" is the oldest file generation), summed over lruvecs. */
    policyLists(ctx, out) {
      const st = ctx.state;
      for (let type = 0; type < 2; type++) {
        for (let rank = 0; rank < G; rank++) {
          const seq = st.minSeq[type] + rank;
          const n = seq <= st.maxSeq ? st.nrPages[(seq % G) * 2 + type] : 0;
          const name = rankNames[rank * 2 + type];
          out[name] = (out[name] ?? 0) + n;
        }
      }
    },
  };
}

export const mglruPolicy: PolicyFactory<MglruOptions> = {
  name: 'mglru',
  description:
    'Multi-generational LRU (generations, tiers, refault feedback, page-table walks, Bloom filters, look-around)',
  defaults: MGLRU_DEFAULTS,
  optionDocs: MGLRU_OPTION_DOCS,
  optionSchema: MGLRU_OPTION_SCHEMA,
  requires: ['shrink', 'rmap', 'shadows', 'aging'],
  presets: MGLRU_PRESETS,
  create: (o) => createMglru(o) as ReclaimOps<unknown>,
};
