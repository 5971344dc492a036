import type { RunResult } from '@reclaim-lab/reclaim';
import { geometricMean } from './descriptive.js';
import { type ConfidenceInterval, type DiffInterval, diffInterval } from './intervals.js';
import { APP_METRICS, METRICS, type MetricInfo, metricInfo } from './metrics.js';
import { type RunSummary, summarizeRuns } from './summarize.js';
import { SUPPORTED_LEVELS } from './t-table.js';

/** The runs of one configuration (a policy or ablation, named by `label`) on one workload. */
export interface CompareCell {
  label: string;
  workload: string;
  results: readonly RunResult[];
}

export interface CompareOptions {
  /** Confidence level for every interval; one of SUPPORTED_LEVELS. */
  level?: number;
  title?: string;
  /** What the scenario is: machine, workload parameters, what is being asked. */
  description?: string;
}

export type Verdict = 'better' | 'worse' | 'unchanged';

export interface BaselineDiff extends DiffInterval {
  /** 'unchanged' unless the difference is significant. */
  verdict: Verdict;
}

export interface MetricCell {
  label: string;
  /** Absent when no run of this column defines the metric. */
  ci?: ConfidenceInterval;
  /** Absent for the baseline itself, when either side lacks the metric, and when `notCompared` says why. */
  vsBaseline?: BaselineDiff;
  /** This column or the baseline has runs that did not do the whole work: no difference is taken. */
  notCompared?: 'killed' | 'unfinished';
}

/**
 * Whether a configuration's runs did the whole work. A run is `killed` when
 * the OOM killer took any of its tasks, `unfinished` when a task was still
 * running at the end (an `untilMs` budget) without being killed.
 */
export interface Completion {
  n: number;
  killed: number;
  unfinished: number;
  /** 'killed' if any run was OOM-killed, else 'unfinished' if any run did not finish, else 'complete'. */
  status: 'complete' | 'killed' | 'unfinished';
  /** Virtual time of the earliest OOM kill, ms. */
  firstKillMs?: number;
}

export interface MetricRow {
  metric: string;
  info: MetricInfo;
  /** The metric's meaning differs between the policies compared; prefer pswpin, pgmajfault, pgpgin, pgsteal. */
  semanticsDiffer: boolean;
  /** One per column, in column order. */
  cells: MetricCell[];
}

export interface ColumnInfo {
  label: string;
  n: number;
  seeds: number[];
  policies: string[];
  /** How many of the n runs were OOM-killed or did not finish. */
  completion: Completion;
}

export interface WorkloadComparison {
  workload: string;
  /** Columns present for this workload, baseline first. */
  columns: ColumnInfo[];
  hasBaseline: boolean;
  /** Catalogue metrics that at least one column defines, in catalogue order. */
  rows: MetricRow[];
  summaries: Record<string, RunSummary>;
}

export interface ScoreRatio {
  workload: string;
  metric: string;
  /** Oriented so that > 1 means better than the baseline. */
  ratio: number;
}

export interface PolicyScore {
  label: string;
  /**
   * Geometric mean of the oriented ratios; 1 for the baseline; undefined if
   * no ratio could be formed or if the configuration has a killed or
   * unfinished run on any workload (see `status`).
   */
  score: number | undefined;
  /** Set when some run of this configuration was OOM-killed or did not finish: it gets no score and ranks last. */
  status?: 'killed' | 'unfinished';
  /** The workloads where it did not do the whole work. */
  incomplete: ({ workload: string } & Completion)[];
  /** 1 = best score; configurations without a score share the last places, scored ones first. */
  rank: number;
  direction: 'higher';
  perWorkload: Record<string, number | undefined>;
  ratios: ScoreRatio[];
  excluded: { workload: string; metric: string; reason: string }[];
}

export interface Comparison {
  title: string;
  description: string;
  baseline: string;
  level: number;
  /** Column labels, baseline first. */
  labels: string[];
  workloads: WorkloadComparison[];
  scores: PolicyScore[];
  score: { direction: 'higher'; metrics: string[]; description: string };
  /** Metrics flagged "semantics differ across policies" (empty when all runs use one policy). */
  semanticsDiffer: string[];
  caveats: string[];
  /** The catalogue, without extractors. */
  metrics: MetricInfo[];
  /** The runs behind it all (merged by label and workload), for JSON and plots. */
  cells: CompareCell[];
}

export const SEMANTICS_CAVEAT =
  'Counter semantics differ across policies: under MGLRU pgscan counts isolated pages (not pages looked at), ' +
  'pgrefill counts pages sorted in place, and the workingset refault, activate and restore counters count only ' +
  'refaults within the live generation window. Metrics marked † (and the efficiencies derived from pgscan) are not comparable ' +
  'across policies; compare by pswpin, pgmajfault, pgpgin and pgsteal.';

/** Metrics that describe how a run ended rather than how fast it worked: comparable whatever the work done. */
export const ANY_WORK_METRICS: ReadonlySet<string> = new Set(['oom_kill', 'policy_exits']);

export const SAME_WORK_RULE =
  'A difference is taken, and a score formed, only between configurations whose runs all did the whole work: ' +
  'a run in which the OOM killer took a task, or a task had not finished when the run stopped, did less work, ' +
  'so its runtime, throughput and counters are not comparable. Such a configuration is marked, shows its means ' +
  'without differences (oom_kill and policy_exits excepted), gets no overall score and ranks last.';

/** Did every run of a configuration do the whole work? */
export function completionOf(results: readonly RunResult[]): Completion {
  let killed = 0;
  let unfinished = 0;
  let firstKillNs = Number.POSITIVE_INFINITY;
  for (const r of results) {
    if (r.oomKills.length > 0 || r.tasks.some((t) => t.killed)) {
      killed++;
      for (const k of r.oomKills) firstKillNs = Math.min(firstKillNs, k.timeNs);
    } else if (r.tasks.some((t) => !t.finished)) unfinished++;
  }
  const status = killed > 0 ? 'killed' : unfinished > 0 ? 'unfinished' : 'complete';
  return {
    n: results.length,
    killed,
    unfinished,
    status,
    ...(Number.isFinite(firstKillNs) ? { firstKillMs: firstKillNs / 1e6 } : {}),
  };
}

function mergeCells(cells: readonly CompareCell[]): CompareCell[] {
  const merged = new Map<string, CompareCell>();
  for (const c of cells) {
    const key = JSON.stringify([c.label, c.workload]);
    const prev = merged.get(key);
    merged.set(
      key,
      prev ? { ...prev, results: [...prev.results, ...c.results] } : { ...c, results: [...c.results] },
    );
  }
  return [...merged.values()].filter((c) => c.results.length > 0);
}

function verdictOf(d: DiffInterval, info: MetricInfo): Verdict {
  if (!d.significant) return 'unchanged';
  return d.diff < 0 === (info.direction === 'lower') ? 'better' : 'worse';
}

function compareWorkload(
  workload: string,
  cells: readonly CompareCell[],
  labels: readonly string[],
  baseline: string,
  level: number,
  flagged: ReadonlySet<string>,
): WorkloadComparison {
  const present = labels.filter((l) => cells.some((c) => c.label === l));
  const summaries: Record<string, RunSummary> = {};
  const completion: Record<string, Completion> = {};
  for (const l of present) {
    const results = cells.find((c) => c.label === l)!.results;
    summaries[l] = summarizeRuns(results, level);
    completion[l] = completionOf(results);
  }
  const base = summaries[baseline];
  const baseStatus = completion[baseline]?.status ?? 'complete';

  const rows: MetricRow[] = [];
  for (const def of METRICS) {
    if (!present.some((l) => summaries[l].metrics[def.name])) continue;
    const info = metricInfo(def.name)!;
    const baseSamples = base?.metrics[def.name]?.samples;
    const rowCells = present.map((label): MetricCell => {
      const s = summaries[label].metrics[def.name];
      if (!s) return { label };
      if (label === baseline || !baseSamples) return { label, ci: s.ci };
      const status = completion[label].status !== 'complete' ? completion[label].status : baseStatus;
      if (status !== 'complete' && !ANY_WORK_METRICS.has(def.name))
        return { label, ci: s.ci, notCompared: status };
      const d = diffInterval(s.samples, baseSamples, level, def.mean);
      return { label, ci: s.ci, vsBaseline: { ...d, verdict: verdictOf(d, info) } };
    });
    rows.push({ metric: def.name, info, semanticsDiffer: flagged.has(def.name), cells: rowCells });
  }

  const columns = present.map((label) => ({
    label,
    n: summaries[label].n,
    seeds: summaries[label].seeds,
    policies: summaries[label].policies,
    completion: completion[label],
  }));
  return { workload, columns, hasBaseline: base !== undefined, rows, summaries };
}

/** A key metric's ratio vs the baseline, oriented so > 1 is better, or why there is none. */
function orientedRatio(
  row: MetricRow | undefined,
  li: number,
  bi: number,
): { ratio: number } | { reason: string } {
  const a = row?.cells[li].ci?.mean;
  const b = row?.cells[bi].ci?.mean;
  if (row === undefined || a === undefined || b === undefined) return { reason: 'not defined for both' };
  if (a === 0 && b === 0) return { reason: 'zero for both' };
  if (a <= 0 || b <= 0) return { reason: 'zero on one side: the ratio would be 0 or infinite' };
  return { ratio: row.info.direction === 'higher' ? a / b : b / a };
}

function scorePolicy(
  label: string,
  baseline: string,
  workloads: readonly WorkloadComparison[],
  metrics: readonly string[],
): PolicyScore {
  const ratios: ScoreRatio[] = [];
  const excluded: PolicyScore['excluded'] = [];
  const perWorkload: Record<string, number | undefined> = {};
  const incomplete: PolicyScore['incomplete'] = [];
  for (const w of workloads) {
    const li = w.columns.findIndex((c) => c.label === label);
    const bi = w.columns.findIndex((c) => c.label === baseline);
    if (li >= 0 && w.columns[li].completion.status !== 'complete')
      incomplete.push({ workload: w.workload, ...w.columns[li].completion });
    if (li < 0 || bi < 0) continue;
    const notDone = [w.columns[li], w.columns[bi]].find((c) => c.completion.status !== 'complete');
    if (notDone !== undefined) {
      const why = `${notDone.label} ${notDone.completion.status === 'killed' ? 'was OOM-killed' : 'did not finish'} in ${notDone.completion.status === 'killed' ? notDone.completion.killed : notDone.completion.unfinished} of ${notDone.completion.n} runs: not the same work`;
      for (const metric of metrics) excluded.push({ workload: w.workload, metric, reason: why });
      perWorkload[w.workload] = undefined;
      continue;
    }
    const mine: number[] = [];
    for (const metric of metrics) {
      const row = w.rows.find((x) => x.metric === metric);
      // A workload without apps has no app metrics to score.
      if (row === undefined && APP_METRICS.has(metric)) continue;
      const r = orientedRatio(row, li, bi);
      if ('reason' in r) {
        excluded.push({ workload: w.workload, metric, reason: r.reason });
      } else {
        ratios.push({ workload: w.workload, metric, ratio: r.ratio });
        mine.push(r.ratio);
      }
    }
    perWorkload[w.workload] = mine.length > 0 ? geometricMean(mine) : undefined;
  }
  const status = incomplete.some((x) => x.status === 'killed')
    ? 'killed'
    : incomplete.length > 0
      ? 'unfinished'
      : undefined;
  const score =
    status === undefined && ratios.length > 0 ? geometricMean(ratios.map((r) => r.ratio)) : undefined;
  return {
    label,
    score,
    ...(status ? { status } : {}),
    incomplete,
    rank: 0,
    direction: 'higher',
    perWorkload,
    ratios,
    excluded,
  };
}

/** "a, b, c and 4 more" */
function listSome(xs: readonly string[], max: number): string {
  return xs.length <= max ? xs.join(', ') : `${xs.slice(0, max).join(', ')} and ${xs.length - max} more`;
}

/** Rank by score, best first; configurations with no score (killed, unfinished, nothing to compare) come last, tied. */
function rankScores(scores: PolicyScore[]): void {
  const scored = scores.filter((s) => s.score !== undefined).sort((a, b) => (b.score ?? 0) - (a.score ?? 0));
  scored.forEach((s, i) => {
    s.rank = i > 0 && s.score === scored[i - 1].score ? scored[i - 1].rank : i + 1;
  });
  for (const s of scores) if (s.score === undefined) s.rank = scored.length + 1;
}

const IDEAL_METRIC = 'miss_ratio';

/** An ideal-mode table: the miss ratio first and alone in the key tier; the rest as detail. */
function idealRows(rows: MetricRow[]): MetricRow[] {
  const miss = rows.filter((r) => r.metric === IDEAL_METRIC);
  const rest = rows.filter((r) => r.metric !== IDEAL_METRIC);
  return [
    ...miss.map((r) => ({ ...r, info: { ...r.info, tier: 'key' as const } })),
    ...rest.map((r) => (r.info.tier === 'key' ? { ...r, info: { ...r.info, tier: 'detail' as const } } : r)),
  ];
}

/**
 * Compare configurations across workloads against a baseline, mmtests-style:
 * per-metric means with confidence intervals over seeds, Welch differences vs
 * the baseline marked significant only when their interval excludes 0, and a
 * geometric mean of per-metric ratios as an overall score (higher is better).
 */
export function compare(
  cells: readonly CompareCell[],
  baselineLabel: string,
  options: CompareOptions = {},
): Comparison {
  const level = options.level ?? 0.95;
  if (!SUPPORTED_LEVELS.includes(level)) {
    throw new RangeError(
      `confidence level ${level} is not tabulated; use one of ${SUPPORTED_LEVELS.join(', ')}`,
    );
  }
  const merged = mergeCells(cells);
  if (!merged.some((c) => c.label === baselineLabel)) {
    throw new Error(
      `baseline '${baselineLabel}' has no runs; labels: ${[...new Set(merged.map((c) => c.label))]}`,
    );
  }
  const labels = [baselineLabel, ...new Set(merged.map((c) => c.label).filter((l) => l !== baselineLabel))];
  const workloadNames = [...new Set(merged.map((c) => c.workload))];

  const policies = new Set(merged.flatMap((c) => c.results.map((r) => r.policy)));
  const flagged = new Set(
    policies.size > 1 ? METRICS.filter((m) => m.semanticsDiffer).map((m) => m.name) : [],
  );

  const workloads = workloadNames.map((w) =>
    compareWorkload(
      w,
      merged.filter((c) => c.workload === w),
      labels,
      baselineLabel,
      level,
      flagged,
    ),
  );

  // Ideal mode has no time, I/O or reclaim cost worth scoring: the policy alone is its miss ratio.
  const ideal = merged.length > 0 && merged.every((c) => c.results.every((r) => r.mode === 'ideal'));
  if (ideal) for (const w of workloads) w.rows = idealRows(w.rows);
  const scoreMetrics = ideal
    ? [IDEAL_METRIC]
    : METRICS.filter(
        (m) =>
          m.tier === 'key' &&
          !m.semanticsDiffer &&
          // An app metric counts only where a run has apps: elsewhere it is not a gap, it does not apply.
          (!APP_METRICS.has(m.name) || workloads.some((w) => w.rows.some((row) => row.metric === m.name))),
      ).map((m) => m.name);
  const scores: PolicyScore[] = labels.map((l) => {
    if (l !== baselineLabel) return scorePolicy(l, baselineLabel, workloads, scoreMetrics);
    // The baseline scores 1 by definition, unless it did not do the whole work itself.
    const own = scorePolicy(l, baselineLabel, workloads, []);
    const done = workloads.filter((w) => w.hasBaseline && w.columns[0].completion.status === 'complete');
    return {
      ...own,
      score: own.status ? undefined : 1,
      perWorkload: Object.fromEntries(
        workloads.filter((w) => w.hasBaseline).map((w) => [w.workload, done.includes(w) ? 1 : undefined]),
      ),
    };
  });
  rankScores(scores);

  const caveats: string[] = [];
  if (flagged.size > 0) caveats.push(SEMANTICS_CAVEAT);
  for (const w of workloads) {
    if (!w.hasBaseline)
      caveats.push(`workload ${w.workload} has no '${baselineLabel}' runs: no differences shown.`);
    const single = w.columns.filter((c) => c.n === 1).map((c) => c.label);
    if (single.length > 0) {
      caveats.push(
        `workload ${w.workload}: ${single.join(', ')} ran once; with n=1 the interval is unbounded ` +
          'and no difference can be significant.',
      );
    }
  }
  for (const w of workloads) {
    for (const col of w.columns) {
      const k = col.completion;
      if (k.status === 'complete') continue;
      const what = [
        k.killed > 0
          ? `${k.killed} of ${k.n} runs OOM-killed${k.firstKillMs === undefined ? '' : ` (first kill at ${k.firstKillMs.toPrecision(3)} ms)`}`
          : '',
        k.unfinished > 0 ? `${k.unfinished} of ${k.n} runs unfinished` : '',
      ]
        .filter(Boolean)
        .join(', ');
      caveats.push(
        col.label === baselineLabel
          ? `${col.label} on ${w.workload}: ${what}. As the baseline did not do the whole work, no configuration is compared with it on ${w.workload}.`
          : `${col.label} on ${w.workload}: ${what}. Its differences are not taken (oom_kill and policy_exits excepted) and it gets no overall score.`,
      );
    }
    // Only where it matters: seed-invariant everywhere, yet different between configurations.
    const identical = w.rows
      .filter((r) => r.cells.some((c) => c.vsBaseline?.identical === true && c.vsBaseline.diff !== 0))
      .map((r) => r.metric);
    if (identical.length > 0) {
      caveats.push(
        `workload ${w.workload}: ${listSome(identical, 6)} identical across seeds on both sides of a difference (≡): ` +
          'nothing varied with the seed, so those differences are exact but not tested for significance; ' +
          'set machine.jitter to model run-to-run noise.',
      );
    }
  }
  if (scores.some((s) => s.status !== undefined)) caveats.push(SAME_WORK_RULE);
  for (const c of merged) {
    const exits = c.results.reduce((s, r) => s + r.policyExits.length, 0);
    if (exits > 0) {
      caveats.push(
        `${c.label} on ${c.workload}: the watchdog ejected a policy ${exits} time(s); see policyExits.`,
      );
    }
  }

  const n = [...new Set(merged.map((c) => c.results.length))].sort((a, b) => a - b);
  return {
    title: options.title ?? `reclaim-lab: ${labels.join(' vs ')}`,
    description:
      options.description ??
      `${labels.length} configuration(s) on ${workloadNames.length} workload(s) (${workloadNames.join(', ')}), ` +
        `${n.join('/')} seed(s) each.`,
    baseline: baselineLabel,
    level,
    labels,
    workloads,
    scores,
    score: {
      direction: 'higher',
      metrics: scoreMetrics,
      description:
        `geometric mean of per-metric ratios vs ${baselineLabel} over ${scoreMetrics.join(', ')}, ` +
        'each oriented so that > 1 is better: higher is better',
    },
    semanticsDiffer: [...flagged],
    caveats,
    metrics: METRICS.map((m) => metricInfo(m.name)!),
    cells: merged,
  };
}
