/**
 * pnpm golden            recompute every golden cell and compare with golden.json
 * pnpm golden --update   rewrite golden.json from this tree's results
 * pnpm golden --only S   only the cells whose id contains S (never with --update)
 *
 * Exit 0 when every cell matches (or after --update), 1 naming the cells that changed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { computeHashes, diffHashes, type Hashes } from './cells.js';

export const GOLDEN_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', 'golden.json');

function main(): number {
  const { values } = parseArgs({
    options: {
      update: { type: 'boolean', default: false },
      only: { type: 'string' },
      verbose: { type: 'boolean', short: 'v', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log('usage: pnpm golden [--update] [--only SUBSTRING] [--verbose]');
    return 0;
  }
  if (values.update && values.only !== undefined) {
    console.error('golden: --update rewrites the whole set; it cannot be combined with --only');
    return 2;
  }
  const only = values.only;
  const t0 = performance.now();
  const { hashes, coverage } = computeHashes(
    only === undefined ? undefined : (id) => id.includes(only),
    values.verbose ? (id, ms) => console.log(`${ms.toFixed(0).padStart(6)} ms  ${id}`) : undefined,
  );
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  const count = Object.keys(hashes).length;
  if (values.update) {
    const uncovered = Object.entries(coverage).filter(([, n]) => n === 0);
    if (uncovered.length > 0)
      console.warn(`golden: warning: no cell exercises ${uncovered.map(([c]) => c).join(', ')}`);
    const sorted = Object.fromEntries(Object.entries(hashes).sort(([a], [b]) => a.localeCompare(b)));
    writeFileSync(GOLDEN_FILE, `${JSON.stringify(sorted, null, 2)}\n`);
    console.log(`golden: wrote ${count} hashes to tools/golden/golden.json in ${seconds} s`);
    return 0;
  }
  const expected = JSON.parse(readFileSync(GOLDEN_FILE, 'utf8')) as Hashes;
  const scoped =
    only === undefined
      ? expected
      : Object.fromEntries(Object.entries(expected).filter(([id]) => id.includes(only)));
  const diff = diffHashes(scoped, hashes);
  if (diff.length === 0) {
    console.log(`golden: all ${count} cells match (${seconds} s)`);
    return 0;
  }
  for (const line of diff) console.error(line);
  console.error(
    `golden: ${diff.length} of ${count} cells differ. If the change is intended, run \`pnpm golden --update\` and say why in the commit.`,
  );
  return 1;
}

process.exitCode = main();
