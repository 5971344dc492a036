import { resolve } from 'node:path';
import { mergeSweepDirs } from '@reclaim-lab/harness';
import type { Command } from 'commander';
import { formatOption, printComparison } from './sweep.js';

interface MergeFlags {
  out?: string;
  allowPartial?: boolean;
  format: string;
}

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description(
      'combine sweep directories (shards of one sweep) into one comparison report: JSON, Markdown, HTML and text',
    )
    .argument('<dirs...>', 'sweep directories written by `sweep --out`')
    .option('--out <dir>', 'where to write the reports (default: the first directory)')
    .option('--allow-partial', 'report on the cells present even if some are missing')
    .addOption(formatOption())
    .action(async (dirs: string[], opts: MergeFlags) => {
      const { comparison, loaded, written } = await mergeSweepDirs(
        dirs.map((d) => resolve(d)),
        { ...(opts.out ? { out: resolve(opts.out) } : {}), allowPartial: opts.allowPartial === true },
      );
      const found = loaded.manifest.cells.length - loaded.missing.length;
      process.stderr.write(
        `merge: ${found} of ${loaded.manifest.cells.length} cells from ${dirs.length} director${dirs.length === 1 ? 'y' : 'ies'}\n`,
      );
      printComparison(comparison, opts.format);
      process.stderr.write(`reports written: ${Object.values(written).join(', ')}\n`);
    });
}
