import { OP_READ, OP_STORE, OP_THINK, PG_REFERENCED, PG_WORKINGSET, PTE_YOUNG } from '@reclaim-lab/hw-model';
import { Aging, createMglru, Layout, MglruState, resolveMglruOptions } from '@reclaim-lab/policy-mglru';
import { ScanControl } from '@reclaim-lab/reclaim';
import { generated } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';
import { checkMglruState, mglruKernel, rootCtx, runWorkload } from './helpers.js';

const MEM = 4096;

/** A state with hand-set sequences (list ids are fake: only sizes are read). */
function state(L: Layout, maxSeq: number, minAnon: number, minFile: number): MglruState {
  let id = 0;
  const st = new MglruState(L, () => id++, 0, false);
  st.maxSeq = maxSeq;
  st.minSeq[0] = minAnon;
  st.minSeq[1] = minFile;
  return st;
}

describe('MGLRU aging (should_run_aging / try_to_inc_max_seq / inc_max_seq)', () => {
  it('asks for a new generation only when too few remain: must with MIN_NR_GENS, should with one more, not with four', () => {
    const L = new Layout(4, 4);
    const aging = new Aging(L, resolveMglruOptions());
    expect(aging.shouldRunAging(state(L, 3, 0, 0), 60)).toBe(false);
    expect(aging.shouldRunAging(state(L, 3, 1, 1), 60)).toBe(true);
    expect(aging.shouldRunAging(state(L, 3, 2, 2), 60)).toBe(true);
    // Only evictable types count: with swappiness 0 anon's many generations do not matter.
    expect(aging.shouldRunAging(state(L, 5, 2, 3), 0)).toBe(true);
    expect(aging.shouldRunAging(state(L, 5, 2, 3), 60)).toBe(false);
    // swappiness 201: anon only.
    expect(aging.shouldRunAging(state(L, 5, 3, 2), 201)).toBe(true);
  });

  it('keeps at most MIN_NR_GENS + 2 generations under pressure even with room for eight (aging waits until too few remain)', () => {
    const ops = createMglru({ gens: 8 });
    const init = ops.init!;
    const agingEvents: { maxSeq: number; minSeq: number[] }[] = [];
    ops.init = (ictx) => {
      const st = init(ictx);
      let maxSeq = st.maxSeq;
      Object.defineProperty(st, 'maxSeq', {
        get: () => maxSeq,
        set: (v: number) => {
          agingEvents.push({ maxSeq, minSeq: [...st.minSeq] });
          maxSeq = v;
        },
      });
      return st;
    };
    const k = mglruKernel(MEM, {}, {}, { policy: ops });
    const anon = Math.floor(MEM * 1.5);
    runWorkload(k, {
      tasks: [
        {
          name: 'a',
          regions: [{ kind: 'anon', pages: anon }],
          source: generated((i) => (i < anon * 6 ? [OP_STORE, 0, (i * 5) % anon] : null)),
        },
      ],
    });
    expect(agingEvents.length).toBeGreaterThan(5);
    for (const e of agingEvents) {
      // Both types are evictable (swap is present): the older min_seq decides.
      expect(Math.min(e.minSeq[0], e.minSeq[1]) + 2).toBeGreaterThanOrEqual(e.maxSeq);
    }
  });

  it('makes no generation for a stream of reads: cold page cache enters the oldest generation and leaves from there', () => {
    const k = mglruKernel(MEM);
    const file = MEM * 3;
    const r = runWorkload(k, {
      files: [{ name: 'stream', pages: file }],
      tasks: [
        {
          name: 'r',
          regions: [{ kind: 'file-fd', file: 0, pages: file }],
          source: generated((i) => (i < file ? [OP_READ, 0, i] : null)),
        },
      ],
    });
    expect(r.counters.pgsteal_file).toBeGreaterThan(MEM);
    expect(r.counters.lru_gen_aging).toBe(0);
  });
});

describe('page-table accesses need two sightings (6.14+ folio_update_gen)', () => {
  it('a page whose PTE was young at two walks is promoted to max_seq with PG_workingset; one young at one walk is not', () => {
    const pages = 1024;
    const k = mglruKernel(MEM, {}, {}, { untilNs: 20e6 });
    k.load({
      files: [],
      memcgs: [],
      tasks: [
        {
          name: 'a',
          regions: [{ kind: 'anon', pages }],
          source: generated((i) =>
            i < pages ? [OP_STORE, 0, i] : i < pages + 100 ? [OP_THINK, 0, 10e6] : null,
          ),
        },
      ],
    });
    k.run();
    const ctx = rootCtx(k);
    const st = ctx.state;
    const L = new Layout(4, 4);
    const aging = new Aging(L, resolveMglruOptions());
    const sc = new ScanControl();
    const mm = k.tasks[0].mm;
    const vma = mm.vmas[0];
    const f = k.machine.frames;
    const pfnAt = (i: number) => mm.pte[vma.start + i] - 1;
    const faultGen = (st.maxSeq - 1) % 4;
    expect(L.genOf(f.policy[pfnAt(0)])).toBe(faultGen);

    // First walk: every PTE is young from its fault; one sighting only sets PG_referenced.
    expect(aging.tryToIncMaxSeq(ctx, st.maxSeq, 60, false, sc)).toBe(true);
    for (let i = 0; i < pages; i++) {
      expect(L.genOf(f.policy[pfnAt(i)])).toBe(faultGen);
      expect(f.flags[pfnAt(i)] & (PG_REFERENCED | PG_WORKINGSET)).toBe(PG_REFERENCED);
    }
    // The hardware sets the accessed bit of every other page again; the task ran.
    for (let i = 0; i < pages; i += 2) mm.pteBits[vma.start + i] |= PTE_YOUNG;
    mm.pmdYoung.fill(1);
    mm.usedNodes = -1;
    const youngest = st.maxSeq % 4;
    expect(aging.tryToIncMaxSeq(ctx, st.maxSeq, 60, false, sc)).toBe(true);
    for (let i = 0; i < pages; i++) {
      const pfn = pfnAt(i);
      if (i % 2 === 0) {
        expect(L.genOf(f.policy[pfn])).toBe(youngest);
        expect(f.flags[pfn] & (PG_REFERENCED | PG_WORKINGSET)).toBe(PG_WORKINGSET);
      } else {
        expect(L.genOf(f.policy[pfn])).toBe(faultGen);
        expect(f.flags[pfn] & (PG_REFERENCED | PG_WORKINGSET)).toBe(PG_REFERENCED);
      }
    }
    checkMglruState(k);
    // meminfo: the promoted half is in the two youngest generations ("active").
    const sizes = k.lruSizes(ctx.lruvec);
    expect(sizes.activeAnon).toBe(pages / 2);
    expect(sizes.inactiveAnon).toBe(pages / 2);
    expect(k.world.counters.get('lru_gen_walks')).toBe(2);
  });
});
