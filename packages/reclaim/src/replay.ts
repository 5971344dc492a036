/**
 * Ideal mode's request replay: a trace run as it is, with no fault path.
 * replayRequests is the general loop; replayLean and idealHits are the
 * tight hit loop over dense page ids, leanMiss the one-call miss (drop
 * one clean folio, allocate, insert), replayStopped and refillRequests
 * the bookkeeping between chunks. Not a kernel file: the kernel has no
 * ideal mode. Hot: keep the loops here, calling plain functions.
 *
 * Owns no state. May call: policy-access, lru-add, workingset, filemap,
 * and the ideal allocation (allocIdeal, idealShrinkOne) on the kernel.
 */
import {
  CHUNK_CAPACITY,
  fileSector,
  LRU_FILE,
  MEMCG_STAT,
  type Memcg,
  OP_OPDONE,
  OP_READ,
  OP_WRITE,
  PG_ACTIVE,
  PG_LRU,
  PG_REFERENCED,
  PG_UNEVICTABLE,
  VM_LOCKED,
  type Vma,
} from '@reclaim-lab/hw-model';
import { KIB_PER_PAGE, packShadow, VM } from '@reclaim-lab/mechanisms';
import { idealLeanCtx, idealShrinkOne } from './ideal-alloc.js';
import type { KernelState } from './kernel-state.js';
import { lruAdd, markAccessed, placed } from './lru-add.js';
import { exitTask, oom } from './oom-kill.js';
import type { ReclaimOps } from './ops.js';
import { accessFailed, accessGuarded, hookClose, hookOpen } from './policy-access.js';
import { recoverStrays } from './policy-attach.js';
import type { LruvecCtx } from './policy-host.js';
import { shrinkNode } from './shrink-node.js';
import { slowOp } from './syscall.js';
import type { Task } from './task.js';
import { refault } from './workingset.js';

/**
 * Ideal mode's hit path: from `task.pos`, serve fd reads and writes whose
 * page is cached (what fdRead and fdWrite do for a hit there: count it, and
 * `markAccessed` with the hook guarded inline) and count OP_OPDONE, until
 * the chunk ends or an event needs the general path; `task.pos` is left at
 * that event. Returns the requests served. A separate small function, so
 * that it is optimised as a whole rather than as an on-stack replacement
 * inside the long-running `runTask` loop.
 */
export function idealHits(kern: KernelState, task: Task): number {
  const chunk = task.chunk;
  const ops = chunk.op;
  const regions = chunk.region;
  const args = chunk.arg;
  const end = chunk.length;
  const vmas = task.vmas;
  const files = kern.machine.files;
  const ctxs = kern.ctxs;
  const frameFlags = kern.machine.frames.flags;
  const frameLruvec = kern.machine.frames.lruvec;
  // Locals, not imported bindings: tsx and vitest compile those to getters, a call per use.
  const READ = OP_READ;
  const WRITE = OP_WRITE;
  const OPDONE = OP_OPDONE;
  const LRU_EVICTABLE = PG_LRU | PG_UNEVICTABLE;
  const LRU_ONLY = PG_LRU;
  let i = task.pos;
  let served = 0;
  let opsDone = 0;
  // The last region's page cache and the last lruvec's hook, kept while they repeat.
  let region = -1;
  let cache: Int32Array | null = null;
  let pgoff = 0;
  let pages = 0;
  let lruvec = -1;
  let ctx: LruvecCtx | null = null;
  for (; i < end; i++) {
    const op = ops[i];
    if (op === OPDONE) {
      opsDone++;
      continue;
    }
    if (op !== READ && op !== WRITE) break;
    if (regions[i] !== region) {
      const vma = vmas[regions[i]];
      if (vma === undefined || vma.file < 0) break;
      region = regions[i];
      cache = files[vma.file].cache;
      pgoff = vma.pgoff;
      pages = vma.pages;
    }
    const a = args[i];
    if (a < 0 || a >= pages) break;
    const p = (cache as Int32Array)[pgoff + a];
    if (p === 0) break;
    const pfn = p - 1;
    served++;
    if (frameLruvec[pfn] !== lruvec) {
      lruvec = frameLruvec[pfn];
      ctx = ctxs[lruvec];
    }
    const c = ctx as LruvecCtx;
    const slot = c.slot;
    const policy = slot.ops;
    const hook = policy.folioAccessed;
    if ((frameFlags[pfn] & LRU_EVICTABLE) !== LRU_ONLY || hook === undefined || slot.ejected) {
      markAccessed(kern, pfn);
      continue;
    }
    accessGuarded(kern, c, policy, hook, pfn);
  }
  task.pos = i;
  task.ops += opsDone;
  task.t += served * kern.machine.config.cost.fdAccessNs;
  return served;
}

/**
 * Ideal mode's loop over a request source (a trace replay): each request
 * is an fd read or write of a page of region 0 followed by a finished op,
 * exactly the events the source's `fill` would give. A hit is served here
 * as in `idealHits`; a miss, or a folio the inline guard does not cover,
 * takes the general path (`slowOp`, `markAccessed`).
 */
export function replayRequests(kern: KernelState, task: Task, horizon: number): void {
  const buf = (task.requestBuf ??= new Int32Array(CHUNK_CAPACITY));
  const vma = task.vmas[0];
  const cache = kern.machine.files[vma.file].cache;
  // leanMiss reads a regular file; shmem misses take the general path.
  const leanFile = !kern.machine.files[vma.file].shmem;
  const pgoff = vma.pgoff;
  const pages = vma.pages;
  const ctxs = kern.ctxs;
  const frameFlags = kern.machine.frames.flags;
  const frameLruvec = kern.machine.frames.lruvec;
  const fdAccessNs = kern.machine.config.cost.fdAccessNs;
  const timers = kern.world.timers;
  const LRU_EVICTABLE = PG_LRU | PG_UNEVICTABLE;
  const LRU_ONLY = PG_LRU;
  let hits = 0;
  let lruvec = -1;
  let ctx: LruvecCtx | null = null;
  const lvs = kern.world.lruvecs;
  // Lruvecs are made as memcgs and tasks are loaded, never while requests run.
  const single = lvs.length === 1 ? ctxs[lvs[0].id] : null;
  // Between requests every cached page of an unlocked region is on its
  // lruvec's lists and evictable: pages are isolated only inside reclaim,
  // and only VM_LOCKED culls them. On one lruvec the check can go.
  const settled = single !== null && (vma.vmFlags & VM_LOCKED) === 0;
  // A miss evicts and inserts in `leanMiss` while this policy stays
  // attached (the scope is fixed while requests run: nothing else does).
  const lean = leanFile && settled && leanMemcg(task.memcg) ? idealLeanCtx(kern) : null;
  if (lean !== null && replayLean(kern, task, horizon, lean)) return;
  const leanOps = lean === null ? null : lean.slot.ops;
  // After `replayLean` gave up part way: what it wrote back.
  let t = task.t;
  let pos = task.requestPos;
  let len = task.requestLen;
  if (task.killed || !task.alive) return;
  kern.preempt = false;
  while (t < horizon) {
    if (pos >= len) {
      pos = 0;
      len = refillRequests(kern, task, buf, t);
      if (len === 0) break;
    }
    const req = buf[pos++];
    const a = req < 0 ? ~req : req;
    const p = a < pages ? cache[pgoff + a] : 0;
    if (p !== 0) {
      const pfn = p - 1;
      // Each hit is an op too: `task.ops` gets them with the other totals at the end.
      hits++;
      t += fdAccessNs;
      // One lruvec: no need to look up the folio's.
      if (single === null && frameLruvec[pfn] !== lruvec) {
        lruvec = frameLruvec[pfn];
        ctx = ctxs[lruvec];
      }
      const c = single ?? (ctx as LruvecCtx);
      const slot = c.slot;
      const policy = slot.ops;
      const hook = policy.folioAccessed;
      if (
        hook === undefined ||
        slot.ejected ||
        (!settled && (frameFlags[pfn] & LRU_EVICTABLE) !== LRU_ONLY)
      ) {
        markAccessed(kern, pfn);
        continue;
      }
      accessGuarded(kern, c, policy, hook, pfn);
      continue;
    }
    task.t = t;
    task.requestPos = pos;
    task.requestLen = len;
    if (a < pages && lean !== null && lean.slot.ops === leanOps && !lean.slot.ejected)
      leanMiss(kern, task, vma, a, req < 0, lean);
    else slowOp(kern, task, req < 0 ? OP_WRITE : OP_READ, 0, a);
    if (task.killed) break;
    task.ops++;
    t = task.t;
    if (kern.preempt || timers.peekTime() < t) break;
  }
  replayStopped(kern, task, t, pos, len, hits);
}

/**
 * `replayRequests` on the machine of `idealLeanCtx`: a hit as there, a
 * miss by `leanMiss`. The hit loop holds only what a hit needs, so V8
 * keeps it in registers. Returns false, with the task's position and time
 * written back, when the machine is no longer lean (the policy was
 * ejected, a request is out of range): the caller goes on with the
 * general loop. The lean-paths property test holds it to the general
 * path's results.
 */
export function replayLean(kern: KernelState, task: Task, horizon: number, ctx: LruvecCtx): boolean {
  const slot = ctx.slot;
  const ops = slot.ops;
  const accessed = ops.folioAccessed;
  if (ops.folioAdded === undefined || ops.evictCandidates === undefined) return false;
  // No access hook (FIFO): a hit is `markAccessed`'s PG_REFERENCED, nothing more. Every cached
  // page here is on the LRU and evictable (see `settled` in replayRequests), so no check is needed.
  const refOnly = accessed === undefined;
  const frameFlags = kern.machine.frames.flags;
  const buf = (task.requestBuf ??= new Int32Array(CHUNK_CAPACITY));
  const vma = task.vmas[0];
  const file = kern.machine.files[vma.file];
  const cache = file.cache;
  // The shadows this replay's misses leave, a byte a page (`SimFile.leanShadow`); the
  // shadow-node shrinker reads `shadow` itself, so not with it.
  if (file.leanShadow === null && kern.world.shadowNodes === null) {
    file.leanShadowValue[0] = packShadow(0, ctx.lruvec.id, false);
    file.leanShadowValue[1] = packShadow(0, ctx.lruvec.id, true);
    file.leanShadow = new Uint8Array(file.pages);
  }
  const pgoff = vma.pgoff;
  const pages = vma.pages;
  const lists = kern.world.lists;
  const fdAccessNs = kern.machine.config.cost.fdAccessNs;
  const budget = kern.watchdog.options.stepBudget;
  const timers = kern.world.timers;
  let t = task.t;
  let pos = task.requestPos;
  let len = task.requestLen;
  let hits = 0;
  let lean = true;
  kern.preempt = false;
  // The hits' step budget stays set while the loop runs (the kernel makes no
  // list operation between two hits); anything else runs without it.
  lists.stepLimit = budget;
  while (t < horizon) {
    if (pos >= len) {
      lists.stepLimit = Number.POSITIVE_INFINITY;
      pos = 0;
      len = refillRequests(kern, task, buf, t);
      if (len === 0) break;
      lists.stepLimit = budget;
    }
    const r = buf[pos];
    const a = r < 0 ? ~r : r;
    if (a >= pages) {
      lean = false;
      break;
    }
    pos++;
    const p = cache[pgoff + a];
    if (p !== 0) {
      // Each hit is an op too: `task.ops` gets them with the other totals at the end.
      hits++;
      t += fdAccessNs;
      if (refOnly) {
        frameFlags[p - 1] |= PG_REFERENCED;
        continue;
      }
      // `accessGuarded`, written out.
      lists.steps = 0;
      try {
        (ops.folioAccessed as NonNullable<typeof accessed>)(ctx, p - 1);
      } catch (e) {
        lists.stepLimit = Number.POSITIVE_INFINITY;
        accessFailed(kern, ctx, p - 1, e);
        lean = false;
        break;
      }
      if (slot.ops !== ops) {
        lists.stepLimit = Number.POSITIVE_INFINITY;
        recoverStrays(kern, slot);
        lean = false;
        break;
      }
      continue;
    }
    task.t = t;
    task.requestPos = pos;
    task.requestLen = len;
    lists.stepLimit = Number.POSITIVE_INFINITY;
    leanMiss(kern, task, vma, a, r < 0, ctx);
    lists.stepLimit = budget;
    if (task.killed) break;
    task.ops++;
    t = task.t;
    if (slot.ops !== ops) {
      lean = false;
      break;
    }
    if (kern.preempt || timers.peekTime() < t) break;
  }
  lists.stepLimit = Number.POSITIVE_INFINITY;
  replayStopped(kern, task, t, pos, len, hits);
  return lean;
}

/** A replay loop stops: the task's time and place written back, its hits counted as accesses and ops. */
export function replayStopped(
  kern: KernelState,
  task: Task,
  t: number,
  pos: number,
  len: number,
  hits: number,
): void {
  kern.preempt = false;
  if (!task.killed) task.t = t;
  task.requestPos = pos;
  task.requestLen = len;
  task.accesses += hits;
  task.ops += hits;
  kern.requests += hits;
}

/**
 * A miss of a trace replay on the machine of `idealLeanCtx` (`ctx`),
 * charged to a `leanMemcg`, for a regular file in an unlocked mapping:
 * what slowOp → fdRead or fdWrite → readPages → allocPage → `lruAdd` →
 * `markAccessed` do for one page in ideal mode, in one place, with
 * `allocIdeal` written out and the evicted page's frame taken straight
 * back (`idealShrinkOne`). Its hooks are called directly between
 * `hookOpen` and `hookClose`. Where the miss parts from the common case (a
 * hook fails or leaves something unusual, nothing could be reclaimed) it
 * goes on with the general functions from there. The property that ideal
 * mode gives the same results with `idealLeanPaths` off holds it to them.
 */
export function leanMiss(
  kern: KernelState,
  task: Task,
  vma: Vma,
  a: number,
  write: boolean,
  ctx: LruvecCtx,
): void {
  const slot = ctx.slot;
  const ops = slot.ops;
  const file = kern.machine.files[vma.file];
  const index = vma.pgoff + a;
  const memcg = task.memcg;
  const lv = ctx.lruvec;
  const lvId = lv.id;
  const f = kern.machine.frames;
  const flags = f.flags;
  const lists = kern.world.lists;
  const c = kern.world.counters.v;
  const cost = kern.machine.config.cost;
  const zone = kern.machine.nodes[0].zone;
  const wd = kern.watchdog;
  kern.requests++;
  task.accesses++;
  task.t += cost.fdAccessNs;
  kern.misses++;
  if (!write) task.raWindow[0] = 1;
  memcg.usage++;
  let pfn = -1;
  let shadow = 0;
  // `allocIdeal`: evict exactly one page when memory is full.
  if (zone.free === 0) {
    const sc = kern.directSc.reset('direct', null, 0, 1, task.t);
    sc.batch = 1;
    sc.priority = 0;
    pfn = idealShrinkOne(kern, ctx, sc, file, index, memcg);
    shadow = kern.reusedShadow;
    let tries = 0;
    while (pfn < 0 && zone.free === 0 && tries++ < 3) {
      sc.resetPass();
      shrinkNode(kern, sc, 0);
    }
    if (pfn < 0 && zone.free === 0) {
      // An ejection instead of a kill: try again under the fallback.
      while (oom(kern, 'global', null, task) && zone.free === 0) {
        sc.resetPass();
        shrinkNode(kern, sc, 0);
        if (zone.free !== 0) break;
      }
      if (task.killed || zone.free === 0) {
        kern.world.uncharge(memcg.id, 1);
        return;
      }
    }
  }
  if (pfn < 0) {
    pfn = kern.machine.allocFrame(0);
    f.memcg[pfn] = memcg.id;
    shadow = kern.world.pageCacheInsert(file, index, pfn, memcg);
  }
  c[VM.pgalloc_normal]++;
  task.t += cost.allocNs;
  let active = false;
  if (shadow !== 0) {
    // `refault` counts a refault and stops there for a policy with no refault hook.
    if (slot.ops === ops && ops.refault === undefined) {
      c[VM.workingset_refault_file]++;
      memcg.stat[MEMCG_STAT.workingset_refault_file]++;
    } else active = refault(kern, pfn, shadow, false);
  }
  if (ops.folioAdded !== undefined && slot.ops === ops) {
    // `lruAdd` → `placeOnLru`, on the one lruvec: the folio's own.
    f.lruvec[pfn] = lvId;
    const how = kern.addHow;
    how.reason = write ? 'write' : 'read';
    how.active = active;
    how.inFault = false;
    how.vmFlags = vma.vmFlags;
    if (active) flags[pfn] |= PG_ACTIVE;
    hookOpen(kern, slot, ops);
    try {
      (ops.folioAdded as NonNullable<ReclaimOps<unknown>['folioAdded']>)(ctx, pfn, how);
    } catch (e) {
      wd.failed(ctx, 'folioAdded', e);
    }
    hookClose(kern, slot);
    const list = lists.listOf[pfn];
    if (slot.ops === ops && list >= 0 && lists.lruvecOf(list) === lvId && list !== lv.unevictableList) {
      flags[pfn] |= PG_LRU;
      lv.nrPages[LRU_FILE]++;
    } else placed(kern, ctx, ops, pfn, 'folioAdded');
  } else lruAdd(kern, pfn, vma.vmFlags, write ? 'write' : 'read', active, false);
  if (!write) {
    c[VM.pgpgin] += KIB_PER_PAGE;
    const done = kern.machine.devices[file.device].submit(task.t, 1, false, true, fileSector(file.id, index));
    task.ioWaitNs += done - task.t;
    task.t = done + cost.majorFaultNs;
    task.readMisses++;
  }
  const accessed = ops.folioAccessed;
  if (
    accessed !== undefined &&
    slot.ops === ops &&
    (flags[pfn] & (PG_LRU | PG_UNEVICTABLE)) === PG_LRU &&
    f.lruvec[pfn] === lvId
  )
    accessGuarded(kern, ctx, ops, accessed, pfn);
  else markAccessed(kern, pfn);
  if (!write) task.raPrev[0] = a;
}

/**
 * The replay's next requests into `buf`: how many, or 0 when the source
 * is done and the task has exited at `t`.
 */
export function refillRequests(kern: KernelState, task: Task, buf: Int32Array, t: number): number {
  const n = (task.requestSource as (out: Int32Array) => number)(buf);
  // The events these requests stand for: a read or write, and an op done.
  kern.events += 2 * n;
  if (n === 0) {
    task.t = t;
    exitTask(kern, task, false);
  }
  return n;
}

/** A memcg whose charges never reclaim: the root, with no limits. */
export function leanMemcg(memcg: Memcg): boolean {
  return (
    memcg.parent === null && memcg.max === Number.POSITIVE_INFINITY && memcg.high === Number.POSITIVE_INFINITY
  );
}
