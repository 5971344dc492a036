#!/usr/bin/env node
/**
 * Paired speed of two built trees on one ideal-mode trace replay, both in
 * this one process, alternately:
 *
 *   node tools/bench/replay-ab.mjs TREE_A TREE_B TRACE MEMORY_PAGES POLICY [ROUNDS]
 *
 * Each tree must be built (`pnpm build`: its apps/harness/dist/bundle). Each
 * round runs the whole replay once under each tree, the order alternating,
 * and times its CPU; prints every round's A/B ratio (above 1: B is faster)
 * and their median. On a machine shared with other jobs, separate
 * processes a minute apart see different neighbours; two runs of one
 * process seconds apart see nearly the same ones, so a few percent shows
 * where process pairs spread ±20%. Each tree's modules are its own copies,
 * so neither's JIT feedback reaches the other. Both must miss alike: the
 * misses are printed, and a difference is an error.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [treeA, treeB, trace, pages, policy, roundsArg] = process.argv.slice(2);
if (policy === undefined) {
  process.stderr.write('usage: replay-ab.mjs TREE_A TREE_B TRACE MEMORY_PAGES POLICY [ROUNDS]\n');
  process.exit(2);
}
const rounds = Number(roundsArg ?? 8);
const load = (tree) => import(pathToFileURL(resolve(tree, 'apps/harness/dist/bundle/pkg-harness.js')).href);
const trees = [await load(treeA), await load(treeB)];
const cpu = [[], []];
const misses = [0, 0];
for (let r = 0; r < rounds; r++) {
  for (const i of r % 2 === 0 ? [0, 1] : [1, 0]) {
    const c0 = process.cpuUsage();
    const res = trees[i].runIdealTrace(trace, { memoryPages: Number(pages), policy });
    const c = process.cpuUsage(c0);
    cpu[i].push((c.user + c.system) / 1e6);
    misses[i] = res.misses;
  }
}
if (misses[0] !== misses[1]) throw new Error(`the trees miss differently: ${misses[0]} and ${misses[1]}`);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const ratios = cpu[0].map((a, j) => a / cpu[1][j]);
process.stdout.write(
  `${policy}, ${pages} pages: CPU s A ${median(cpu[0]).toFixed(2)}, B ${median(cpu[1]).toFixed(2)}; ` +
    `A/B by round ${ratios.map((x) => x.toFixed(2)).join(' ')}; median ${median(ratios).toFixed(3)}; ${misses[0]} misses\n`,
);
