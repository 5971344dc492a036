/**
 * The trace-replay bench, run as a process of its own (`node
 * replay-process.js REQUESTS`, figures as JSON on stdout): a fresh V8
 * isolate, whose type feedback has seen only the replay, and a fresh
 * heap — as a `reclaim-lab run --trace` process has. Run after the other
 * benches in one isolate, the replay's call sites had seen every policy and
 * machine those used (15 M/s here). In a worker thread of the bench's
 * process, with the main thread idle, it still ran a fifth slower than in a
 * new process (18.7-19.1 against 22.4-24.9 M/s, same machine, same hour);
 * the other benches had been through that process's memory.
 */
import { benchTraceReplay } from '@reclaim-lab/harness';

process.stdout.write(`${JSON.stringify(await benchTraceReplay(Number(process.argv[2])))}\n`);
