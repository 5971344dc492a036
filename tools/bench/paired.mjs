#!/usr/bin/env node
/**
 * Paired speed of two checkouts on the bench's reclaim scenario, for a
 * change that must not cost speed (docs/architecture.md, "Speed after the
 * split"):
 *
 *   node tools/bench/paired.mjs BEFORE_TREE AFTER_TREE [PAIRS]
 *
 * Each tree must be built (`pnpm build`). Every measurement is its own
 * process: two untimed warm-up runs, then the median CPU time of three
 * runs of `Kernel.run()` — one pass of reads (file) or first-touch stores
 * (anon, to zram) over four times memory, 64 Ki pages. The trees alternate
 * (before, after, before, after, ...) so both see the same machine; CPU
 * time, not wall time, because other jobs on a shared machine inflate it
 * far less. Prints each pair and, per scenario, the median of the pairs'
 * speed ratios (after/before; above 1 is faster) and their range.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const SCENARIOS = ['lru:file', 'lru:anon', 'mglru:file', 'mglru:anon'];

async function measure(tree, scenario) {
  const load = (pkg) => import(pathToFileURL(resolve(tree, 'packages', pkg, 'dist', 'index.js')).href);
  const [R, H, harness] = await Promise.all([load('reclaim'), load('hw-model'), load('harness')]);
  const [name, kind] = scenario.split(':');
  const factory = harness.listPolicies().find((p) => p.name === name);
  if (!factory) throw new Error(`${tree}: policy ${name} is not registered`);
  const mem = 65536;
  const size = mem * 4;
  const once = () => {
    const k = new R.Kernel({
      machine: H.defaultMachineConfig(mem, {
        swapPages: size * 2,
        swapDevice: H.DEVICE_PRESETS.zram,
        disk: H.DEVICE_PRESETS.nvme,
      }),
      policy: factory.create(factory.defaults),
      seed: 1,
    });
    let i = 0;
    const source = {
      fill(chunk) {
        chunk.length = 0;
        while (i < size && chunk.length < chunk.capacity)
          chunk.push(kind === 'file' ? H.OP_READ : H.OP_STORE, 0, i++);
        return chunk.length;
      },
    };
    k.load({
      files: kind === 'file' ? [{ name: 'stream', pages: size }] : [],
      memcgs: [],
      tasks: [
        {
          name: 'stream',
          regions: [
            kind === 'file' ? { kind: 'file-fd', file: 0, pages: size } : { kind: 'anon', pages: size },
          ],
          source,
        },
      ],
    });
    const c0 = process.cpuUsage();
    const r = k.run();
    const c = process.cpuUsage(c0);
    return { s: (c.user + c.system) / 1e6, steal: r.counters.pgsteal_anon + r.counters.pgsteal_file };
  };
  once();
  once();
  const runs = [once(), once(), once()].sort((a, b) => a.s - b.s);
  return runs[1];
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--one') {
    process.stdout.write(JSON.stringify(await measure(args[1], args[2])));
    return;
  }
  if (args.length < 2) {
    process.stderr.write('usage: node tools/bench/paired.mjs BEFORE_TREE AFTER_TREE [PAIRS]\n');
    process.exit(2);
  }
  const [before, after] = args;
  const pairs = Number(args[2] ?? 7);
  if (!Number.isInteger(pairs) || pairs < 1)
    throw new Error(`PAIRS must be a positive integer, got ${args[2]}`);
  const one = (tree, scenario) =>
    JSON.parse(
      execFileSync(process.execPath, [process.argv[1], '--one', tree, scenario], { encoding: 'utf8' }),
    );
  for (const scenario of SCENARIOS) {
    const ratios = [];
    for (let p = 1; p <= pairs; p++) {
      const b = one(before, scenario);
      const a = one(after, scenario);
      // The same work on both sides, or the ratio compares different runs.
      const same = b.steal === a.steal ? '' : `  (work differs: pgsteal ${b.steal} vs ${a.steal})`;
      ratios.push(b.s / a.s);
      process.stdout.write(
        `${scenario} pair ${p}: before ${b.s.toFixed(3)} s, after ${a.s.toFixed(3)} s CPU${same}\n`,
      );
    }
    process.stdout.write(
      `${scenario}: after/before speed ${median(ratios).toFixed(2)}× (median of ${pairs} pairs; ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})\n`,
    );
  }
}

main().catch((e) => {
  process.stderr.write(`paired: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
