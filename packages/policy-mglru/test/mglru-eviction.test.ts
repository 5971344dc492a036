import {
  idealMachineConfig,
  OP_LOAD,
  OP_READ,
  OP_STORE,
  OP_THINK,
  OP_WRITE,
  PG_REFERENCED,
  PG_WORKINGSET,
  Rng,
  type TaskSpec,
} from '@reclaim-lab/hw-model';
import { Aging, createMglru, Eviction, Layout, resolveMglruOptions } from '@reclaim-lab/policy-mglru';
import { Kernel, ScanControl } from '@reclaim-lab/reclaim';
import { generated } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';
import { checkMglruState, mglruKernel, rootCtx, runWorkload } from './helpers.js';

const MEM = 4096;

function passes(op: number, region: number, pages: number, n: number): TaskSpec['source'] {
  return generated((i) => (i < pages * n ? [op, region, i % pages] : null));
}

describe('MGLRU eviction', () => {
  it('with swappiness 0 evicts only file pages: anon is not an evictable type (for_each_evictable_type)', () => {
    const anon = Math.floor(MEM * 0.4);
    const file = MEM * 2;
    const k = mglruKernel(MEM, { swappiness: 0 });
    const r = runWorkload(k, {
      files: [{ name: 'data', pages: file }],
      tasks: [
        { name: 'anon', regions: [{ kind: 'anon', pages: anon }], source: passes(OP_STORE, 0, anon, 3) },
        {
          name: 'reader',
          regions: [{ kind: 'file-fd', file: 0, pages: file }],
          source: passes(OP_READ, 0, file, 2),
          startNs: 1e6,
        },
      ],
    });
    expect(r.counters.pgsteal_file).toBeGreaterThan(file);
    expect(r.counters.pgsteal_anon).toBe(0);
    expect(r.counters.pgscan_anon).toBe(0);
    expect(r.counters.pswpout).toBe(0);
  });

  it('with swappiness 201 (memory.reclaim swappiness=max) evicts only anon pages', () => {
    const anon = Math.floor(MEM * 0.3);
    const file = Math.floor(MEM * 0.3);
    const k = mglruKernel(MEM);
    const r = runWorkload(k, {
      files: [{ name: 'data', pages: file }],
      tasks: [
        {
          name: 'app',
          regions: [
            { kind: 'anon', pages: anon },
            { kind: 'file-fd', file: 0, pages: file },
          ],
          source: generated((i) =>
            i < anon
              ? [OP_STORE, 0, i]
              : i < anon + file
                ? [OP_READ, 1, i - anon]
                : i < anon + file + 50
                  ? [OP_THINK, 0, 2e6]
                  : null,
          ),
        },
      ],
      proactive: [{ atNs: 50e6, memcg: '/', pages: 256, swappiness: 201 }],
    });
    expect(r.counters.pgsteal_anon).toBeGreaterThanOrEqual(256);
    expect(r.counters.pgsteal_file).toBe(0);
    expect(r.counters.pgscan_file).toBe(0);
  });

  it('counts pgscan as the pages it isolated (not those it looked at) and pgrefill as those it sorted in place', () => {
    const k = mglruKernel(MEM);
    let isolated = 0;
    const isolateOne = k.isolateOne.bind(k);
    k.isolateOne = (ctx, pfn, sc) => {
      const ok = isolateOne(ctx, pfn, sc);
      if (ok) isolated++;
      return ok;
    };
    const hot = Math.floor(MEM * 0.3);
    const file = MEM * 2;
    const r = runWorkload(k, {
      files: [
        { name: 'hot', pages: hot },
        { name: 'stream', pages: file },
      ],
      tasks: [
        {
          name: 'app',
          regions: [
            { kind: 'file-fd', file: 0, pages: hot },
            { kind: 'file-fd', file: 1, pages: file },
            { kind: 'anon', pages: hot },
          ],
          // Hot file read 3 times per round (protected tiers), a stream, and anon.
          source: generated((i) => {
            const round = Math.floor(i / (hot * 4 + 1024));
            if (round >= 8) return null;
            const j = i % (hot * 4 + 1024);
            if (j < hot * 3) return [OP_READ, 0, j % hot];
            if (j < hot * 4) return [OP_STORE, 2, j - hot * 3];
            return [OP_READ, 1, (round * 1024 + j - hot * 4) % file];
          }),
        },
      ],
    });
    const c = r.counters;
    expect(isolated).toBeGreaterThan(MEM);
    expect(c.pgscan_anon + c.pgscan_file).toBe(isolated);
    expect(c.pgscan_kswapd + c.pgscan_direct).toBe(isolated);
    expect(c.pgrefill).toBeGreaterThan(0);
    expect(c.pgsteal_anon + c.pgsteal_file).toBeLessThanOrEqual(isolated);
  });

  it('look-around promotes the young neighbours of a young PTE that eviction met through rmap', () => {
    const run = (lookaround: boolean) => {
      const ops = createMglru({ ptwalk: false, lookaround });
      const pages = 128;
      const k = mglruKernel(MEM, {}, {}, { policy: ops, untilNs: 20e6 });
      k.load({
        files: [],
        memcgs: [],
        tasks: [
          {
            name: 'a',
            regions: [{ kind: 'anon', pages }],
            source: generated((i) =>
              i < pages ? [OP_STORE, 0, i] : i < pages + 10 ? [OP_THINK, 0, 10e6] : null,
            ),
          },
        ],
      });
      k.run();
      const ctx = rootCtx(k);
      const st = ctx.state;
      const L = new Layout(4, 4);
      const f = k.machine.frames;
      const mm = k.tasks[0].mm;
      const pfnAt = (i: number) => mm.pte[mm.vmas[0].start + i] - 1;
      // Two new generations without a walk: the faulted pages are now the oldest, all PTEs still young.
      const aging = new Aging(L, resolveMglruOptions({ ptwalk: false }));
      const sc = new ScanControl();
      aging.incMaxSeq(ctx, st.maxSeq, 60);
      aging.incMaxSeq(ctx, st.maxSeq, 60);
      const oldest = st.minSeq[0] % 4;
      expect(L.genOf(f.policy[pfnAt(100)])).toBe(oldest);
      // The second half was seen once before (PG_referenced).
      for (let i = 64; i < pages; i++) f.flags[pfnAt(i)] |= PG_REFERENCED;
      // One batch of direct reclaim: the 64 oldest pages (0..63) are isolated and walked by rmap.
      sc.reset('direct', null, 0, 32);
      sc.priority = 6;
      ops.shrink!(ctx, sc);
      checkMglruState(k);
      const youngest = st.maxSeq % 4;
      const promoted: number[] = [];
      for (let i = 64; i < pages; i++) {
        const pfn = pfnAt(i);
        if (L.genOf(f.policy[pfn]) === youngest && f.flags[pfn] & PG_WORKINGSET) promoted.push(i);
        else expect(L.genOf(f.policy[pfn])).toBe(oldest);
      }
      return { promoted, k };
    };
    const on = run(true);
    // Windows around pages 0..63 reach up to page 94.
    expect(on.promoted).toEqual(Array.from({ length: 31 }, (_, i) => 64 + i));
    expect(on.k.world.counters.get('lookaround_young')).toBeGreaterThanOrEqual(31);
    const off = run(false);
    expect(off.promoted).toEqual([]);
    expect(off.k.world.counters.get('lookaround_ptes')).toBe(0);
  });
});

describe("dirty page cache (sort_folio vs. Kairui Song's 2026 series)", () => {
  const run = (dirtyHandling: 'nextGen' | 'activate') => {
    const file = MEM * 2;
    // Lazy flushers, so dirty folios reach the oldest generation.
    const k = mglruKernel(
      MEM,
      { dirtyBackgroundRatio: 80, dirtyRatio: 95, dirtyExpireNs: 1e12, dirtyWritebackIntervalNs: 1e12 },
      { dirtyHandling },
    );
    return runWorkload(k, {
      files: [{ name: 'out', pages: file }],
      tasks: [
        {
          name: 'w',
          regions: [{ kind: 'file-fd', file: 0, pages: file }],
          source: generated((i) => (i < file * 2 ? [i % 2 ? OP_WRITE : OP_READ, 0, i % file] : null)),
        },
      ],
    }).counters;
  };

  it("'nextGen' moves dirty folios to the next generation without isolating them and wakes the flushers; they rotate back when written", () => {
    const c = run('nextGen');
    expect(c.pgrefill).toBeGreaterThan(MEM);
    expect(c.pgactivate).toBe(0);
    // Nothing dirty ever reached shrink_folio_list: every isolated folio was freed.
    expect(c.pgscan_file).toBe(c.pgsteal_file);
    expect(c.flusher_pages).toBeGreaterThan(MEM);
    expect(c.pgrotated).toBeGreaterThan(MEM);
  });

  it("'activate' isolates dirty folios and re-activates them after shrink_folio_list, as the classic LRU does", () => {
    const c = run('activate');
    const n = run('nextGen');
    expect(c.pgactivate).toBeGreaterThan(MEM);
    expect(c.nr_vmscan_immediate_reclaim).toBeGreaterThan(MEM);
    expect(c.pgscan_file).toBeGreaterThan(c.pgsteal_file);
    expect(c.pgrotated).toBeGreaterThan(MEM);
    expect(Math.abs(c.pgsteal_file - n.pgsteal_file)).toBeLessThan(n.pgsteal_file * 0.01);
  });
});

describe('ideal mode', () => {
  it('evicts exactly one page each time memory is full (batches of sc.batch = 1, not MIN_LRU_BATCH)', () => {
    for (const kind of ['anon', 'file'] as const) {
      const pages = 512;
      const n = 2000;
      const ops = createMglru();
      const shrink = ops.shrink!;
      let maxFree = 0;
      const k = new Kernel({
        machine: idealMachineConfig(pages),
        policy: ops,
        seed: 1,
        watchdog: { abortOnEject: true },
      });
      ops.shrink = (ctx, sc) => {
        const r = shrink(ctx, sc);
        maxFree = Math.max(maxFree, k.machine.freePages());
        return r;
      };
      const rng = new Rng(2);
      k.load({
        files: [{ name: 'f', pages: n }],
        memcgs: [],
        tasks: [
          {
            name: 't',
            regions: [kind === 'anon' ? { kind: 'anon', pages: n } : { kind: 'file-fd', file: 0, pages: n }],
            source: generated((i) =>
              i < 50_000 ? [kind === 'anon' ? OP_LOAD : OP_READ, 0, Math.floor(n * rng.next() ** 3)] : null,
            ),
          },
        ],
      });
      const r = k.run();
      expect(r.counters.oom_kill).toBe(0);
      expect(r.counters.pgsteal_anon + r.counters.pgsteal_file).toBeGreaterThan(pages);
      expect(maxFree).toBe(1);
    }
  });
});

describe('Bloom filters in the aging walk', () => {
  it('make a sparse address space cost fewer PTE visits, with the same eviction result within 5 % (25 % for the sparse task)', () => {
    const run = (bloom: boolean) => {
      const sparsePmds = 128;
      const stride = 32;
      const sparse = sparsePmds * 512;
      const touched = sparse / stride;
      const stream = Math.floor(MEM * 4.8);
      const k = mglruKernel(MEM, { swapPages: MEM * 8 }, { bloom });
      const r = runWorkload(k, {
        tasks: [
          {
            // 16 pages per PMD (under one per cache line), touched over and over.
            name: 'sparse',
            regions: [{ kind: 'anon', pages: sparse }],
            source: generated((i) => {
              const per = touched + 1;
              if (i >= per * 200) return null;
              const j = i % per;
              // The first round stores (a load of untouched anon would map the zero page).
              const op = i < per ? OP_STORE : OP_LOAD;
              return j === touched ? [OP_THINK, 0, 1e6] : [op, 0, ((j * 7) % touched) * stride];
            }),
          },
          {
            name: 'stream',
            regions: [{ kind: 'anon', pages: stream }],
            source: generated((i) => (i < stream ? [OP_STORE, 0, i] : null)),
          },
        ],
      });
      return { c: r.counters, sparseFaults: r.tasks[0].majorFaults };
    };
    const on = run(true);
    const off = run(false);
    expect(on.c.pt_walk_pmds_bloom_skipped).toBeGreaterThan(0);
    expect(off.c.pt_walk_pmds_bloom_skipped).toBe(0);
    expect(on.c.pt_walk_ptes).toBeLessThan(off.c.pt_walk_ptes * 0.5);
    const steal = (c: typeof on.c) => c.pgsteal_anon + c.pgsteal_file;
    expect(Math.abs(steal(on.c) - steal(off.c))).toBeLessThan(steal(off.c) * 0.05);
    expect(Math.abs(on.sparseFaults - off.sparseFaults)).toBeLessThan(off.sparseFaults * 0.25);
  });
});

describe('min_ttl (lru_gen_age_node)', () => {
  const BIG = 8192;
  const run = (anonFraction: number, minTtlMs: number, reader: boolean) => {
    const pages = Math.floor(BIG * anonFraction);
    const k = mglruKernel(BIG, { swapPages: BIG * 4 }, { minTtlMs });
    const tasks: TaskSpec[] = [
      {
        name: 'hog',
        startNs: 100e6,
        regions: [{ kind: 'anon', pages }],
        // Stored first, then half loads (a load of untouched anon would map the zero page).
        source: generated((i) =>
          i < pages * 4 ? [i >= pages && i % 2 ? OP_LOAD : OP_STORE, 0, i % pages] : null,
        ),
      },
    ];
    if (reader) {
      tasks.push({
        name: 'reader',
        startNs: 100e6,
        regions: [{ kind: 'file-fd', file: 0, pages: BIG * 2 }],
        source: passes(OP_READ, 0, BIG * 2, 2),
      });
    }
    return runWorkload(k, { files: [{ name: 'f', pages: BIG * 2 }], tasks });
  };

  it('turns a working set that cannot fit into an OOM kill of kind min_ttl instead of thrashing', () => {
    const thrash = run(1.5, 0, false);
    expect(thrash.oomKills).toEqual([]);
    expect(thrash.counters.pswpin).toBeGreaterThan(BIG);
    const killed = run(1.5, 50, false);
    expect(killed.oomKills.length).toBe(1);
    expect(killed.oomKills[0].kind).toBe('min_ttl');
    expect(killed.oomKills[0].task).toBe('hog');
    expect(killed.counters.pswpin).toBeLessThan(thrash.counters.pswpin / 4);
  });

  it('leaves a working set that fits alone, even while a stream of reads keeps reclaim busy', () => {
    const r = run(0.6, 50, true);
    expect(r.oomKills).toEqual([]);
    expect(r.counters.pgsteal_file).toBeGreaterThan(BIG);
    expect(r.counters.pswpin).toBe(0);
  });
});

describe('the mm_walk context (set_mm_walk / clear_mm_walk)', () => {
  it('memcg reclaim sets it up per lruvec: a walk owned after aging one group is not lent to the next', () => {
    const k = mglruKernel(MEM);
    k.load({ files: [], memcgs: [{ path: '/a' }, { path: '/b' }], tasks: [] });
    const opts = resolveMglruOptions();
    const L = new Layout(opts.gens, opts.tiers);
    const aging = new Aging(L, opts);
    const eviction = new Eviction(L, opts, aging);
    const a = k.machine.memcgs.find((m) => m.path === '/a') as (typeof k.machine.memcgs)[number];
    const ctx = k.ctxOf(k.world.lruvec(a, 0)) as unknown as Parameters<Eviction['shrink']>[0];
    // Protected by memory.min: get_nr_to_scan gives up at once, so shrink neither ages nor scans.
    a.emin = 1;
    const sc = new ScanControl().reset('direct', a, 0, 32);
    aging.walkOwned = true;
    eviction.shrink(ctx, sc);
    expect(aging.walkOwned).toBe(false);
    // Proactive reclaim (memory.reclaim) always has one.
    sc.proactive = true;
    eviction.shrink(ctx, sc);
    expect(aging.walkOwned).toBe(true);
    // Root reclaim keeps the node pass's walk across memcgs.
    const root = new ScanControl().reset('direct', null, 0, 32);
    aging.walkOwned = true;
    eviction.shrink(ctx, root);
    expect(aging.walkOwned).toBe(true);
  });
});
