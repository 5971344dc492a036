/**
 * The phone metrics end to end: android-apps compared under lru and the
 * vendor hooks over lru, over seeds, with launch latency, janky frames,
 * kills and reclaim against the frame budget as rows with intervals, in
 * the Markdown and CSV reports, and the HTML plotting launches and jank
 * over time.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runComparison } from '../src/experiment.js';
import { buildRunJson, loadPlotting, renderCsv, renderHtml, renderMarkdown } from '../src/report/index.js';
import { scenarioFrom } from '../src/runner.js';

beforeAll(loadPlotting);

describe('android-apps in a comparison', () => {
  // A small phone: 32 MiB, five apps of 20% heap each (enough for jank and kills), two rounds.
  const base = scenarioFrom({
    workload: 'android-apps',
    params: { apps: 5, rounds: 2, fgFrames: 24, heapFraction: 0.2 },
    machine: { memory: '32MiB' },
    policy: 'lru',
    seed: 1,
  });
  const { comparison: c, results } = runComparison({
    policies: ['lru', 'vendor:lru'],
    workloads: ['android-apps'],
    seeds: 2,
    base,
  });

  it('runs on zram the workload asked for, with launches, frames and kills in every run', () => {
    for (const runs of results.values()) {
      for (const r of runs) {
        expect(r.apps).toBeDefined();
        const a = r.apps!;
        expect(a.launches.filter((l) => l.kind === 'cold').length).toBeGreaterThanOrEqual(5);
        expect(a.launches.filter((l) => l.kind === 'warm').length).toBeGreaterThan(0);
        expect(a.frames).toBeGreaterThan(5 * 24);
        expect(a.framePeriodNs).toBeCloseTo(8_333_333, -1);
        // zram: pages went out to swap and came back.
        expect(r.counters.pswpout).toBeGreaterThan(0);
        expect(r.counters.pswpin).toBeGreaterThan(0);
      }
    }
    // The run's JSON names the machine as it ran: 16 MiB of zram the workload asked for.
    const json = buildRunJson([...results.values()][0][0], {
      tool: { name: 'reclaim-lab', version: '0' },
      scenario: base,
    });
    expect(json.machine).toMatchObject({ swap: 16 * 1024 * 1024, swapDevice: 'zram' });
  });

  it('has the phone metrics as rows with a value per configuration', () => {
    const w = c.workloads[0];
    const rows = new Map(w.rows.map((r) => [r.metric, r]));
    for (const m of [
      'launch_cold_p50_ms',
      'launch_cold_p90_ms',
      'launch_cold_max_ms',
      'launch_warm_p50_ms',
      'launch_warm_p90_ms',
      'launch_warm_max_ms',
      'janky_frames',
      'missed_frames',
      'app_kills',
      'reclaim_over_frame',
      'launch_file_refaults',
      'launch_file_reclaimed',
    ]) {
      expect(rows.get(m)?.cells.length, m).toBe(2);
    }
    expect(c.score.metrics).toEqual(
      expect.arrayContaining(['launch_warm_p90_ms', 'janky_frames', 'app_kills', 'reclaim_over_frame']),
    );
    // Each run's warm launches are measured, not copied: the rows differ between seeds or policies.
    const warm = rows.get('launch_warm_p50_ms')!;
    expect(warm.cells.every((cell) => (cell.ci?.mean ?? 0) > 0)).toBe(true);
  });

  it('shows them in Markdown and CSV, and plots launches and jank over time in HTML', () => {
    const md = renderMarkdown(c);
    expect(md).toMatch(/\| launch_warm_p90_ms /);
    expect(md).toMatch(/\| janky_frames /);
    const csv = renderCsv(c);
    expect(csv).toMatch(/,launch_cold_p50_ms,/);
    const html = renderHtml(c);
    expect(html).toContain('data-plot="launches-android-apps"');
    expect(html).toContain('data-plot="jank-android-apps"');
    // One dot per launch of the lowest seed under each configuration.
    const launches = [...results.values()].reduce((s, runs) => s + runs[0].apps!.launches.length, 0);
    const fig = html.slice(html.indexOf('data-plot="launches-android-apps"'));
    const svg = fig.slice(0, fig.indexOf('</figure>'));
    const dots = svg.slice(svg.indexOf('aria-label="dot"'));
    const group = dots.slice(0, dots.indexOf('</g>'));
    expect((group.match(/<path/g) ?? []).length).toBe(launches);
  });
});
