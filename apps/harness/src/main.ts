#!/usr/bin/env node
import { useTypeScriptTransform } from '@reclaim-lab/harness';
import type { RunResult } from '@reclaim-lab/reclaim';
import { Command, CommanderError } from 'commander';
import pc from 'picocolors';
import { colorEnabled, UsageError, VERSION } from './cli-common.js';
import { registerAblate } from './commands/ablate.js';
import { registerCompare } from './commands/compare.js';
import { registerList } from './commands/list.js';
import { registerMerge } from './commands/merge.js';
import { registerMrc } from './commands/mrc.js';
import { registerReal } from './commands/real.js';
import { registerRun } from './commands/run.js';
import { registerSweep } from './commands/sweep.js';
import { registerTrace } from './commands/trace.js';

/** Exit status of a usage error: a bad flag, value, scenario, sweep, policy spec or trace file. */
export const EXIT_USAGE = 2;
/** Exit status of a run that failed for any other reason. */
export const EXIT_FAILURE = 1;

/** Errors that mean "the input is wrong", by class name (they come from several packages). */
const INPUT_ERRORS = new Set([
  'UsageError',
  'ScenarioError',
  'SysctlError',
  'PolicySpecError',
  'PolicyLoadError',
  'MglruOptionError',
  'SweepError',
  'AblationError',
  'TraceFormatError',
  'WorkloadError',
  'WorkloadSpecError',
  'OptOracleError',
]);

export function exitCodeOf(e: unknown): number {
  if (e instanceof UsageError) return EXIT_USAGE;
  return e instanceof Error && INPUT_ERRORS.has(e.constructor.name) ? EXIT_USAGE : EXIT_FAILURE;
}

/** One file per command under commands/; this file only wires them up. */
function buildProgram(): Command {
  const red = pc.createColors(colorEnabled(process.stderr)).red;
  const program = new Command('reclaim-lab')
    .description('Simulate Linux memory reclaim: one reclaim path, pluggable policies, agreed workloads.')
    .version(VERSION, '-V, --version', 'print the version and exit')
    .showHelpAfterError()
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ outputError: (str, write) => write(red(str)) });
  registerRun(program);
  registerCompare(program);
  registerList(program);
  registerSweep(program);
  registerMerge(program);
  registerAblate(program);
  registerTrace(program);
  registerMrc(program);
  registerReal(program);
  // Commander's own usage errors (unknown option, missing argument) throw instead of exiting 1.
  const override = (c: Command) => {
    c.exitOverride();
    for (const sub of c.commands) override(sub);
  };
  override(program);
  return program;
}

// A policy written in TypeScript loads under the built CLI too: esbuild strips its types.
useTypeScriptTransform(import.meta.resolve('esbuild'));

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and --version end here too, with status 0; the message is already printed.
      return e.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`reclaim-lab: error: ${msg}\n`);
    if (process.env.RECLAIM_LAB_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    return exitCodeOf(e);
  }
}

export type { RunResult };

main(process.argv).then((code) => {
  process.exitCode = code;
});
