export {
  CSV_COLUMNS,
  type CsvRow,
  renderCsv,
  renderCsvRows,
  renderRunCsv,
  runRows,
  WHOLE_RUN,
} from './csv.js';
export {
  arrow,
  formatCi,
  formatDiff,
  formatNumber,
  formatPercent,
  formatScore,
  SEMANTICS_MARK,
  SIGNIFICANT_MARK,
} from './format.js';
export { escapeHtml, renderHtml } from './html.js';
export { buildJsonReport, JSON_SCHEMA, renderJson } from './json.js';
export { markdownTable, renderMarkdown } from './markdown.js';
export { PHASE_COLUMNS, type PhaseRow, phaseCells, phaseRows } from './phases.js';
export type { RenderedPlot } from './plots.js';
export {
  allPlots,
  latencyPlot,
  listsPlot,
  loadPlotting,
  metricBarPlot,
  missRatioCurvePlot,
  timeSeriesPlot,
} from './plots.js';
export { buildRunJson, RUN_JSON_SCHEMA, type RunJsonContext } from './run-json.js';
export type { TableCell, TableOptions, TableRow, WorkloadTable } from './table.js';
export { legend, workloadTable } from './table.js';
export type { TerminalOptions } from './terminal.js';
export { renderTerminal } from './terminal.js';
export type { ReportFormat, WriteReportsOptions } from './write.js';
export { REPORT_FORMATS, renderReport, writeFileAtomic, writeReports } from './write.js';
