import { join, resolve } from 'node:path';
import {
  renderAblationJson,
  renderAblationMarkdown,
  renderAblationText,
  renderCsv,
  runAblation,
  writeFileAtomic,
  writeReports,
} from '@reclaim-lab/harness';
import type { Command } from 'commander';
import {
  applyContainment,
  buildScenario,
  type ContainFlags,
  containOptions,
  integer,
  type MachineFlags,
  machineOptions,
  UsageError,
} from '../cli-common.js';
import { createSweepProgress, formatOption, workersFlag } from './sweep.js';

interface AblateFlags extends MachineFlags, ContainFlags {
  policy: string;
  toggle: string;
  workloads?: string;
  workload?: string;
  seeds: string;
  report?: string;
  workers?: string;
  format: string;
}

async function doAblate(opts: AblateFlags): Promise<void> {
  applyContainment(opts);
  const toggles = opts.toggle
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const workloads = (opts.workloads ?? opts.workload ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (workloads.length === 0) throw new UsageError('ablate needs --workloads suite|ID[,ID...]');
  const seeds = integer('--seeds', opts.seeds, 1, 1000) ?? 3;
  const first = workloads[0] === 'suite' ? 'baseline' : workloads[0];
  const base = buildScenario(opts, first, opts.policy);
  const out = opts.report === undefined ? undefined : resolve(opts.report);
  const progress = createSweepProgress(`ablate ${opts.policy}`);
  let ablation: Awaited<ReturnType<typeof runAblation>>;
  try {
    ablation = await runAblation(
      { policy: opts.policy, toggles, workloads, seeds, base },
      { workers: workersFlag(opts.workers), ...(out ? { out } : {}), onProgress: (p) => progress.update(p) },
    );
  } finally {
    progress.stop();
  }
  if (opts.format === 'json') process.stdout.write(renderAblationJson(ablation));
  else if (opts.format === 'markdown') process.stdout.write(renderAblationMarkdown(ablation));
  else if (opts.format === 'csv') process.stdout.write(renderCsv(ablation.comparison));
  else process.stdout.write(renderAblationText(ablation));
  if (out) {
    await writeFileAtomic(join(out, 'ablation.json'), renderAblationJson(ablation));
    await writeFileAtomic(join(out, 'ablation.md'), renderAblationMarkdown(ablation));
    await writeFileAtomic(join(out, 'ablation.txt'), renderAblationText(ablation));
    const written = await writeReports(ablation.comparison, out, ['json', 'markdown', 'html', 'text', 'csv']);
    process.stderr.write(
      `reports written: ${[join(out, 'ablation.{json,md,txt}'), ...Object.values(written)].join(', ')}\n`,
    );
  }
}

export function registerAblate(program: Command): void {
  machineOptions(
    containOptions(program.command('ablate'))
      .description(
        "a policy's mechanisms one by one: each toggle flipped alone and all-but-one flipped, with intervals and significance",
      )
      .requiredOption('--policy <spec>', 'base policy, e.g. mglru, mglru:2gen, lru')
      .requiredOption(
        '--toggle <list>',
        'boolean options to flip, comma-separated, e.g. bloom,lookaround,ptwalk,pid',
      )
      .option('--workloads <ids>', 'workload ids, comma-separated, or "suite" for every preset')
      .option('--workload <ids>', 'alias of --workloads')
      .option('--seeds <n>', 'seeds per configuration', '3')
      .option(
        '--report <dir>',
        'keep the cells there (a rerun resumes) and write ablation.{json,md,txt} and the full reports',
      )
      .option('--workers <n>', 'worker processes (default: one per core; 0 = in this process)')
      .addOption(formatOption()),
  ).action((opts: AblateFlags) => doAblate(opts));
}
