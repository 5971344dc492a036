import { describeValue, formatPath, type SpecIssue } from './errors.js';
import type { ParamValue } from './spec.js';

const WHOLE_REF = /^\$([A-Za-z_][A-Za-z0-9_]*)$/;
const INLINE_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isParamValue(value: unknown): value is ParamValue {
  return (
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

/** Command-line values arrive as strings: read them as the type of the declared default. */
function coerceLike(declared: ParamValue | undefined, value: ParamValue): ParamValue {
  if (typeof value !== 'string') return value;
  if (typeof declared === 'number' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  if (typeof declared === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

/** The declared defaults of a spec's `params` block (malformed entries become issues). */
function declaredParams(raw: unknown, issues: SpecIssue[]): Map<string, ParamValue> {
  const declared = new Map<string, ParamValue>();
  if (raw === undefined) return declared;
  if (!isRecord(raw)) {
    issues.push({
      path: 'params',
      message: `expected a map of name to default value, got ${describeValue(raw)}`,
    });
    return declared;
  }
  for (const [name, decl] of Object.entries(raw)) {
    const path = formatPath(['params', name]);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      issues.push({ path, message: 'parameter names are letters, digits and _' });
    } else if (isParamValue(decl)) {
      declared.set(name, decl);
    } else if (isRecord(decl) && isParamValue(decl.default)) {
      const extra = Object.keys(decl).filter((k) => k !== 'default' && k !== 'description');
      if (extra.length > 0)
        issues.push({ path, message: `unknown field "${extra[0]}"; allowed: default, description` });
      else declared.set(name, decl.default);
    } else {
      issues.push({
        path,
        message: `expected a number, string, boolean or {default, description}, got ${describeValue(decl)}`,
      });
    }
  }
  return declared;
}

/**
 * Replaces `$name` (whole value, keeps the parameter's type) and `${name}`
 * (inside a string) everywhere except in the `params` block. Overrides must
 * name declared parameters — or repeat, unchanged, a parameter the spec's
 * preset (`origin`) was built with. Returns a fresh object; the input is not
 * touched.
 */
export function resolveParams(
  input: unknown,
  overrides: Record<string, ParamValue> | undefined,
  issues: SpecIssue[],
): { spec: unknown; values: Record<string, ParamValue> } {
  const declared = isRecord(input) ? declaredParams(input.params, issues) : new Map<string, ParamValue>();
  const allowed = () =>
    declared.size === 0 ? 'the spec declares none' : `declared: ${[...declared.keys()].join(', ')}`;
  const values = new Map(declared);
  const origin = isRecord(input) && isRecord(input.origin) ? input.origin : {};
  const applied = isRecord(origin.params) ? origin.params : {};
  for (const [name, value] of Object.entries(overrides ?? {})) {
    if (!declared.has(name) && name in applied) {
      // A preset already built this spec with its parameters; repeating the same value is harmless.
      if (String(applied[name]) !== String(value))
        issues.push({
          path: formatPath(['params', name]),
          message: `preset "${String(origin.preset)}" built this spec with ${name} = ${describeValue(applied[name])}; pass ${name} to getWorkload to change it`,
        });
    } else if (!declared.has(name))
      issues.push({ path: formatPath(['params', name]), message: `unknown parameter; ${allowed()}` });
    else if (!isParamValue(value))
      issues.push({
        path: formatPath(['params', name]),
        message: `expected a number, string or boolean, got ${describeValue(value)}`,
      });
    else values.set(name, coerceLike(declared.get(name), value));
  }

  const lookup = (name: string, path: (string | number)[]): ParamValue | undefined => {
    const value = values.get(name);
    if (value === undefined)
      issues.push({ path: formatPath(path), message: `unknown parameter "${name}"; ${allowed()}` });
    return value;
  };

  const walk = (node: unknown, path: (string | number)[]): unknown => {
    if (typeof node === 'string') {
      const whole = WHOLE_REF.exec(node);
      if (whole) return lookup(whole[1], path) ?? node;
      if (!node.includes('${')) return node;
      return node.replace(INLINE_REF, (text, name: string) => {
        const value = lookup(name, path);
        return value === undefined ? text : String(value);
      });
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, i]));
    if (isRecord(node)) {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(node)) {
        out[key] = path.length === 0 && key === 'params' ? value : walk(value, [...path, key]);
      }
      return out;
    }
    return node;
  };

  return { spec: walk(input, []), values: Object.fromEntries(values) };
}
