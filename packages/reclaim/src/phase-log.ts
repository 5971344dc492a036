/**
 * Per-phase results. A task's OP_PHASE marker closes the phase it was in
 * and opens the next; its exit (or kill, or the end of the run) closes the
 * last. Each phase records the task's own counters over it and the change
 * of every /proc/vmstat counter, machine-wide — what a real kernel's
 * counters read at the same boundaries show. Owns `Task.openPhase` and
 * the context's `phaseResults`; calls nothing but the counters.
 */
import { VMSTAT_NAMES } from '@reclaim-lab/mechanisms';
import type { KernelState } from './kernel-state.js';
import type { PhaseResult } from './result.js';
import type { Task } from './task.js';

/** Phases recorded per run; a workload repeating phases past it keeps running, unrecorded. */
export const MAX_PHASE_RECORDS = 10_000;

/** OP_PHASE: the task enters phase `index` at its current time. */
export function beginPhase(kern: KernelState, task: Task, index: number): void {
  endPhase(kern, task);
  task.phase = index;
  if (kern.phaseResults.length >= MAX_PHASE_RECORDS) return;
  task.openPhase = {
    index,
    startNs: task.t,
    accesses: task.accesses,
    ops: task.ops,
    minorFaults: task.minorFaults,
    majorFaults: task.majorFaults,
    directReclaimNs: task.directReclaimNs,
    ioWaitNs: task.ioWaitNs,
    vmstat: kern.world.counters.v.slice(),
  };
}

/** Close the task's open phase, if any, at its current time. */
export function endPhase(kern: KernelState, task: Task, endNs = task.t): void {
  const p = task.openPhase;
  if (p === null) return;
  task.openPhase = null;
  const now = kern.world.counters.v;
  const vmstat: Record<string, number> = {};
  for (let i = 0; i < VMSTAT_NAMES.length; i++) {
    const d = now[i] - p.vmstat[i];
    if (d !== 0) vmstat[VMSTAT_NAMES[i]] = d;
  }
  const result: PhaseResult = {
    task: task.name,
    phase: task.spec.phaseNames?.[p.index] ?? `phase${p.index}`,
    index: p.index,
    startNs: p.startNs,
    endNs,
    accesses: task.accesses - p.accesses,
    ops: task.ops - p.ops,
    minorFaults: task.minorFaults - p.minorFaults,
    majorFaults: task.majorFaults - p.majorFaults,
    directReclaimNs: task.directReclaimNs - p.directReclaimNs,
    ioWaitNs: task.ioWaitNs - p.ioWaitNs,
    vmstat,
  };
  kern.phaseResults.push(result);
}
