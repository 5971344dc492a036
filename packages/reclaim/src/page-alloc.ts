/**
 * mm/page_alloc.c: allocating a frame for a task. allocPage charges the
 * memcg, then takes a frame from the zonelist (allocFrame, the
 * `get_page_from_freelist` + slow path: wake kswapd below the low
 * watermark, direct reclaim below min, retry, OOM); waitForWriteback is
 * the slow path's wait for folios under write-back.
 *
 * Owns no state. May call: memcontrol (charge), kswapd, vmscan-direct,
 * oom-kill, writeback.
 */
import type { Memcg } from '@reclaim-lab/hw-model';
import { VM } from '@reclaim-lab/mechanisms';
import { allocIdeal } from './ideal-alloc.js';
import type { KernelState } from './kernel-state.js';
import { wakeKswapd } from './kswapd.js';
import { chargeMemcg } from './memcontrol.js';
import { zonelist } from './mmzone.js';
import { oom } from './oom-kill.js';
import { MAX_RECLAIM_RETRIES } from './scan-control.js';
import type { Task } from './task.js';
import { anythingReclaimable, directReclaim, throttleDirectReclaim } from './vmscan-direct.js';
import { waitForWriteback } from './writeback.js';

/**
 * Allocate one page for `task`, charged to `memcg` (its own, or the owner
 * of a swap entry read ahead for it), reclaiming as needed; -1 if the task
 * was killed. With `noRetry` (`__GFP_NORETRY`, readahead's mask) one round
 * of reclaim is all it tries: -1 then also means "no memory", with no OOM kill.
 */
export function allocPage(kern: KernelState, task: Task, noRetry = false, memcg: Memcg = task.memcg): number {
  if (!chargeMemcg(kern, task, 1, noRetry, memcg)) return -1;
  const pfn = allocFrame(kern, task, noRetry);
  if (pfn < 0) {
    kern.world.uncharge(memcg.id, 1);
    return -1;
  }
  const f = kern.machine.frames;
  f.memcg[pfn] = memcg.id;
  kern.world.counters.v[VM.pgalloc_normal]++;
  task.t += kern.machine.config.cost.allocNs;
  return pfn;
}

/** The allocator slow path: low watermark, wake kswapd, min watermark, direct reclaim, OOM. */
export function allocFrame(kern: KernelState, task: Task, noRetry = false): number {
  if (kern.mode === 'ideal') return allocIdeal(kern, task);
  const nodes = kern.machine.nodes;
  const zl = zonelist(kern, task);
  for (const n of zl) if (nodes[n].zone.free > nodes[n].zone.low) return kern.machine.allocFrame(n);
  for (const n of zl) wakeKswapd(kern, n, task.t);
  for (const n of zl) if (nodes[n].zone.free > nodes[n].zone.min) return kern.machine.allocFrame(n);
  let noProgress = 0;
  for (;;) {
    throttleDirectReclaim(kern, task, zl[0]);
    const reclaimed = directReclaim(kern, task, zl);
    if (task.killed) return -1;
    for (const n of zl) if (nodes[n].zone.free > nodes[n].zone.min) return kern.machine.allocFrame(n);
    // __GFP_NORETRY gives up after one round of direct reclaim, before any retry or OOM.
    if (noRetry) return -1;
    // `should_reclaim_retry`
    if (reclaimed > 0) noProgress = 0;
    else if (waitForWriteback(kern, task)) continue;
    else noProgress++;
    if (noProgress > MAX_RECLAIM_RETRIES || !anythingReclaimable(kern, zl)) {
      oom(kern, 'global', null, task);
      if (task.killed) return -1;
      // `goto retry` after a kill: the allocation still honours the min
      // watermark (only the victim may dip below it, and it has exited).
      noProgress = 0;
      for (const n of zl) if (nodes[n].zone.free > nodes[n].zone.min) return kern.machine.allocFrame(n);
    }
  }
}
