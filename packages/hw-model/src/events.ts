/**
 * The event stream a simulated task produces. Events come in chunks of
 * parallel typed arrays (no object per access): `op[i]` says what happens,
 * `region[i]` names one of the task's regions, `arg[i]` is a page index
 * inside that region (or nanoseconds for OP_THINK, or a code for OP_MADVISE).
 */

/** Load through the page table (anon or file-mapped region). Hardware sets the PTE's accessed bit. */
export const OP_LOAD = 0;
/** Store through the page table: sets accessed and dirty bits. */
export const OP_STORE = 1;
/** read() of one page of a file region: goes through the page cache and `mark_page_accessed`. */
export const OP_READ = 2;
/** write() of one page of a file region: dirties the page-cache page. */
export const OP_WRITE = 3;
/** Compute for `arg` nanoseconds without touching memory. */
export const OP_THINK = 4;
/** mmap() the region now (regions with `mapAtStart: false`). */
export const OP_MAP = 5;
/** munmap() the region: its anon pages and swap slots are freed, file pages stay cached. */
export const OP_UNMAP = 6;
/** madvise() the region with the advice code in `arg` (see MADV_*). */
export const OP_MADVISE = 7;
/** fsync() the file behind a file region: write back its dirty pages and wait. */
export const OP_FSYNC = 8;
/** One application-level operation finished (for operations per second). */
export const OP_OPDONE = 9;
/** The task enters phase `arg` (phase-shift workloads report per-phase results). */
export const OP_PHASE = 10;
/**
 * The task's app state changes (arg: an importance class APP_FOREGROUND …
 * APP_CACHED, or APP_LAUNCH_COLD / APP_LAUNCH_WARM, which make the app
 * foreground and start a launch that the next OP_APPSTATE ends).
 */
export const OP_APPSTATE = 11;
/**
 * A UI thread's frame boundary (`Choreographer` waiting for the next
 * vsync): arg is the frame period in ns, and the frame that ends here
 * missed its deadline if it took longer; arg 0 starts the frame clock.
 */
export const OP_FRAME = 12;

export const OP_NAMES = [
  'load',
  'store',
  'read',
  'write',
  'think',
  'map',
  'unmap',
  'madvise',
  'fsync',
  'opdone',
  'phase',
  'appstate',
  'frame',
] as const;

export const MADV_NORMAL = 0;
export const MADV_RANDOM = 1;
export const MADV_SEQUENTIAL = 2;
/** Deactivate (MADV_COLD). */
export const MADV_COLD = 20;
/** Reclaim now (MADV_PAGEOUT). */
export const MADV_PAGEOUT = 21;

/**
 * Importance classes, most important first (Android's process states, as
 * ActivityManager ranks them for lmkd): the app on screen, an app still
 * visible (a dialog over it, a split screen), an app in the background
 * doing small periodic work, and a cached app (frozen, no accesses).
 */
export const APP_FOREGROUND = 0;
export const APP_VISIBLE = 1;
export const APP_BACKGROUND = 2;
export const APP_CACHED = 3;
/** A cached app is frozen (the cgroup freezer): the same class. */
export const APP_FROZEN = APP_CACHED;
/** A launch begins (the app becomes foreground): cold (the process starts) or warm (it was cached). */
export const APP_LAUNCH_COLD = 4;
export const APP_LAUNCH_WARM = 5;
export const APP_CLASS_NAMES = ['foreground', 'visible', 'background', 'cached'] as const;

export const CHUNK_CAPACITY = 4096;

export class EventChunk {
  readonly op: Uint8Array;
  readonly region: Int32Array;
  readonly arg: Int32Array;
  length = 0;

  constructor(capacity = CHUNK_CAPACITY) {
    this.op = new Uint8Array(capacity);
    this.region = new Int32Array(capacity);
    this.arg = new Int32Array(capacity);
  }

  get capacity(): number {
    return this.op.length;
  }

  push(op: number, region: number, arg: number): void {
    const i = this.length++;
    this.op[i] = op;
    this.region[i] = region;
    this.arg[i] = arg;
  }
}

/**
 * A task's stream of events. `fill` writes up to `chunk.capacity` events
 * starting at index 0, sets `chunk.length`, and returns it; 0 means the task
 * has finished. Sources are deterministic given their seed.
 */
export interface EventSource {
  fill(chunk: EventChunk): number;
  /**
   * Offered by a plain request stream (a trace replayed through a file
   * descriptor): fills `out` with page indices of region 0, `~index` for a
   * write, and returns how many (0: the end). Each request stands for the two
   * events `fill` would give, an OP_READ or OP_WRITE of the page and an
   * OP_OPDONE; ideal mode replays them without expanding them. A source uses
   * one of `fill` and `fillRequests` for its whole run.
   */
  fillRequests?(out: Int32Array): number;
}
