import { type ListSet, StepBudgetExceeded, VMSTAT_NAMES } from '@reclaim-lab/mechanisms';
import { CORE_CAPABILITIES, RECLAIM_OPS_MIN_VERSION, RECLAIM_OPS_VERSION, type ReclaimOps } from './ops.js';
import type { LruvecCtx, PolicySlot } from './policy-host.js';
import type { PolicyExit } from './result.js';

export interface WatchdogOptions {
  /** Abort the run on ejection instead of falling back (for tests). */
  abortOnEject: boolean;
  /** Core-service steps (list operations, isolations, rmap walks) one hook call may take. */
  stepBudget: number;
  /** Consecutive `shrink` calls with evictable folios and nothing reclaimed at priority 0 before a stall ejection. */
  stallBudget: number;
}

export const DEFAULT_WATCHDOG: WatchdogOptions = {
  abortOnEject: false,
  stepBudget: 1_000_000,
  stallBudget: 64,
};

/**
 * The default step budget on a machine of `pages` frames: reclaim at
 * priority 0 scans a whole LRU in one `shrink` call (as `shrink_lruvec`
 * does), a few list operations a page, so a fixed budget would eject a
 * healthy policy on a big machine (1 M steps ejected lru at 4 GiB). Four
 * operations a page, never under the 1 M floor, still stops a loop.
 */
export function stepBudgetFor(pages: number): number {
  return Math.max(DEFAULT_WATCHDOG.stepBudget, 4 * pages);
}

/** The run was aborted because a policy was ejected and `abortOnEject` (or no fallback) was set. */
export class PolicyEjected extends Error {
  readonly exit: PolicyExit;
  constructor(exit: PolicyExit) {
    super(
      `policy ${exit.policy} (${exit.scope}) ejected from hook ${exit.hook}: ${exit.reason}: ${exit.message}`,
    );
    this.exit = exit;
  }
}

/** Raised inside a hook when it overruns its step budget; caught by the watchdog. */
export class BudgetExceeded extends Error {}

/** What `Watchdog.call` returns when the hook threw and its policy was ejected. */
export const HOOK_FAILED: unique symbol = Symbol('hook failed');

/**
 * Thrown in place of a hook call to eject its policy with a given exit
 * record: a contained run that lost its worker to a stall, a heap overflow
 * or `process.exit` is replayed from the start with the same seed and
 * stopped here, at the call where the worker died, so its results are those
 * of an ejection in place.
 */
export class PolicyStopped extends Error {
  readonly kind: PolicyExit['kind'];
  readonly reason: string;
  constructor(kind: PolicyExit['kind'], reason: string, message: string) {
    super(message);
    this.kind = kind;
    this.reason = reason;
  }
}

/** A policy refused at load, with the reason. */
export class PolicyLoadError extends Error {}

/** Every hook of ReclaimOps, by name. */
export const POLICY_HOOKS = [
  'init',
  'folioAdded',
  'folioAccessed',
  'folioRemoved',
  'folioIsolated',
  'shrink',
  'evictCandidates',
  'checkReferences',
  'putback',
  'rotate',
  'evicted',
  'refault',
  'prepare',
  'age',
  'deactivate',
  'lruSizes',
  'policyLists',
  'reclaimDone',
  'protectLruvec',
  'scanPriority',
  'classChanged',
  'ageLruvec',
] as const;

export type HookName = (typeof POLICY_HOOKS)[number];

/**
 * The load-time checks shared by a policy object and its factory: the
 * contract version it was written for, and the core services it requires.
 */
export function checkCompatibility(name: string, version: unknown, requires: unknown): void {
  const v = version ?? RECLAIM_OPS_VERSION;
  if (
    typeof v !== 'number' ||
    !Number.isInteger(v) ||
    v < RECLAIM_OPS_MIN_VERSION ||
    v > RECLAIM_OPS_VERSION
  ) {
    throw new PolicyLoadError(
      `policy ${name} was written for ReclaimOps version ${String(v)}; this core implements version ${RECLAIM_OPS_VERSION}`,
    );
  }
  if (requires === undefined) return;
  if (!Array.isArray(requires) || requires.some((r) => typeof r !== 'string')) {
    throw new PolicyLoadError(
      `policy ${name}: requires must be a list of capability names, got ${JSON.stringify(requires)}`,
    );
  }
  const offered: readonly string[] = CORE_CAPABILITIES;
  const missing = requires.filter((r) => !offered.includes(r));
  if (missing.length > 0) {
    throw new PolicyLoadError(
      `policy ${name} requires ${missing.join(', ')}, which this core does not offer; it offers: ${offered.join(', ')}`,
    );
  }
}

/** Refuse a policy whose shape, contract version or requirements do not fit, naming what is wrong. */
export function validatePolicy(ops: ReclaimOps<unknown>): void {
  if (typeof ops !== 'object' || ops === null)
    throw new PolicyLoadError('a policy must be an object of hooks');
  if (typeof ops.name !== 'string' || ops.name.length === 0)
    throw new PolicyLoadError('a policy must have a non-empty string `name`');
  checkCompatibility(ops.name, ops.version, ops.requires);
  for (const [key, value] of Object.entries(ops)) {
    if ((POLICY_HOOKS as readonly string[]).includes(key) && typeof value !== 'function') {
      throw new PolicyLoadError(`policy ${ops.name}: hook ${key} must be a function, got ${typeof value}`);
    }
  }
  const bits = ops.pageStateBits ?? 0;
  if (!Number.isInteger(bits) || bits < 0 || bits > 32) {
    throw new PolicyLoadError(`policy ${ops.name}: pageStateBits must be an integer 0..32, got ${bits}`);
  }
}

/**
 * sched_ext's promise for reclaim: a policy that throws, hands back something
 * invalid, breaks an invariant or overruns its budget is ejected, its scope
 * falls back to the default policy, and the run goes on with an exit record.
 */
export class Watchdog {
  readonly options: WatchdogOptions;
  /**
   * Hooks running now, nested. `depth`, `calledOps` and `budgeted` are
   * public for one caller only: ideal mode's miss path writes `begin` and
   * `end` out for outermost calls (see `Kernel.idealMiss`), where a call
   * to them would cost more than the hook. Nothing else touches them.
   */
  depth = 0;
  /** Per nesting depth: the slot whose hook runs there and the policy it was dispatched to. */
  private readonly calledSlot: PolicySlot[] = [];
  readonly calledOps: ReclaimOps<unknown>[] = [];
  /** The outermost hook running now runs on a step budget (its policy was not already ejected). */
  budgeted = false;
  /** The outermost hook running now (or last run), for records the core makes after it returns. */
  hook: HookName = 'init';
  lists: ListSet | null = null;
  eject: (slot: PolicySlot, exit: PolicyExit) => void = () => {};
  /**
   * Put right what the rest of a hook did after its policy was ejected by a
   * nested call (folios left on no list or on lists it no longer owns).
   */
  recover: (slot: PolicySlot) => void = () => {};
  now: () => number = () => 0;

  constructor(options: Partial<WatchdogOptions> = {}) {
    this.options = { ...DEFAULT_WATCHDOG, ...options };
  }

  /** Refuse a policy whose shape, contract version or requirements do not fit, naming what is wrong. */
  validateAtLoad(ops: ReclaimOps<unknown>): void {
    validatePolicy(ops);
  }

  /**
   * Run a hook. If it throws or overruns its budget, or its policy is
   * ejected while it runs (by a nested hook), eject the policy and run
   * `retry` (the same operation, now dispatched to the fallback).
   */
  guard<T>(ctx: LruvecCtx, hook: HookName, fn: () => T, retry: () => T): T {
    const slot = ctx.slot;
    const ops = slot.ops;
    if (this.depth === 0) this.hook = hook;
    const outer = this.begin(ctx);
    try {
      const value = fn();
      if (slot.ops === ops) return value;
    } catch (e) {
      this.failed(ctx, hook, e);
    } finally {
      this.end(outer);
    }
    return retry();
  }

  /**
   * The allocation-free form of `guard` for hooks on hot paths: call
   * `begin` before the hook, `failed` in its catch (it ejects the policy or
   * rethrows), and `end` in its finally.
   */
  begin(ctx: LruvecCtx): boolean {
    const d = this.depth++;
    this.calledSlot[d] = ctx.slot;
    this.calledOps[d] = ctx.slot.ops;
    const outer = d === 0;
    // The fallback policy is trusted; only an attached policy runs on a budget.
    if (outer) this.budgeted = !ctx.slot.ejected;
    if (outer && this.counters !== null && this.budgeted) this.countersBefore.set(this.counters);
    if (outer && this.lists && this.budgeted) {
      this.lists.steps = 0;
      this.lists.stepLimit = this.options.stepBudget;
    }
    return outer;
  }

  end(outer: boolean): void {
    const d = --this.depth;
    const slot = this.calledSlot[d];
    if (slot.ops !== this.calledOps[d]) this.recoverAt(d, slot);
    if (outer && this.counters !== null && this.budgeted) this.checkCounters(slot);
    if (outer && this.lists) {
      if (this.budgeted && this.lists.stepLimit !== this.options.stepBudget) this.budgetTampered(slot);
      this.lists.stepLimit = Number.POSITIVE_INFINITY;
    }
  }

  /**
   * Checking mode (`--check-invariants`, CI): watch the vmstat counters
   * across each outermost hook of an attached policy. They only count up,
   * and only the core counts; a policy that lowers one (zeroes `pgfault`)
   * or makes it NaN is ejected. Off by default: a copy per hook call.
   */
  watchCounters(v: Float64Array): void {
    this.counters = v;
    this.countersBefore = new Float64Array(v.length);
  }

  private counters: Float64Array | null = null;
  private countersBefore = new Float64Array(0);

  private checkCounters(slot: PolicySlot): void {
    const v = this.counters as Float64Array;
    const before = this.countersBefore;
    let first = -1;
    let now = 0;
    for (let i = 0; i < v.length; i++) {
      if (v[i] >= before[i]) continue;
      if (first < 0) {
        first = i;
        now = v[i];
      }
      // Put every lowered count back: they are the run's results.
      v[i] = before[i];
    }
    if (first < 0 || slot.ejected || slot.ops !== this.calledOps[0]) return;
    this.fail(
      slot,
      'invariant',
      this.hook,
      'invariant broken',
      `changed vmstat counter ${VMSTAT_NAMES[first] ?? `#${first}`} from ${before[first]} to ${now}; counters are the core's`,
    );
  }

  /**
   * The outermost hook returned with its step budget changed. The budget
   * is the core's: a policy that lifts it (`ctx.lists.stepLimit = Infinity`)
   * is ejected. (The list code itself lifts it when it throws; that
   * policy is ejected already.)
   */
  budgetTampered(slot: PolicySlot): void {
    const lists = this.lists;
    if (slot.ejected || slot.ops !== this.calledOps[0] || !lists) return;
    const limit = lists.stepLimit;
    lists.stepLimit = Number.POSITIVE_INFINITY;
    this.fail(
      slot,
      'invariant',
      this.hook,
      'invariant broken',
      `changed its step budget (lists.stepLimit) from ${this.options.stepBudget} to ${limit}`,
    );
  }

  /**
   * Call one hook (a method of the policy's ops) under the watchdog without
   * allocating — the form the per-folio paths use. Up to three arguments
   * follow the context. Returns HOOK_FAILED when the hook threw; the policy
   * has then been ejected and the caller redoes or defaults the operation.
   */
  call<A, B, C, R>(
    ctx: LruvecCtx,
    hook: HookName,
    fn: (ctx: LruvecCtx, a: A, b: B, c: C) => R,
    a: A,
    b: B,
    c: C,
  ): R | typeof HOOK_FAILED {
    if (this.depth === 0) this.hook = hook;
    const outer = this.begin(ctx);
    try {
      return fn.call(ctx.slot.ops, ctx, a, b, c);
    } catch (e) {
      this.failed(ctx, hook, e);
      return HOOK_FAILED;
    } finally {
      this.end(outer);
    }
  }

  /** `end`'s rare case: the hook's policy at depth `d` was ejected by a nested call while it went on. */
  recoverAt(d: number, slot: PolicySlot): void {
    // Ejected by a nested call while this hook went on running.
    this.calledOps[d] = slot.ops;
    this.unbudgeted(() => this.recover(slot));
  }

  failed(ctx: LruvecCtx, hook: HookName, e: unknown): void {
    const slot = ctx.slot;
    if (e instanceof PolicyEjected) throw e;
    if (slot.ejected) {
      // The fallback itself failed: nothing is left to fall back to.
      if (slot.ops === this.calledOps[this.depth - 1]) {
        throw new Error(
          `fallback policy ${slot.ops.name} failed in ${hook}: ${e instanceof Error ? e.message : String(e)}`,
          { cause: e },
        );
      }
      // The policy was ejected while this hook of it ran; what it threw afterwards is moot.
      return;
    }
    const budget = e instanceof StepBudgetExceeded || e instanceof BudgetExceeded;
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof PolicyStopped) this.fail(slot, e.kind, hook, e.reason, message);
    else
      this.fail(
        slot,
        budget ? 'budget' : 'error',
        hook,
        budget ? 'work budget exceeded' : 'hook threw',
        message,
      );
    // The ejection put everything right; `end` has nothing to recover for this call.
    if (this.depth > 0) this.calledOps[this.depth - 1] = slot.ops;
  }

  /** Core work on a policy's behalf (ejection, recovery) is not charged to its budget. */
  private unbudgeted(fn: () => void): void {
    const lists = this.lists;
    if (!lists) {
      fn();
      return;
    }
    const steps = lists.steps;
    lists.stepLimit = Number.POSITIVE_INFINITY;
    try {
      fn();
    } finally {
      lists.steps = steps;
      // Code of the ejected policy still on the stack stays on the budget, so a runaway loop still ends.
      lists.stepLimit = this.depth > 0 && this.budgeted ? this.options.stepBudget : Number.POSITIVE_INFINITY;
    }
  }

  /** A hook returned something the core cannot accept. */
  reject(
    ctx: LruvecCtx,
    hook: HookName,
    kind: PolicyExit['kind'],
    message: string,
    reason = kind === 'invalid'
      ? 'invalid result'
      : kind === 'stall'
        ? 'no progress under pressure'
        : 'invariant broken',
  ): void {
    this.fail(ctx.slot, kind, hook, reason, message);
  }

  private fail(
    slot: PolicySlot,
    kind: PolicyExit['kind'],
    hook: HookName,
    reason: string,
    message: string,
  ): void {
    if (slot.ejected) throw new Error(`fallback policy ${slot.ops.name} failed in ${hook}: ${message}`);
    const exit: PolicyExit = {
      timeNs: this.now(),
      policy: slot.attached.name,
      scope: slot.scope,
      kind,
      hook,
      reason,
      message,
    };
    if (this.options.abortOnEject) throw new PolicyEjected(exit);
    this.unbudgeted(() => this.eject(slot, exit));
  }
}
