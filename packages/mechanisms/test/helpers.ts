import {
  defaultMachineConfig,
  Machine,
  type Mm,
  PG_ANON,
  PG_FILE,
  PG_LRU,
  PG_SWAPBACKED,
  PMD_SHIFT,
  PTE_YOUNG,
} from '@reclaim-lab/hw-model';
import { World } from '@reclaim-lab/mechanisms';

export interface Region {
  pages: number;
  vmFlags?: number;
  file?: boolean;
  mapped?: boolean;
}

/** A world with one mm whose VMAs are mapped page by page to frames on the root lruvec, all young. */
export function worldWithMm(regions: Region[], memoryPages = 8192) {
  const machine = new Machine(defaultMachineConfig(memoryPages));
  const world = new World(machine);
  const lv = world.lruvec(machine.rootMemcg, 0);
  const other = world.lruvec(machine.memcg('/other'), 0);
  // One file per region, so file ids are region indices.
  for (let i = 0; i < regions.length; i++) machine.addFile(`f${i}`, regions[i].pages);
  const mm: Mm = world.createMm(
    0,
    regions.map((r, i) => ({ pages: r.pages, vmFlags: r.vmFlags ?? 0, file: r.file ? i : -1, pgoff: 0 })),
  );
  const f = machine.frames;
  const map = (vpn: number, file: boolean, lruvec = lv.id, fileId = -1): number => {
    const pfn = machine.allocFrame(0);
    f.flags[pfn] |= PG_LRU | (file ? PG_FILE : PG_ANON | PG_SWAPBACKED);
    f.lruvec[pfn] = lruvec;
    f.owner[pfn] = file ? fileId : mm.id;
    f.mapcount[pfn] = 1;
    mm.pte[vpn] = pfn + 1;
    mm.pteBits[vpn] = PTE_YOUNG;
    mm.pmdYoung[vpn >> PMD_SHIFT] = 1;
    return pfn;
  };
  mm.vmas.forEach((v, i) => {
    v.mapped = regions[i].mapped ?? true;
    for (let vpn = v.start; vpn < v.start + v.pages; vpn++) map(vpn, regions[i].file ?? false, lv.id, i);
  });
  return { machine, world, lv, other, mm, f, map };
}

export function youngCount(mm: Mm, from: number, to: number): number {
  let n = 0;
  for (let v = from; v < to; v++) if (mm.pteBits[v] & PTE_YOUNG) n++;
  return n;
}
