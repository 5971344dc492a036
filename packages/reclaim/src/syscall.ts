/**
 * A task's slow path: everything that is not a load or store hitting a
 * present PTE. slowOp dispatches an event — a fault-taking access, read(2)
 * and write(2) (filemap, shmem), mmap/munmap, madvise, fsync, think time,
 * phase and op markers — and badAccess names the task and event of bad
 * input.
 *
 * Owns no state. May call: fault, filemap, shmem, unmap, madvise, and the
 * kernel for fsync.
 */
import {
  OP_APPSTATE,
  OP_FRAME,
  OP_FSYNC,
  OP_MADVISE,
  OP_MAP,
  OP_OPDONE,
  OP_PHASE,
  OP_READ,
  OP_STORE,
  OP_THINK,
  OP_UNMAP,
  OP_WRITE,
} from '@reclaim-lab/hw-model';
import { appState, frame } from './app.js';
import { fdRead, fdWrite } from './filemap.js';
import type { KernelState } from './kernel-state.js';
import { madvise } from './madvise.js';
import { mapVma } from './mmap.js';
import { beginPhase } from './phase-log.js';
import { shmemRead, shmemWrite } from './shmem.js';
import type { Task } from './task.js';
import { unmapVma } from './unmap.js';
import { WorkloadError } from './workload-error.js';
import { fsync } from './writeback.js';

export function slowOp(kern: KernelState, task: Task, op: number, r: number, a: number): void {
  const vma = task.vmas[r];
  if (op === OP_THINK) {
    kern.psi.idle(task.psiCpu, task.t, task.t + a);
    task.t += a;
    return;
  }
  if (op === OP_OPDONE) {
    task.ops++;
    return;
  }
  if (op === OP_PHASE) {
    beginPhase(kern, task, a);
    return;
  }
  if (op === OP_APPSTATE) {
    appState(kern, task, a);
    return;
  }
  // A killed app does nothing until it is launched again.
  if (task.appDead) return;
  if (op === OP_FRAME) {
    frame(kern, task, a);
    return;
  }
  if (vma === undefined)
    throw new WorkloadError(`task ${task.name}: event names region ${r}, which does not exist`);
  switch (op) {
    case OP_READ:
    case OP_WRITE: {
      if (vma.file < 0)
        throw new WorkloadError(
          `task ${task.name}: ${op === OP_READ ? 'read' : 'write'} on anon region ${r}`,
        );
      if (a < 0 || a >= vma.pages)
        throw new WorkloadError(`task ${task.name}: page ${a} is outside region ${r} (${vma.pages} pages)`);
      kern.requests++;
      task.accesses++;
      if (kern.machine.files[vma.file].shmem) {
        if (op === OP_READ) shmemRead(kern, task, vma, r, a);
        else shmemWrite(kern, task, vma, a);
      } else if (op === OP_READ) fdRead(kern, task, vma, r, a);
      else fdWrite(kern, task, vma, a);
      return;
    }
    case OP_MAP:
      mapVma(kern, task, vma);
      return;
    case OP_UNMAP:
      unmapVma(kern, task, vma);
      return;
    case OP_MADVISE:
      madvise(kern, task, vma, a);
      return;
    case OP_FSYNC:
      if (vma.file >= 0) fsync(kern, task, kern.machine.files[vma.file]);
      return;
    default:
      throw new WorkloadError(`task ${task.name}: unknown event op ${op}`);
  }
}

export function badAccess(task: Task, op: number, r: number, a: number): never {
  const vma = task.vmas[r];
  if (vma === undefined)
    throw new WorkloadError(`task ${task.name}: event names region ${r}, which does not exist`);
  if (!vma.mapped)
    throw new WorkloadError(
      `task ${task.name}: ${op === OP_STORE ? 'store' : 'load'} to region ${r} before it is mapped`,
    );
  throw new WorkloadError(
    `task ${task.name}: page ${a} is outside region ${r} (${task.regionPages[r]} pages)`,
  );
}
