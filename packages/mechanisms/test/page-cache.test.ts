import {
  defaultMachineConfig,
  idealMachineConfig,
  LRU_FILE,
  Machine,
  PG_DIRTY,
  PG_ISOLATED,
  PG_LRU,
} from '@reclaim-lab/hw-model';
import { packShadow, VM, World } from '@reclaim-lab/mechanisms';
import { describe, expect, it } from 'vitest';

/** A full machine of `frames` frames, each holding page i of a 16-page file, all isolated by reclaim. */
function fullOfIsolatedFilePages(frames: number, ideal = true) {
  const machine = new Machine(ideal ? idealMachineConfig(frames) : defaultMachineConfig(frames));
  const world = new World(machine);
  const lv = world.lruvec(machine.rootMemcg, 0);
  const file = machine.addFile('f', 16);
  for (let i = 0; i < frames; i++) {
    const pfn = machine.allocFrame(0);
    machine.rootMemcg.usage++;
    world.pageCacheInsert(file, i, pfn, machine.rootMemcg);
    machine.frames.lruvec[pfn] = lv.id;
    machine.frames.flags[pfn] |= PG_ISOLATED;
    lv.nrIsolated[LRU_FILE]++;
  }
  // A shadow waits where the incoming page goes: its refault must be seen.
  file.shadow[12] = packShadow(7, lv.id, false);
  file.nrShadows++;
  return { machine, world, lv, file };
}

/** Everything the two paths may touch, as plain values. */
function snapshot(s: ReturnType<typeof fullOfIsolatedFilePages>) {
  const f = s.machine.frames;
  return {
    frames: [f.flags, f.owner, f.index, f.memcg, f.mapcount, f.swapSlot, f.policy, f.lruvec].map((a) =>
      Array.from(a),
    ),
    cache: Array.from(s.file.cache),
    shadow: Array.from(s.file.shadow),
    nrCached: s.file.nrCached,
    nrShadows: s.file.nrShadows,
    usage: s.machine.rootMemcg.usage,
    free: s.machine.nodes[0].zone.free,
    freeTop: s.machine.nodes[0].freeTop,
    isolated: [...s.lv.nrIsolated],
    pgfree: s.world.counters.v[VM.pgfree],
  };
}

describe('World.replaceIsolatedCleanFile (ideal mode: one page evicted for another)', () => {
  it('is dropIsolatedCleanFile, allocFrame and pageCacheInsert in one call', () => {
    const general = fullOfIsolatedFilePages(4);
    const victim = general.file.cache[2] - 1;
    const left = packShadow(3, general.lv.id, true);
    general.world.dropIsolatedCleanFile(victim, left);
    const pfn = general.machine.allocFrame(0);
    expect(pfn).toBe(victim);
    general.machine.rootMemcg.usage++;
    const found = general.world.pageCacheInsert(general.file, 12, pfn, general.machine.rootMemcg);

    const fused = fullOfIsolatedFilePages(4);
    fused.machine.rootMemcg.usage++;
    expect(fused.world.replaceIsolatedCleanFile(victim, left, fused.file, 12, fused.machine.rootMemcg)).toBe(
      found,
    );
    expect(found).not.toBe(0);
    expect(snapshot(fused)).toEqual(snapshot(general));
    expect(fused.lv.nrIsolated[LRU_FILE]).toBe(3);
    expect(fused.world.counters.v[VM.pgfree]).toBe(1);
    // Page 2 left its shadow; page 12 sits in the victim's frame.
    expect(fused.file.shadow[2]).toBe(left);
    expect(fused.file.cache[12]).toBe(victim + 1);
  });

  it('does nothing for a folio the general path must handle, or when another frame would come back', () => {
    const dirty = fullOfIsolatedFilePages(4);
    const d = dirty.file.cache[1] - 1;
    dirty.machine.frames.flags[d] |= PG_DIRTY;
    const before = snapshot(dirty);
    expect(dirty.world.replaceIsolatedCleanFile(d, 0, dirty.file, 12, dirty.machine.rootMemcg)).toBe(-1);
    expect(snapshot(dirty)).toEqual(before);

    const onList = fullOfIsolatedFilePages(4);
    const l = onList.file.cache[1] - 1;
    onList.machine.frames.flags[l] = (onList.machine.frames.flags[l] & ~PG_ISOLATED) | PG_LRU;
    expect(onList.world.replaceIsolatedCleanFile(l, 0, onList.file, 12, onList.machine.rootMemcg)).toBe(-1);

    const mapped = fullOfIsolatedFilePages(4);
    const m = mapped.file.cache[1] - 1;
    mapped.machine.frames.mapcount[m] = 1;
    expect(mapped.world.replaceIsolatedCleanFile(m, 0, mapped.file, 12, mapped.machine.rootMemcg)).toBe(-1);

    // A free frame on the node: allocFrame would return it, not the victim's.
    const spare = fullOfIsolatedFilePages(4);
    spare.world.dropIsolatedCleanFile(spare.file.cache[0] - 1, 0);
    const s = spare.file.cache[1] - 1;
    expect(spare.world.replaceIsolatedCleanFile(s, 0, spare.file, 12, spare.machine.rootMemcg)).toBe(-1);

    // Outside ideal mode shadows are counted per xarray node: the general path keeps them.
    const kernel = fullOfIsolatedFilePages(4, false);
    const k = kernel.file.cache[1] - 1;
    expect(kernel.machine.nodes[0].freeTop).toBe(0);
    expect(kernel.world.replaceIsolatedCleanFile(k, 0, kernel.file, 12, kernel.machine.rootMemcg)).toBe(-1);
  });
});
