/**
 * The bad-input table: each row is a command line (with `$D` for a scratch
 * directory of fixture files, made by `makeFixtures`) and the one line it
 * must be refused with, after "reclaim-lab: error: ". Exit code 2 for all.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function makeFixtures(d: string): void {
  mkdirSync(join(d, 'dir'), { recursive: true });
  const w = (name: string, text: string | Uint8Array) => writeFileSync(join(d, name), text);
  w('typo-machine.yaml', 'machine: { swapiness: 60 }\nworkload: zipf-anon\n');
  w('typo-top.yaml', 'workloads: zipf-anon\n');
  w('typo-top2.yaml', 'workload: zipf-anon\npolcy: lru\n');
  w('typo-wl.yaml', 'workload: { id: zipf-anon, parms: {} }\n');
  w('no-workload.yaml', 'machine: { memory: 64MiB }\n');
  w('list.yaml', '- a\n- b\n');
  w('scalar.yaml', 'hello\n');
  w('empty.yaml', '');
  w('syntax.yaml', 'workload: [zipf-anon\n');
  w('swappiness.yaml', 'workload: zipf-anon\nmachine: { swappiness: 300 }\n');
  w('swappiness-str.yaml', 'workload: zipf-anon\nmachine: { swappiness: high }\n');
  w('seed-big.yaml', 'workload: zipf-anon\nseed: 4294967296\n');
  w('seed-frac.yaml', 'workload: zipf-anon\nseed: 1.5\n');
  w('seed-neg.yaml', 'workload: zipf-anon\nseed: -1\n');
  w('latency.yaml', 'workload: zipf-anon\nlatencyBudgetMs: -1\n');
  w('mode.yaml', 'workload: zipf-anon\nmode: fast\n');
  w('device.yaml', 'workload: zipf-anon\nmachine: { swapDevice: floppy }\n');
  w('fault-around.yaml', 'workload: zipf-anon\nmachine: { faultAroundPages: 3 }\n');
  w('cost.yaml', 'workload: zipf-anon\nmachine: { cost: { fualtNs: 5 } }\n');
  w('scope.yaml', 'workload: zipf-anon\npolicy: [{ scope: cgroup:/a, policy: lru }]\n');
  w('attach-typo.yaml', 'workload: zipf-anon\npolicy: [{ scope: system, polciy: lru }]\n');
  w('nodes.yaml', 'workload: zipf-anon\nmachine: { memory: 300KiB, nodes: 64 }\n');
  w('pib.yaml', 'workload: zipf-anon\nmachine: { memory: 1PiB }\n');
  w('sweep-shard.yaml', 'workload: zipf-anon\n');
  w('swap-big.yaml', 'workload: zipf-anon\nmachine: { swap: 1EiB }\n');
  w('dirty.yaml', 'workload: zipf-anon\nmachine: { dirtyRatio: 0 }\n');
  w('wmark.yaml', 'workload: zipf-anon\nmachine: { watermarkScaleFactor: 5000 }\n');
  w('pagecluster.yaml', 'workload: zipf-anon\nmachine: { pageCluster: 11 }\n');
  w('unknown-wl.yaml', 'workload: zipf-anno\n');
  w('param-typo.yaml', 'workload: { id: zipf-anon, params: { alhpa: 1 } }\n');
  w('param-range.yaml', 'workload: { id: zipf-anon, params: { fillFraction: -1 } }\n');
  let bomb = 'a: &a [x, x, x, x, x, x, x, x, x]\n';
  for (let i = 1; i < 12; i++)
    bomb += `a${i}: &a${i} [${new Array(9).fill(i === 1 ? '*a' : `*a${i - 1}`).join(', ')}]\n`;
  w('bomb.yaml', `${bomb}workload: zipf-anon\n`);
  let fan = 'base: &b [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n';
  for (let i = 0; i < 99; i++) fan += `k${i}: [*b]\n`;
  w('aliases-ok.yaml', `${fan}workload: zipf-anon\n`);
  w('deep-flow.yaml', `workload: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`);
  let block = 'workload: zipf-anon\nparams:\n';
  for (let i = 0; i < 70; i++) block += `${'  '.repeat(i + 1)}k${i}:\n`;
  w('deep-block.yaml', `${block}${'  '.repeat(71)}v: 1\n`);
  w('deep.json', `${'['.repeat(100_000)}${']'.repeat(100_000)}`);
  w('deep-obj.json', `{"workload": ${'{"a":'.repeat(100)}1${'}'.repeat(100)}}`);
  w('bad.json', '{"workload": "zipf-anon",}');
  w('huge.yaml', `workload: zipf-anon\n# ${'x'.repeat(1024 * 1024)}\n`);
  w('sweep-typo.yaml', 'workload: zipf-anon\npolicies: [lru]\n');
  w('sweep-machine-typo.yaml', 'workload: zipf-anon\nmachine: { swapiness: [0, 60] }\n');
  const list = (n: number) => `[${Array.from({ length: n }, (_, i) => i + 1).join(', ')}]`;
  w(
    'sweep-huge.yaml',
    `workload: zipf-anon\npolicy: [lru, mglru, fifo, sieve, twoq]\nmachine: { swappiness: ${list(200)}, pageCluster: ${list(10)}, watermarkScaleFactor: ${list(1000)} }\nseed: ${list(100)}\n`,
  );
  w('sweep-empty.yaml', 'workload: zipf-anon\npolicy: []\n');
  w('sweep-seed.yaml', 'workload: zipf-anon\nseed: [1, 4294967296]\n');
  w('sweep-baseline.yaml', 'workload: zipf-anon\npolicy: [lru, mglru]\nbaseline: fifo\n');
  w('sweep-cell.yaml', 'workload: zipf-anon\nmachine: { swappiness: [60, 300] }\n');
  w('sweep-bomb.yaml', `${bomb}workload: zipf-anon\n`);
  w('sweep-deep.json', `${'['.repeat(100_000)}${']'.repeat(100_000)}`);
  w('sweep-list.yaml', '- 1\n');
  // Traces.
  const junk = new Uint8Array(3000);
  let x = 12345;
  for (let i = 0; i < junk.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    junk[i] = x >>> 24;
  }
  w('junk.bin', junk);
  w('junk.csv', junk);
  w('short.csv', '1,2,3\n4,5\n');
  w('words.csv', 'time,id,size\n1,abc,4096\n');
  w('good.csv', '1,1,4096\n2,2,4096\n3,1,4096\n');
  const og = new DataView(new ArrayBuffer(24 * 3 + 7));
  for (let i = 0; i < 3; i++) {
    og.setUint32(24 * i, i + 1, true);
    og.setBigUint64(24 * i + 4, BigInt(i + 1), true);
    og.setUint32(24 * i + 12, 4096, true);
    og.setBigInt64(24 * i + 16, -1n, true);
  }
  w('truncated.oracleGeneral', new Uint8Array(og.buffer));
  w('empty.oracleGeneral', new Uint8Array(0));
  w('bad.lackey', 'hello world\n');
  w('garbage.zst', new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3, 4, 5]));
  // Policies.
  w('p-noexport.mjs', 'export const x = 1;\n');
  w('p-throws.mjs', "throw new Error('boom at load');\n");
  w('p-noname.mjs', 'export default { shrink() {} };\n');
  w('p-badhook.mjs', "export default { name: 'p', shrink: 5 };\n");
  w('p-version.mjs', "export default { name: 'p', version: 9 };\n");
  w('p-requires.mjs', "export default { name: 'p', requires: ['teleport'] };\n");
  w('p-bits.mjs', "export default { name: 'p', pageStateBits: 40 };\n");
}

/** [arguments, the line after "reclaim-lab: error: "]. `$D` is the fixture directory. */
export const CASES: [string, string][] = [
  // Flags the command does not have: one line naming the nearest, not the whole help.
  ['run --workload zipf-anon --memroy 1MiB', "unknown option '--memroy' (did you mean --memory?)"],
  ['run --workload zipf-anon --polcy lru', "unknown option '--polcy' (did you mean --policy?)"],
  ['run --workload zipf-anon --swapiness 60', "unknown option '--swapiness' (did you mean --swappiness?)"],
  ['run --workload zipf-anon --frobnicate', "unknown option '--frobnicate'"],
  [
    'compare --policies lru --workload zipf-anon --sedes 3',
    "unknown option '--sedes' (did you mean --seeds?)",
  ],
  ['sweep $D/sweep-typo.yaml --wrkers 2', "unknown option '--wrkers' (did you mean --workers?)"],
  ['frobnicate', "unknown command 'frobnicate'"],
  ['rnu --workload zipf-anon', "unknown command 'rnu' (did you mean run?)"],
  ['run --workload', "option '--workload <id>' argument missing"],
  [
    'run --workload zipf-anon --mode fast',
    "option '--mode <mode>' argument 'fast' is invalid. Allowed choices are kernel, ideal.",
  ],
  [
    'run --workload zipf-anon --format xml',
    "option '--format <format>' argument 'xml' is invalid. Allowed choices are table, json, csv.",
  ],
  [
    'trace convert $D/good.csv $D/out.rlt --to jpeg',
    '--to: unknown trace format "jpeg" (expected one of csv, libcachesim-csv, oracle-general, lackey, native)',
  ],
  // Numbers out of range, with the range.
  ['run --workload zipf-anon --swappiness 300', '--swappiness: must be an integer 0..200, got "300"'],
  ['run --workload zipf-anon --swappiness -1', '--swappiness: must be an integer 0..200, got "-1"'],
  ['run --workload zipf-anon --swappiness 1.5', '--swappiness: must be an integer 0..200, got "1.5"'],
  ['run --workload zipf-anon --swappiness high', '--swappiness: must be an integer 0..200, got "high"'],
  ['run --workload zipf-anon --nodes 0', '--nodes: must be an integer 1..64, got "0"'],
  ['run --workload zipf-anon --nodes 65', '--nodes: must be an integer 1..64, got "65"'],
  ['run --workload zipf-anon --seed -1', '--seed: must be an integer 0..4294967295, got "-1"'],
  [
    'run --workload zipf-anon --seed 4294967296',
    '--seed: must be an integer 0..4294967295, got "4294967296"',
  ],
  [
    'run --workload zipf-anon --seed 4294967297',
    '--seed: must be an integer 0..4294967295, got "4294967297"',
  ],
  ['run --workload zipf-anon --seed 1e300', '--seed: must be an integer 0..4294967295, got "1e300"'],
  ['run --workload zipf-anon --seed 1.5', '--seed: must be an integer 0..4294967295, got "1.5"'],
  ['run --workload zipf-anon --seed abc', '--seed: must be an integer 0..4294967295, got "abc"'],
  ['compare --policies lru --workload zipf-anon --seeds 0', '--seeds: must be an integer 1..1000, got "0"'],
  [
    'compare --policies lru --workload zipf-anon --seeds 1001',
    '--seeds: must be an integer 1..1000, got "1001"',
  ],
  [
    'compare --policies lru --workload zipf-anon --seeds two',
    '--seeds: must be an integer 1..1000, got "two"',
  ],
  [
    'ablate --policy mglru --toggle bloom --workloads zipf-anon --seeds 0',
    '--seeds: must be an integer 1..1000, got "0"',
  ],
  ['sweep $D/sweep-shard.yaml --out $D/sw0 --workers -1', '--workers: expected an integer >= 0, got -1'],
  [
    'sweep $D/sweep-shard.yaml --out $D/sw0 --shard 3/2',
    '--shard: expected i/n with 1 <= i <= n (e.g. 2/4), got "3/2"',
  ],
  [
    'sweep $D/sweep-shard.yaml --out $D/sw0 --shard 0/2',
    '--shard: expected i/n with 1 <= i <= n (e.g. 2/4), got "0/2"',
  ],
  // Sizes.
  ['run --workload zipf-anon --memory 1PiB', '--memory: at most 256GiB is supported, got 1PiB'],
  ['run --workload zipf-anon --memory 1TiB', '--memory: at most 256GiB is supported, got 1TiB'],
  ['run --workload zipf-anon --memory 2EiB', '--memory: at most 256GiB is supported, got 2EiB'],
  [
    'run --workload zipf-anon --memory 0',
    '--memory: at least 256KiB (64 pages) is needed (fewer only with memoryPages in ideal mode), got 0',
  ],
  [
    'run --workload zipf-anon --memory 100KiB',
    '--memory: at least 256KiB (64 pages) is needed (fewer only with memoryPages in ideal mode), got 100KiB',
  ],
  ['run --workload zipf-anon --memory lots', '--memory: "lots" is not a size (examples: 256MiB, 1.5G, 4096)'],
  [
    'run --workload zipf-anon --memory -5MiB',
    '--memory: "-5MiB" is not a size (examples: 256MiB, 1.5G, 4096)',
  ],
  [
    'run --workload zipf-anon --memory 300KiB --nodes 64',
    '--nodes: 64 nodes need at least 4096 pages (64 a node), got 75 (300KiB)',
  ],
  [
    'run --workload zipf-anon --memory 1MiB --nodes 8',
    '--nodes: 8 nodes need at least 512 pages (64 a node), got 256 (1MiB)',
  ],
  ['run --workload zipf-anon --swap 1EiB', '--swap: at most 256GiB is supported, got 1EiB'],
  ['run --workload zipf-anon --swap 1PiB', '--swap: at most 256GiB is supported, got 1PiB'],
  ['run --workload zipf-anon --swap 512GiB', '--swap: at most 256GiB is supported, got 512GiB'],
  ['run --workload zipf-anon --swap none', '--swap: "none" is not a size (examples: 256MiB, 1.5G, 4096)'],
  ['run --workload zipf-anon --memory-pages 0', '--memory-pages: must be an integer 1..67108864, got "0"'],
  [
    'run --workload zipf-anon --memory-pages many',
    '--memory-pages: must be an integer 1..67108864, got "many"',
  ],
  [
    'run --workload zipf-anon --swap-device floppy',
    '--swap-device: must be one of zram, ramdisk, nvme, ssd, hdd, none, got "floppy"',
  ],
  [
    'run --workload zipf-anon --disk tape',
    '--disk: must be one of zram, ramdisk, nvme, ssd, hdd, none, got "tape"',
  ],
  // Workloads, parameters and policies by name.
  [
    'run --workload zipf-anno',
    '--workload: unknown workload "zipf-anno"; did you mean "zipf-anon"? (all: reclaim-lab list)',
  ],
  [
    'run --workload nosuchthing',
    '--workload: unknown workload "nosuchthing"; allowed: baseline, scan-resistance, loop-over-memory, zipf-anon, zipf-file, second-level-cache, phase-shift, mmap-vs-read, dirty-writeback, anon-swap, multi-memcg, kv-store, database, analytics, thrash-or-kill, android-apps, numa-tiering',
  ],
  [
    'run --workload zipf-anon --param scale=1e9',
    '--param scale: expected a number in (0, 1000], got 1000000000',
  ],
  ['run --workload zipf-anon --param scale=0', '--param scale: expected a number in (0, 1000], got 0'],
  ['run --workload zipf-anon --param scale=-1', '--param scale: expected a number in (0, 1000], got -1'],
  [
    'run --workload zipf-anon --param scal=2',
    '--param scal: unknown parameter for zipf-anon; did you mean "scale"?',
  ],
  ['run --workload zipf-anon --param alpha=much', '--param alpha: expected a number in (0, 5], got "much"'],
  [
    'run --workload zipf-anon --param fillFraction=-1',
    '--param fillFraction: expected a number in (0, ∞), got -1',
  ],
  ['run --workload zipf-anon --param scale', '--param scale: expected key=value'],
  [
    'run --workload zipf-anon --policy lruu',
    'unknown policy "lruu"; did you mean "lru"? (all: reclaim-lab list)',
  ],
  [
    'run --workload zipf-anon --policy mglru:blom=off',
    'policy mglru: unknown option "blom"; allowed: gens (an integer in 2..64), tiers (an integer in 2..8), bloom (on|off), lookaround (on|off), ptwalk (on|off), pid (on|off), minTtlMs (a number >= 0), dirtyHandling (nextGen|activate), faultActivate (on|off), execProtection (on|off), balance (pid|cost), refault (classic|gen), quickRefault (on|off), ageUpdate (lockfree|locked)',
  ],
  [
    'run --workload zipf-anon --policy mglru:gens=99',
    'policy mglru: option gens: expected an integer in 2..64, got "99"',
  ],
  [
    'run --workload zipf-anon --policy mglru --set bloom=maybe',
    'policy mglru: option bloom: expected on|off, got "maybe"',
  ],
  [
    'run --workload zipf-anon --set gens=2',
    'policy lru: unknown option "gens"; allowed: execProtection (on|off), access (rmap|ptwalk|both), bloom (on|off), lookaround (on|off), faultActivate (on|off), refault (classic|gen), balance (cost|pid), quickRefault (on|off), ageUpdate (locked|lockfree)',
  ],
  [
    'run --workload zipf-anon --set bloom=on',
    'lru: option bloom=on filters page-table walks; it needs access=ptwalk or access=both',
  ],
  ['run --workload zipf-anon --policy lru --set noequals', '--set noequals: expected key=value'],
  [
    'compare --policies lru,mglruu --workload zipf-anon --seeds 1',
    'unknown policy "mglruu"; did you mean "mglru"? (all: reclaim-lab list)',
  ],
  ['run', 'a workload is needed: --workload ID (see `reclaim-lab list`), --trace FILE or --scenario FILE'],
  ['run --workload zipf-anon --trace $D/good.csv', 'give --workload or --trace, not both'],
  ['run --workload zipf-anon --trace-format csv', '--trace-format needs --trace'],
  // Scenario files.
  [
    'run --scenario $D/typo-machine.yaml',
    '$D/typo-machine.yaml: machine.swapiness: unknown key; did you mean "swappiness"?',
  ],
  [
    'run --scenario $D/typo-top.yaml',
    '$D/typo-top.yaml: workloads: unknown key; did you mean "workload"? (and 1 more)',
  ],
  ['run --scenario $D/typo-top2.yaml', '$D/typo-top2.yaml: polcy: unknown key; did you mean "policy"?'],
  [
    'run --scenario $D/typo-wl.yaml',
    '$D/typo-wl.yaml: workload: a preset reference takes id and params only (an inline workload has tasks) (got {"id":"zipf-anon","parms":{}})',
  ],
  ['run --scenario $D/no-workload.yaml', '$D/no-workload.yaml: workload: missing (required)'],
  [
    'run --scenario $D/list.yaml',
    '$D/list.yaml: (top level): expected a mapping of fields (machine, workload, policy, ...), got a list',
  ],
  [
    'run --scenario $D/scalar.yaml',
    '$D/scalar.yaml: (top level): expected a mapping of fields (machine, workload, policy, ...), got "hello"',
  ],
  [
    'run --scenario $D/empty.yaml',
    '$D/empty.yaml: (top level): expected a mapping of fields (machine, workload, policy, ...), got null',
  ],
  [
    'run --scenario $D/syntax.yaml',
    '$D/syntax.yaml: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
  ],
  [
    'run --scenario $D/swappiness.yaml',
    '$D/swappiness.yaml: machine.swappiness: must be an integer 0..200, got 300',
  ],
  [
    'run --scenario $D/swappiness-str.yaml',
    '$D/swappiness-str.yaml: machine.swappiness: must be an integer 0..200, got "high"',
  ],
  [
    'run --scenario $D/seed-big.yaml',
    '$D/seed-big.yaml: seed: must be an integer 0..4294967295, got 4294967296',
  ],
  ['run --scenario $D/seed-frac.yaml', '$D/seed-frac.yaml: seed: must be an integer 0..4294967295, got 1.5'],
  ['run --scenario $D/seed-neg.yaml', '$D/seed-neg.yaml: seed: must be an integer 0..4294967295, got -1'],
  ['run --scenario $D/latency.yaml', '$D/latency.yaml: latencyBudgetMs: must be a number ≥ 0, got -1'],
  ['run --scenario $D/mode.yaml', '$D/mode.yaml: mode: must be one of kernel, ideal, got "fast"'],
  [
    'run --scenario $D/device.yaml',
    '$D/device.yaml: machine.swapDevice: must be one of zram, ramdisk, nvme, ssd, hdd, none, got "floppy"',
  ],
  [
    'run --scenario $D/fault-around.yaml',
    '$D/fault-around.yaml: machine.faultAroundPages: faultAroundPages must be a power of two (got 3)',
  ],
  [
    'run --scenario $D/cost.yaml',
    '$D/cost.yaml: machine.cost.fualtNs: unknown key; allowed: accessNs, fdAccessNs, minorFaultNs, majorFaultNs, scanPageNs, rmapNs, pteNs, pmdNs, unmapNs, tlbFlushNs, freeNs, allocNs',
  ],
  [
    'run --scenario $D/scope.yaml',
    '$D/scope.yaml: policy[0].scope: scope must be system, node:N or memcg:/path (got "cgroup:/a")',
  ],
  [
    'run --scenario $D/attach-typo.yaml',
    '$D/attach-typo.yaml: policy[0].polciy: unknown key; did you mean "policy"?',
  ],
  [
    'run --scenario $D/nodes.yaml',
    '$D/nodes.yaml: machine.nodes: 64 nodes need at least 4096 pages (64 a node), got 75 (300KiB)',
  ],
  ['run --scenario $D/pib.yaml', '$D/pib.yaml: machine.memory: at most 256GiB is supported, got 1PiB'],
  [
    'run --scenario $D/swap-big.yaml',
    '$D/swap-big.yaml: machine.swap: at most 256GiB is supported, got 1EiB',
  ],
  ['run --scenario $D/dirty.yaml', '$D/dirty.yaml: machine.dirtyRatio: must be a number 1..100, got 0'],
  [
    'run --scenario $D/wmark.yaml',
    '$D/wmark.yaml: machine.watermarkScaleFactor: must be an integer 1..3000, got 5000',
  ],
  [
    'run --scenario $D/pagecluster.yaml',
    '$D/pagecluster.yaml: machine.pageCluster: must be an integer 0..10, got 11',
  ],
  [
    'run --scenario $D/unknown-wl.yaml',
    '$D/unknown-wl.yaml: workload: unknown workload "zipf-anno"; did you mean "zipf-anon"? (all: reclaim-lab list)',
  ],
  [
    'run --scenario $D/param-typo.yaml',
    '$D/param-typo.yaml: params.alhpa: unknown parameter for zipf-anon; did you mean "alpha"?',
  ],
  [
    'run --scenario $D/param-range.yaml',
    '$D/param-range.yaml: params.fillFraction: expected a number in (0, ∞), got -1',
  ],
  ['run --scenario $D/bomb.yaml', '$D/bomb.yaml: not valid YAML: more than 100 aliases'],
  [
    'run --scenario $D/deep-flow.yaml',
    '$D/deep-flow.yaml: nested more than 64 levels deep at byte offset 74',
  ],
  ['run --scenario $D/deep-block.yaml', '$D/deep-block.yaml: nested more than 64 levels deep'],
  ['run --scenario $D/deep.json', '$D/deep.json: nested more than 64 levels deep at byte offset 64'],
  ['run --scenario $D/deep-obj.json', '$D/deep-obj.json: nested more than 64 levels deep at byte offset 328'],
  [
    'run --scenario $D/bad.json',
    '$D/bad.json: not valid JSON: Expected double-quoted property name in JSON at position 25',
  ],
  ['run --scenario $D/huge.yaml', '$D/huge.yaml: 1048599 bytes; a YAML input file may hold at most 1048576'],
  [
    'run --scenario $D/missing.yaml',
    "$D/missing.yaml: cannot read: ENOENT: no such file or directory, stat '$D/missing.yaml'",
  ],
  ['run --scenario $D/dir', '$D/dir: is a directory, not a YAML file'],
  // Sweep files.
  [
    'sweep $D/sweep-typo.yaml --out $D/sw1',
    '$D/sweep-typo.yaml: policies: unknown key; did you mean "policy"?',
  ],
  [
    'sweep $D/sweep-machine-typo.yaml --out $D/sw2',
    '$D/sweep-machine-typo.yaml: machine.swapiness[0]: unknown key; did you mean "swappiness"?; $D/sweep-machine-typo.yaml: machine.swapiness[1]: unknown key; did you mean "swappiness"?',
  ],
  [
    'sweep $D/sweep-huge.yaml --out $D/sw3',
    '$D/sweep-huge.yaml: (top level): 1.00e+9 cells (policy ×5, machine.swappiness ×200, machine.pageCluster ×10, machine.watermarkScaleFactor ×1000, seeds ×100); a sweep may have at most 100000: split it into shards of fewer axes',
  ],
  ['sweep $D/sweep-empty.yaml --out $D/sw4', '$D/sweep-empty.yaml: policy: an empty list gives no cells'],
  [
    'sweep $D/sweep-seed.yaml --out $D/sw5',
    '$D/sweep-seed.yaml: seed[1]: must be an integer 0..4294967295, got 4294967296',
  ],
  [
    'sweep $D/sweep-baseline.yaml --out $D/sw6',
    '$D/sweep-baseline.yaml: baseline: "fifo" is not a configuration of this sweep; its configurations: lru, mglru',
  ],
  [
    'sweep $D/sweep-cell.yaml --out $D/sw7',
    '$D/sweep-cell.yaml: machine.swappiness[1]: must be an integer 0..200, got 300',
  ],
  ['sweep $D/sweep-bomb.yaml --out $D/sw8', '$D/sweep-bomb.yaml: not valid YAML: more than 100 aliases'],
  [
    'sweep $D/sweep-deep.json --out $D/sw9',
    '$D/sweep-deep.json: nested more than 64 levels deep at byte offset 64',
  ],
  [
    'sweep $D/sweep-list.yaml --out $D/sw10',
    '$D/sweep-list.yaml: (top level): expected a mapping of fields (workload, policy, machine, seed, ...), got a list',
  ],
  [
    'sweep $D/missing.yaml --out $D/sw11',
    "$D/missing.yaml: cannot read: ENOENT: no such file or directory, stat '$D/missing.yaml'",
  ],
  [
    'sweep $D/sweep-typo.yaml --out $D/sw12 --shard 3/2',
    '$D/sweep-typo.yaml: policies: unknown key; did you mean "policy"?',
  ],
  // Traces.
  [
    'run --trace $D/junk.bin --trace-format csv --mode ideal --memory-pages 10',
    '$D/junk.bin:1: binary data, not CSV text (byte 26 of the line); is --trace-format right? (time,key_or_address,op[,size][,next] (key column may be named key or address) is the CSV header)',
  ],
  [
    'run --trace $D/short.csv --mode ideal --memory-pages 10',
    '$D/short.csv:2: expected 3 fields, got 2: "4,5" (columns read: time-col=1, obj-id-col=2, obj-size-col=3; choose them with reader params in libCacheSim\'s syntax: run --trace-params, trace --params or a scenario\'s workload.params, e.g. "time-col=2,obj-id-col=5,obj-size-col=4,has-header=true")',
  ],
  [
    'run --trace $D/words.csv --mode ideal --memory-pages 10',
    '$D/words.csv:2: bad key "abc" (expected a non-negative integer, decimal or 0x-hex; obj-id-is-num=false reads any string as an id) (columns read: time-col=1, obj-id-col=2, obj-size-col=3; choose them with reader params in libCacheSim\'s syntax: run --trace-params, trace --params or a scenario\'s workload.params, e.g. "time-col=2,obj-id-col=5,obj-size-col=4,has-header=true")',
  ],
  [
    'run --trace $D/truncated.oracleGeneral --mode ideal --memory-pages 10',
    '$D/truncated.oracleGeneral at byte offset 72: truncated record: 7 of 24 bytes',
  ],
  [
    'run --trace $D/empty.oracleGeneral --mode ideal --memory-pages 10',
    '$D/empty.oracleGeneral: the trace holds no requests',
  ],
  [
    'run --trace $D/bad.lackey --mode ideal --memory-pages 10',
    '$D/bad.lackey:1: not a lackey --trace-mem line (expected "I  addr,size" or " L|S|M addr,size"): "hello world"',
  ],
  [
    'run --trace $D/garbage.zst --trace-format oracleGeneral --mode ideal --memory-pages 10',
    '$D/garbage.zst: not valid zstd data (unexpected EOF); is the file truncated?',
  ],
  [
    'run --trace $D/missing.csv --mode ideal --memory-pages 10',
    '$D/missing.csv: cannot read trace: no such file',
  ],
  [
    'run --trace $D/good.csv --trace-format mp3 --mode ideal --memory-pages 10',
    '--trace-format: unknown trace format "mp3" (expected one of csv, libcachesim-csv, oracle-general, lackey, native)',
  ],
  [
    'run --trace $D/good.csv --trace-params "obj-id-col=9" --mode ideal --memory-pages 10',
    '$D/good.csv:2: expected 9 fields, got 3: "2,2,4096" (columns read: time-col=1, obj-id-col=9, obj-size-col=3; choose them with reader params in libCacheSim\'s syntax: run --trace-params, trace --params or a scenario\'s workload.params, e.g. "time-col=2,obj-id-col=5,obj-size-col=4,has-header=true")',
  ],
  [
    'trace stats $D/junk.bin --format csv',
    '$D/junk.bin:1: binary data, not CSV text (byte 26 of the line); is --trace-format right? (time,key_or_address,op[,size][,next] (key column may be named key or address) is the CSV header)',
  ],
  ['trace stats $D/missing.csv', '$D/missing.csv: cannot read trace: no such file'],
  ['trace stats $D/dir', '$D/dir: cannot read trace: not a regular file'],
  [
    'trace convert $D/good.csv $D/dir --to native',
    '$D/dir: is a directory; give the path of the file to write',
  ],
  [
    'trace convert $D/truncated.oracleGeneral $D/out2.rlt --to native',
    '$D/truncated.oracleGeneral at byte offset 72: truncated record: 7 of 24 bytes',
  ],
  ['trace convert $D/missing.csv $D/out3.rlt --to native', '$D/missing.csv: cannot read trace: no such file'],
  // Policy modules.
  [
    'run --workload zipf-anon --policy $D/missing.mjs',
    'policy module $D/missing.mjs: file not found (looked for $D/missing.mjs)',
  ],
  [
    'run --workload zipf-anon --policy $D/p-noexport.mjs',
    'policy module $D/p-noexport.mjs: exports no policy; export a PolicyFactory, a ReclaimOps object or an (options) => ReclaimOps function as default or as `policy` (found: x)',
  ],
  [
    'run --workload zipf-anon --policy $D/p-throws.mjs',
    'policy module $D/p-throws.mjs: failed to load: boom at load',
  ],
  [
    'run --workload zipf-anon --policy $D/p-noname.mjs',
    'policy module $D/p-noname.mjs: exports no policy; export a PolicyFactory, a ReclaimOps object or an (options) => ReclaimOps function as default or as `policy` (found: default)',
  ],
  [
    'run --workload zipf-anon --policy $D/p-badhook.mjs',
    'policy module $D/p-badhook.mjs: policy p: hook shrink must be a function, got number',
  ],
  [
    'run --workload zipf-anon --policy $D/p-version.mjs',
    'policy module $D/p-version.mjs: policy p was written for ReclaimOps version 9; this core implements version 2',
  ],
  [
    'run --workload zipf-anon --policy $D/p-requires.mjs',
    'policy module $D/p-requires.mjs: policy p requires teleport, which this core does not offer; it offers: shrink, evictCandidates, rmap, ptwalk, bloom, lookaround, shadows, aging, mark-dirty, memcg-attach, node-attach',
  ],
  [
    'run --workload zipf-anon --policy $D/p-bits.mjs',
    'policy module $D/p-bits.mjs: policy p: pageStateBits must be an integer 0..32, got 40',
  ],
];
