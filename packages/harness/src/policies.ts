import { lruPolicy } from '@reclaim-lab/policy-lru';
import type { PolicyFactory, ReclaimOps } from '@reclaim-lab/reclaim';

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

export function listPolicies(): PolicyFactory[] {
  return [...REGISTRY.values()];
}

export function getPolicyFactory(name: string): PolicyFactory {
  const f = REGISTRY.get(name);
  if (!f) throw new PolicySpecError(`unknown policy "${name}"; allowed: ${[...REGISTRY.keys()].join(', ')}`);
  return f;
}

export class PolicySpecError extends Error {}

export interface PolicySpec {
  /** The text as given, used as the label in reports. */
  label: string;
  name: string;
  options: Record<string, unknown>;
}

/** Coerce "on"/"off"/"true"/"42" to the type of the option's default. */
function coerce(policy: string, key: string, raw: string, def: unknown): unknown {
  const where = `policy ${policy}: option ${key}`;
  if (typeof def === 'boolean') {
    if (['on', 'true', 'yes', '1'].includes(raw)) return true;
    if (['off', 'false', 'no', '0'].includes(raw)) return false;
    throw new PolicySpecError(`${where}: expected on|off, got "${raw}"`);
  }
  if (typeof def === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new PolicySpecError(`${where}: expected a number, got "${raw}"`);
    return n;
  }
  return raw;
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
          throw new PolicySpecError(`policy ${name}: unknown preset "${item}"; allowed: ${allowed.length ? allowed.join(', ') : '(none)'}`);
        }
        Object.assign(options, preset);
      } else pairs.push([item.slice(0, eq).trim(), item.slice(eq + 1).trim()]);
    }
  }
  pairs.push(...Object.entries(extra));
  for (const [key, raw] of pairs) {
    if (!(key in factory.defaults)) {
      throw new PolicySpecError(`policy ${name}: unknown option "${key}"; allowed: ${Object.keys(factory.defaults).join(', ') || '(none)'}`);
    }
    options[key] = coerce(name, key, raw, factory.defaults[key]);
  }
  return { label: text, name: factory.name, options };
}

export function createPolicy(spec: PolicySpec): ReclaimOps<unknown> {
  return getPolicyFactory(spec.name).create(spec.options);
}

/** The default policy a scope falls back to when its policy is ejected. */
export function defaultPolicy(): ReclaimOps<unknown> {
  return lruPolicy.create(lruPolicy.defaults);
}
