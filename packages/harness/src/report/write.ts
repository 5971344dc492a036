import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Comparison } from '../stats/index.js';
import { renderCsv } from './csv.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './markdown.js';
import { loadPlotting } from './plots.js';
import { renderTerminal } from './terminal.js';

export type ReportFormat = 'json' | 'markdown' | 'html' | 'text' | 'csv';

export const REPORT_FORMATS: readonly ReportFormat[] = ['json', 'markdown', 'html', 'text', 'csv'];

const EXTENSION: Record<ReportFormat, string> = {
  json: 'json',
  markdown: 'md',
  html: 'html',
  text: 'txt',
  csv: 'csv',
};

/** The report in one format; 'text' is the terminal table without colour; 'html' needs `await loadPlotting()` first. */
export function renderReport(c: Comparison, format: ReportFormat): string {
  switch (format) {
    case 'json':
      return renderJson(c);
    case 'markdown':
      return renderMarkdown(c);
    case 'html':
      return renderHtml(c);
    case 'text':
      return renderTerminal(c, { color: false });
    case 'csv':
      return renderCsv(c);
  }
}

/**
 * Write via a temporary name in the same directory, flush, then rename: the
 * final name only ever holds a complete file, even if the process dies midway.
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(data, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export interface WriteReportsOptions {
  /** File name without extension; 'report' by default. */
  basename?: string;
}

/** Render each format and write it atomically into `dir` (created if missing); returns the paths by format. */
export async function writeReports(
  c: Comparison,
  dir: string,
  formats: readonly ReportFormat[],
  options: WriteReportsOptions = {},
): Promise<Partial<Record<ReportFormat, string>>> {
  await mkdir(dir, { recursive: true });
  if (formats.includes('html')) await loadPlotting();
  const name = options.basename ?? 'report';
  const written: Partial<Record<ReportFormat, string>> = {};
  for (const format of new Set(formats)) {
    const path = join(dir, `${name}.${EXTENSION[format]}`);
    await writeFileAtomic(path, renderReport(c, format));
    written[format] = path;
  }
  return written;
}
