export type { LatencySummary, OomKill, PolicyExit, RunResult, TaskResult, TimeSeries } from './result.js';
