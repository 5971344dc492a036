/**
 * `wakeup_kswapd` (mm/vmscan.c), apart from the rest of kswapd so that the
 * reclaim path itself (a demotion's allocation on the target node) can wake
 * another node's kswapd without importing the balancing loop.
 *
 * Owns no state: each node's KswapdState lives in the kernel context. May call: nothing.
 */
import { VM } from '@reclaim-lab/mechanisms';
import type { KernelState } from './kernel-state.js';
import { MAX_RECLAIM_RETRIES } from './scan-control.js';

export function wakeKswapd(kern: KernelState, node: number, t: number): void {
  const k = kern.kswapd[node];
  if (k.failures >= MAX_RECLAIM_RETRIES) return;
  if (k.active) {
    if (k.napUntil > t) {
      // Woken during the short nap: kswapd went to sleep too early.
      kern.world.counters.v[VM.kswapd_low_wmark_hit_quickly]++;
      k.napUntil = 0;
      k.t = Math.max(t, kern.now);
      kern.preempt = true;
    }
    return;
  }
  k.active = true;
  k.t = Math.max(k.t, t);
  kern.preempt = true;
}
