#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RunResult } from '@reclaim-lab/reclaim';
import { Command, CommanderError } from 'commander';
import pc from 'picocolors';
import { oneLine } from './bad-input.js';
import { registerAblate } from './commands/ablate.js';
import { registerCompare } from './commands/compare.js';
import { registerList } from './commands/list.js';
import { registerMerge } from './commands/merge.js';
import { registerRun } from './commands/run.js';
import { registerSweep } from './commands/sweep.js';
import { registerTrace } from './commands/trace.js';

/** One file per command under commands/; this file only wires them up. A fresh program per call, so tests can run it in-process. */
export function createProgram(): Command {
  const program = new Command('reclaim-lab')
    .description('Simulate Linux memory reclaim: one reclaim path, pluggable policies, agreed workloads.')
    // Commander's own errors (unknown flag, missing value) are thrown, not printed with the whole help.
    .exitOverride()
    .configureOutput({ writeErr: () => {}, outputError: () => {} });
  registerRun(program);
  registerCompare(program);
  registerList(program);
  registerSweep(program);
  registerMerge(program);
  registerAblate(program);
  registerTrace(program);
  for (const c of program.commands)
    c.exitOverride().configureOutput({ writeErr: () => {}, outputError: () => {} });
  return program;
}

/** Run the command line; bad input is one line on stderr and exit code 2, never a stack trace. */
export async function main(argv: string[]): Promise<number> {
  try {
    await createProgram().parseAsync(argv);
    return 0;
  } catch (e) {
    // --help and --version end through the same path, successfully.
    if (e instanceof CommanderError && e.exitCode === 0) return 0;
    process.stderr.write(pc.red(`reclaim-lab: error: ${oneLine(e)}\n`));
    if (process.env.RECLAIM_LAB_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    return 2;
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
