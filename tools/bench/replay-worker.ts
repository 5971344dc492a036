/**
 * The trace-replay bench, run in a worker thread of its own: a fresh V8
 * isolate, whose type feedback has seen only the replay — as a
 * `reclaim-lab run --trace` process's has. Run after the other benches in
 * one isolate, the replay's call sites have seen every policy and machine
 * those used, and it measures that mixture instead.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { benchTraceReplay } from '@reclaim-lab/harness';

parentPort?.postMessage(await benchTraceReplay((workerData as { requests: number }).requests));
