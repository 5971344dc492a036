import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The design (docs/architecture.md): "`reclaim` (the unified path) imports no policy package"
 * and "a policy that needs something the core does not offer gets it by a
 * new hook or a new shared mechanism, never by the core special-casing its
 * name". This reads the source of the three core packages and fails on an
 * import of a policy package, or on code that compares anything with a
 * policy's name.
 */

const ROOT = join(import.meta.dirname, '..', '..', '..');
const CORE = ['packages/reclaim/src', 'packages/mechanisms/src', 'packages/hw-model/src'];
const POLICY_NAMES = ['lru', 'mglru', 'fifo', 'mru', 'lfu', 's3fifo', 'clockpro', 'lhd', 'opt', 'belady'];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|js|mjs)$/.test(name) ? [path] : [];
  });
}

/** The source with comments blanked out, so prose about LRU and MGLRU does not count. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

const files = CORE.flatMap((d) => sources(join(ROOT, d))).map((path) => ({
  path: relative(ROOT, path),
  text: code(readFileSync(path, 'utf8')),
}));
const names = POLICY_NAMES.join('|');
const quoted = `['"\`](?:${names})['"\`]`;
const SPECIAL_CASES = [
  // `ops.name === 'mglru'`, `'lru' !== name`, `case 'lru':`
  new RegExp(`(?:===?|!==?)\\s*${quoted}`, 'i'),
  new RegExp(`${quoted}\\s*(?:===?|!==?)`, 'i'),
  new RegExp(`case\\s+${quoted}`, 'i'),
  // `name.includes('mglru')`, `/mglru/.test(name)`, `name.startsWith("lru")`
  new RegExp(`\\.(?:includes|startsWith|endsWith|indexOf|match)\\(\\s*['"\`][^'"\`]*\\b(?:${names})\\b`, 'i'),
  new RegExp(`/[^/\\n]*\\b(?:${names})\\b[^/\\n]*/[gimsuy]*\\.test\\(`, 'i'),
  // any comparison of a name with a literal (`typeof x.name !== 'string'` is a type check)
  /(?<!typeof\s+[\w.]*)\.name\s*(?:===?|!==?)\s*['"`]/,
];

describe('the core names no policy', () => {
  it('finds the core sources', () => {
    expect(files.length).toBeGreaterThan(10);
    expect(files.some((f) => f.path.endsWith('kernel.ts'))).toBe(true);
  });

  it('imports no policy package', () => {
    const offending = files.filter((f) => f.text.includes('@reclaim-lab/policy-')).map((f) => f.path);
    expect(offending).toEqual([]);
  });

  it('special-cases no policy by name', () => {
    const offending = files.flatMap((f) =>
      f.text
        .split('\n')
        .map((line, i) => ({ line: line.trim(), at: `${f.path}:${i + 1}` }))
        .filter(({ line }) => SPECIAL_CASES.some((re) => re.test(line)))
        .map(({ line, at }) => `${at}: ${line}`),
    );
    expect(offending).toEqual([]);
  });

  it('would catch a special case (the patterns themselves work)', () => {
    const bad = [
      "if (ops.name === 'mglru') return;",
      "case 'lru':",
      "if (slot.attached.name.startsWith('mglru')) x();",
      "const isLru = 'lru' === name;",
      "if (slot.ops.name !== 'fifo') y();",
    ];
    for (const line of bad)
      expect(
        SPECIAL_CASES.some((re) => re.test(line)),
        line,
      ).toBe(true);
  });
});
