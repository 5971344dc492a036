/**
 * Writes the small sample traces of examples/traces (seeded, so the same
 * bytes every time) that the README's trace examples run on:
 *   pnpm tsx --conditions=@reclaim-lab/source tools/sample-traces/generate.ts
 * The .zst file needs Debian's `zstd` command (the harness only decompresses).
 */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
// A relative import: this script is no workspace package of its own.
import { makeSyntheticTrace } from '../../packages/harness/src/index.js';

const OUT = resolve(import.meta.dirname, '../../examples/traces');

/** What each sample holds; examples/traces/README.md and a test repeat these figures. */
export const SAMPLES = {
  'zipf.oracleGeneral': { requests: 10_000, keys: 2_000, seed: 1, pattern: 'zipf', writeRatio: 0 },
  'scan.csv': { requests: 6_000, keys: 1_500, seed: 2, pattern: 'loop', writeRatio: 0.1 },
} as const;

function main(): void {
  const zipf = join(OUT, 'zipf.oracleGeneral');
  makeSyntheticTrace(zipf, 'oracle-general', { ...SAMPLES['zipf.oracleGeneral'] });
  // The compressed copy as public traces ship; the plain one stays for the README's first example.
  execFileSync('zstd', ['-q', '-f', '-19', '--no-progress', zipf, '-o', `${zipf}.zst`]);
  makeSyntheticTrace(join(OUT, 'scan.csv'), 'csv', { ...SAMPLES['scan.csv'] });
  // A valgrind lackey log of a loop that reads an array and writes every 8th element.
  const lines = ['==1== Lackey, an example Valgrind tool', '==1== Command: ./loop', '==1=='];
  for (let pass = 0; pass < 3; pass++)
    for (let i = 0; i < 512; i++) {
      lines.push(`I  0400${(0x1000 + (i % 16) * 4).toString(16)},4`);
      lines.push(` L 1ffe${(i * 64).toString(16).padStart(5, '0')},8`);
      if (i % 8 === 0) lines.push(` S 2000${(i * 512).toString(16).padStart(5, '0')},8`);
    }
  lines.push('==1==', '==1== Counted 1 call to main()');
  writeFileSync(join(OUT, 'loop.lackey'), `${lines.join('\n')}\n`);
  rmSync(join(OUT, '.tmp'), { force: true, recursive: true });
}

main();
