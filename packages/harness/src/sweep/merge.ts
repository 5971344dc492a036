import { readFile } from 'node:fs/promises';
import type { RunResult } from '@reclaim-lab/reclaim';
import { policyRef } from '../policy-loader.js';
import { REPORT_FORMATS, type ReportFormat, writeReports } from '../report/index.js';
import { type CompareCell, type Comparison, compare } from '../stats/index.js';
import { parseCellFile } from './cell.js';
import { cellPath, listCellIds, readManifest, type SweepManifest } from './run.js';
import { SweepError } from './spec.js';

export interface LoadedSweep {
  manifest: SweepManifest;
  /** Results by cell id, for the cells found. */
  results: Map<string, RunResult>;
  /** Cells of the manifest found in no directory. */
  missing: SweepManifest['cells'];
  dirs: string[];
}

/**
 * Gather a sweep's cells from one or more directories (shards of one sweep,
 * or a partial run plus its resumption). The directories must hold the same
 * sweep; a cell present in several must be byte-identical in each, which
 * doubles as a determinism check.
 */
export async function loadSweepDirs(dirs: readonly string[]): Promise<LoadedSweep> {
  if (dirs.length === 0) throw new SweepError('merge: name at least one sweep directory');
  const manifests = await Promise.all(dirs.map((d) => readManifest(d)));
  manifests.forEach((m, i) => {
    if (m === undefined)
      throw new SweepError(
        `${dirs[i]}: no sweep.json here; is it a directory written by \`reclaim-lab sweep --out\`?`,
      );
  });
  const manifest = manifests[0] as SweepManifest;
  manifests.forEach((m, i) => {
    if (m && m.hash !== manifest.hash) {
      throw new SweepError(
        `${dirs[i]} holds sweep "${m.name}" (${m.hash}) but ${dirs[0]} holds "${manifest.name}" (${manifest.hash}): only shards of one sweep can be merged`,
      );
    }
  });
  const present = await Promise.all(dirs.map((d) => listCellIds(d)));
  const results = new Map<string, RunResult>();
  const missing: SweepManifest['cells'] = [];
  for (const cell of manifest.cells) {
    let found: { dir: string; text: string } | undefined;
    for (let i = 0; i < dirs.length; i++) {
      if (!present[i].has(cell.id)) continue;
      const text = await readFile(cellPath(dirs[i], cell.id), 'utf8');
      const parsed = parseCellFile(text, cell.id);
      if (!parsed)
        throw new SweepError(
          `${cellPath(dirs[i], cell.id)}: not a complete cell file; delete it and rerun the sweep`,
        );
      if (found === undefined) {
        found = { dir: dirs[i], text };
        results.set(cell.id, parsed.result);
      } else if (found.text !== text) {
        throw new SweepError(
          `cell ${cell.id} (${cell.group} | ${cell.config} | seed ${cell.seed}) differs between ${found.dir} and ${dirs[i]}: ` +
            'the simulator changed between the runs, or a run is not deterministic',
        );
      }
    }
    if (found === undefined) missing.push(cell);
  }
  return { manifest, results, missing, dirs: [...dirs] };
}

export interface SweepComparisonOptions {
  level?: number;
  /** Build a report from the cells present even if some are missing (say so in its caveats). */
  allowPartial?: boolean;
}

/** The sweep's comparison: one column per configuration, one workload section per group, seeds as samples. */
export function sweepComparison(loaded: LoadedSweep, options: SweepComparisonOptions = {}): Comparison {
  const { manifest: m, results, missing } = loaded;
  if (missing.length > 0 && !options.allowPartial) {
    const shown = missing.slice(0, 5).map((c) => `  ${c.id}  ${c.group} | ${c.config} | seed ${c.seed}`);
    if (missing.length > shown.length) shown.push(`  ... and ${missing.length - shown.length} more`);
    throw new SweepError(
      `${missing.length} of ${m.cells.length} cells are missing from ${loaded.dirs.join(', ')}; run the remaining shards ` +
        `(or rerun the sweep into the same --out to finish it), or merge with --allow-partial:\n${shown.join('\n')}`,
    );
  }
  const cells: CompareCell[] = [];
  for (const group of m.groups) {
    for (const config of m.configs) {
      // Name each run by its algorithm ("lru", not "lru:execProtection=off"; the column keeps the spec),
      // so counter semantics are flagged only when different algorithms are compared.
      const runs = m.cells
        .filter((c) => c.group === group && c.config === config)
        .map((c) => results.get(c.id))
        .filter((r): r is RunResult => r !== undefined)
        .map((r) => ({ ...r, policy: policyRef(r.policy) }));
      if (runs.length > 0) cells.push({ label: config, workload: group, results: runs });
    }
  }
  const axes = m.axes.filter((a) => a.labels.length > 1).map((a) => `${a.path} (${a.labels.length})`);
  const done = m.cells.length - missing.length;
  const description = [
    m.description,
    `Sweep ${m.name}: ${m.configs.length} configuration(s) × ${m.groups.length} workload group(s) × ${m.seeds.length} seed(s)` +
      ` = ${m.cells.length} cells${axes.length ? `; axes: ${axes.join(', ')}` : ''}.`,
    missing.length > 0 ? `Partial: ${done} of ${m.cells.length} cells.` : undefined,
  ]
    .filter(Boolean)
    .join(' ');
  const comparison = compare(cells, m.baseline, {
    ...(options.level === undefined ? {} : { level: options.level }),
    title: `sweep ${m.name}: ${m.configs.join(' vs ')}`,
    description,
  });
  if (missing.length > 0)
    comparison.caveats.push(
      `${missing.length} of ${m.cells.length} cells are missing: this report is partial.`,
    );
  return comparison;
}

export interface MergeOptions extends SweepComparisonOptions {
  /** Where to write the reports (default: the first directory). */
  out?: string;
  formats?: readonly ReportFormat[];
}

/** `reclaim-lab merge`: load the directories, compare, and write JSON, Markdown, HTML and text reports. */
export async function mergeSweepDirs(
  dirs: readonly string[],
  options: MergeOptions = {},
): Promise<{ comparison: Comparison; loaded: LoadedSweep; written: Partial<Record<ReportFormat, string>> }> {
  const loaded = await loadSweepDirs(dirs);
  const comparison = sweepComparison(loaded, options);
  const written = await writeReports(comparison, options.out ?? dirs[0], options.formats ?? REPORT_FORMATS);
  return { comparison, loaded, written };
}
