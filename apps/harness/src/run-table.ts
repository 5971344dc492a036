import type { Scenario } from '@reclaim-lab/harness';
import { formatBytes, PAGE_SIZE } from '@reclaim-lab/hw-model';
import type { RunResult } from '@reclaim-lab/reclaim';
import pc from 'picocolors';

/** The vmstat counters a reader scans first, grouped as kernel developers read them. */
const GROUPS: [string, string[]][] = [
  ['faults', ['pgfault', 'pgmajfault', 'pswpin', 'pswpout', 'pgpgin', 'pgpgout']],
  [
    'reclaim',
    [
      'pgscan_kswapd',
      'pgscan_direct',
      'pgsteal_kswapd',
      'pgsteal_direct',
      'pgscan_anon',
      'pgscan_file',
      'pgsteal_anon',
      'pgsteal_file',
    ],
  ],
  ['lru', ['pgrefill', 'pgactivate', 'pgdeactivate', 'pgrotated']],
  [
    'workingset',
    [
      'workingset_refault_anon',
      'workingset_refault_file',
      'workingset_activate_anon',
      'workingset_activate_file',
      'workingset_restore_anon',
      'workingset_restore_file',
    ],
  ],
  [
    'pressure',
    [
      'allocstall_normal',
      'pageoutrun',
      'pgscan_direct_throttle',
      'nr_vmscan_write',
      'nr_vmscan_immediate_reclaim',
      'oom_kill',
    ],
  ],
  [
    'mechanisms',
    ['rmap_walks', 'pt_walk_ptes', 'pt_walk_pmds_bloom_skipped', 'lookaround_young', 'tlb_flushes'],
  ],
];

function ms(ns: number): string {
  return `${(ns / 1e6).toFixed(ns < 1e7 ? 2 : 1)} ms`;
}

/** One run as a readable, aligned table. */
export function printRunTable(r: RunResult, s: Scenario, color: boolean): void {
  const c = pc.createColors(color);
  const out: string[] = [];
  const w = s.workload as { id?: string; trace?: string; name?: string };
  const workload =
    typeof s.workload === 'string' ? s.workload : String(w.id ?? w.trace ?? w.name ?? 'custom');
  // The frames the run had: memoryPages and footprint shares override `memory`.
  const memory =
    r.memoryPages === undefined ||
    (s.machine.memoryPages === undefined && s.machine.footprintShare === undefined)
      ? s.machine.memory
      : `${r.memoryPages.toLocaleString('en-US')} pages`;
  out.push(
    c.bold(`${workload} under ${r.policy}`) + c.dim(`  (memory ${memory}, seed ${r.seed}, ${r.mode} mode)`),
  );
  out.push(`  virtual runtime ${c.bold(ms(r.runtimeNs))}, ${r.events.toLocaleString('en-US')} events`);
  // A killed or unfinished run did less work: its runtime is no result to compare.
  const killed = r.tasks.filter((t) => t.killed).length;
  const unfinished = r.tasks.filter((t) => !t.killed && !t.finished).length;
  if (killed > 0 || r.oomKills.length > 0)
    out.push(
      c.red(`  OOM-KILLED: ${killed} of ${r.tasks.length} task(s) killed; the run did not do the whole work`),
    );
  if (unfinished > 0)
    out.push(
      c.yellow(`  UNFINISHED: ${unfinished} of ${r.tasks.length} task(s) still running when the run stopped`),
    );
  // Page flags are scarce in the kernel: every policy declares the per-page state it keeps.
  const bits = Object.entries(r.pageStateBits).map(([p, b]) => `${p} ${b} bit${b === 1 ? '' : 's'}`);
  out.push(`  per-page policy state: ${bits.join(', ')}`);
  for (const t of r.tasks) {
    const state = t.killed ? c.red('killed') : t.finished ? 'done' : 'running';
    out.push(
      `  task ${t.name.padEnd(14)} ${ms(t.runtimeNs).padStart(12)}  ops ${t.ops}  major faults ${t.majorFaults}  read misses ${t.readMisses}  stalled ${ms(t.directReclaimNs)}  io wait ${ms(t.ioWaitNs)}  ${state}`,
    );
  }
  for (const [group, names] of GROUPS) {
    const present = names.filter((n) => n in r.counters);
    out.push(c.dim(`  ${group}`));
    const width = Math.max(...present.map((n) => n.length));
    for (let i = 0; i < present.length; i += 2) {
      const cells = present
        .slice(i, i + 2)
        .map((n) => `${n.padEnd(width)} ${String(r.counters[n]).padStart(10)}`);
      out.push(`    ${cells.join('    ')}`);
    }
  }
  const d = r.directReclaimLatency;
  out.push(c.dim('  latency'));
  out.push(
    `    direct reclaim: ${d.count} stalls, p50 ${ms(d.p50Ns)}, p99 ${ms(d.p99Ns)}, max ${ms(d.maxNs)}, ${d.overBudget} over ${ms(d.budgetNs)}`,
  );
  const k = r.kswapdBatchLatency;
  out.push(`    kswapd batches: ${k.count}, p50 ${ms(k.p50Ns)}, p99 ${ms(k.p99Ns)}`);
  for (const kill of r.oomKills)
    out.push(
      c.red(
        `  OOM kill (${kill.kind}) at ${ms(kill.timeNs)}: ${kill.task} in ${kill.memcg}, freed ${formatBytes(kill.freedPages * PAGE_SIZE)}`,
      ),
    );
  for (const e of r.policyExits)
    out.push(
      c.yellow(`  policy ${e.policy} ejected from ${e.hook} at ${ms(e.timeNs)}: ${e.reason}: ${e.message}`),
    );
  process.stdout.write(`${out.join('\n')}\n`);
}
