/**
 * mmap read-around (`do_sync_mmap_readahead`) reads 32 pages around a major
 * fault, but stops once a mapping's faults miss far more than they hit
 * (`mmap_miss` above MMAP_LOTSAMISS = 100): random access to a mapped file
 * larger than memory then reads just the faulting page.
 */
import { defaultMachineConfig, OP_LOAD, Rng } from '@reclaim-lab/hw-model';
import { KIB_PER_PAGE } from '@reclaim-lab/mechanisms';
import { createLru } from '@reclaim-lab/policy-lru';
import { Kernel } from '@reclaim-lab/reclaim';
import { generated } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

function randomMmapReads(faults: number, sequential = false, faultAroundPages = 16) {
  const pages = 65_536;
  const k = new Kernel({
    machine: defaultMachineConfig(8192, { faultAroundPages }),
    policy: createLru(),
    seed: 1,
  });
  const rng = new Rng(11);
  k.load({
    files: [{ name: 'big', pages }],
    memcgs: [],
    tasks: [
      {
        name: 'reader',
        regions: [{ kind: 'file-mapped', file: 0, pages }],
        source: generated((i) => (i < faults ? [OP_LOAD, 0, sequential ? i : rng.int(pages)] : null)),
      },
    ],
  });
  return k.run();
}

describe('mmap read-around and mmap_miss', () => {
  it('random faults over a large mapping stop reading around after about 100 misses (fault-around off)', () => {
    const r = randomMmapReads(5_000, false, 1);
    const major = r.tasks[0].majorFaults;
    expect(major).toBeGreaterThan(4_000);
    // At most ~100 windows of 32, then one page per fault.
    expect(r.counters.pgpgin / KIB_PER_PAGE).toBeLessThan(major + 110 * 32);
  });

  it('with fault-around, pages it maps that were never in the workingset count as hits and keep read-around on', () => {
    // `filemap_map_pages` takes one from mmap_miss for each such page: a fault
    // landing next to an earlier window makes up for a dozen misses.
    const r = randomMmapReads(5_000);
    const major = r.tasks[0].majorFaults;
    expect(major).toBeGreaterThan(4_000);
    expect(r.counters.pgpgin / KIB_PER_PAGE).toBeGreaterThan(major * 16);
  });

  it('sequential faults keep reading around: hits make up for the misses', () => {
    const r = randomMmapReads(20_000, true);
    // Read-around brings most pages in before they are touched: few major faults.
    expect(r.tasks[0].majorFaults).toBeLessThan(20_000 / 8);
  });
});
