import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../../..');
const MAIN = resolve(ROOT, 'apps/harness/src/main.ts');
const TSX = resolve(ROOT, 'node_modules/tsx/dist/cli.mjs');

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI from sources, as `pnpm reclaim-lab:dev` runs it; env adds to a colour-neutral environment. */
export function cli(args: string[], env: Record<string, string> = {}, cwd = ROOT): CliRun {
  const base = { ...process.env };
  delete base.NO_COLOR;
  delete base.FORCE_COLOR;
  const r = spawnSync(process.execPath, [TSX, '--conditions=@reclaim-lab/source', MAIN, ...args], {
    cwd,
    env: { ...base, ...env },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** RFC 4180 CSV into rows of fields (quoted fields, doubled quotes, commas and newlines inside quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let f = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        f += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else f += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(f);
      f = '';
    } else if (ch === '\n') {
      row.push(f);
      rows.push(row);
      row = [];
      f = '';
    } else if (ch !== '\r') f += ch;
  }
  if (f !== '' || row.length) rows.push([...row, f]);
  return rows;
}

/**
 * The checks a reader of tidy data relies on: the header, every row as
 * wide as it, numeric seeds and values, and one value per
 * (configuration, workload, seed, phase, metric).
 */
export function tidyFrame(text: string): Record<string, string | number>[] {
  const [header, ...body] = parseCsv(text);
  if (header.join(',') !== 'configuration,workload,seed,phase,metric,value')
    throw new Error(`unexpected header ${header.join(',')}`);
  const seen = new Set<string>();
  return body.map((r, i) => {
    if (r.length !== header.length) throw new Error(`row ${i + 2} has ${r.length} fields`);
    const key = r.slice(0, 5).join('\u0000');
    if (seen.has(key)) throw new Error(`row ${i + 2} repeats ${r.slice(0, 5).join(',')}`);
    seen.add(key);
    const seed = Number(r[2]);
    const value = Number(r[5]);
    if (!Number.isInteger(seed) || r[5] === '' || !Number.isFinite(value))
      throw new Error(`row ${i + 2}: seed ${r[2]}, value ${r[5]}`);
    return { configuration: r[0], workload: r[1], seed, phase: r[3], metric: r[4], value };
  });
}

type Schema = {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  oneOf?: Schema[];
  minimum?: number;
  maximum?: number;
};

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** The subset of JSON Schema our schemas use; returns the paths that do not conform. */
export function schemaErrors(schema: Schema, v: unknown, path = '$'): string[] {
  const errs: string[] = [];
  if (schema.const !== undefined && v !== schema.const)
    errs.push(`${path}: expected ${String(schema.const)}`);
  if (schema.enum && !schema.enum.includes(v)) errs.push(`${path}: not one of ${schema.enum.join(', ')}`);
  if (schema.type) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const t = typeOf(v);
    if (!types.includes(t) && !(t === 'integer' && types.includes('number')))
      return [`${path}: ${t}, expected ${types.join('|')}`];
  }
  if (typeof v === 'number') {
    if (schema.minimum !== undefined && v < schema.minimum) errs.push(`${path}: below ${schema.minimum}`);
    if (schema.maximum !== undefined && v > schema.maximum) errs.push(`${path}: above ${schema.maximum}`);
  }
  if (schema.oneOf && schema.oneOf.filter((s) => schemaErrors(s, v, path).length === 0).length !== 1)
    errs.push(`${path}: matches not exactly one of oneOf`);
  if (typeOf(v) === 'object') {
    const o = v as Record<string, unknown>;
    for (const k of schema.required ?? []) if (!(k in o)) errs.push(`${path}.${k}: missing`);
    for (const [k, x] of Object.entries(o)) {
      const sub = schema.properties?.[k];
      if (sub) errs.push(...schemaErrors(sub, x, `${path}.${k}`));
      else if (typeof schema.additionalProperties === 'object')
        errs.push(...schemaErrors(schema.additionalProperties, x, `${path}.${k}`));
      else if (schema.additionalProperties === false) errs.push(`${path}.${k}: not allowed`);
    }
  }
  if (Array.isArray(v) && schema.items)
    for (const [i, x] of v.entries()) errs.push(...schemaErrors(schema.items, x, `${path}[${i}]`));
  return errs;
}

export function loadSchema(name: string): Schema {
  return JSON.parse(readFileSync(resolve(ROOT, 'docs/schemas', `${name}.schema.json`), 'utf8'));
}
