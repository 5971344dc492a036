import type { Advice, RegionKind } from '@reclaim-lab/hw-model';
import type { CountValue, DurationValue, SizeValue } from './quantities.js';

/**
 * The workload language: plain data (JSON/YAML-able), validated by
 * `validateWorkload`, turned into a runnable `WorkloadInstance` by
 * `compileWorkload`. See the field docs for defaults.
 */

export type ParamValue = number | string | boolean;

/** A whole-value reference to a declared parameter, e.g. `alpha: $alpha`. Strings may also interpolate `${name}`. */
export type ParamRef = `$${string}`;

/** A spec in which any scalar may instead be a `$param` reference (resolved at compile time). */
export type Parameterized<T> = T extends string | number | boolean
  ? T | ParamRef
  : T extends readonly (infer U)[]
    ? Parameterized<U>[]
    : T extends object
      ? { [K in keyof T]: Parameterized<T[K]> }
      : T;

export interface FileDef {
  name: string;
  size: SizeValue;
  /** Block device index in the machine (default 0). */
  device?: number;
}

export type LimitValue = SizeValue | 'max';

export interface MemcgDef {
  /** "/a", "/a/b"; the root "/" always exists. */
  path: string;
  max?: LimitValue;
  high?: LimitValue;
  min?: SizeValue;
  low?: SizeValue;
  swapMax?: LimitValue;
  swappiness?: number;
  /** memory.oom.group: an OOM kill takes the whole group. */
  oomGroup?: boolean;
}

export interface RegionDef {
  /** Referenced by phases; unique within the task. */
  name: string;
  kind: RegionKind;
  /** Required for anon; for file regions defaults to the rest of the file after `offset`. */
  size?: SizeValue;
  /** File name for file-mapped / file-fd regions. */
  file?: string;
  /** Where in the file the region starts (default 0). */
  offset?: SizeValue;
  /** With `count` > 1: copy i gets the i-th 1/count slice (total demand stays the same). */
  split?: boolean;
  advice?: Advice;
  mlock?: boolean;
  exec?: boolean;
  /** Swap-backed shared mapping of `file` (file-mapped only): a shmem buffer pool. */
  shmem?: boolean;
  /** Default: true unless some phase lists the region in `map`. */
  mapAtStart?: boolean;
}

export type PatternDef =
  /** In order; continues where the last phase over the same pages stopped (a stream, an append log). */
  | { kind: 'sequential' }
  /** In order from the first page at every phase start (a loop). */
  | { kind: 'cyclic' }
  | { kind: 'uniform' }
  /** P(rank k) ∝ k^-alpha; ranks permuted over the pages unless `permute: false`. */
  | { kind: 'zipf'; alpha: number; permute?: boolean }
  /** Normal around `mean` with `stddev`, both fractions of the pages; permuted only if asked. */
  | { kind: 'gaussian'; mean: number; stddev: number; permute?: boolean }
  /** A fraction `hotFraction` of the pages receives `hotProbability` of the accesses. */
  | { kind: 'hotcold'; hotFraction: number; hotProbability: number; permute?: boolean };

export type PatternKind = PatternDef['kind'];

export interface StreamDef {
  /** One region or several, concatenated into one page space. */
  regions: string | string[];
  pattern: PatternDef;
  /** Share of accesses that are stores/writes (default 0). */
  writeFraction?: number;
  /** Restrict to pages [from, to) of the page space, as fractions (default 0..1). */
  range?: { from: number; to: number };
  /** Emit OP_FSYNC on the accessed file every k accesses of this stream. */
  fsyncEvery?: number;
}

/** A second stream interleaved with the phase's main stream: one access every `every` main accesses. */
export interface SideStreamDef extends StreamDef {
  every?: number;
}

/**
 * An application-level LRU cache in front of the main stream (a database
 * buffer pool, an upstream cache). Hits are absorbed — or, with `region`,
 * become accesses to that buffer; misses reach the main regions; dirty
 * evictions and checkpoints write back.
 */
export interface CacheDef {
  /** An anon (or shmem) region that holds the cached pages; its size is the cache size. */
  region?: string;
  /** Cache size when it has no region of its own. */
  size?: SizeValue;
  /** Write all dirty cached pages back (then fsync) every this many accesses. */
  checkpointEvery?: CountValue;
}

export type MadviseAdvice = 'normal' | 'sequential' | 'random' | 'cold' | 'pageout';

export interface PhaseDef extends StreamDef {
  name?: string;
  /** How long the phase runs: at most one of passes (default 1), accesses, duration. */
  passes?: number;
  accesses?: CountValue;
  /** Measured in the task's own time: each access counts `think` + `accessNs` (compile option). */
  duration?: DurationValue;
  /** Compute between accesses (OP_THINK). */
  think?: DurationValue;
  /** Idle after the phase. */
  pause?: DurationValue;
  /** OP_OPDONE every k accesses. */
  opEvery?: number;
  /** OP_PHASE at the start, with the phase's index (default true). */
  marker?: boolean;
  side?: SideStreamDef[];
  cache?: CacheDef;
  /** Regions to mmap at the start / munmap at the end of the phase. */
  map?: string[];
  unmap?: string[];
  madvise?: { region: string; advice: MadviseAdvice }[];
  /** fsync the phase's file regions at its end. */
  fsync?: boolean;
  /**
   * The app's state from this phase on (OP_APPSTATE): an importance class,
   * or a launch (the app becomes foreground; the launch lasts until the
   * next phase that sets `app`).
   */
  app?: AppStateName;
  /**
   * A UI thread drawing frames: after every `accesses` main accesses it
   * waits for the next vsync (`period`, e.g. "8.333ms" at 120 Hz); a frame
   * that took longer missed its deadline (OP_FRAME).
   */
  frame?: { period: DurationValue; accesses: number };
}

export type AppStateName = 'foreground' | 'visible' | 'background' | 'cached' | 'launch-cold' | 'launch-warm';

export interface TaskDef {
  name: string;
  /** memcg path (default "/"); must be declared in `memcgs` unless it is the root. */
  memcg?: string;
  /** Run this many copies (separate processes, names suffixed ".i"). */
  count?: number;
  startAt?: DurationValue;
  /** Copy i starts at startAt + i × stagger. */
  stagger?: DurationValue;
  oomScoreAdj?: number;
  node?: number;
  /** Run the phase list this many times. */
  repeat?: number;
  /** Repeats after the first run start at this phase (default 0): phases before it run once (a cold start). */
  repeatFrom?: number;
  regions: RegionDef[];
  phases: PhaseDef[];
}

export interface ProactiveDef {
  at: DurationValue;
  memcg: string;
  size: SizeValue;
  swappiness?: number;
  /** Repeat every this long, `times` times in all. */
  every?: DurationValue;
  times?: number;
}

export interface ParamDecl {
  default: ParamValue;
  description?: string;
}

export interface WorkloadSpec {
  name?: string;
  description?: string;
  /** Where this spec came from, when a preset built it. Informational. */
  origin?: { preset: string; params: Record<string, ParamValue> };
  /** Parameters that the spec references as `$name` / `${name}`, with defaults. */
  params?: Record<string, ParamValue | ParamDecl>;
  files?: FileDef[];
  memcgs?: MemcgDef[];
  tasks: TaskDef[];
  proactive?: ProactiveDef[];
  /** An lmkd-style low-memory killer (Android): off unless given. */
  lmkd?: LmkdDef;
  /** What the workload expects of the machine when the scenario does not say (a phone's zram swap). */
  machine?: MachineHints;
}

export interface LmkdDef {
  /** PSI "some" stall within the window that wakes lmkd (default 70ms, ro.lmk.psi_partial_stall_ms). */
  some?: DurationValue;
  /** PSI "full" stall within the window: the critical level (default 700ms, ro.lmk.psi_complete_stall_ms). */
  full?: DurationValue;
  /** The triggers' window (default 1s): a multiple of 100ms from 500ms to 10s. */
  window?: DurationValue;
  /** Wait after a kill before the next (default 100ms). */
  killTimeout?: DurationValue;
  /** Free swap share below which swap is low (default 0.1, ro.lmk.swap_free_low_percentage). */
  swapFreeLow?: number;
  /** File refaults since lmkd woke, as a share of the file LRU, above which the page cache thrashes (default 1, ro.lmk.thrashing_limit 100%). */
  thrashingLimit?: number;
  /**
   * The memory `some` and `full` are meant for (absent: the machine's own).
   * On a smaller machine both shrink in proportion: a workload whose page
   * counts scale with memory stalls in proportion too, so a scaled-down
   * phone reaches lmkd's trigger where the full-size one would.
   */
  referenceMemory?: SizeValue;
}

export interface MachineHints {
  /** Swap as a fraction of memory, used when the scenario gives no `swap`. */
  swapFraction?: number;
  /** The swap device then (default zram). */
  swapDevice?: 'zram' | 'ramdisk' | 'nvme' | 'ssd' | 'hdd';
}

/** What `compileWorkload` accepts: a spec whose scalars may be `$param` references. */
export type WorkloadInput = WorkloadSpec | Parameterized<WorkloadSpec>;
