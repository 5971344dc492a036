import { parsePolicySpec, runScenario } from '@reclaim-lab/harness';
import { type Command, Option } from 'commander';
import {
  buildScenario,
  collect,
  type MachineFlags,
  machineOptions,
  pairs,
  UsageError,
} from '../cli-common.js';
import { printRunTable } from '../run-table.js';

export function registerRun(program: Command): void {
  machineOptions(
    program
      .command('run')
      .description('run one workload under one policy and print its vmstat counters')
      .option('--workload <id>', 'built-in workload (see `list`)')
      .option('--policy <spec>', 'policy, e.g. lru, mglru, mglru:bloom=off', undefined)
      .option('--set <key=value>', 'policy option (repeatable), e.g. --set bloom=off', collect, [])
      .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
      .option('--check-invariants', 'check reclaim invariants after every pass (slow)'),
  ).action(
    (
      opts: MachineFlags & {
        workload?: string;
        policy?: string;
        set: string[];
        format: string;
        checkInvariants?: boolean;
      },
    ) => {
      const scenario = buildScenario(opts, opts.workload, opts.policy);
      let policy: string | undefined;
      if (opts.set.length) {
        const spec = typeof scenario.policy === 'string' ? scenario.policy : opts.policy;
        if (spec === undefined) throw new UsageError('--set needs a single --policy');
        const extra = pairs(opts.set, '--set');
        parsePolicySpec(spec, extra);
        policy = `${spec}${spec.includes(':') ? ',' : ':'}${Object.entries(extra)
          .map(([k, v]) => `${k}=${v}`)
          .join(',')}`;
      } else if (typeof scenario.policy === 'string') parsePolicySpec(scenario.policy);
      const result = runScenario(scenario, { policy, checkInvariants: opts.checkInvariants });
      if (opts.format === 'json') process.stdout.write(`${JSON.stringify(result)}\n`);
      else printRunTable(result, scenario, process.stdout.isTTY === true);
    },
  );
}
