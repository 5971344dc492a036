#!/usr/bin/env node
import type { RunResult } from '@reclaim-lab/reclaim';
import { Command } from 'commander';
import pc from 'picocolors';
import { registerAblate } from './commands/ablate.js';
import { registerCompare } from './commands/compare.js';
import { registerList } from './commands/list.js';
import { registerMerge } from './commands/merge.js';
import { registerMrc } from './commands/mrc.js';
import { registerReal } from './commands/real.js';
import { registerRun } from './commands/run.js';
import { registerSweep } from './commands/sweep.js';
import { registerTrace } from './commands/trace.js';

/** One file per command under commands/; this file only wires them up. */
const program = new Command('reclaim-lab')
  .description('Simulate Linux memory reclaim: one reclaim path, pluggable policies, agreed workloads.')
  .showHelpAfterError()
  .configureOutput({ outputError: (str, write) => write(pc.red(str)) });

registerRun(program);
registerCompare(program);
registerList(program);
registerSweep(program);
registerMerge(program);
registerAblate(program);
registerTrace(program);
registerMrc(program);
registerReal(program);

export async function main(argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`reclaim-lab: error: ${msg}\n`);
    if (process.env.RECLAIM_LAB_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    return 2;
  }
}

export type { RunResult };

main(process.argv).then((code) => {
  process.exitCode = code;
});
