import { clockProPolicy } from '@reclaim-lab/policy-clockpro';
import { fifoPolicy } from '@reclaim-lab/policy-fifo';
import { getScanPolicy } from '@reclaim-lab/policy-getscan';
import { lfuPolicy } from '@reclaim-lab/policy-lfu';
import { lhdPolicy } from '@reclaim-lab/policy-lhd';
import { lruPolicy } from '@reclaim-lab/policy-lru';
import { mglruPolicy } from '@reclaim-lab/policy-mglru';
import { mruPolicy } from '@reclaim-lab/policy-mru';
import { exactLruPolicy, optPolicy } from '@reclaim-lab/policy-reference';
import { s3fifoPolicy } from '@reclaim-lab/policy-s3fifo';
import { sievePolicy } from '@reclaim-lab/policy-sieve';
import { twoqPolicy } from '@reclaim-lab/policy-twoq';
import { vendorPolicy } from '@reclaim-lab/policy-vendor';
import type { OptionSpec, PolicyFactory, ReclaimOps } from '@reclaim-lab/reclaim';

/**
 * The policy registry. Registering a policy is one line here; `--policy
 * NAME[:preset][:key=value,...]` picks one and validates its options
 * against the factory's declared defaults.
 */
const REGISTRY = new Map<string, PolicyFactory>();

export function registerPolicy(factory: PolicyFactory): void {
  REGISTRY.set(factory.name, factory);
}

registerPolicy(lruPolicy as unknown as PolicyFactory);
registerPolicy(mglruPolicy as unknown as PolicyFactory);
registerPolicy(fifoPolicy);
registerPolicy(mruPolicy);
registerPolicy(lfuPolicy);
registerPolicy(s3fifoPolicy);
registerPolicy(sievePolicy);
registerPolicy(twoqPolicy);
registerPolicy(lhdPolicy);
registerPolicy(getScanPolicy);
registerPolicy(clockProPolicy);
registerPolicy(vendorPolicy as unknown as PolicyFactory);
registerPolicy(exactLruPolicy as unknown as PolicyFactory);
registerPolicy(optPolicy as unknown as PolicyFactory);

export function listPolicies(): PolicyFactory[] {
  return [...REGISTRY.values()];
}

/** Policies loaded at run time from a file or package (policy-loader.ts), keyed by the reference as written. */
const LOADED = new Map<string, PolicyFactory>();

/** Make a policy loaded at run time usable by its reference ("./my-policy.ts"); called by the loader. */
export function registerLoadedPolicy(ref: string, factory: PolicyFactory): void {
  LOADED.set(ref, factory);
}

/** Forget every policy loaded at run time (the next load imports or checks it again). */
export function forgetLoadedPolicies(): void {
  LOADED.clear();
}

export function isLoadedPolicy(ref: string): boolean {
  return LOADED.has(ref);
}

export function getPolicyFactory(name: string): PolicyFactory {
  const f = REGISTRY.get(name) ?? LOADED.get(name);
  if (!f) {
    throw new PolicySpecError(
      `unknown policy "${name}"; allowed: ${[...REGISTRY.keys()].join(', ')}, or a policy module (./my-policy.ts, a package name) loaded with loadPolicySpecs`,
    );
  }
  return f;
}

export class PolicySpecError extends Error {}

export interface PolicySpec {
  /** The text as given, used as the label in reports. */
  label: string;
  name: string;
  options: Record<string, unknown>;
  /** The module reference ("./my-policy.ts") when the policy was loaded at run time. */
  module?: string;
}

/** "integer 2..8", "on|off", "lru|fifo": what an option accepts, for error lines and `list`. */
export function describeOption(def: unknown, spec: OptionSpec | undefined): string {
  if (typeof def === 'boolean') return 'on|off';
  if (spec?.type === 'string' && spec.choices) return spec.choices.join('|');
  if (typeof def === 'number') {
    const kind = spec?.type === 'number' && spec.integer ? 'an integer' : 'a number';
    if (spec?.type !== 'number' || (spec.min === undefined && spec.max === undefined)) return kind;
    if (spec.max === undefined) return `${kind} >= ${spec.min}`;
    if (spec.min === undefined) return `${kind} <= ${spec.max}`;
    return `${kind} in ${spec.min}..${spec.max}`;
  }
  return 'a string';
}

/** Does a value of the option's type satisfy its schema (range, integer, choices)? */
export function optionAccepts(value: unknown, spec: OptionSpec | undefined): boolean {
  if (spec === undefined) return true;
  if (spec.type === 'number') {
    const n = value as number;
    return !(
      (spec.integer && !Number.isInteger(n)) ||
      (spec.min !== undefined && n < spec.min) ||
      (spec.max !== undefined && n > spec.max)
    );
  }
  if (spec.type === 'string') return spec.choices === undefined || spec.choices.includes(value as string);
  return true;
}

/** Coerce "on"/"off"/"true"/"42" to the type of the option's default, then check it against the option's schema. */
function coerce(policy: string, key: string, raw: string, def: unknown, spec?: OptionSpec): unknown {
  const fail = () =>
    new PolicySpecError(
      `policy ${policy}: option ${key}: expected ${describeOption(def, spec)}, got "${raw}"`,
    );
  let value: unknown = raw;
  if (typeof def === 'boolean') {
    if (['on', 'true', 'yes', '1'].includes(raw)) value = true;
    else if (['off', 'false', 'no', '0'].includes(raw)) value = false;
    else throw fail();
  } else if (typeof def === 'number') {
    value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value)) throw fail();
  }
  if (!optionAccepts(value, spec)) throw fail();
  return value;
}

/**
 * Parse "mglru", "mglru:2gen", "mglru:bloom=off,gens=2" or
 * "mglru:2gen:bloom=off". Presets come first, then key=value pairs.
 */
export function parsePolicySpec(text: string, extra: Record<string, string> = {}): PolicySpec {
  const [name, ...parts] = text.split(':');
  const factory = getPolicyFactory(name.trim());
  const options: Record<string, unknown> = { ...factory.defaults };
  const pairs: [string, string][] = [];
  for (const part of parts) {
    for (const item of part.split(',').filter((s) => s.trim() !== '')) {
      const eq = item.indexOf('=');
      if (eq < 0) {
        const preset = factory.presets?.[item.trim()];
        if (!preset) {
          const allowed = Object.keys(factory.presets ?? {});
          throw new PolicySpecError(
            `policy ${name}: unknown preset "${item}"; allowed: ${allowed.length ? allowed.join(', ') : '(none)'}`,
          );
        }
        Object.assign(options, preset);
      } else pairs.push([item.slice(0, eq).trim(), item.slice(eq + 1).trim()]);
    }
  }
  pairs.push(...Object.entries(extra));
  for (const [key, raw] of pairs) {
    if (!(key in factory.defaults)) {
      const allowed = Object.entries(factory.defaults).map(
        ([k, d]) => `${k} (${describeOption(d, factory.optionSchema?.[k])})`,
      );
      throw new PolicySpecError(
        `policy ${name}: unknown option "${key}"; allowed: ${allowed.join(', ') || '(none)'}`,
      );
    }
    options[key] = coerce(name, key, raw, factory.defaults[key], factory.optionSchema?.[key]);
  }
  const ref = name.trim();
  return {
    label: text,
    name: factory.name,
    options,
    ...(LOADED.has(ref) && !REGISTRY.has(ref) ? { module: ref } : {}),
  };
}

export function createPolicy(spec: PolicySpec): ReclaimOps<unknown> {
  return getPolicyFactory(spec.module ?? spec.name).create(spec.options);
}

/** The default policy a scope falls back to when its policy is ejected. */
export function defaultPolicy(): ReclaimOps<unknown> {
  return lruPolicy.create(lruPolicy.defaults);
}
