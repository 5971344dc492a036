import { readFileSync, statSync } from 'node:fs';
import type * as v from 'valibot';
import { parse as parseYaml } from 'yaml';

/**
 * What every file a user hands us (scenario, sweep) goes through before it
 * is validated: a size limit, a nesting limit checked before the parser
 * can recurse, an alias limit for YAML, and errors that are one line
 * naming the file. Limits are generous for real files and cheap to check.
 */
export const INPUT_LIMITS = {
  /** Bytes in a scenario or sweep file. */
  fileBytes: 1024 * 1024,
  /** Nesting of lists and mappings. */
  depth: 64,
  /** Values (scalars, lists, mappings) after YAML aliases are expanded. */
  nodes: 200_000,
  /** YAML aliases (`*name`) in one file. */
  aliases: 100,
} as const;

export class InputError extends Error {}

/** Read and parse a YAML or JSON (by extension) input file within INPUT_LIMITS; throws `make(message)`. */
export function readInputFile(
  path: string,
  make: (msg: string) => Error = (m) => new InputError(m),
): unknown {
  const kind = path.endsWith('.json') ? 'JSON' : 'YAML';
  let text: string;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw make(`${path}: is a directory, not a ${kind} file`);
    if (st.size > INPUT_LIMITS.fileBytes)
      throw make(
        `${path}: ${st.size} bytes; a ${kind} input file may hold at most ${INPUT_LIMITS.fileBytes}`,
      );
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof Error && !('code' in e)) throw e;
    throw make(`${path}: cannot read: ${(e as Error).message}`);
  }
  const deep = flowDepth(text);
  if (deep >= 0)
    throw make(`${path}: nested more than ${INPUT_LIMITS.depth} levels deep at byte offset ${deep}`);
  let data: unknown;
  try {
    data =
      kind === 'JSON'
        ? JSON.parse(text)
        : parseYaml(text, { maxAliasCount: INPUT_LIMITS.aliases, prettyErrors: false });
  } catch (e) {
    const msg = e instanceof RangeError ? 'nested too deeply to read' : firstLine((e as Error).message);
    throw make(`${path}: not valid ${kind}: ${msg}`);
  }
  const bad = checkShape(data);
  if (bad !== null) throw make(`${path}: ${bad}`);
  return data;
}

function firstLine(s: string): string {
  return s
    .split('\n')[0]
    .replace(
      /Excessive alias count indicates a resource exhaustion attack/,
      `more than ${INPUT_LIMITS.aliases} aliases`,
    );
}

/**
 * The byte offset where `[`/`{` nesting (JSON, YAML flow style) passes the
 * depth limit, or -1. Brackets in quoted strings are skipped; block-style
 * YAML nesting is caught after parsing by `checkShape`.
 */
export function flowDepth(text: string): number {
  let depth = 0;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote !== '') {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || (c === "'" && /[\s[{,:]/.test(text[i - 1] ?? ' '))) quote = c;
    else if (c === '#' && /\s/.test(text[i - 1] ?? '\n')) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
    } else if (c === '[' || c === '{') {
      if (++depth > INPUT_LIMITS.depth) return Buffer.byteLength(text.slice(0, i));
    } else if (c === ']' || c === '}') depth--;
  }
  return -1;
}

/** Depth and size of parsed data, walked without recursion; null when within limits. */
export function checkShape(data: unknown): string | null {
  const stack: [unknown, number][] = [[data, 0]];
  let nodes = 0;
  while (stack.length > 0) {
    const [x, d] = stack.pop() as [unknown, number];
    if (++nodes > INPUT_LIMITS.nodes)
      return `more than ${INPUT_LIMITS.nodes} values (aliases expanded); refused`;
    if (d > INPUT_LIMITS.depth) return `nested more than ${INPUT_LIMITS.depth} levels deep`;
    if (x !== null && typeof x === 'object') for (const y of Object.values(x)) stack.push([y, d + 1]);
  }
  return null;
}

/** Edit distance (insert, delete, substitute, swap of neighbours), for "did you mean". */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  const d: number[][] = Array.from({ length: m + 1 }, (_, i) => [i, ...new Array(n).fill(0)]);
  for (let j = 1; j <= n; j++) d[0][j] = j;
  for (let i = 1; i <= m; i++)
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[m][n];
}

/** The known name nearest to `name`, if near enough to be a typo (distance ≤ max(2, ⌈length/3⌉)). */
export function nearest(name: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const dist = editDistance(name, k);
    if (dist < bestD) {
      bestD = dist;
      best = k;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.ceil(name.length / 3)) ? best : null;
}

/** `unknown key; did you mean "x"?`, or the list of what is allowed when nothing is near. */
export function unknownKey(name: string, known: readonly string[]): string {
  const near = nearest(name, known);
  return near !== null ? `unknown key; did you mean "${near}"?` : `unknown key; allowed: ${known.join(', ')}`;
}

/** The parts of a valibot schema's runtime shape the messages read. */
interface AnySchema {
  entries?: Record<string, AnySchema>;
  wrapped?: AnySchema;
  options?: AnySchema[];
  pipe?: { type: string; requirement?: unknown }[];
  item?: AnySchema;
  value?: AnySchema;
}

/** Unwrap optional/nullable/pipe wrappers. */
function unwrap(s: AnySchema): AnySchema {
  let x = s;
  while (x.wrapped) x = x.wrapped;
  return x;
}

/** The schema at `keys` below `root` (through objects, records, arrays and the options of unions). */
export function schemaAt(root: AnySchema, keys: readonly (string | number)[]): AnySchema | null {
  const s = unwrap(root);
  if (keys.length === 0) return s;
  const [k, ...rest] = keys;
  if (s.options) {
    for (const o of s.options) {
      const found = schemaAt(o, keys);
      if (found !== null) return found;
    }
    return null;
  }
  if (s.entries && typeof k === 'string' && k in s.entries) return schemaAt(s.entries[k], rest);
  if (s.item && typeof k === 'number') return schemaAt(s.item, rest);
  if (s.value && typeof k === 'string') return schemaAt(s.value, rest);
  return null;
}

/** Keys allowed at `keys` below `root`, over every branch of the unions on the way. */
function keysAt(root: AnySchema, keys: readonly (string | number)[]): string[] {
  const s = unwrap(root);
  if (s.options) return [...new Set(s.options.flatMap((o) => keysAt(o, keys)))];
  if (keys.length === 0) return s.entries ? Object.keys(s.entries) : [];
  const [k, ...rest] = keys;
  if (s.entries && typeof k === 'string' && k in s.entries) return keysAt(s.entries[k], rest);
  if (s.item && typeof k === 'number') return keysAt(s.item, rest);
  if (s.value && typeof k === 'string') return keysAt(s.value, rest);
  return [];
}

/** "an integer 0..200", "a number 1..100", from a number schema's pipe; null when it has no range. */
export function rangeOf(s: AnySchema | null): string | null {
  if (s === null || !s.pipe) return null;
  let min: unknown;
  let max: unknown;
  let integer = false;
  for (const p of s.pipe) {
    if (p.type === 'min_value') min = p.requirement;
    if (p.type === 'max_value') max = p.requirement;
    if (p.type === 'integer') integer = true;
  }
  if (min === undefined && max === undefined && !integer) return null;
  const what = integer ? 'an integer' : 'a number';
  if (min !== undefined && max !== undefined) return `${what} ${min}..${max}`;
  if (min !== undefined) return `${what} ≥ ${min}`;
  if (max !== undefined) return `${what} ≤ ${max}`;
  return what;
}

function show(value: unknown): string {
  if (typeof value === 'number') return String(value);
  const s = JSON.stringify(value);
  return s === undefined ? String(value) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * One line for a valibot issue: `path: problem`, with the nearest known
 * key for an unknown one and the range for a number out of it.
 */
export function describeIssue(schema: v.GenericSchema, top: v.BaseIssue<unknown>): string {
  const root = schema as AnySchema;
  // A union failed in every branch: speak of the branch that got furthest (the deepest sub-issue).
  let issue = top;
  while (issue.type === 'union' && issue.issues && issue.issues.length > 0) {
    const rank = (i: v.BaseIssue<unknown>) =>
      (i.path?.length ?? 0) * 2 + (i.type === 'strict_object' && i.input !== undefined ? 1 : 0);
    const best: v.BaseIssue<unknown> = issue.issues.reduce((a, b) => (rank(b) > rank(a) ? b : a));
    // Some sub-issues carry their path from the union's value down, not from the root.
    const parent = issue.path ?? [];
    const path = best.path ?? [];
    const rooted = parent.every((p, i) => path[i]?.key === p.key);
    const full = rooted ? path : [...parent, ...path];
    if (full.length <= parent.length) break;
    issue = { ...best, path: full as typeof best.path };
  }
  const keys = (issue.path ?? []).map((p) => p.key as string | number);
  const path = keys.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
  const where = path || '(top level)';
  if (issue.type === 'strict_object' && keys.length > 0 && typeof keys[keys.length - 1] === 'string') {
    const known = keysAt(root, keys.slice(0, -1));
    if (issue.input === undefined) return `${where}: missing (required)`;
    return `${where}: ${unknownKey(String(keys[keys.length - 1]), known)}`;
  }
  if (issue.type === 'strict_object' || (issue.type === 'object' && keys.length === 0))
    return `${where}: expected a mapping of fields, got ${Array.isArray(issue.input) ? 'a list' : show(issue.input)}`;
  if (['min_value', 'max_value', 'integer', 'number'].includes(issue.type)) {
    const range = rangeOf(schemaAt(root, keys));
    if (range !== null) return `${where}: must be ${range}, got ${show(issue.input)}`;
  }
  if (issue.type === 'picklist' && issue.expected)
    return `${where}: must be one of ${issue.expected.replace(/["()]/g, '').split(' | ').join(', ')}, got ${show(issue.input)}`;
  return `${where}: ${issue.message} (got ${show(issue.input)})`;
}
