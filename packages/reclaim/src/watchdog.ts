import { type ListSet, StepBudgetExceeded } from '@reclaim-lab/mechanisms';
import { RECLAIM_OPS_VERSION, type ReclaimOps } from './ops.js';
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

export const DEFAULT_WATCHDOG: WatchdogOptions = { abortOnEject: false, stepBudget: 1_000_000, stallBudget: 64 };

/** The run was aborted because a policy was ejected and `abortOnEject` (or no fallback) was set. */
export class PolicyEjected extends Error {
  readonly exit: PolicyExit;
  constructor(exit: PolicyExit) {
    super(`policy ${exit.policy} (${exit.scope}) ejected from hook ${exit.hook}: ${exit.reason}: ${exit.message}`);
    this.exit = exit;
  }
}

/** Raised inside a hook when it overruns its step budget; caught by the watchdog. */
export class BudgetExceeded extends Error {}

/** A policy refused at load, with the reason. */
export class PolicyLoadError extends Error {}

const HOOKS = [
  'init',
  'folioAdded',
  'folioAccessed',
  'folioRemoved',
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
] as const;

export type HookName = (typeof HOOKS)[number];

/**
 * sched_ext's promise for reclaim: a policy that throws, hands back something
 * invalid, breaks an invariant or overruns its budget is ejected, its scope
 * falls back to the default policy, and the run goes on with an exit record.
 */
export class Watchdog {
  readonly options: WatchdogOptions;
  private depth = 0;
  lists: ListSet | null = null;
  eject: (slot: PolicySlot, exit: PolicyExit) => void = () => {};
  now: () => number = () => 0;

  constructor(options: Partial<WatchdogOptions> = {}) {
    this.options = { ...DEFAULT_WATCHDOG, ...options };
  }

  /** Refuse a policy whose shape or contract version does not fit, naming what is wrong. */
  validateAtLoad(ops: ReclaimOps<unknown>): void {
    if (typeof ops !== 'object' || ops === null) throw new PolicyLoadError('a policy must be an object of hooks');
    if (typeof ops.name !== 'string' || ops.name.length === 0) throw new PolicyLoadError('a policy must have a non-empty string `name`');
    const version = ops.version ?? RECLAIM_OPS_VERSION;
    if (version !== RECLAIM_OPS_VERSION) {
      throw new PolicyLoadError(`policy ${ops.name} was written for ReclaimOps version ${version}; this core implements version ${RECLAIM_OPS_VERSION}`);
    }
    for (const [key, value] of Object.entries(ops)) {
      if ((HOOKS as readonly string[]).includes(key) && typeof value !== 'function') {
        throw new PolicyLoadError(`policy ${ops.name}: hook ${key} must be a function, got ${typeof value}`);
      }
    }
    const bits = ops.pageStateBits ?? 0;
    if (!Number.isInteger(bits) || bits < 0 || bits > 32) {
      throw new PolicyLoadError(`policy ${ops.name}: pageStateBits must be an integer 0..32, got ${bits}`);
    }
  }

  /**
   * Run a hook. If it throws or overruns its budget, eject the policy and
   * run `retry` (the same operation, now dispatched to the fallback).
   */
  guard<T>(ctx: LruvecCtx, hook: HookName, fn: () => T, retry: () => T): T {
    const slot = ctx.slot;
    const lists = this.lists;
    const outer = this.depth === 0;
    // The fallback policy is trusted; only an attached policy runs on a budget.
    if (outer && lists && !slot.ejected) {
      lists.steps = 0;
      lists.stepLimit = this.options.stepBudget;
    }
    this.depth++;
    try {
      return fn();
    } catch (e) {
      if (e instanceof PolicyEjected || slot.ejected) throw e;
      const budget = e instanceof StepBudgetExceeded || e instanceof BudgetExceeded;
      const message = e instanceof Error ? e.message : String(e);
      this.fail(slot, budget ? 'budget' : 'error', hook, budget ? 'work budget exceeded' : 'hook threw', message);
    } finally {
      this.depth--;
      if (outer && lists) lists.stepLimit = Number.POSITIVE_INFINITY;
    }
    return retry();
  }

  /**
   * The allocation-free form of `guard` for hooks on hot paths: call
   * `begin` before the hook, `failed` in its catch (it ejects the policy or
   * rethrows), and `end` in its finally.
   */
  begin(ctx: LruvecCtx): boolean {
    const outer = this.depth++ === 0;
    if (outer && this.lists && !ctx.slot.ejected) {
      this.lists.steps = 0;
      this.lists.stepLimit = this.options.stepBudget;
    }
    return outer;
  }

  end(outer: boolean): void {
    this.depth--;
    if (outer && this.lists) this.lists.stepLimit = Number.POSITIVE_INFINITY;
  }

  failed(ctx: LruvecCtx, hook: HookName, e: unknown): void {
    const slot = ctx.slot;
    if (e instanceof PolicyEjected || slot.ejected) throw e;
    const budget = e instanceof StepBudgetExceeded || e instanceof BudgetExceeded;
    const message = e instanceof Error ? e.message : String(e);
    this.fail(slot, budget ? 'budget' : 'error', hook, budget ? 'work budget exceeded' : 'hook threw', message);
  }

  /** A hook returned something the core cannot accept. */
  reject(ctx: LruvecCtx, hook: HookName, kind: PolicyExit['kind'], message: string): void {
    const reason = kind === 'invalid' ? 'invalid result' : kind === 'stall' ? 'no progress under pressure' : 'invariant broken';
    this.fail(ctx.slot, kind, hook, reason, message);
  }

  private fail(slot: PolicySlot, kind: PolicyExit['kind'], hook: HookName, reason: string, message: string): void {
    if (slot.ejected) throw new Error(`fallback policy ${slot.ops.name} failed in ${hook}: ${message}`);
    const exit: PolicyExit = { timeNs: this.now(), policy: slot.attached.name, scope: slot.scope, kind, hook, reason, message };
    if (this.options.abortOnEject) throw new PolicyEjected(exit);
    this.eject(slot, exit);
  }
}
