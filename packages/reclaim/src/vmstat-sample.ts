/**
 * The periodic sample of the run's time series: free pages, refaults,
 * faults, scan and steal, the meminfo list sizes and each policy's own
 * lists — what `vmstat 1` and `/proc/meminfo` show over time, kept within
 * MAX_SAMPLES by doubling the interval.
 *
 * Owns no state (the series lives on the kernel context). May call: the
 * policies' lruSizes/listSizes hooks through the kernel.
 */

import type { KernelState } from './kernel-state.js';
import { lruSizes } from './reclaim-core.js';

export const MAX_SAMPLES = 512;

export function sample(kern: KernelState): void {
  const s = kern.series;
  const c = kern.world.counters;
  if (s.timeNs.length >= MAX_SAMPLES) {
    // Keep every other sample and halve the rate: bounded memory on any run length.
    const thin = (a: number[]) => {
      for (let i = 0; i < a.length / 2; i++) a[i] = a[2 * i];
      a.length = Math.floor(a.length / 2);
    };
    for (const k of [
      'timeNs',
      'freePages',
      'refaults',
      'majorFaults',
      'pgscan',
      'pgsteal',
      'activeAnon',
      'inactiveAnon',
      'activeFile',
      'inactiveFile',
    ] as const)
      thin(s[k]);
    for (const k of Object.keys(s.policyLists)) thin(s.policyLists[k]);
    kern.sampleIntervalNs *= 2;
    s.intervalNs = kern.sampleIntervalNs;
  }
  s.timeNs.push(kern.now);
  s.freePages.push(kern.machine.freePages());
  s.refaults.push(c.get('workingset_refault_anon') + c.get('workingset_refault_file'));
  s.majorFaults.push(c.get('pgmajfault'));
  s.pgscan.push(c.get('pgscan_anon') + c.get('pgscan_file'));
  s.pgsteal.push(c.get('pgsteal_anon') + c.get('pgsteal_file'));
  let aa = 0;
  let ia = 0;
  let af = 0;
  let inf = 0;
  const named: Record<string, number> = {};
  for (const lv of kern.world.lruvecs) {
    const z = lruSizes(kern, lv);
    aa += z.activeAnon;
    ia += z.inactiveAnon;
    af += z.activeFile;
    inf += z.inactiveFile;
    const ctx = kern.ctxs[lv.id];
    const ops = ctx.slot.ops;
    if (ops.policyLists)
      kern.watchdog.guard(
        ctx,
        'policyLists',
        () => ops.policyLists!(ctx, named),
        () => {},
      );
    else
      for (const l of ctx.ownLists)
        named[kern.world.lists.name(l)] = (named[kern.world.lists.name(l)] ?? 0) + kern.world.lists.length(l);
  }
  s.activeAnon.push(aa);
  s.inactiveAnon.push(ia);
  s.activeFile.push(af);
  s.inactiveFile.push(inf);
  const n = s.timeNs.length;
  for (const [k, v] of Object.entries(named)) {
    let arr = s.policyLists[k];
    if (!arr) {
      arr = new Array(n - 1).fill(0);
      s.policyLists[k] = arr;
    }
    arr.push(v);
  }
  for (const arr of Object.values(s.policyLists)) while (arr.length < n) arr.push(0);
  kern.nextSampleNs = kern.now + kern.sampleIntervalNs;
}
