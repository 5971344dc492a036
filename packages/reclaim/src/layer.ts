/**
 * Extending, not only replacing: a policy layered on another. An extension
 * overrides a few decisions of a base policy (LRU, MGLRU, any `ReclaimOps`)
 * and leaves the rest to it — the shape of the BPF hooks proposed for MGLRU.
 *
 * Each overridden hook receives the base's hook as `next`, already bound to
 * the current arguments, so the extension can call it unchanged, call it
 * with changed inputs (e.g. a different `AddHow`: which generation or list a
 * new folio enters), change its result, or not call it at all (e.g. skip a
 * candidate by keeping it). Hooks the extension leaves out are the base's.
 * `next` closures are made once per layered policy, not per call.
 */
import type { RmapResult } from '@reclaim-lab/mechanisms';
import type {
  AddHow,
  ClassChange,
  ClassVerdict,
  Decision,
  EvictRequest,
  PolicyCtx,
  PutbackOutcome,
  ReclaimOps,
  RefaultVerdict,
  ShadowInfo,
} from './ops.js';
import type { ScanControl } from './scan-control.js';

export interface PolicyExtension<S> {
  readonly name: string;
  /** Bits of per-page state the extension adds on top of the base's. */
  readonly pageStateBits?: number;
  /** Where a new folio goes: call `next(how)` with the (possibly changed) placement request. */
  folioAdded?(ctx: PolicyCtx<S>, pfn: number, how: AddHow, next: (how: AddHow) => void): void;
  /** What an fd access does: `next()` runs the base's access rule. */
  folioAccessed?(ctx: PolicyCtx<S>, pfn: number, next: () => void): void;
  /** A candidate's fate: `next()` is the base's decision; return 'keep' to skip the folio. */
  checkReferences?(
    ctx: PolicyCtx<S>,
    pfn: number,
    rmap: RmapResult,
    sc: ScanControl,
    next: () => Decision,
  ): Decision;
  /** Where a survivor goes back: `next(outcome)`. */
  putback?(
    ctx: PolicyCtx<S>,
    pfn: number,
    outcome: PutbackOutcome,
    next: (outcome: PutbackOutcome) => void,
  ): void;
  /** A refault's fate: `next()` fills the verdict as the base would. */
  refault?(
    ctx: PolicyCtx<S>,
    pfn: number,
    shadow: ShadowInfo,
    verdict: RefaultVerdict,
    next: () => void,
  ): void;
  /** Batch eviction (for bases that use it): `next()` returns the base's count in `out`. */
  evictCandidates?(ctx: PolicyCtx<S>, req: EvictRequest, out: Int32Array, next: () => number): number;
  /** v2 (vendor hook points): may the invocation stop now? `next()` is the base's answer (false without one). */
  reclaimDone?(ctx: PolicyCtx<S>, sc: ScanControl, next: () => boolean): boolean;
  /** v2: pass over this lruvec in this pass? `next()` is the base's answer. */
  protectLruvec?(ctx: PolicyCtx<S>, sc: ScanControl, next: () => boolean): boolean;
  /** v2: the priority to scan this lruvec at; `next()` is the base's (sc.priority without one). */
  scanPriority?(ctx: PolicyCtx<S>, sc: ScanControl, next: () => number): number;
  /** v2: the memcg's importance class changed; `next()` is the base's reaction. */
  classChanged?(ctx: PolicyCtx<S>, change: ClassChange, next: () => ClassVerdict): ClassVerdict;
}

/** The base policy with the extension's overrides applied. */
export function layerPolicy<S>(base: ReclaimOps<S>, ext: PolicyExtension<S>): ReclaimOps<S> {
  const layered: ReclaimOps<S> = {
    ...base,
    name: `${base.name}+${ext.name}`,
    pageStateBits: (base.pageStateBits ?? 0) + (ext.pageStateBits ?? 0),
  };
  // The arguments of the call in progress; hooks do not re-enter themselves.
  let ctx!: PolicyCtx<S>;
  let pfn = 0;
  let rmap!: RmapResult;
  let sc!: ScanControl;
  let shadow!: ShadowInfo;
  let verdict!: RefaultVerdict;
  let req!: EvictRequest;
  let out!: Int32Array;

  if (ext.folioAdded) {
    const f = ext.folioAdded;
    const next = (h: AddHow) => {
      if (base.folioAdded) base.folioAdded(ctx, pfn, h);
      else ctx.lists.addHead((ctx.state as { list: number }).list, pfn);
    };
    layered.folioAdded = (c, p, h) => {
      ctx = c;
      pfn = p;
      f(c, p, h, next);
    };
  }
  if (ext.folioAccessed) {
    const f = ext.folioAccessed;
    const next = () => {
      if (base.folioAccessed) base.folioAccessed(ctx, pfn);
    };
    layered.folioAccessed = (c, p) => {
      ctx = c;
      pfn = p;
      f(c, p, next);
    };
  }
  if (ext.checkReferences) {
    const f = ext.checkReferences;
    const next = (): Decision =>
      base.checkReferences ? base.checkReferences(ctx, pfn, rmap, sc) : rmap.refs > 0 ? 'keep' : 'reclaim';
    layered.checkReferences = (c, p, r, s) => {
      ctx = c;
      pfn = p;
      rmap = r;
      sc = s;
      return f(c, p, r, s, next);
    };
  }
  if (ext.putback) {
    const f = ext.putback;
    const next = (o: PutbackOutcome) => {
      if (base.putback) base.putback(ctx, pfn, o);
      else ctx.lists.addHead((ctx.state as { list: number }).list, pfn);
    };
    layered.putback = (c, p, o) => {
      ctx = c;
      pfn = p;
      f(c, p, o, next);
    };
  }
  if (ext.refault) {
    const f = ext.refault;
    const next = () => {
      if (base.refault) base.refault(ctx, pfn, shadow, verdict);
    };
    layered.refault = (c, p, s, v) => {
      ctx = c;
      pfn = p;
      shadow = s;
      verdict = v;
      f(c, p, s, v, next);
    };
  }
  if (ext.evictCandidates) {
    const f = ext.evictCandidates;
    const next = () => (base.evictCandidates ? base.evictCandidates(ctx, req, out) : 0);
    layered.evictCandidates = (c, r, o) => {
      ctx = c;
      req = r;
      out = o;
      return f(c, r, o, next);
    };
  }
  // The v2 hook points: each gets the base's answer as `next`, or the contract's default.
  if (ext.reclaimDone) {
    const f = ext.reclaimDone;
    const next = () => (base.reclaimDone ? base.reclaimDone(ctx, sc) : false);
    layered.reclaimDone = (c, s) => {
      ctx = c;
      sc = s;
      return f(c, s, next);
    };
  }
  if (ext.protectLruvec) {
    const f = ext.protectLruvec;
    const next = () => (base.protectLruvec ? base.protectLruvec(ctx, sc) : false);
    layered.protectLruvec = (c, s) => {
      ctx = c;
      sc = s;
      return f(c, s, next);
    };
  }
  if (ext.scanPriority) {
    const f = ext.scanPriority;
    const next = () => (base.scanPriority ? base.scanPriority(ctx, sc) : sc.priority);
    layered.scanPriority = (c, s) => {
      ctx = c;
      sc = s;
      return f(c, s, next);
    };
  }
  if (ext.classChanged) {
    const f = ext.classChanged;
    let change!: ClassChange;
    const next = (): ClassVerdict => (base.classChanged ? base.classChanged(ctx, change) : undefined);
    layered.classChanged = (c, ch) => {
      ctx = c;
      change = ch;
      return f(c, ch, next);
    };
  }
  return layered;
}
