/**
 * Per-phase tables: where a workload's verdicts live (warm-up, stream, the
 * return to set A). For each configuration and each task's phase, the mean
 * over seeds of what a kernel developer reads at phase boundaries.
 */
import type { Comparison } from '../stats/compare.js';

export interface PhaseRow {
  configuration: string;
  /** TASK:PHASE, with #N for a phase's later runs. */
  phase: string;
  runs: number;
  durationMs: number;
  majorFaults: number;
  refaults: number;
  pswpin: number;
  pgscan: number;
  pgsteal: number;
  stallMs: number;
}

export const PHASE_COLUMNS = [
  'configuration',
  'phase',
  'ms',
  'major faults',
  'refaults',
  'pswpin',
  'pgscan',
  'pgsteal',
  'reclaim stall ms',
] as const;

/** Rows for one workload, configurations in the comparison's order; empty when no run has phases. */
export function phaseRows(c: Comparison, workload: string): PhaseRow[] {
  const rows: PhaseRow[] = [];
  for (const label of c.labels) {
    const cell = c.cells.find((x) => x.label === label && x.workload === workload);
    if (!cell) continue;
    const acc = new Map<string, PhaseRow>();
    for (const r of cell.results) {
      const seen = new Map<string, number>();
      for (const p of r.phases ?? []) {
        const base = `${p.task}:${p.phase}`;
        const k = (seen.get(base) ?? 0) + 1;
        seen.set(base, k);
        const phase = k > 1 ? `${base}#${k}` : base;
        let row = acc.get(phase);
        if (!row) {
          row = {
            configuration: label,
            phase,
            runs: 0,
            durationMs: 0,
            majorFaults: 0,
            refaults: 0,
            pswpin: 0,
            pgscan: 0,
            pgsteal: 0,
            stallMs: 0,
          };
          acc.set(phase, row);
        }
        const v = p.vmstat;
        row.runs++;
        row.durationMs += (p.endNs - p.startNs) / 1e6;
        row.majorFaults += p.majorFaults;
        row.refaults += (v.workingset_refault_anon ?? 0) + (v.workingset_refault_file ?? 0);
        row.pswpin += v.pswpin ?? 0;
        row.pgscan += (v.pgscan_anon ?? 0) + (v.pgscan_file ?? 0);
        row.pgsteal += (v.pgsteal_anon ?? 0) + (v.pgsteal_file ?? 0);
        row.stallMs += p.directReclaimNs / 1e6;
      }
    }
    for (const row of acc.values()) {
      for (const k of [
        'durationMs',
        'majorFaults',
        'refaults',
        'pswpin',
        'pgscan',
        'pgsteal',
        'stallMs',
      ] as const)
        row[k] /= row.runs;
      rows.push(row);
    }
  }
  return rows;
}

const fmt = (x: number) =>
  Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(x === 0 ? 0 : 2);

/** The cells of a row, as the tables print them (means over the row's runs). */
export function phaseCells(r: PhaseRow): string[] {
  return [
    r.configuration,
    r.phase,
    fmt(r.durationMs),
    fmt(r.majorFaults),
    fmt(r.refaults),
    fmt(r.pswpin),
    fmt(r.pgscan),
    fmt(r.pgsteal),
    fmt(r.stallMs),
  ];
}
