/**
 * A task running its event stream between two scheduling points: runTask
 * executes accesses (the fast path: a present PTE), faults and syscalls
 * (slowOp: read, write, mmap, munmap, madvise, fsync, think) until its
 * quantum ends or it must wait; refill pulls the next chunk of events.
 * The event loop in kernel.ts picks which task runs next.
 *
 * Owns no state. May call: fault, filemap, shmem, unmap, madvise, replay,
 * lru-add, and the kernel for fsync and exit.
 */
import {
  OP_APPSTATE,
  OP_OPDONE,
  OP_PHASE,
  OP_READ,
  OP_STORE,
  OP_WRITE,
  PTE_NUMA,
  ZERO_PAGE_PTE,
} from '@reclaim-lab/hw-model';
import { pageFault } from './fault.js';
import type { KernelState } from './kernel-state.js';
import { taskNumaWork } from './numa-balancing.js';
import { exitTask } from './oom-kill.js';
import { idealHits, replayRequests } from './replay.js';
import { badAccess, slowOp } from './syscall.js';
import type { Task } from './task.js';

export const QUANTUM_NS = 50_000;

/** The hot path: page-table hits cost one typed-array read and one write. */
export function runTask(kern: KernelState, task: Task, horizon: number): void {
  const chunk = task.chunk;
  const ops = chunk.op;
  const regions = chunk.region;
  const args = chunk.arg;
  const mm = task.mm;
  const pte = mm.pte;
  const bits = mm.pteBits;
  const pmd = mm.pmdYoung;
  const vmas = task.vmas;
  const regionPages = task.regionPages;
  const regionBase = task.regionBase;
  const nRegions = regionBase.length;
  const accessNs = kern.machine.config.cost.accessNs;
  const ideal = kern.mode === 'ideal';
  if (ideal && task.requestSource !== null && kern.opts.idealLeanPaths !== false) {
    replayRequests(kern, task, horizon);
    return;
  }
  // Memory tiering: a load or store costs its node's latency; NUMA balancing scans from the task's time.
  const tier = kern.tiering;
  const nodeNs = tier === null ? null : tier.accessNsByNode;
  const frameNode = kern.machine.frames.node;
  if (tier?.promote) taskNumaWork(kern, tier, task);
  let t = task.t;
  let accesses = 0;
  // The position lives in a local while hits run; it is written back before anything else sees the task.
  let pos = task.pos;
  let len = chunk.length;
  mm.usedNodes = 0xffffffff;
  kern.preempt = false;
  while (t < horizon) {
    if (pos >= len) {
      task.t = t;
      task.pos = pos;
      if (!refill(kern, task)) break;
      pos = task.pos;
      len = chunk.length;
    }
    const i = pos++;
    const op = ops[i];
    const r = regions[i];
    const a = args[i];
    if (op <= OP_STORE) {
      // regionBase is -1 for a region that is not mapped (or not a region at all).
      const base = r >= 0 && r < nRegions ? regionBase[r] : -1;
      if (base < 0 || a < 0 || a >= regionPages[r]) {
        task.t = t;
        task.pos = pos;
        // A killed app's accesses are skipped until it is launched again (app.ts).
        if (task.appDead && base < 0) continue;
        badAccess(task, op, r, a);
      }
      const vpn = base + a;
      accesses++;
      // A store to a write-protected PTE (PTE_WRPROTECT === OP_STORE << 2) faults; any access to a NUMA hint PTE does.
      const e = pte[vpn];
      if (e > 0 && (bits[vpn] & ((op << 2) | PTE_NUMA)) === 0) {
        bits[vpn] |= 1 | (op << 1);
        pmd[vpn >> 9] = 1;
        t += nodeNs === null || e === ZERO_PAGE_PTE ? accessNs : nodeNs[frameNode[e - 1]];
        continue;
      }
      task.t = t;
      task.pos = pos;
      pageFault(kern, task, vmas[r], vpn, op === OP_STORE);
      pos = task.pos;
      t = task.t;
      // A fault may have woken kswapd or queued I/O: let the loop run them in time order.
      if (task.killed || kern.preempt || kern.world.timers.peekTime() < t) break;
      continue;
    }
    if (ideal && (op === OP_READ || op === OP_WRITE || op === OP_OPDONE)) {
      // Ideal mode serves fd hits (and op counts) in a tight loop of its own.
      task.pos = i;
      task.t = t;
      accesses += idealHits(kern, task);
      t = task.t;
      pos = task.pos;
      len = chunk.length;
      if (pos !== i) continue;
      // Event i needs the general path: a miss.
      pos = i + 1;
    }
    task.t = t;
    task.pos = pos;
    // The hits so far are the task's before a phase marker reads its counts.
    task.accesses += accesses;
    kern.requests += accesses;
    accesses = 0;
    slowOp(kern, task, op, r, a);
    t = task.t;
    pos = task.pos;
    len = chunk.length;
    if (task.killed || kern.preempt || kern.world.timers.peekTime() < t) break;
  }
  kern.preempt = false;
  task.pos = pos;
  task.t = t;
  task.accesses += accesses;
  kern.requests += accesses;
}

export function secondTaskT(kern: KernelState, except: Task): number {
  let m = Number.POSITIVE_INFINITY;
  for (const t of kern.tasks) if (t !== except && t.alive && t.t < m) m = t.t;
  return m;
}

export function refill(kern: KernelState, task: Task): boolean {
  task.pos = 0;
  if (task.coldStart !== null) {
    const n = task.coldStart.fill(task.chunk);
    task.chunk.length = n;
    kern.events += n;
    if (n > 0) return true;
    task.coldStart = null;
    if (resumeAfterColdStart(kern, task)) return true;
  }
  const n = task.source.fill(task.chunk);
  task.chunk.length = n;
  kern.events += n;
  if (n === 0) {
    exitTask(kern, task, false);
    return false;
  }
  return true;
}

/**
 * A relaunch's cold start is over: the task goes on with its own stream
 * after the launch it replaced, i.e. from the next phase marker or app
 * state change (the launch's own accesses are dropped). Returns false when
 * the displaced events held none and the stream must be read further.
 */
function resumeAfterColdStart(kern: KernelState, task: Task): boolean {
  const d = task.displaced;
  const c = task.chunk;
  let n = 0;
  if (d !== null) {
    let i = 0;
    while (i < d.length && d.op[i] !== OP_PHASE && d.op[i] !== OP_APPSTATE) i++;
    for (; i < d.length; i++) c.push(d.op[i], d.region[i], d.arg[i]);
    n = c.length;
    d.length = 0;
  }
  // Nothing left of the displaced chunk: drop the launch's events from the stream itself.
  while (n === 0) {
    const got = task.source.fill(c);
    kern.events += got;
    if (got === 0) return false;
    let i = 0;
    while (i < got && c.op[i] !== OP_PHASE && c.op[i] !== OP_APPSTATE) i++;
    if (i === got) continue;
    c.op.copyWithin(0, i, got);
    c.region.copyWithin(0, i, got);
    c.arg.copyWithin(0, i, got);
    n = got - i;
    c.length = n;
  }
  return true;
}
