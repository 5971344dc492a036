/**
 * The node order an allocation falls back through (a zonelist, from
 * include/linux/mmzone.h and `build_zonelists`): the local node first,
 * then the others by distance.
 *
 * Owns no state (each task's list is cached on the kernel context).
 * May call: nothing.
 */

import type { KernelState } from './kernel-state.js';
import type { Task } from './task.js';

/** Nodes in allocation order for a task: its own first, then the others (cached per node). */
export function zonelist(kern: KernelState, task: Task): number[] {
  let zl = kern.zonelists[task.node];
  if (!zl) {
    zl = [task.node];
    for (const n of kern.machine.nodes) if (n.id !== task.node) zl.push(n.id);
    kern.zonelists[task.node] = zl;
  }
  return zl;
}
