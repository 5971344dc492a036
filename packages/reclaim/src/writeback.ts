/**
 * Write-back completion (mm/page-writeback.c, `folio_end_writeback`):
 * completeIo runs the I/O completions due, rotating reclaimed folios to
 * the tail and freeing their swap or shadow; completeIoUntil lets a
 * reclaimer's own clock run the device ahead; fsync is
 * `file_write_and_wait_range` for a task.
 *
 * Owns no state. May call: lru-add, reclaim-core (rotate/putback).
 */
import {
  NS_PER_SEC,
  PG_DIRTY,
  PG_FILE,
  PG_LOCKED,
  PG_LRU,
  PG_UNEVICTABLE,
  PG_WRITEBACK,
  type SimFile,
} from '@reclaim-lab/hw-model';
import { VM } from '@reclaim-lab/mechanisms';
import type { KernelState } from './kernel-state.js';
import type { ScanControl } from './scan-control.js';
import { WBT_INFLIGHT_PAGES, WBT_INFLIGHT_PAGES_KSWAPD } from './scan-control.js';
import type { Task } from './task.js';

export function completeIo(kern: KernelState): void {
  const out = kern.timerOut;
  kern.world.timers.pop(out);
  const pfn = out[1];
  const seq = out[2];
  const f = kern.machine.frames;
  if (seq === READ_DONE_TAG) {
    // The async read is over: `folio_end_read` unlocks the folio.
    if (kern.readDoneAt !== null && kern.readDoneAt[pfn] === out[0]) f.flags[pfn] &= ~PG_LOCKED;
    return;
  }
  if (kern.world.wbSeq[pfn] !== seq || (f.flags[pfn] & PG_WRITEBACK) === 0) return;
  if (!kern.world.endWriteback(pfn)) return;
  // `folio_rotate_reclaimable`: clean, still on an LRU, evictable.
  if ((f.flags[pfn] & (PG_LRU | PG_DIRTY | PG_UNEVICTABLE)) !== PG_LRU) return;
  const ctx = kern.ctxs[f.lruvec[pfn]];
  const ops = ctx.slot.ops;
  if (ops.rotate)
    kern.watchdog.guard(
      ctx,
      'rotate',
      () => ops.rotate!(ctx, pfn),
      () => {},
    );
  else kern.world.lists.moveTail(kern.world.lists.listOf[pfn], pfn);
  if (!ctx.owns(kern.world.lists.listOf[pfn]))
    kern.watchdog.reject(ctx, 'rotate', 'invalid', `left pfn ${pfn} off its lists`);
  kern.world.counters.v[VM.pgrotated]++;
}

/**
 * Complete the I/O due by `t`, a reclaimer's own clock, while it runs:
 * the device works during reclaim, so a write it started a few batches
 * ago ends (`folio_end_writeback`, rotating the folio to the tail) before
 * the next batch, instead of after the whole call. The loop's clock is
 * left as it was; only the completions move ahead of it, by at most the
 * length of one reclaim call (a deviation from strict event order).
 */
export function completeIoUntil(kern: KernelState, t: number): void {
  const timers = kern.world.timers;
  if (timers.peekTime() > t) return;
  const now = kern.now;
  while (timers.peekTime() <= t) {
    kern.now = kern.world.now = timers.peekTime();
    completeIo(kern);
  }
  kern.now = kern.world.now = now;
}

/**
 * Models `file_write_and_wait_range` over the whole file: write every
 * dirty folio not already under writeback, then wait until the last
 * write-back of the file's folios completes, ours or one in flight before.
 */
export function fsync(kern: KernelState, task: Task, file: SimFile): void {
  const f = kern.machine.frames;
  for (let i = 0; i < file.pages && file.nrDirty > 0; i++) {
    const p = file.cache[i];
    if (p === 0) continue;
    const pfn = p - 1;
    if (f.flags[pfn] & PG_DIRTY && (f.flags[pfn] & PG_WRITEBACK) === 0) {
      kern.world.startWriteback(pfn, task.t, false);
      // `folio_mkclean`'s rmap walk runs in the fsync caller.
      task.t += kern.world.lastMkcleanSteps * kern.machine.config.cost.rmapNs;
    }
  }
  const wbSeq = kern.world.wbSeq;
  // A completion still counts if its folio is the same write-back of this file (not a stale one).
  const last = kern.world.timers.latest(
    (pfn, seq) =>
      wbSeq[pfn] === seq &&
      (f.flags[pfn] & (PG_WRITEBACK | PG_FILE)) === (PG_WRITEBACK | PG_FILE) &&
      f.owner[pfn] === file.id,
  );
  if (last > task.t) {
    task.ioWaitNs += last - task.t;
    task.t = last;
  }
}

/** Timer tag of an async readahead page's read completion (write-back tags are 0-255). */
export const READ_DONE_TAG = 256;

/**
 * `reclaim_throttle(VMSCAN_THROTTLE_WRITEBACK)` for a reclaimer that found
 * nothing freeable while writeback is in flight: sleep until the next
 * completion (at most HZ/10) and complete the I/O that is due by then, so
 * the folios it frees can be reclaimed on the retry. False if nothing is in flight.
 */
export function waitForWriteback(kern: KernelState, task: Task): boolean {
  if (kern.world.nrWriteback === 0) return false;
  const next = kern.world.timers.peekTime();
  if (!Number.isFinite(next)) return false;
  const wake = Math.min(Math.max(next, task.t), task.t + NS_PER_SEC / 10);
  kern.world.counters.v[VM.throttle_writeback]++;
  task.directReclaimNs += wake - task.t;
  kern.psi.stall(task.psiCpu, task.t, wake);
  task.t = wake;
  while (kern.world.timers.peekTime() <= task.t) {
    kern.now = kern.world.now = kern.world.timers.peekTime();
    completeIo(kern);
  }
  kern.now = kern.world.now = task.t;
  return true;
}

/**
 * The block layer's write throttle (blk-wbt): with as many of reclaim's
 * page writes in flight to the device as it allows, the reclaimer sleeps
 * until the oldest completes, and the I/O due by then completes. This is
 * what keeps reclaim from writing far more than it frees on a slow swap
 * device: it runs at the device's pace. Synchronous devices (zram) have none.
 */
export function waitForWriteSlot(kern: KernelState, pfn: number, sc: ScanControl): void {
  const dev = kern.world.writebackDevice(pfn);
  if (dev.spec.synchronous) return;
  const at = dev.writeSlotAt(sc.isKswapd ? WBT_INFLIGHT_PAGES_KSWAPD : WBT_INFLIGHT_PAGES);
  if (at <= sc.clockNs) return;
  sc.waitNs += at - sc.clockNs;
  completeIoUntil(kern, sc.clockNs);
}
