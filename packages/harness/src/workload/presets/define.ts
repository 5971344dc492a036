import { nearest } from '../../input.js';
import { describeValue, type SpecIssue, WorkloadSpecError } from '../errors.js';
import type { ParamValue, WorkloadSpec } from '../spec.js';

/** A preset's tunable: its default, what it means, and how to check a value. */
export interface ParamDef<T extends ParamValue> {
  default: T;
  description: string;
  /** Accepts a value (CLI strings included) or explains why not. */
  parse(value: unknown): { ok: true; value: T } | { ok: false; message: string };
}

export interface NumberOptions {
  min?: number;
  max?: number;
  /** The minimum itself is not allowed. */
  minExclusive?: boolean;
  integer?: boolean;
}

export function numberParam(
  defaultValue: number,
  description: string,
  options: NumberOptions = {},
): ParamDef<number> {
  const {
    min = Number.NEGATIVE_INFINITY,
    max = Number.POSITIVE_INFINITY,
    minExclusive = false,
    integer = false,
  } = options;
  const range = `${minExclusive ? '(' : '['}${min === Number.NEGATIVE_INFINITY ? '-∞' : min}, ${max === Number.POSITIVE_INFINITY ? '∞)' : `${max}]`}`;
  return {
    default: defaultValue,
    description,
    parse(value) {
      const x = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      const ok =
        typeof x === 'number' &&
        Number.isFinite(x) &&
        (!integer || Number.isInteger(x)) &&
        (minExclusive ? x > min : x >= min) &&
        x <= max;
      return ok
        ? { ok: true, value: x }
        : {
            ok: false,
            message: `expected ${integer ? 'an integer' : 'a number'} in ${range}, got ${describeValue(value)}`,
          };
    },
  };
}

export function choiceParam<const V extends readonly [string, ...string[]]>(
  values: V,
  defaultValue: V[number],
  description: string,
): ParamDef<V[number]> {
  return {
    default: defaultValue,
    description: `${description} (${values.join(' | ')})`,
    parse(value) {
      const match = values.find((v) => v === value);
      return match !== undefined
        ? { ok: true, value: match }
        : { ok: false, message: `expected one of ${values.join(', ')}, got ${describeValue(value)}` };
    },
  };
}

export function booleanParam(defaultValue: boolean, description: string): ParamDef<boolean> {
  return {
    default: defaultValue,
    description,
    parse(value) {
      if (value === true || value === 'true') return { ok: true, value: true };
      if (value === false || value === 'false') return { ok: true, value: false };
      return { ok: false, message: `expected true or false, got ${describeValue(value)}` };
    },
  };
}

type ParamDefs = Record<string, ParamDef<ParamValue>>;
type ValuesOf<P extends ParamDefs> = { [K in keyof P]: P[K] extends ParamDef<infer T> ? T : never };

/** Every preset has `scale`: it multiplies access counts (run length), never sizes. */
const scaleParam = numberParam(
  1,
  'multiplies the number of accesses (run length); sizes stay relative to memory',
  {
    min: 0,
    minExclusive: true,
    // A bound so a typo (scale=1e9) is refused, not run for days: 1000x the default run.
    max: 1000,
  },
);

export interface ParamInfo {
  name: string;
  default: ParamValue;
  description: string;
}

export interface WorkloadInfo {
  id: string;
  description: string;
  /** The benchmarks this workload stands in for (docs/workloads.md). */
  standsFor: string[];
  params: ParamInfo[];
}

export interface WorkloadPreset extends WorkloadInfo {
  /** Builds the spec from raw parameter values; throws naming the bad or unknown parameter. */
  build(params?: Record<string, unknown>): WorkloadSpec;
}

export interface PresetDefinition<P extends ParamDefs> {
  id: string;
  description: string;
  standsFor: string[];
  params: P;
  build(p: ValuesOf<P> & { scale: number }): Omit<WorkloadSpec, 'name' | 'description' | 'origin'>;
}

/** Declares a preset: typed parameters with defaults, checked values in, a plain spec out. */
export function definePreset<P extends ParamDefs>(def: PresetDefinition<P>): WorkloadPreset {
  const defs: ParamDefs = { ...def.params, scale: scaleParam };
  const names = Object.keys(defs);
  return {
    id: def.id,
    description: def.description,
    standsFor: def.standsFor,
    params: names.map((name) => ({ name, default: defs[name].default, description: defs[name].description })),
    build(raw = {}) {
      const issues: SpecIssue[] = [];
      const values: Record<string, ParamValue> = {};
      for (const name of Object.keys(raw)) {
        if (!(name in defs))
          issues.push({
            path: `params.${name}`,
            message:
              nearest(name, names) === null
                ? `unknown parameter for ${def.id}; allowed: ${names.join(', ')}`
                : `unknown parameter for ${def.id}; did you mean "${nearest(name, names)}"?`,
          });
      }
      for (const name of names) {
        const given = raw[name];
        if (given === undefined) {
          values[name] = defs[name].default;
          continue;
        }
        const parsed = defs[name].parse(given);
        if (parsed.ok) values[name] = parsed.value;
        else issues.push({ path: `params.${name}`, message: parsed.message });
      }
      if (issues.length > 0) throw new WorkloadSpecError(issues);
      const typed = typedValues(def.params, values);
      return {
        name: def.id,
        description: def.description,
        origin: { preset: def.id, params: values },
        ...def.build(typed),
      };
    },
  };
}

/**
 * Narrows checked values to the preset's parameter types. Each value came from
 * its own `ParamDef.parse`, which is what makes the types hold.
 */
function typedValues<P extends ParamDefs>(
  _defs: P,
  values: Record<string, ParamValue>,
): ValuesOf<P> & { scale: number } {
  return values as ValuesOf<P> & { scale: number };
}
