import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/main.js';
import { CASES, makeFixtures } from './bad-input-cases.js';

/**
 * Bad input everywhere gets one line, exit code 2, no stack trace, no hang:
 * each row of the table runs the command in-process and must print exactly
 * its line on stderr (after "reclaim-lab: error: ") and nothing on stdout.
 */
const dir = mkdtempSync(join(tmpdir(), 'bad-input-'));
makeFixtures(dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function argv(line: string): string[] {
  return (line.match(/"[^"]*"|\S+/g) ?? []).map((a) => a.replace(/^"|"$/g, '').replaceAll('$D', dir));
}

async function cli(args: string[]): Promise<{ code: number; err: string; out: string }> {
  let err = '';
  let out = '';
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    err += String(s);
    return true;
  });
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  try {
    const code = await main(['node', 'reclaim-lab', ...args]);
    return { code, err, out };
  } finally {
    e.mockRestore();
    o.mockRestore();
  }
}

describe(`the bad-input table (${CASES.length} inputs)`, () => {
  it('has at least 100 rows, none twice', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(100);
    expect(new Set(CASES.map(([a]) => a)).size).toBe(CASES.length);
  });

  for (const [line, message] of CASES) {
    it(line, async () => {
      const t0 = performance.now();
      const r = await cli(argv(line));
      // biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes
      const text = r.err.replace(/\x1b\[\d+m/g, '').replaceAll(dir, '$D');
      expect({ code: r.code, err: text, out: r.out }).toEqual({
        code: 2,
        err: `reclaim-lab: error: ${message}\n`,
        out: '',
      });
      // One line, no stack, quickly (a size limit, not a parser running out of stack).
      expect(text.split('\n')).toHaveLength(2);
      expect(performance.now() - t0).toBeLessThan(10_000);
    });
  }

  it('trace convert onto a directory leaves no temporary file', () => {
    expect(readdirSync(join(dir, 'dir'))).toEqual([]);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(existsSync(join(dir, 'out2.rlt'))).toBe(false);
  });
});
