/**
 * Fault-around (`do_fault_around` → `filemap_map_pages`): a read fault on a
 * file mapping maps the cached pages of its aligned 16-page block at once,
 * so a sequential pass over a cached file takes one fault per block.
 */
import { defaultMachineConfig, OP_LOAD, OP_READ, OP_STORE, OP_THINK, PTE_YOUNG } from '@reclaim-lab/hw-model';
import { describe, expect, it } from 'vitest';
import { Kernel } from '../src/index.js';
import { generated } from '../src/testing.js';

const MEM = 8192;
const PAGES = 1024;

/** Read a file through a descriptor (caching it), then touch `touches` of its pages through a mapping. */
function mapAfterCaching(touches: number[], op = OP_LOAD, faultAroundPages?: number) {
  const k = new Kernel({
    machine: defaultMachineConfig(MEM, { faultAroundPages }),
    policy: { name: 'defaults' },
    seed: 1,
    checkInvariants: true,
    // Stop while the task sleeps, before its exit unmaps what we look at.
    untilNs: 1e9,
  });
  k.load({
    files: [{ name: 'data', pages: PAGES }],
    memcgs: [],
    tasks: [
      {
        name: 'reader',
        regions: [
          { kind: 'file-fd', file: 0, pages: PAGES },
          { kind: 'file-mapped', file: 0, pages: PAGES },
        ],
        source: generated((i) =>
          i < PAGES
            ? [OP_READ, 0, i]
            : i < PAGES + touches.length
              ? [op, 1, touches[i - PAGES]]
              : i === PAGES + touches.length
                ? [OP_THINK, -1, 2e9]
                : null,
        ),
      },
    ],
  });
  k.run();
  const task = k.tasks[0];
  const vma = task.mm.vmas[1];
  const mapped: number[] = [];
  for (let i = 0; i < PAGES; i++) if (task.mm.pte[vma.start + i] > 0) mapped.push(i);
  const young = mapped.filter((i) => task.mm.pteBits[vma.start + i] & PTE_YOUNG).length;
  return { task, mapped, young };
}

describe('fault-around', () => {
  it('maps the aligned 16-page block of cached pages around a read fault, young, for one minor fault', () => {
    const { task, mapped, young } = mapAfterCaching([37]);
    expect(mapped).toEqual(Array.from({ length: 16 }, (_, i) => 32 + i));
    expect(young).toBe(16);
    expect(task.minorFaults).toBe(1);
    expect(task.majorFaults).toBe(0);
  });

  it('a sequential pass over a cached mapping faults once per block', () => {
    const { task, mapped } = mapAfterCaching(Array.from({ length: PAGES }, (_, i) => i));
    expect(mapped.length).toBe(PAGES);
    expect(task.minorFaults).toBe(PAGES / 16);
  });

  it('a write fault maps only its own page, and faultAroundPages 1 turns it off', () => {
    expect(mapAfterCaching([37], OP_STORE).mapped).toEqual([37]);
    const off = mapAfterCaching(
      Array.from({ length: 64 }, (_, i) => i),
      OP_LOAD,
      1,
    );
    expect(off.task.minorFaults).toBe(64);
  });
});
