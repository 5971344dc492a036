import {
  type EventChunk,
  type EventSource,
  OP_FRAME,
  OP_FSYNC,
  OP_OPDONE,
  OP_THINK,
  Rng,
} from '@reclaim-lab/hw-model';
import type { AppCache } from './app-cache.js';
import type { PatternGen } from './patterns.js';

/** One stream of page accesses over one or more of the task's regions. Mutable fields are the stream's state. */
export interface StreamPlan {
  /** Task region ids, in page-space order. */
  regionIds: Int32Array;
  /** Cumulative page counts: region i covers [starts[i], starts[i+1]). */
  starts: Float64Array;
  rangeStart: number;
  pattern: PatternGen;
  writeFraction: number;
  /** 0 = never. */
  fsyncEvery: number;
  /** Side streams: one access every `every` main accesses. */
  every: number;
  credit: number;
  count: number;
}

export interface CachePlan {
  cache: AppCache;
  /** Region holding the cached pages (slot i = page i), or -1 for an invisible upstream cache. */
  bufferRegion: number;
  /** 0 = never. */
  checkpointEvery: number;
  /** Regions to fsync after a checkpoint. */
  fsyncRegions: Int32Array;
}

export interface PhasePlan {
  name: string;
  /** Main-stream draws in the phase. */
  accesses: number;
  thinkNs: number;
  opEvery: number;
  main: StreamPlan;
  sides: StreamPlan[];
  cache: CachePlan | null;
  /** OP_FRAME(frameNs) after every `frameEvery` accesses (0: no frames). */
  frameEvery: number;
  frameNs: number;
  /** Scripted events as (op, region, arg) triples, before and after the accesses. */
  prologue: Int32Array;
  epilogue: Int32Array;
}

export interface TaskPlan {
  seed: number;
  repeat: number;
  /** Repeats after the first run start at this phase. */
  repeatFrom: number;
  phases: PhasePlan[];
  /** Per task region: the op for a read and for a write (LOAD/STORE or READ/WRITE). */
  readOp: Uint8Array;
  writeOp: Uint8Array;
  /** Cumulative region sizes, so a cache key (base + page) names one page of the task. */
  regionBase: Float64Array;
}

/** An access step emits at most think + evict-load + evict-write + fetch + fill + fsync + sides×2 + opdone + frame. */
const MAX_EVENTS_PER_STEP = 32;

const PROLOGUE = 0;
const BODY = 1;
const CHECKPOINT = 2;
const EPILOGUE = 3;
const DONE = 4;

/**
 * A task's event stream: runs its phases in order, `repeat` times, as a
 * resumable state machine (a chunk may end anywhere). All state is fixed-size
 * and allocated up front, so memory does not grow with the run length.
 */
export class TaskSource implements EventSource {
  private readonly rng: Rng;
  private readonly plan: TaskPlan;
  private phase: PhasePlan | null = null;
  private phaseIndex = 0;
  private rep = 0;
  private stage = DONE;
  private scriptPos = 0;
  private done = 0;
  private checkpointSlot = 0;
  private checkpointFsync = 0;
  private readonly pendingOp = new Uint8Array(MAX_EVENTS_PER_STEP);
  private readonly pendingRegion = new Int32Array(MAX_EVENTS_PER_STEP);
  private readonly pendingArg = new Int32Array(MAX_EVENTS_PER_STEP);
  private pendingHead = 0;
  private pendingLength = 0;

  constructor(plan: TaskPlan) {
    if (plan.phases.some((p) => p.sides.length > 12))
      throw new RangeError('at most 12 side streams per phase');
    this.plan = plan;
    this.rng = new Rng(plan.seed);
    if (plan.phases.length > 0 && plan.repeat > 0) this.enterPhase(0);
  }

  fill(chunk: EventChunk): number {
    const cap = chunk.capacity;
    const op = chunk.op;
    const region = chunk.region;
    const arg = chunk.arg;
    let n = 0;
    while (n < cap) {
      if (this.pendingHead < this.pendingLength) {
        const i = this.pendingHead++;
        op[n] = this.pendingOp[i];
        region[n] = this.pendingRegion[i];
        arg[n] = this.pendingArg[i];
        n++;
      } else if (this.stage === DONE) {
        break;
      } else if (cap - n >= MAX_EVENTS_PER_STEP) {
        n = this.step(op, region, arg, n);
      } else {
        this.pendingHead = 0;
        this.pendingLength = this.step(this.pendingOp, this.pendingRegion, this.pendingArg, 0);
      }
    }
    chunk.length = n;
    return n;
  }

  private enterPhase(index: number): void {
    const phase = this.plan.phases[index];
    this.phase = phase;
    this.phaseIndex = index;
    this.stage = PROLOGUE;
    this.scriptPos = 0;
    this.done = 0;
    phase.main.pattern.enter();
    for (const side of phase.sides) {
      side.pattern.enter();
      side.credit = 0;
    }
  }

  private step(op: Uint8Array, region: Int32Array, arg: Int32Array, n: number): number {
    const phase = this.phase;
    if (phase === null) return n;
    switch (this.stage) {
      case PROLOGUE:
      case EPILOGUE: {
        const script = this.stage === PROLOGUE ? phase.prologue : phase.epilogue;
        const pos = this.scriptPos;
        if (pos < script.length) {
          op[n] = script[pos];
          region[n] = script[pos + 1];
          arg[n] = script[pos + 2];
          this.scriptPos = pos + 3;
          return n + 1;
        }
        if (this.stage === PROLOGUE) this.stage = BODY;
        else this.nextPhase();
        return n;
      }
      case BODY:
        return this.access(phase, op, region, arg, n);
      case CHECKPOINT:
        return this.checkpoint(phase, op, region, arg, n);
      default:
        return n;
    }
  }

  private nextPhase(): void {
    let next = this.phaseIndex + 1;
    if (next === this.plan.phases.length) {
      next = this.plan.repeatFrom;
      this.rep++;
      if (this.rep >= this.plan.repeat) {
        this.stage = DONE;
        this.phase = null;
        return;
      }
    }
    this.enterPhase(next);
  }

  private access(phase: PhasePlan, op: Uint8Array, region: Int32Array, arg: Int32Array, n: number): number {
    if (this.done >= phase.accesses) {
      this.stage = EPILOGUE;
      this.scriptPos = 0;
      return n;
    }
    if (phase.thinkNs > 0) {
      op[n] = OP_THINK;
      region[n] = -1;
      arg[n] = phase.thinkNs;
      n++;
    }
    n = this.streamAccess(phase.main, phase.cache, op, region, arg, n);
    const sides = phase.sides;
    for (let i = 0; i < sides.length; i++) {
      const side = sides[i];
      side.credit += 1;
      if (side.credit >= side.every) {
        side.credit -= side.every;
        n = this.streamAccess(side, null, op, region, arg, n);
      }
    }
    const done = ++this.done;
    if (phase.opEvery > 0 && done % phase.opEvery === 0) {
      op[n] = OP_OPDONE;
      region[n] = -1;
      arg[n] = 0;
      n++;
    }
    if (phase.frameEvery > 0 && done % phase.frameEvery === 0) {
      op[n] = OP_FRAME;
      region[n] = -1;
      arg[n] = phase.frameNs;
      n++;
    }
    const cache = phase.cache;
    if (cache !== null && cache.checkpointEvery > 0 && done % cache.checkpointEvery === 0) {
      this.stage = CHECKPOINT;
      this.checkpointSlot = 0;
      this.checkpointFsync = 0;
    }
    return n;
  }

  private streamAccess(
    s: StreamPlan,
    cache: CachePlan | null,
    op: Uint8Array,
    region: Int32Array,
    arg: Int32Array,
    n: number,
  ): number {
    const idx = s.rangeStart + s.pattern.next(this.rng);
    let r = 0;
    if (s.regionIds.length > 1) while (idx >= s.starts[r + 1]) r++;
    const rid = s.regionIds[r];
    const page = idx - s.starts[r];
    const wf = s.writeFraction;
    const write = wf >= 1 || (wf > 0 && this.rng.next() < wf);
    if (cache === null) {
      op[n] = write ? this.plan.writeOp[rid] : this.plan.readOp[rid];
      region[n] = rid;
      arg[n] = page;
      n++;
    } else {
      n = this.cachedAccess(cache, rid, page, write, op, region, arg, n);
    }
    s.count++;
    if (s.fsyncEvery > 0 && s.count % s.fsyncEvery === 0) {
      op[n] = OP_FSYNC;
      region[n] = rid;
      arg[n] = 0;
      n++;
    }
    return n;
  }

  /**
   * A hit touches the buffer slot (or nothing, for an invisible cache); a miss
   * writes back a dirty victim (read from its slot, written to its page),
   * fetches the page and copies it into the slot — what a buffer pool does.
   */
  private cachedAccess(
    c: CachePlan,
    rid: number,
    page: number,
    write: boolean,
    op: Uint8Array,
    region: Int32Array,
    arg: Int32Array,
    n: number,
  ): number {
    const { readOp, writeOp } = this.plan;
    const cache = c.cache;
    const buffer = c.bufferRegion;
    const key = this.plan.regionBase[rid] + page;
    let slot = cache.find(key);
    if (slot >= 0) {
      cache.promote(slot);
      if (write) cache.setDirty(slot, true);
      if (buffer >= 0) {
        op[n] = write ? writeOp[buffer] : readOp[buffer];
        region[n] = buffer;
        arg[n] = slot;
        n++;
      }
      return n;
    }
    slot = cache.admit(key);
    if (cache.evicted && cache.evictedDirty) {
      if (buffer >= 0) {
        op[n] = readOp[buffer];
        region[n] = buffer;
        arg[n] = slot;
        n++;
      }
      n = this.emitKey(writeOp, cache.evictedKey, op, region, arg, n);
    }
    op[n] = readOp[rid];
    region[n] = rid;
    arg[n] = page;
    n++;
    if (buffer >= 0) {
      op[n] = writeOp[buffer];
      region[n] = buffer;
      arg[n] = slot;
      n++;
    }
    if (write) cache.setDirty(slot, true);
    return n;
  }

  /** Writes back one dirty cached page per step, then fsyncs. */
  private checkpoint(
    phase: PhasePlan,
    op: Uint8Array,
    region: Int32Array,
    arg: Int32Array,
    n: number,
  ): number {
    const c = phase.cache;
    if (c === null) {
      this.stage = BODY;
      return n;
    }
    const cache = c.cache;
    let slot = this.checkpointSlot;
    while (slot < cache.size && !cache.isDirty(slot)) slot++;
    if (slot < cache.size) {
      this.checkpointSlot = slot + 1;
      cache.setDirty(slot, false);
      if (c.bufferRegion >= 0) {
        op[n] = this.plan.readOp[c.bufferRegion];
        region[n] = c.bufferRegion;
        arg[n] = slot;
        n++;
      }
      return this.emitKey(this.plan.writeOp, cache.keyAt(slot), op, region, arg, n);
    }
    this.checkpointSlot = slot;
    if (this.checkpointFsync < c.fsyncRegions.length) {
      op[n] = OP_FSYNC;
      region[n] = c.fsyncRegions[this.checkpointFsync++];
      arg[n] = 0;
      return n + 1;
    }
    this.stage = BODY;
    return n;
  }

  private emitKey(
    ops: Uint8Array,
    key: number,
    op: Uint8Array,
    region: Int32Array,
    arg: Int32Array,
    n: number,
  ): number {
    const base = this.plan.regionBase;
    let r = 0;
    while (key >= base[r + 1]) r++;
    op[n] = ops[r];
    region[n] = r;
    arg[n] = key - base[r];
    return n + 1;
  }
}
