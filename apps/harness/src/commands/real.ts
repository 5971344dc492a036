import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RealPolicy } from '@reclaim-lab/real';
import { type Command, Option } from 'commander';
import { buildScenario, type MachineFlags, machineOptions, number, UsageError } from '../cli-common.js';

interface RealFlags extends MachineFlags {
  workload?: string;
  kernel: string;
  repeats: string;
  policies: string;
  sameSeed?: boolean;
  maxMinutes: string;
  format: string;
  report?: string;
}

export function registerReal(program: Command): void {
  machineOptions(
    program
      .command('real')
      .argument('[scenario]', 'scenario file (YAML or JSON); the same as --scenario')
      .description(
        'run the scenario on a stock Debian kernel under QEMU (traditional LRU and MGLRU) and set it beside the simulator',
      )
      .option('--workload <id>', 'built-in workload (see `list`)')
      .option(
        '--kernel <pkg>',
        'Debian cloud kernel package or series (6.1 = linux-image-cloud-amd64, 6.12 = linux-image-6.12-cloud-amd64)',
        'linux-image-cloud-amd64',
      )
      .option('--repeats <n>', 'guest runs per policy (seeds seed..seed+n-1 in both worlds)', '2')
      .option('--policies <list>', 'kernel reclaim algorithms to run: lru, mglru or both', 'lru,mglru')
      .option(
        '--same-seed',
        'run every repeat at the same seed (measures the kernel’s own run-to-run spread)',
      )
      .option('--max-minutes <n>', 'refuse a scenario whose guest run would take longer than this', '30')
      .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
      .option(
        '--report <dir>',
        'also write comparison.json (with every run’s parsed console snapshots) and comparison.txt',
      ),
  ).action(async (file: string | undefined, opts: RealFlags) => {
    // Loaded here so the other commands never load the guest code.
    const { REAL_POLICIES, renderKernelPhases, renderRealComparison, runReal } = await import(
      '@reclaim-lab/real'
    );
    if (file !== undefined) {
      if (opts.scenario !== undefined && opts.scenario !== file)
        throw new UsageError('give the scenario as an argument or with --scenario, not both');
      opts.scenario = file;
    }
    const policies = opts.policies.split(',').map((p) => p.trim());
    for (const p of policies)
      if (!REAL_POLICIES.includes(p as RealPolicy))
        throw new UsageError(`--policies: the kernel has lru and mglru, got "${p}"`);
    const repeats = number('--repeats', opts.repeats) as number;
    if (!Number.isInteger(repeats) || repeats < 1 || repeats > 50)
      throw new UsageError(`--repeats: expected an integer 1..50, got ${opts.repeats}`);
    const maxMinutes = number('--max-minutes', opts.maxMinutes) as number;
    if (!(maxMinutes > 0))
      throw new UsageError(`--max-minutes: expected a positive number, got ${opts.maxMinutes}`);
    // --kernel here names the package to boot, not machine.kernel's rules.
    const scenario = buildScenario({ ...opts, kernel: undefined }, opts.workload, undefined);
    const report = await runReal(scenario, {
      kernel: opts.kernel,
      policies: policies as RealPolicy[],
      repeats,
      sameSeed: opts.sameSeed ?? false,
      maxMinutes,
      progress: (line) => process.stderr.write(`${line}\n`),
      log: (line) => process.stderr.write(`${line}\n`),
    });
    const kernelTable = renderKernelPhases(
      report.runs.map((r) => ({ policy: r.policy, seed: r.seed, phases: [...r.phases, r.whole] })),
    );
    const text = `kernel counters per phase (${report.comparison.release}):\n${kernelTable}\n${renderRealComparison(report.comparison)}`;
    if (opts.format === 'json') {
      process.stdout.write(
        `${JSON.stringify({ comparison: report.comparison, runs: report.runs.map(({ console: _c, ...r }) => r) })}\n`,
      );
    } else {
      process.stdout.write(text);
    }
    if (opts.report !== undefined) {
      const dir = resolve(opts.report);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'comparison.json'), `${JSON.stringify(report, null, 1)}\n`);
      writeFileSync(join(dir, 'comparison.txt'), text);
      process.stderr.write(`report written: ${dir}\n`);
    }
  });
}
