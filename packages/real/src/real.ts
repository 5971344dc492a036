import { runScenario, type Scenario, scenarioWorkload } from '@reclaim-lab/harness';
import { type KernelVersion, PAGE_SIZE, parseKernelVersion } from '@reclaim-lab/hw-model';
import type { RunResult } from '@reclaim-lab/reclaim';
import {
  compareWorlds,
  kernelFigures,
  type PhaseFigures,
  type RealComparison,
  simFigures,
  simPhases,
  simWholeRun,
} from './compare.js';
import { type ConsoleResult, kernelPhases, kernelWholeRun } from './console.js';
import { KERNEL_SERIES } from './guest.js';
import { compilePlan, type Plan, plannedSize, RealPlanError } from './plan.js';
import { type GuestRun, type RealPolicy, runGuest } from './qemu.js';

/**
 * Guest speed under TCG on this project's 2-vCPU VM (see docs/sim-to-real.md):
 * boot to the workload in 5-10 s, then about 100k page accesses a second
 * for page-cache reads and fewer for faults that allocate or swap. The
 * estimate is deliberately on the slow side.
 */
export const GUEST_BOOT_SECONDS = 12;
export const GUEST_ACCESSES_PER_SECOND = 50_000;

export interface RealOptions {
  kernel: string;
  policies?: RealPolicy[];
  repeats?: number;
  /** Every repeat at the scenario's seed (kernel noise alone) rather than seeds seed..seed+repeats-1. */
  sameSeed?: boolean;
  /** Refuse a scenario whose estimated guest time per run exceeds this (default 30). */
  maxMinutes?: number;
  progress?: (line: string) => void;
  log?: (line: string) => void;
}

export interface RealRun {
  policy: RealPolicy;
  seed: number;
  repeat: number;
  kernel: string;
  release: string;
  phases: PhaseFigures[];
  whole: PhaseFigures;
  console: ConsoleResult;
  hostSeconds: number;
}

export interface RealReport {
  comparison: RealComparison;
  runs: RealRun[];
  sim: { policy: RealPolicy; seed: number; result: RunResult }[];
  estimate: SizeEstimate;
}

export interface SizeEstimate {
  accesses: number;
  memoryMiB: number;
  secondsPerRun: number;
}

export function estimateSize(size: { accesses: number; memoryPages: number }): SizeEstimate {
  return {
    accesses: size.accesses,
    memoryMiB: (size.memoryPages * PAGE_SIZE) / 2 ** 20,
    secondsPerRun: GUEST_BOOT_SECONDS + size.accesses / GUEST_ACCESSES_PER_SECOND,
  };
}

/**
 * Refuses a scenario that would run for too long, saying how big it is and
 * how to scale it down. Judged from the compiled workload's planned
 * accesses, before any event is drawn.
 */
export function checkSize(scenario: Scenario, maxMinutes: number): SizeEstimate {
  const e = estimateSize(plannedSize(scenario));
  const limit = maxMinutes * 60;
  if (e.secondsPerRun <= limit) return e;
  const name = scenario.name ?? scenarioWorkload(scenario).id;
  const head = `${name}: ${e.accesses.toLocaleString('en-US')} accesses over ${e.memoryMiB.toFixed(0)} MiB would take about ${(e.secondsPerRun / 60).toFixed(0)} min per guest run (TCG runs about ${GUEST_ACCESSES_PER_SECOND / 1000}k accesses/s), more than --max-minutes ${maxMinutes}`;
  const w = scenario.workload;
  const preset =
    typeof w === 'string'
      ? { id: w, params: {} }
      : 'id' in w && !('tasks' in w)
        ? (w as { id: string; params?: Record<string, unknown> })
        : undefined;
  if (preset === undefined)
    throw new RealPlanError(`${head}; give it fewer accesses or a smaller machine.memory`);
  // `scale` multiplies access counts but not fill passes: measure the part it scales.
  const params = { ...scenario.params, ...(preset.params ?? {}) };
  const scale = Number(params.scale ?? 1);
  const at = (s: number) =>
    plannedSize({ ...scenario, workload: { id: preset.id, params: { ...params, scale: s } } } as Scenario)
      .accesses;
  const half = at(scale / 2);
  const perScale = (2 * (e.accesses - half)) / scale;
  const fixed = e.accesses - perScale * scale;
  const budget = (limit - GUEST_BOOT_SECONDS) * GUEST_ACCESSES_PER_SECOND;
  const fit = perScale > 0 ? (budget - fixed) / perScale : 0;
  if (!(fit > 0))
    throw new RealPlanError(
      `${head}; even at a tiny scale its fixed part is too long: give it a smaller machine.memory`,
    );
  // Two significant digits, rounded down so the suggestion fits.
  const step = 10 ** (Math.floor(Math.log10(fit)) - 1);
  const suggest = Number((Math.floor(fit / step) * step).toPrecision(2));
  throw new RealPlanError(
    `${head}; scale it down with the preset's scale (workload params scale: ${suggest} or less) or a smaller machine.memory`,
  );
}

/**
 * The `machine.kernel` whose rules match a guest kernel named as a series
 * ("6.12"), a meta-package or a concrete package; undefined when the
 * simulator has no rules for that line.
 */
export function simKernelFor(kernel: string): KernelVersion | undefined {
  const series =
    Object.entries(KERNEL_SERIES).find(([, pkg]) => pkg === kernel)?.[0] ??
    /^linux-image-(\d+\.\d+)/.exec(kernel)?.[1] ??
    kernel;
  return parseKernelVersion(series) ?? undefined;
}

/**
 * Runs the scenario in both worlds: the simulator at each seed, and the
 * guest kernel once per policy and repeat. Then sets them side by side.
 * A scenario that names no `machine.kernel` is simulated under the rules of
 * the guest's kernel line, so both worlds run the same release.
 */
export async function runReal(scenario: Scenario, o: RealOptions): Promise<RealReport> {
  const policies = o.policies ?? ['lru', 'mglru'];
  const repeats = o.repeats ?? 2;
  const seeds = Array.from({ length: repeats }, (_, i) => scenario.seed + (o.sameSeed ? 0 : i));
  const distinct = [...new Set(seeds)];
  const estimate = checkSize(scenario, o.maxMinutes ?? 30);
  const plans = new Map<number, Plan>();
  for (const seed of distinct) plans.set(seed, compilePlan(scenario, seed));
  const first = plans.get(distinct[0]) as Plan;
  const progress = o.progress ?? (() => {});
  const total = policies.length * repeats;
  progress(
    `${first.scenario}: ${estimate.accesses.toLocaleString('en-US')} accesses per run, ${total} guest run(s) of about ${Math.ceil(estimate.secondsPerRun)} s each`,
  );

  const simKernel = simKernelFor(o.kernel);
  let simScenario: Scenario =
    scenario.machine.kernel === undefined && simKernel !== undefined
      ? { ...scenario, machine: { ...scenario.machine, kernel: simKernel } }
      : scenario;
  // The guest limits a memcg, and zram's pool is charged to no memcg: it
  // lies outside the limit there, so the simulated side leaves it out too.
  if (simScenario.machine.zramRatio === undefined)
    simScenario = { ...simScenario, machine: { ...simScenario.machine, zramRatio: 0 } };
  const sim: RealReport['sim'] = [];
  for (const policy of policies)
    for (const seed of distinct)
      sim.push({ policy, seed, result: runScenario(simScenario, { policy, seed }) });
  const perPhase = sim.every((s) => simPhases(s.result) !== undefined);

  const runs: RealRun[] = [];
  let n = 0;
  for (const policy of policies) {
    for (let repeat = 0; repeat < repeats; repeat++) {
      const seed = seeds[repeat];
      const plan = plans.get(seed) as Plan;
      n++;
      const tag = `[${n}/${total}] ${policy} seed ${seed}`;
      progress(`${tag}: booting ${o.kernel}`);
      const onRecord = (kind: string, line: string) => {
        if (kind === 'ready') progress(`${tag}: booted, running the workload`);
        else if (kind === 'snap' && / edge=begin /.test(line)) {
          const m = / task=(\d+) .* phase=(\d+) /.exec(line);
          if (m) {
            const t = plan.tasks[Number(m[1])];
            progress(`${tag}: ${t?.name ?? m[1]} enters ${t?.phaseNames[Number(m[2])] ?? m[2]}`);
          }
        } else if (kind === 'killed') progress(`${tag}: ${line.slice(5)}`);
      };
      const started = Date.now();
      let run: GuestRun = await runGuest(plan, {
        kernel: o.kernel,
        policy,
        log: o.log,
        onRecord,
      });
      // A guest that never reached /init (a boot-time panic under a loaded host) is booted once more.
      if (run.console.kernel === undefined) {
        progress(`${tag}: the guest did not reach /init; booting it once more`);
        run = await runGuest(plan, { kernel: o.kernel, policy, log: o.log, onRecord });
      }
      const c = run.console;
      if (!c.complete) {
        const tail = run.transcript.split('\n').slice(-15).join('\n');
        throw new Error(
          `the guest run (${policy}, seed ${seed}) did not finish cleanly: ${c.errors.join('; ') || 'no result'}\n--- console tail ---\n${tail}`,
        );
      }
      const whole = kernelWholeRun(c);
      if (whole === undefined)
        throw new Error(`the guest run (${policy}, seed ${seed}) printed no whole-run snapshot`);
      runs.push({
        policy,
        seed,
        repeat,
        kernel: run.kernel.pkg,
        release: run.kernel.release,
        phases: kernelPhases(c, plan).map(kernelFigures),
        whole: kernelFigures(whole),
        console: c,
        hostSeconds: run.hostSeconds,
      });
      progress(`${tag}: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
  }

  const simBy = (p: RealPolicy) =>
    seeds.map((seed) => {
      const r = sim.find((s) => s.policy === p && s.seed === seed)?.result as RunResult;
      const phases = perPhase ? (simPhases(r) ?? []).map(simFigures) : [];
      return [...phases, simWholeRun(r)];
    });
  const realBy = (p: RealPolicy) =>
    runs.filter((r) => r.policy === p).map((r) => [...(perPhase ? r.phases : []), r.whole]);
  const comparison = compareWorlds({
    scenario: first.scenario,
    kernel: runs[0]?.kernel ?? o.kernel,
    release: runs[0]?.release ?? '',
    seeds,
    policies,
    granularity: perPhase ? 'per-phase' : 'whole-run',
    ...(perPhase
      ? {}
      : {
          granularityNote:
            'this simulator build reports no per-phase results (RunResult.phases), so the worlds are compared over the whole run; the kernel’s per-phase counters are printed above',
        }),
    sim: Object.fromEntries(policies.map((p) => [p, simBy(p)])),
    real: Object.fromEntries(policies.map((p) => [p, realBy(p)])),
  });
  return { comparison, runs, sim, estimate };
}
