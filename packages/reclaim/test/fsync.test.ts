/**
 * fsync waits for the file's data to reach the disk: every write-back of
 * the file's folios it started, and those already in flight, complete
 * before the task goes on (`file_write_and_wait_range`).
 */
import { DEVICE_PRESETS, NS_PER_SEC, OP_FSYNC, OP_OPDONE, OP_THINK, OP_WRITE } from '@reclaim-lab/hw-model';
import { KIB_PER_PAGE } from '@reclaim-lab/mechanisms';
import { describe, expect, it } from 'vitest';
import type { ReclaimOps } from '../src/index.js';
import { runWithPolicy, scripted } from '../src/testing.js';

const hdd = DEVICE_PRESETS.hdd;
/** A policy of default hooks only (one FIFO list): fsync is the core's. */
const policy = (): ReclaimOps<unknown> => ({ name: 'defaults' });
const nsPerPage = NS_PER_SEC / hdd.pagesPerSec;

function writeThenFsync(pages: number, before: [number, number, number][] = []) {
  const events: [number, number, number][] = [...before];
  for (let i = 0; i < pages; i++) events.push([OP_WRITE, 0, i]);
  events.push([OP_FSYNC, 0, 0], [OP_OPDONE, 0, 0]);
  return runWithPolicy(
    policy(),
    [{ name: 'writer', regions: [{ kind: 'file-fd', file: 0, pages: 1024 }], source: scripted(events) }],
    [{ name: 'data', pages: 1024 }],
    { memoryPages: 8192, machine: { disk: hdd } },
  ).r;
}

describe('fsync', () => {
  it('waits until the last of its writes completes, not the first', () => {
    const pages = 400;
    const r = writeThenFsync(pages);
    const task = r.tasks[0];
    // The disk writes the pages one after another, then the last write's latency.
    const lastDone = pages * nsPerPage + hdd.writeLatencyNs;
    expect(task.ioWaitNs).toBeGreaterThanOrEqual(lastDone * 0.95);
    expect(task.runtimeNs).toBeGreaterThanOrEqual(lastDone);
    expect(task.runtimeNs).toBeLessThan(lastDone * 1.1);
    expect(r.counters.pgpgout).toBe(pages * KIB_PER_PAGE);
  });

  it('with nothing dirty returns at once', () => {
    const r = writeThenFsync(0);
    expect(r.tasks[0].ioWaitNs).toBe(0);
  });

  it('also waits for write-back already in flight when it is called', () => {
    // Pages dirtied at time 0 expire after dirty_expire (30 s); the flusher
    // wakeup at 30 s writes them all. An fsync 1 ms later finds them under
    // write-back and must wait for the disk to finish them.
    const pages = 300;
    const fsyncAt = 30 * NS_PER_SEC + 1_000_000;
    const events: [number, number, number][] = [];
    for (let i = 0; i < pages; i++) events.push([OP_WRITE, 0, i]);
    // Event arguments are 32-bit: think in steps of a second.
    for (let s = 0; s < 30; s++) events.push([OP_THINK, 0, NS_PER_SEC]);
    events.push([OP_THINK, 0, fsyncAt - 30 * NS_PER_SEC], [OP_FSYNC, 0, 0], [OP_OPDONE, 0, 0]);
    const r = runWithPolicy(
      policy(),
      [{ name: 'writer', regions: [{ kind: 'file-fd', file: 0, pages: 1024 }], source: scripted(events) }],
      [{ name: 'data', pages: 1024 }],
      { memoryPages: 8192, machine: { disk: hdd } },
    ).r;
    expect(r.counters.flusher_pages).toBe(pages);
    expect(r.counters.pgpgout).toBe(pages * KIB_PER_PAGE);
    const lastDone = 30 * NS_PER_SEC + pages * nsPerPage + hdd.writeLatencyNs;
    expect(r.tasks[0].runtimeNs).toBeGreaterThanOrEqual(lastDone);
    // The writes themselves took the task some CPU time past `fsyncAt`; the wait is the rest.
    expect(r.tasks[0].ioWaitNs).toBeGreaterThan((lastDone - fsyncAt) * 0.9);
  });
});
