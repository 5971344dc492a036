/**
 * The `ReclaimOps` contract: what a reclaim policy is.
 *
 * Policy decides, mechanism acts. A policy is one object of hooks plus its
 * own state per lruvec (one lruvec per memcg × node). Only `name` is
 * required. The core owns membership (PG_lru, per-type sizes), dirtiness,
 * writeback, mapping, swap slots and every counter; a policy owns the ORDER
 * of its lists and the meaning of PG_active / PG_referenced / PG_workingset
 * and of its private per-page word (`frames.policy[pfn]`).
 *
 * Every hook takes a context first (`PolicyCtx`: this lruvec, this policy's
 * state, the shared mechanisms and the core's services). New inputs become
 * new context fields, never new parameters. Results are string-tagged
 * unions. The core checks what a hook did where it can (a folio must end up
 * on one of the lruvec's own lists; a candidate must be a folio of this
 * lruvec that is on an LRU) and the watchdog ejects a policy that breaks a
 * rule, throws or overruns its work budget; its scope then falls back to the
 * default policy and the run records why (see watchdog.ts).
 *
 * Checked once, at load: `version` (the contract version the policy was
 * written for; absent means this one), `pageStateBits` (0..32) and
 * `requires` (core services by their `CORE_CAPABILITIES` name). A policy
 * that does not fit is refused with a `PolicyLoadError` naming why.
 *
 * Hook by hook — when the core calls it, what it may do, and what happens
 * when it is absent:
 *
 * - `init(ictx)` — once per lruvec, when the lruvec is first used. Creates
 *   the policy's lists with `ictx.createList(name)` and returns the
 *   per-lruvec state. Absent: one list named "lru" is created and the state
 *   is `{ list }`; the other defaults use it as a FIFO.
 *
 * - `folioAdded(ctx, pfn, how)` — a folio joins this lruvec: fault, read,
 *   readahead, swap-in, refault (`how.active` is set when the refault test
 *   or an access in the add batch asked for activation). Must put `pfn` on
 *   one of the lruvec's lists (`ctx.lists.addHead/addTail`). Absent: head
 *   of the first list.
 *
 * - `folioAccessed(ctx, pfn)` — an access through a file descriptor
 *   (`folio_mark_accessed`); page-table accesses never call policy code,
 *   they only set the PTE accessed bit, as on hardware. Absent: sets
 *   PG_referenced.
 *
 * - `folioRemoved(ctx, pfn)` — the folio leaves for good (munmap, exit,
 *   truncation, promotion to another node, whose copy arrives through
 *   `folioAdded`) after the core unlinked it. For ghost lists and counters.
 *   Absent: nothing.
 *
 * - `folioIsolated(ctx, pfn)` — the core took the folio off the policy's
 *   lists for work of its own (MADV_PAGEOUT's `reclaim_pages`) after
 *   unlinking it; it comes back through `putback` or leaves through
 *   `evicted`. For per-list counts. Absent: nothing.
 *
 * - `shrink(ctx, sc)` — the lruvec's turn in `shrink_node`: scan and reclaim
 *   towards `sc.nrToReclaim` with the core services (`isolate`,
 *   `shrinkFolioList`, `putback`, `referenced`, ...). Returns nothing, or
 *   'rotate' to tell the memcg iterator this lruvec aged or is protected.
 *   Absent: the core asks `evictCandidates` for batches (cache_ext style);
 *   if that is absent too, it takes folios from the tail of the first list.
 *
 * - `evictCandidates(ctx, req, out)` — a bounded batch request: write up
 *   to `req.nr` candidate pfns into `out` and return how many. Handing back
 *   fewer is legal; the core makes up the shortfall from the default
 *   policy's lists order (the tail of the first list) and counts each folio it
 *   supplied in `policy_fallback_folios`. Used only when `shrink` is absent.
 *
 * - `checkReferences(ctx, pfn, rmap, sc)` — inside `shrinkFolioList`,
 *   after the core's rmap walk (`folio_referenced`; VM_LOCKED and rmap
 *   contention are handled by the core first). Returns 'activate' | 'keep'
 *   | 'reclaim' | 'reclaim-clean'. Absent: 'keep' if any PTE was young,
 *   else 'reclaim'.
 *
 * - `putback(ctx, pfn, outcome)` — a folio isolated by reclaim survives
 *   ('activate' or 'keep'). Must put it back on one of the lruvec's lists.
 *   Absent: 'activate' → head of the first list; 'keep' → head too.
 *
 * - `rotate(ctx, pfn)` — writeback ended on a folio reclaim had tagged
 *   PG_reclaim (`folio_rotate_reclaimable`): move it where it will be
 *   reclaimed next. Absent: tail of the list it is on.
 *
 * - `evicted(ctx, pfn, sc)` — the folio is being reclaimed; return the
 *   shadow payload (a non-negative integer < 2^32) to store in its cache slot
 *   (`workingset_eviction`), or 0 for none. Absent: 0. The shadow names the
 *   folio's own lruvec, or the reclaim target's when the policy sets
 *   `shadowScope: 'target'` (the classic `workingset_eviction`, whose clock
 *   and refault distance are the target memcg's); that lruvec arrives at
 *   `refault` as `shadow.evictionLruvec`.
 *
 * - `refault(ctx, pfn, shadow, verdict)` — a folio whose slot held this
 *   policy's shadow is coming back (`workingset_refault`). Fill `verdict`
 *   (activate? restore?); the core counts workingset_refault/activate/restore.
 *   Absent: no activation.
 *
 * - `prepare(ctx, sc)` — once per `shrink_node`, on the reclaim target's
 *   lruvec (`prepare_scan_control`). Absent: nothing.
 *
 * - `age(ctx, sc)` — kswapd's background aging of this lruvec, once per
 *   `balance_pgdat` round (`kswapd_age_node`). May return 'oom' to ask the
 *   core for an OOM kill (MGLRU's min_ttl). Absent: nothing.
 *
 * - `deactivate(ctx, pfn, hint)` — madvise(MADV_COLD) on an LRU folio
 *   mapped only by the caller (`folio_deactivate`; the core passes 'cold').
 *   MADV_PAGEOUT does not ask: the core reclaims those folios itself, as
 *   `reclaim_pages` does (see `folioIsolated`). Absent: tail of its list.
 *
 * - `lruSizes(ctx, out)` — what /proc/meminfo calls Active/Inactive for
 *   this lruvec, and what the classic refault test reads. Absent: every
 *   folio counts as inactive.
 *
 * - `policyLists(ctx, out)` — named sizes for time series and reports
 *   ("gen 7 file"). Absent: each list by its name.
 *
 * Version 2 adds the hook points Android's vendor hooks use in
 * mm/vmscan.c (`trace_android_vh_*`), so that phone makers' changes are
 * small policies layered on LRU or MGLRU (`vendor-hooks.ts`). Each is
 * optional and its absence is version 1's behaviour. Importance classes
 * (foreground, visible, background, cached: `core.importance`) are what
 * they read.
 *
 * - `reclaimDone(ctx, sc)` — asked after each lruvec of a `shrink_node`
 *   pass, and inside a policy's own scan loop through
 *   `core.stopRequested`: true ends this reclaim invocation now (a
 *   kswapd batch, a direct reclaim) instead of finishing its goal.
 *   Absent: false.
 *
 * - `protectLruvec(ctx, sc)` — asked before the lruvec is shrunk by a
 *   reclaim that is not memory.low reclaim: true skips it for this pass,
 *   as memory.low does (and direct reclaim retries with it, as it does
 *   for memory.low). Absent: false.
 *
 * - `scanPriority(ctx, sc)` — the priority to scan this lruvec at in this
 *   pass, an integer 0..DEF_PRIORITY (lower scans more, as `sc.priority`
 *   does); the core restores `sc.priority` afterwards. Absent: `sc.priority`.
 *
 * - `classChanged(ctx, change)` — the importance class of this lruvec's
 *   memcg changed (`change.from`, `change.to`; -1 is "no app"). Return
 *   'cold' to have the core deactivate every folio of the lruvec, as
 *   MADV_COLD over the app's mappings and `deactivate` for its unmapped
 *   page cache; 'age' to have the policy age the lruvec its own way
 *   (`ageLruvec`), which is 'cold' for a policy without that hook.
 *   Absent: nothing.
 *
 * - `ageLruvec(ctx, sc)` — age this lruvec now as the policy ages
 *   (MGLRU: new generations, `try_to_inc_max_seq`, until what was not
 *   accessed since is in the oldest one), for a `classChanged` that
 *   answered 'age'. A layered policy has its base's. Absent: 'age' falls
 *   back to 'cold'.
 */
import type { Machine, Memcg, Rng } from '@reclaim-lab/hw-model';
import type { ListSet, LruSizes, Lruvec, RmapResult, World, YoungPteVisitor } from '@reclaim-lab/mechanisms';
import type { ScanControl } from './scan-control.js';

export const RECLAIM_OPS_VERSION = 2;
/** The oldest contract version this core still loads (version 2 only added optional hooks). */
export const RECLAIM_OPS_MIN_VERSION = 1;

/**
 * The services this core offers, by the names a policy lists in `requires`.
 * A policy that requires a name not here is refused at load, with the list.
 */
export const CORE_CAPABILITIES = [
  /** `shrink` with `core.isolate`, `core.shrinkFolioList` and `core.putback`. */
  'shrink',
  /** cache_ext-style batch eviction through `evictCandidates`. */
  'evictCandidates',
  /** The rmap walk of one folio, `core.referenced` (with a young-PTE visitor). */
  'rmap',
  /** The page-table walker over address spaces (`mechanisms` `PageTableWalker`). */
  'ptwalk',
  /** Bloom filters for the page-table walker. */
  'bloom',
  /** Look-around around a young PTE during the rmap walk. */
  'lookaround',
  /** Workingset shadows: `evicted` payloads and `refault` verdicts. */
  'shadows',
  /** kswapd background aging through `age`, which may ask for an OOM kill. */
  'aging',
  /** `core.markDirty`, moving PTE dirty bits to folios. */
  'mark-dirty',
  /** Attachment per memcg subtree (`memcg:/path`). */
  'memcg-attach',
  /** Attachment per NUMA node (`node:N`). */
  'node-attach',
] as const;

export type CoreCapability = (typeof CORE_CAPABILITIES)[number];

export type Decision = 'activate' | 'keep' | 'reclaim' | 'reclaim-clean';
export type PutbackOutcome = 'activate' | 'keep';
export type AddReason = 'fault' | 'read' | 'write' | 'readahead' | 'swapin' | 'rotate' | 'migrate';

export interface AddHow {
  reason: AddReason;
  /** PG_active was requested: a refault judged recent, or an access while in the add batch. */
  active: boolean;
  /** Added from a page fault on a VMA with recency (MGLRU's `lru_gen_in_fault`). */
  inFault: boolean;
  /** VM_* flags of the mapping or file region the folio was added through (VM_SEQ_READ marks a declared scan). */
  vmFlags: number;
}

export interface ShadowInfo {
  payload: number;
  workingset: boolean;
  isFile: boolean;
  /** The lruvec that evicted the folio (the reclaim target's, on this node). */
  evictionLruvec: Lruvec;
  /** The folio is coming back through a page fault (MGLRU's `lru_gen_in_fault`). */
  inFault?: boolean;
}

export interface RefaultVerdict {
  activate: boolean;
  /** The folio was part of the workingset before (counts workingset_restore). */
  restore: boolean;
  /**
   * Count the refault in `workingset_refault_*` (preset true). Accounting
   * only, never a decision: MGLRU counts only refaults into the lruvec that
   * evicted the folio, and before 6.5 only the recent ones.
   */
  countRefault: boolean;
  /**
   * Count `workingset_activate_*`: preset null, meaning "when `activate`".
   * Accounting only: MGLRU from 6.5 to 6.13 counted every recent refault,
   * before 6.5 none.
   */
  countActivate: boolean | null;
}

export interface EvictRequest {
  nr: number;
  sc: ScanControl;
}

export interface IsolateResult {
  /** Folios looked at (the classic `nr_scanned`). */
  scanned: number;
  /** Folios isolated into the buffer. */
  taken: number;
}

export interface ShrinkListResult {
  reclaimed: number;
  /** Survivors left at the start of the buffer, with their outcomes. */
  survivors: number;
  activated: number;
  /** Folios written by this pass (pageout). */
  pageout: number;
}

/** Services the core offers a policy; the policy never frees or unmaps itself. */
export interface ReclaimCore {
  /** Take up to `nr` folios from the tail of `list` into `buf` (`isolate_lru_folios`). */
  isolate(ctx: PolicyCtx<unknown>, list: number, nr: number, buf: Int32Array, sc: ScanControl): IsolateResult;
  /** Isolate one folio (MGLRU's `isolate_folio`); false if it cannot be taken. */
  isolateOne(ctx: PolicyCtx<unknown>, pfn: number, sc: ScanControl): boolean;
  /**
   * The common per-candidate path (`shrink_folio_list`); survivors stay in `buf[0..survivors)` with `outcome`.
   * `visitor`, if given, is passed to the core's rmap walk of each folio (MGLRU's look-around).
   */
  shrinkFolioList(
    ctx: PolicyCtx<unknown>,
    buf: Int32Array,
    n: number,
    sc: ScanControl,
    outcome: Uint8Array,
    visitor?: YoungPteVisitor | null,
    /** false: no rmap walk (the policy learns references another way, e.g. page-table walks). */
    rmapWalk?: boolean,
  ): ShrinkListResult;
  /** Put an isolated survivor back through the policy's `putback` (`move_folios_to_lru`). */
  putback(ctx: PolicyCtx<unknown>, pfn: number, outcome: PutbackOutcome): void;
  /** rmap walk of one folio, charged to the reclaimer (`folio_referenced`). */
  referenced(pfn: number, sc: ScanControl, visitor?: YoungPteVisitor | null): RmapResult;
  /** Count pages scanned for vmstat (policies differ in what "scanned" means). */
  accountScan(sc: ScanControl, type: number, n: number): void;
  /** `lru_note_cost` */
  noteCost(lv: Lruvec, type: number, nrIo: number, nrRotated: number): void;
  /** `workingset_age_nonresident` */
  ageNonresident(lv: Lruvec, n: number): void;
  /** Charge CPU work to the current reclaimer. */
  chargeNs(sc: ScanControl, ns: number): void;
  /** Can anon pages be reclaimed here (swap space or demotion)? */
  canReclaimAnon(lv: Lruvec, sc: ScanControl): boolean;
  /** `should_abort_scan`-style check: has this reclaim done enough? */
  shouldAbortScan(ctx: PolicyCtx<unknown>, sc: ScanControl): boolean;
  /** The swappiness in force for this lruvec and reclaim (`sc_swappiness`). */
  swappiness(lv: Lruvec, sc: ScanControl): number;
  /** Wake the flusher threads (`wakeup_flusher_threads`). */
  wakeFlushers(): void;
  /** Sizes of any lruvec as its own policy reports them. */
  lruSizes(lv: Lruvec): LruSizes;
  /**
   * `folio_mark_dirty`: set PG_dirty and queue a file folio for the flusher
   * threads (for page-table walkers that move PTE dirty bits to folios).
   */
  markDirty?(pfn: number): void;
  /** v2: the importance class of `memcg`'s apps, APP_FOREGROUND (0) … APP_CACHED (3), or -1 (no app). */
  importance?(memcg: Memcg): number;
  /** v2: the policy's `reclaimDone` answer for this lruvec (false without the hook): stop scanning now. */
  stopRequested?(ctx: PolicyCtx<unknown>, sc: ScanControl): boolean;
  /**
   * v2: may this reclaim demote `lv`'s folios to a slower node (`can_demote`; ours also asks
   * that the target have room)? Demotion makes anon reclaimable without swap. Absent: false.
   */
  canDemote?(lv: Lruvec, sc: ScanControl): boolean;
}

/** What `classChanged` may answer: deactivate the lruvec, age it the policy's way, or nothing. */
export type ClassVerdict = 'cold' | 'age' | undefined;

/** What `classChanged` is told. */
export interface ClassChange {
  from: number;
  to: number;
}

export interface InitCtx {
  readonly lruvec: Lruvec;
  readonly machine: Machine;
  /**
   * The most this lruvec can hold: its node's pages, or its memcg's
   * memory.max when lower. What ghost queues and windows are sized by.
   */
  readonly memoryPages: number;
  createList(name: string): number;
}

export interface PolicyCtx<S> {
  readonly lruvec: Lruvec;
  readonly state: S;
  readonly world: World;
  readonly lists: ListSet;
  readonly frames: Machine['frames'];
  readonly core: ReclaimCore;
  /** Seeded generator for this lruvec: all policy randomness comes from here. */
  readonly rng: Rng;
  /** Virtual time now (ns). */
  now(): number;
  /** This policy's context on another lruvec, or null if another policy governs it. */
  peer(lv: Lruvec): PolicyCtx<S> | null;
  /** The memcg of the lruvec. */
  readonly memcg: Memcg;
}

export interface ReclaimOps<S = unknown> {
  readonly name: string;
  /** Contract version the policy was written against. */
  readonly version?: number;
  /** Bits of per-page state the policy keeps (page flags are scarce in the kernel). */
  readonly pageStateBits?: number;
  /** Core services the policy cannot work without (names from `CORE_CAPABILITIES`); checked at load. */
  readonly requires?: readonly string[];
  /**
   * Which lruvec an eviction's shadow names: the folio's own (default; MGLRU's
   * `lru_gen_eviction`) or the reclaim target's on the folio's node (the
   * classic `workingset_eviction`). See `evicted`.
   */
  readonly shadowScope?: 'folio' | 'target';
  /**
   * Root reclaim of a node is the policy's whole pass, as MGLRU's
   * `lru_gen_shrink_node`: the core skips shrink_node's write-back and
   * congestion bookkeeping for it (PGDAT_DIRTY/WRITEBACK, kswapd's
   * immediate-reclaim wait, congestion tags and the CONGESTED throttle).
   */
  readonly shrinksNodeWhole?: boolean;
  init?(ictx: InitCtx): S;
  folioAdded?(ctx: PolicyCtx<S>, pfn: number, how: AddHow): void;
  folioAccessed?(ctx: PolicyCtx<S>, pfn: number): void;
  folioRemoved?(ctx: PolicyCtx<S>, pfn: number): void;
  folioIsolated?(ctx: PolicyCtx<S>, pfn: number): void;
  shrink?(ctx: PolicyCtx<S>, sc: ScanControl): 'rotate' | undefined;
  evictCandidates?(ctx: PolicyCtx<S>, req: EvictRequest, out: Int32Array): number;
  checkReferences?(ctx: PolicyCtx<S>, pfn: number, rmap: RmapResult, sc: ScanControl): Decision;
  putback?(ctx: PolicyCtx<S>, pfn: number, outcome: PutbackOutcome): void;
  rotate?(ctx: PolicyCtx<S>, pfn: number): void;
  evicted?(ctx: PolicyCtx<S>, pfn: number, sc: ScanControl): number;
  refault?(ctx: PolicyCtx<S>, pfn: number, shadow: ShadowInfo, verdict: RefaultVerdict): void;
  prepare?(ctx: PolicyCtx<S>, sc: ScanControl): void;
  age?(ctx: PolicyCtx<S>, sc: ScanControl): 'oom' | undefined;
  deactivate?(ctx: PolicyCtx<S>, pfn: number, hint: 'cold' | 'pageout'): void;
  lruSizes?(ctx: PolicyCtx<S>, out: LruSizes): void;
  policyLists?(ctx: PolicyCtx<S>, out: Record<string, number>): void;
  reclaimDone?(ctx: PolicyCtx<S>, sc: ScanControl): boolean;
  protectLruvec?(ctx: PolicyCtx<S>, sc: ScanControl): boolean;
  scanPriority?(ctx: PolicyCtx<S>, sc: ScanControl): number;
  classChanged?(ctx: PolicyCtx<S>, change: ClassChange): ClassVerdict;
  ageLruvec?(ctx: PolicyCtx<S>, sc: ScanControl): void;
}

/** What values an option accepts, beyond the type of its default. */
export type OptionSpec =
  | { readonly type: 'number'; readonly min?: number; readonly max?: number; readonly integer?: boolean }
  | { readonly type: 'boolean' }
  | { readonly type: 'string'; readonly choices?: readonly string[] };

/** A factory with declared option defaults: what a policy package exports. */
export interface PolicyFactory<O extends Record<string, unknown> = Record<string, unknown>> {
  readonly name: string;
  readonly description: string;
  readonly defaults: O;
  /** One line per option for `reclaim-lab list` and validation messages. */
  readonly optionDocs?: { [K in keyof O]?: string };
  /** Allowed values per option (range, integer, choices); an option without one takes any value of its default's type. */
  readonly optionSchema?: { [K in keyof O]?: OptionSpec };
  /** Contract version the policy was written against (as on `ReclaimOps`). */
  readonly version?: number;
  /** Core services the policy needs (as on `ReclaimOps`), checked before anything is created. */
  readonly requires?: readonly string[];
  /** Named option presets ("2gen", "no-bloom"). */
  readonly presets?: Record<string, Partial<O>>;
  create(options: O): ReclaimOps<unknown>;
}
