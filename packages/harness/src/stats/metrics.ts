import type { LatencySummary, RunResult } from '@reclaim-lab/reclaim';
import type { MeanKind } from './intervals.js';

/** Which way is better. */
export type Direction = 'lower' | 'higher';

/**
 * How prominent a metric is: `key` metrics form the overall score and get
 * bar charts; `detail` metrics appear in tables; `raw` only in JSON.
 */
export type MetricTier = 'key' | 'detail' | 'raw';

export type MetricGroup = 'outcome' | 'cost' | 'latency' | 'io';

/** What a report needs to know about a metric (plain data). */
export interface MetricInfo {
  name: string;
  unit: string;
  description: string;
  direction: Direction;
  mean: MeanKind;
  group: MetricGroup;
  tier: MetricTier;
  /** The kernel counts this differently under MGLRU and the classic LRU. */
  semanticsDiffer: boolean;
}

export interface MetricDef extends MetricInfo {
  /** undefined when the run does not define the metric (e.g. efficiency with nothing scanned). */
  extract: (r: RunResult) => number | undefined;
}

type Extract = MetricDef['extract'];

const counter =
  (name: string): Extract =>
  (r) =>
    r.counters[name];

/** Sum of counters; undefined only when none of them is present. */
const sumOf =
  (...names: string[]): Extract =>
  (r) => {
    const present = names.map((n) => r.counters[n]).filter((v): v is number => v !== undefined);
    return present.length === 0 ? undefined : present.reduce((a, b) => a + b, 0);
  };

/** num / den, undefined when the denominator is 0 or missing. */
const ratio =
  (num: Extract, den: Extract): Extract =>
  (r) => {
    const d = den(r);
    const n = num(r);
    return d === undefined || n === undefined || d === 0 ? undefined : n / d;
  };

const NS_PER_MS = 1e6;

function runtimeNs(r: RunResult): number {
  return r.tasks.length === 0 ? r.runtimeNs : Math.max(...r.tasks.map((t) => t.runtimeNs));
}

/** A latency quantile in ms; 0 when nothing was measured (no stall is the best case, not a gap). */
const latencyMs =
  (pick: (r: RunResult) => LatencySummary, field: 'p50Ns' | 'p99Ns' | 'maxNs'): Extract =>
  (r) => {
    const l = pick(r);
    return l.count === 0 ? 0 : l[field] / NS_PER_MS;
  };

/** A /proc/pressure/memory total in ms; undefined for results written before PSI existed. */
const psiMs =
  (field: 'someNs' | 'fullNs'): Extract =>
  (r) =>
    r.pressure === undefined ? undefined : r.pressure.memory[field] / NS_PER_MS;

/** A launch-latency quantile in ms over the run's launches of `kind`; undefined without apps or such launches. */
const launchMs =
  (kind: 'cold' | 'warm' | 'all', q: number | 'max'): Extract =>
  (r) => {
    if (r.apps === undefined) return undefined;
    const v = r.apps.launches
      .filter((l) => kind === 'all' || l.kind === kind)
      .map((l) => l.latencyNs)
      .sort((a, b) => a - b);
    if (v.length === 0) return undefined;
    const x = q === 'max' ? v[v.length - 1] : v[Math.min(v.length - 1, Math.floor(q * v.length))];
    return x / NS_PER_MS;
  };

/** A figure of the run's apps section; undefined when the run had no apps. */
const app =
  (pick: (a: NonNullable<RunResult['apps']>) => number): Extract =>
  (r) =>
    r.apps === undefined ? undefined : pick(r.apps);

const direct = (r: RunResult): LatencySummary => r.directReclaimLatency;
const kswapd = (r: RunResult): LatencySummary => r.kswapdBatchLatency;

type Row = [
  name: string,
  unit: string,
  direction: Direction,
  mean: MeanKind,
  group: MetricGroup,
  tier: MetricTier,
  semanticsDiffer: boolean,
  extract: Extract,
  description: string,
];

const L = 'lower';
const H = 'higher';
const A = 'arithmetic';
const HM = 'harmonic';
const SEM = true;
const SAME = false;

// The one metric table. Order here is the order in reports.
// biome-ignore format: a table reads better than one object per metric
const ROWS: readonly Row[] = [
  ['runtime_ms', 'ms', L, A, 'outcome', 'key', SAME, (r) => runtimeNs(r) / NS_PER_MS,
    'virtual time until the last task finished (max task runtime)'],
  ['ops_per_sec', 'ops/s', H, HM, 'outcome', 'key', SAME,
    (r) => {
      const ops = r.tasks.reduce((s, t) => s + t.ops, 0);
      const ns = runtimeNs(r);
      return ops === 0 || ns === 0 ? undefined : ops / (ns / 1e9);
    },
    'application operations completed per second of virtual time'],
  ['pgmajfault', 'faults', L, A, 'outcome', 'key', SAME, counter('pgmajfault'),
    'major faults: page faults that waited for a swap-in or a file read (read(2) misses are not faults: see pgpgin)'],
  ['pswpin', 'pages', L, A, 'io', 'key', SAME, counter('pswpin'), 'pages read back from swap'],
  ['pgsteal', 'pages', L, A, 'cost', 'key', SAME, sumOf('pgsteal_kswapd', 'pgsteal_direct'),
    'pages reclaimed (kswapd + direct)'],
  ['direct_stall_ms', 'ms', L, A, 'cost', 'key', SAME,
    (r) => r.tasks.reduce((s, t) => s + t.directReclaimNs, 0) / NS_PER_MS,
    'time tasks spent stalled in direct reclaim and throttling, summed over tasks'],
  ['psi_memory_some_ms', 'ms', L, A, 'cost', 'detail', SAME,
    psiMs('someNs'),
    'PSI memory "some" total (/proc/pressure/memory): stalled time, weighted across the CPUs by their busy time'],
  ['psi_memory_full_ms', 'ms', L, A, 'cost', 'raw', SAME,
    psiMs('fullNs'),
    'PSI memory "full" total; equal to "some" here, as every simulated thread has a CPU of its own'],
  ['refaults', 'pages', L, A, 'outcome', 'detail', SEM,
    sumOf('workingset_refault_anon', 'workingset_refault_file'),
    'refaults of recently evicted pages (workingset_refault_anon + _file)'],
  ['workingset_refault_anon', 'pages', L, A, 'outcome', 'detail', SEM, counter('workingset_refault_anon'),
    'anon refaults'],
  ['workingset_refault_file', 'pages', L, A, 'outcome', 'detail', SEM, counter('workingset_refault_file'),
    'file refaults'],
  ['workingset_activate_anon', 'pages', L, A, 'outcome', 'raw', SEM, counter('workingset_activate_anon'),
    'anon refaults activated as recent'],
  ['workingset_activate_file', 'pages', L, A, 'outcome', 'raw', SEM, counter('workingset_activate_file'),
    'file refaults activated as recent'],
  ['workingset_restore_anon', 'pages', L, A, 'outcome', 'raw', SEM, counter('workingset_restore_anon'),
    'anon refaults of pages that were in the workingset'],
  ['workingset_restore_file', 'pages', L, A, 'outcome', 'raw', SEM, counter('workingset_restore_file'),
    'file refaults of pages that were in the workingset'],
  ['oom_kill', 'kills', L, A, 'outcome', 'detail', SAME, (r) => r.counters['oom_kill'] ?? r.oomKills.length,
    'tasks killed by the OOM killer'],
  ['miss_ratio', 'ratio', L, A, 'outcome', 'detail', SAME, ratio((r) => r.misses, (r) => r.requests),
    'misses / requests (page-cache and page-table lookups)'],
  ['policy_exits', 'exits', L, A, 'outcome', 'detail', SAME, (r) => r.policyExits.length,
    'policies ejected by the watchdog'],
  ['pgfault', 'faults', L, A, 'outcome', 'raw', SAME, counter('pgfault'), 'all page faults'],
  ['pgscan', 'pages', L, A, 'cost', 'detail', SEM, sumOf('pgscan_kswapd', 'pgscan_direct'),
    'pages scanned (kswapd + direct); MGLRU counts isolated pages'],
  ['pgscan_kswapd', 'pages', L, A, 'cost', 'raw', SEM, counter('pgscan_kswapd'), 'pages scanned by kswapd'],
  ['pgscan_direct', 'pages', L, A, 'cost', 'raw', SEM, counter('pgscan_direct'), 'pages scanned in direct reclaim'],
  ['pgsteal_kswapd', 'pages', L, A, 'cost', 'raw', SAME, counter('pgsteal_kswapd'), 'pages reclaimed by kswapd'],
  ['pgsteal_direct', 'pages', L, A, 'cost', 'detail', SAME, counter('pgsteal_direct'),
    'pages reclaimed in direct reclaim'],
  ['kswapd_efficiency', 'ratio', H, HM, 'cost', 'detail', SEM,
    ratio(counter('pgsteal_kswapd'), counter('pgscan_kswapd')), 'pgsteal_kswapd / pgscan_kswapd'],
  ['direct_efficiency', 'ratio', H, HM, 'cost', 'detail', SEM,
    ratio(counter('pgsteal_direct'), counter('pgscan_direct')), 'pgsteal_direct / pgscan_direct'],
  ['pgrefill', 'pages', L, A, 'cost', 'detail', SEM, counter('pgrefill'),
    'classic: active-list pages scanned; MGLRU: pages sorted in place'],
  ['pgactivate', 'pages', L, A, 'cost', 'detail', SEM, counter('pgactivate'), 'pages activated (promoted)'],
  ['pgdeactivate', 'pages', L, A, 'cost', 'raw', SEM, counter('pgdeactivate'), 'pages deactivated'],
  ['pgrotated', 'pages', L, A, 'cost', 'raw', SAME, counter('pgrotated'),
    'pages rotated to the inactive tail after writeback'],
  ['allocstall', 'stalls', L, A, 'cost', 'detail', SAME, counter('allocstall_normal'),
    'direct reclaim entries (allocstall_normal: one zone per node)'],
  ['reclaim_cpu_ms', 'ms', L, A, 'cost', 'detail', SAME,
    (r) => (r.counters['reclaim_cpu_ns'] === undefined ? undefined : r.counters['reclaim_cpu_ns'] / NS_PER_MS),
    'CPU time spent in reclaim, from the cost model'],
  ['policy_overrides', 'times', L, A, 'cost', 'detail', SAME, counter('policy_overrides'),
    'times the core had to override the policy'],
  ['rmap_walks', 'walks', L, A, 'cost', 'detail', SAME, counter('rmap_walks'), 'reverse-map walks'],
  ['pt_walk_ptes', 'PTEs', L, A, 'cost', 'detail', SAME, counter('pt_walk_ptes'), 'PTEs scanned by page-table walks'],
  ['pt_walk_bloom_skipped', 'PMDs', L, A, 'cost', 'detail', SAME, counter('pt_walk_pmds_bloom_skipped'),
    'PMDs a page-table walk skipped because its Bloom filter found them sparse last walk'],
  ['lookaround_young', 'PTEs', L, A, 'cost', 'detail', SAME, counter('lookaround_young'),
    'young neighbouring PTEs look-around took on rmap hits'],
  ['pgscan_direct_throttle', 'events', L, A, 'cost', 'raw', SAME, counter('pgscan_direct_throttle'),
    'direct reclaimers throttled until kswapd catches up'],
  ['writeback_requests', 'requests', L, A, 'io', 'raw', SAME, counter('writeback_requests'),
    'writeback I/O requests issued'],
  ['io_wait_ms', 'ms', L, A, 'cost', 'raw', SAME, (r) => r.tasks.reduce((s, t) => s + t.ioWaitNs, 0) / NS_PER_MS,
    'time tasks waited for I/O, summed over tasks'],
  ['direct_reclaim_p50_ms', 'ms', L, A, 'latency', 'raw', SAME, latencyMs(direct, 'p50Ns'),
    'median duration of one direct reclaim (0 when there was none)'],
  ['direct_reclaim_p99_ms', 'ms', L, A, 'latency', 'detail', SAME, latencyMs(direct, 'p99Ns'),
    '99th percentile duration of one direct reclaim (0 when there was none)'],
  ['direct_reclaim_max_ms', 'ms', L, A, 'latency', 'raw', SAME, latencyMs(direct, 'maxNs'),
    'longest direct reclaim (0 when there was none)'],
  ['direct_reclaim_over_budget', 'calls', L, A, 'latency', 'detail', SAME, (r) => r.directReclaimLatency.overBudget,
    'direct reclaims longer than the latency budget'],
  ['kswapd_batch_p99_ms', 'ms', L, A, 'latency', 'raw', SAME, latencyMs(kswapd, 'p99Ns'),
    '99th percentile duration of one kswapd batch (0 when there was none)'],
  ['pswpout', 'pages', L, A, 'io', 'detail', SAME, counter('pswpout'), 'pages written to swap'],
  ['swap_ra', 'pages', L, A, 'io', 'raw', SAME, counter('swap_ra'),
    'pages read ahead from swap (none from zram or a RAM disk)'],
  ['swap_ra_hit', 'pages', H, A, 'io', 'raw', SAME, counter('swap_ra_hit'),
    'pages read ahead from swap that a fault then found'],
  ['pgpgout', 'KiB', L, A, 'io', 'raw', SAME, counter('pgpgout'),
    'data written to block devices, swap included (KiB, as /proc/vmstat)'],
  ['pgpgin', 'KiB', L, A, 'io', 'key', SAME, counter('pgpgin'),
    'data read from block devices, swap included (KiB, as /proc/vmstat)'],
  ['nr_dirtied', 'pages', L, A, 'io', 'raw', SAME, counter('nr_dirtied'), 'page-cache pages newly dirtied'],
  ['nr_written', 'pages', L, A, 'io', 'raw', SAME, counter('nr_written'), 'write-backs completed, swap included'],
  ['nr_vmscan_write', 'pages', L, A, 'io', 'detail', SAME, counter('nr_vmscan_write'),
    'pages written out by reclaim itself'],
  // Phones (runs with apps: docs/phones.md).
  ['launch_p90_ms', 'ms', L, A, 'latency', 'detail', SAME, launchMs('all', 0.9),
    '90th percentile app launch latency, cold and warm (launch to first frame)'],
  ['launch_cold_p50_ms', 'ms', L, A, 'latency', 'detail', SAME, launchMs('cold', 0.5),
    'median cold launch (the process starts: first launch, or a relaunch after a kill)'],
  ['launch_cold_p90_ms', 'ms', L, A, 'latency', 'key', SAME, launchMs('cold', 0.9), '90th percentile cold launch'],
  ['launch_cold_max_ms', 'ms', L, A, 'latency', 'detail', SAME, launchMs('cold', 'max'), 'slowest cold launch'],
  ['launch_warm_p50_ms', 'ms', L, A, 'latency', 'detail', SAME, launchMs('warm', 0.5),
    'median warm launch (the app was cached)'],
  ['launch_warm_p90_ms', 'ms', L, A, 'latency', 'key', SAME, launchMs('warm', 0.9), '90th percentile warm launch'],
  ['launch_warm_max_ms', 'ms', L, A, 'latency', 'detail', SAME, launchMs('warm', 'max'), 'slowest warm launch'],
  ['janky_frames', 'frames', L, A, 'outcome', 'key', SAME, app((a) => a.jankyFrames),
    'frames that missed their deadline with the UI thread stalled on memory (reclaim, refault, swap-in)'],
  ['missed_frames', 'frames', L, A, 'outcome', 'detail', SAME, app((a) => a.missedFrames),
    'frames that missed their deadline for any reason'],
  ['frames', 'frames', H, A, 'outcome', 'raw', SAME, app((a) => a.frames), 'frames drawn'],
  ['app_kills', 'kills', L, A, 'outcome', 'key', SAME, app((a) => a.kills.length),
    'apps killed by lmkd (each comes back as a cold launch)'],
  ['app_relaunches', 'launches', L, A, 'outcome', 'detail', SAME, app((a) => a.launches.filter((l) => l.relaunch).length),
    'launches of an app lmkd had killed'],
  ['reclaim_over_frame', 'calls', L, A, 'latency', 'key', SAME, app((a) => a.kswapdOverFrame + a.directOverFrame),
    'reclaim invocations (kswapd batches and direct reclaims) longer than one frame period'],
  ['kswapd_over_frame', 'calls', L, A, 'latency', 'detail', SAME, app((a) => a.kswapdOverFrame),
    'kswapd batches longer than one frame period'],
  ['direct_over_frame', 'calls', L, A, 'latency', 'detail', SAME, app((a) => a.directOverFrame),
    'direct reclaims longer than one frame period'],
  ['launch_file_refaults', 'pages', L, A, 'io', 'detail', SAME,
    app((a) => a.launches.reduce((s, l) => s + l.fileRefaults, 0)),
    "file pages refaulted into the launching app's memcg during its launches (read, lost, read again)"],
  ['launch_file_reclaimed', 'pages', L, A, 'io', 'detail', SAME,
    app((a) => a.launches.reduce((s, l) => s + l.fileReclaimed, 0)),
    "file pages reclaimed from the launching app's memcg during its launches (readahead over-activation)"],
];

export const METRICS: readonly MetricDef[] = ROWS.map(
  ([name, unit, direction, mean, group, tier, semanticsDiffer, extract, description]) => ({
    name,
    unit,
    description,
    direction,
    mean,
    group,
    tier,
    semanticsDiffer,
    extract,
  }),
);

const BY_NAME = new Map(METRICS.map((m) => [m.name, m]));

/** Metrics that exist only in runs with apps (docs/phones.md): scored only where some run has them. */
export const APP_METRICS: ReadonlySet<string> = new Set(
  METRICS.slice(METRICS.findIndex((m) => m.name === 'launch_p90_ms')).map((m) => m.name),
);

export function metricDef(name: string): MetricDef | undefined {
  return BY_NAME.get(name);
}

/** The metric's description without its extractor: safe to serialise. */
export function metricInfo(name: string): MetricInfo | undefined {
  const def = BY_NAME.get(name);
  if (!def) return undefined;
  const { extract: _extract, ...info } = def;
  return info;
}

/** Every catalogue metric the run defines. */
export function extractMetrics(r: RunResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of METRICS) {
    const v = m.extract(r);
    if (v !== undefined && !Number.isNaN(v)) out[m.name] = v;
  }
  return out;
}
