/**
 * Setting a mapping up, as `mmap_region` does (mm/mmap.c): the VMA goes live
 * in the task's address space and a file VMA joins its file's `i_mmap`, the
 * list rmap walks. Pages come later, at fault time (fault.ts).
 *
 * Owns no state. May call: nothing but the machine's file table.
 */
import type { Vma } from '@reclaim-lab/hw-model';
import type { KernelState } from './kernel-state.js';
import type { Task } from './task.js';

export function mapVma(kern: KernelState, task: Task, vma: Vma): void {
  if (vma.mapped) return;
  vma.mapped = true;
  task.regionBase[vma.region] = vma.start;
  if (vma.file >= 0) {
    kern.machine.files[vma.file].mappings.push({
      mm: task.mm.id,
      start: vma.start,
      pages: vma.pages,
      pgoff: vma.pgoff,
      vmFlags: vma.vmFlags,
    });
  }
}
