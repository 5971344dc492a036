#!/usr/bin/env node
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { useBundledPackages, useTypeScriptTransform } from '@reclaim-lab/harness';
import type { RunResult } from '@reclaim-lab/reclaim';
import { Command, CommanderError } from 'commander';
import pc from 'picocolors';
import { oneLine } from './bad-input.js';
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
  'LruOptionError',
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

/**
 * One file per command under commands/; this file only wires them up. A
 * fresh program per call, so tests can run it in-process.
 */
export function createProgram(): Command {
  const program = new Command('reclaim-lab')
    .description('Simulate Linux memory reclaim: one reclaim path, pluggable policies, agreed workloads.')
    .version(VERSION, '-V, --version', 'print the version and exit')
    .configureHelp({ showGlobalOptions: true });
  registerRun(program);
  registerCompare(program);
  registerList(program);
  registerSweep(program);
  registerMerge(program);
  registerAblate(program);
  registerTrace(program);
  registerMrc(program);
  registerReal(program);
  // Commander's own usage errors (unknown option, missing argument) throw
  // instead of exiting, and are printed by `main` as one line, not with the help.
  const override = (c: Command) => {
    c.exitOverride().configureOutput({ writeErr: () => {}, outputError: () => {} });
    for (const sub of c.commands) override(sub);
  };
  override(program);
  return program;
}

// A policy written in TypeScript loads under the built CLI too: esbuild strips its types.
useTypeScriptTransform(import.meta.resolve('esbuild'));
// In the bundled CLI (dist/bundle, see bundle.mjs) a policy's @reclaim-lab imports get the bundle's modules.
const bundledPackages = new URL('./packages.json', import.meta.url);
if (existsSync(bundledPackages)) {
  const files = JSON.parse(readFileSync(bundledPackages, 'utf8')) as Record<string, string>;
  useBundledPackages(
    Object.fromEntries(
      Object.entries(files).map(([name, file]) => [name, new URL(file, import.meta.url).href]),
    ),
  );
}

/** Run the command line; bad input is one line on stderr and exit code 2, never a stack trace. */
export async function main(argv: string[]): Promise<number> {
  try {
    await createProgram().parseAsync(argv);
    return 0;
  } catch (e) {
    // --help and --version end through the same path, successfully.
    if (e instanceof CommanderError && e.exitCode === 0) return 0;
    const red = pc.createColors(colorEnabled(process.stderr)).red;
    process.stderr.write(red(`reclaim-lab: error: ${oneLine(e)}\n`));
    if (process.env.RECLAIM_LAB_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    return e instanceof CommanderError ? EXIT_USAGE : exitCodeOf(e);
  }
}

export type { RunResult };

const invoked =
  process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked) {
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
