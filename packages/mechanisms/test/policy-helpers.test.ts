import { defaultMachineConfig, Machine, PG_FILE, Rng } from '@reclaim-lab/hw-model';
import {
  EvictionBatch,
  GhostFifo,
  type IterVerdict,
  listIterate,
  listSample,
  PageField,
  World,
} from '@reclaim-lab/mechanisms';
import { describe, expect, it } from 'vitest';

/** A world with one lruvec and `lists` lists, filled round-robin with the first `n` frames (pfn 0 added first). */
function setup(n: number, lists = 1, memory = 1024) {
  const world = new World(new Machine(defaultMachineConfig(memory)));
  const lv = world.lruvec(world.machine.rootMemcg, 0);
  const ids = Array.from({ length: lists }, (_, i) => world.lists.create(lv.id, `l${i}`));
  for (let p = 0; p < n; p++) world.lists.addHead(ids[p % lists], p);
  return { world, lv, ids, ctx: { lists: world.lists, rng: new Rng(1), lruvec: lv, world } };
}

describe('EvictionBatch', () => {
  it('holds at most nr distinct folios and forgets them at the next begin', () => {
    const out = new Int32Array(8);
    const b = new EvictionBatch().begin(out, 3);
    expect(b.add(5)).toBe(true);
    expect(b.add(5)).toBe(false);
    expect(b.add(2000)).toBe(true);
    expect(b.add(7)).toBe(true);
    expect(b.full).toBe(true);
    expect(b.add(9)).toBe(false);
    expect([...out.subarray(0, b.n)]).toEqual([5, 2000, 7]);
    b.begin(out, 100);
    expect(b.nr).toBe(8);
    expect(b.has(5)).toBe(false);
  });
});

describe('listIterate (cache_ext list_iterate)', () => {
  it('proposes from the tail, oldest first, and stops when the batch is full', () => {
    const { world, ids } = setup(10);
    const b = new EvictionBatch().begin(new Int32Array(4), 4);
    expect(listIterate(world.lists, ids[0], b)).toBe(4);
    expect([...b.out]).toEqual([0, 1, 2, 3]);
  });

  it('walks from the head when asked (MRU)', () => {
    const { world, ids } = setup(10);
    const b = new EvictionBatch().begin(new Int32Array(3), 3);
    listIterate(world.lists, ids[0], b, undefined, 'head');
    expect([...b.out]).toEqual([9, 8, 7]);
  });

  it('lets the callback give a second chance by moving the folio, without meeting it twice in one walk', () => {
    const { world, ids } = setup(6);
    const seen: number[] = [];
    const b = new EvictionBatch().begin(new Int32Array(6), 6);
    const fn = (pfn: number): IterVerdict => {
      seen.push(pfn);
      if (pfn % 2 === 0) {
        world.lists.moveHead(ids[0], pfn);
        return 'continue';
      }
      return 'evict';
    };
    expect(listIterate(world.lists, ids[0], b, fn)).toBe(3);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    // A second walk skips what the batch already holds and meets the reinserted folios.
    seen.length = 0;
    listIterate(world.lists, ids[0], b, () => 'evict');
    expect([...b.out.subarray(0, b.n)]).toEqual([1, 3, 5, 0, 2, 4]);
  });

  it('ends the walk on stop', () => {
    const { world, ids } = setup(10);
    const b = new EvictionBatch().begin(new Int32Array(10), 10);
    listIterate(world.lists, ids[0], b, (pfn) => (pfn === 3 ? 'stop' : 'evict'));
    expect([...b.out.subarray(0, b.n)]).toEqual([0, 1, 2]);
  });
});

describe('listSample (cache_ext list_sample)', () => {
  it('takes the lowest score among the samples, never a folio scored Infinity, and no folio twice', () => {
    // 600 of 1024 frames on two lists: the dense (rejection) path.
    const { ids, ctx } = setup(600, 2);
    const b = new EvictionBatch().begin(new Int32Array(64), 64);
    const score = (pfn: number) => (pfn % 10 === 0 ? Number.POSITIVE_INFINITY : pfn);
    expect(listSample(ctx, ids, b, 32, score)).toBe(64);
    const picked = [...b.out];
    expect(new Set(picked).size).toBe(64);
    expect(picked.every((p) => p % 10 !== 0 && p < 600)).toBe(true);
    // Best of 32 uniform draws: the picks come from the low end.
    expect(picked.reduce((a, p) => a + p, 0) / 64).toBeLessThan(150);
  });

  it('samples a small list by walking it, and with as many samples as folios finds the exact order', () => {
    const { ids, ctx } = setup(20, 1, 4096);
    const b = new EvictionBatch().begin(new Int32Array(5), 5);
    listSample(ctx, ids, b, 20, (pfn) => 100 - pfn);
    expect([...b.out]).toEqual([19, 18, 17, 16, 15]);
  });

  it('depends only on the seeded generator', () => {
    const pick = () => {
      const { ids, ctx } = setup(700, 1);
      const b = new EvictionBatch().begin(new Int32Array(16), 16);
      listSample(ctx, ids, b, 4, (pfn) => (pfn * 7919) % 613);
      return [...b.out];
    };
    expect(pick()).toEqual(pick());
  });
});

describe('GhostFifo', () => {
  /** Fake page identities: frame i is page `index` of file `owner` (or anon when `anon`). */
  function frames(pages: { owner: number; index: number; anon?: boolean }[]) {
    const m = new Machine(defaultMachineConfig(Math.max(64, pages.length)));
    pages.forEach((p, i) => {
      m.frames.owner[i] = p.owner;
      m.frames.index[i] = p.index;
      m.frames.flags[i] = p.anon ? 0 : PG_FILE;
    });
    return m.frames;
  }

  it('remembers by owner and index, tells file from anon, and forgets on a hit', () => {
    const f = frames([
      { owner: 3, index: 10 },
      { owner: 3, index: 10, anon: true },
      { owner: 3, index: 11 },
    ]);
    const g = new GhostFifo(8);
    g.push(f, 0, 42);
    expect(g.has(f, 0)).toBe(true);
    expect(g.has(f, 1)).toBe(false);
    expect(g.has(f, 2)).toBe(false);
    expect(g.takeValue(f, 0)).toBe(42);
    expect(g.take(f, 0)).toBe(false);
    expect(g.size).toBe(0);
  });

  it('forgets the oldest entry when full and says so', () => {
    const f = frames(Array.from({ length: 10 }, (_, i) => ({ owner: 1, index: i })));
    const g = new GhostFifo(4);
    for (let i = 0; i < 4; i++) expect(g.push(f, i)).toBe(false);
    expect(g.push(f, 4)).toBe(true);
    expect(g.has(f, 0)).toBe(false);
    expect([1, 2, 3, 4].every((i) => g.has(f, i))).toBe(true);
    expect(g.size).toBe(4);
    expect(new GhostFifo(0).push(f, 0)).toBe(false);
  });

  it('admit looks the new page up before the held-back pushes of the evictions it caused', () => {
    // Capacity 2, holding pages 0 and 1. Evicting 2 and 3 for the miss on 0
    // would push 0 out with push(); with pushLater() the miss finds it first.
    const f = frames([0, 1, 2, 3, 4].map((i) => ({ owner: 1, index: i })));
    const g = new GhostFifo(2);
    g.push(f, 0);
    g.push(f, 1);
    g.pushLater(f, 2);
    g.pushLater(f, 3);
    expect(g.heldBack).toBe(2);
    expect(g.admit(f, 0)).toBe(true);
    expect(g.heldBack).toBe(0);
    // Then the held-back pages went in, oldest first: 1 was forgotten for them.
    expect([1, 2, 3].map((p) => g.has(f, p))).toEqual([false, true, true]);
    // A page still held back is found too, and not remembered twice.
    g.pushLater(f, 4);
    expect(g.admit(f, 4)).toBe(true);
    expect(g.has(f, 4)).toBe(false);
    expect(g.size).toBe(2);
  });

  it('agrees with a reference model over a long random run (growth, hits, duplicates, wrap-around)', () => {
    const n = 3000;
    const f = frames(
      Array.from({ length: n }, (_, i) => ({ owner: i % 7, index: Math.floor(i / 7), anon: i % 3 === 0 })),
    );
    const cap = 700;
    const g = new GhostFifo(cap);
    // Reference: the live keys in push order, at most `cap` of them.
    const model: { pfn: number; value: number }[] = [];
    const rng = new Rng(9);
    for (let step = 0; step < 15_000; step++) {
      const pfn = rng.int(n);
      const i = model.findIndex((e) => e.pfn === pfn);
      if (rng.next() < 0.6) {
        const value = rng.int(1 << 20);
        if (i !== -1) model.splice(i, 1);
        model.push({ pfn, value });
        const dropped = model.length > cap;
        if (dropped) model.shift();
        expect(g.push(f, pfn, value)).toBe(dropped);
      } else {
        expect(g.takeValue(f, pfn)).toBe(i === -1 ? -1 : model[i].value);
        if (i !== -1) model.splice(i, 1);
      }
      if (step % 1000 === 0) expect(g.size).toBe(model.length);
    }
  });
});

describe('PageField', () => {
  it('packs fields side by side, saturates, and leaves neighbours alone', () => {
    const w = new Uint32Array(2);
    const A = new PageField(0, 3);
    const B = A.next(1);
    const C = B.next(28);
    expect(C.end).toBe(32);
    C.set(w, 1, C.max);
    expect(A.inc(w, 1, 5)).toBe(5);
    expect(A.inc(w, 1, 5)).toBe(7);
    expect(A.dec(w, 1, 9)).toBe(0);
    B.set(w, 1, 1);
    expect(C.get(w, 1)).toBe(2 ** 28 - 1);
    expect(B.get(w, 1)).toBe(1);
    expect(w[0]).toBe(0);
    const whole = new PageField(0, 32);
    whole.set(w, 0, 0xffffffff);
    expect(whole.get(w, 0)).toBe(0xffffffff);
    expect(() => new PageField(30, 3)).toThrow();
  });
});
