import { OP_STORE, OP_WRITE, PG_ALLOCATED, PG_ISOLATED, PG_LRU } from '@reclaim-lab/hw-model';
import { Kernel } from '@reclaim-lab/reclaim';
import { buildCase, type ConformanceCase } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';

/**
 * The invariant walk (checking mode, after every reclaim pass) is one pass
 * over frames, PTEs and page caches with reused counts; each kind of
 * corruption it exists to catch must still be caught, with the message
 * naming what is wrong. The state: a run stopped a third of the way in,
 * with mapped anon, swap PTEs, swap-cache folios, shmem swap entries and
 * page-cache shadows, under a memcg limit.
 */
const ev = (op: number, r: number, n: number): [number, number, number][] =>
  Array.from({ length: n }, (_, i) => [op, r, (i * 7) % 4096]);
const CASE: ConformanceCase = {
  machine: { memoryPages: 256, nodes: 1, swapPages: 512, swapDevice: 'ssd', swappiness: 100 },
  memcgLimit: 0.5,
  seed: 1,
  tasks: [
    {
      memcg: '/a',
      regions: [
        { kind: 'anon', pages: 300, mlock: false },
        { kind: 'shmem', pages: 100, mlock: false },
      ],
      events: [...ev(OP_STORE, 0, 150), ...ev(OP_STORE, 1, 60)],
    },
    { memcg: '/', regions: [{ kind: 'file-fd', pages: 400, mlock: false }], events: ev(OP_WRITE, 0, 200) },
  ],
};

function kernel(untilNs?: number): Kernel {
  const { machine, workload } = buildCase(CASE);
  const k = new Kernel({
    machine,
    policy: { name: 'fifo' },
    seed: CASE.seed,
    checkInvariants: true,
    ...(untilNs === undefined ? {} : { untilNs }),
  });
  k.load(workload);
  return k;
}

const fullRun = kernel().run().runtimeNs;

/** The run stopped a third of the way in; the walk passes on it as it is. */
function midRun(): Kernel {
  const k = kernel(fullRun * 0.3);
  k.run();
  k.checkInvariants('mid-run');
  return k;
}

/** The first pfn for which `pick` holds. */
function firstPfn(k: Kernel, pick: (pfn: number) => boolean): number {
  for (let pfn = 0; pfn < k.machine.frames.count; pfn++) if (pick(pfn)) return pfn;
  throw new Error('no such frame in the stopped run');
}

const mm = (k: Kernel) => k.world.mms[0];
const vpnWhere = (k: Kernel, pick: (pte: number) => boolean) => mm(k).pte.findIndex(pick);

describe('the invariant walk catches each corruption', () => {
  const cases: [string, (k: Kernel) => void, RegExp][] = [
    [
      'a free frame on a list',
      (k) => {
        const pfn = firstPfn(k, (p) => k.world.lists.listOf[p] !== -1 && k.machine.frames.mapcount[p] === 0);
        k.machine.frames.flags[pfn] &= ~PG_ALLOCATED;
      },
      /^mid-run: free pfn \d+ is on list /,
    ],
    [
      "a zone's free count off by one",
      (k) => {
        k.machine.nodes[0].zone.free++;
      },
      /^mid-run: node 0 has \d+ free frames but its zone counts \d+$/,
    ],
    [
      'a folio both on a list and isolated',
      (k) => {
        const pfn = firstPfn(k, (p) => k.world.lists.listOf[p] !== -1);
        k.machine.frames.flags[pfn] |= PG_ISOLATED;
      },
      /^mid-run: pfn \d+ is both on a list and isolated$/,
    ],
    [
      'a folio on a list without PG_lru',
      (k) => {
        const pfn = firstPfn(k, (p) => k.world.lists.listOf[p] !== -1);
        k.machine.frames.flags[pfn] &= ~PG_LRU;
      },
      /^mid-run: pfn \d+ is on a list without PG_lru$/,
    ],
    [
      'a PTE that maps a free frame',
      (k) => {
        const free = firstPfn(k, (p) => (k.machine.frames.flags[p] & PG_ALLOCATED) === 0);
        mm(k).pte[vpnWhere(k, (p) => p === 0)] = free + 1;
      },
      /^mid-run: mm 0 vpn \d+ maps free pfn \d+$/,
    ],
    [
      'a swap PTE naming a slot another page owns',
      (k) => {
        const a = vpnWhere(k, (p) => p < 0);
        const b = mm(k).pte.findIndex((p, v) => p < 0 && v !== a);
        mm(k).pte[a] = mm(k).pte[b];
      },
      /^mid-run: mm 0 vpn \d+ holds swap slot \d+ that it does not own$/,
    ],
    [
      'a swap slot held by nobody',
      (k) => {
        const v = vpnWhere(k, (p) => p < 0 && (k.machine.swap?.frame[-p - 1] ?? 0) < 0);
        mm(k).pte[v] = 0;
      },
      /^mid-run: swap slot \d+ is held 0 times \(owner mm 0 vpn \d+\)$/,
    ],
    [
      'a swap-cache folio whose slot names another frame',
      (k) => {
        const f = k.machine.frames;
        const pfn = firstPfn(k, (p) => (f.flags[p] & PG_ALLOCATED) !== 0 && f.swapSlot[p] >= 0);
        (k.machine.swap as NonNullable<typeof k.machine.swap>).frame[f.swapSlot[pfn]] = pfn + 1;
      },
      /^mid-run: swap-cache pfn \d+ holds slot \d+ inconsistently$/,
    ],
    [
      'an anon folio that claims a PTE mapping another frame',
      (k) => {
        const f = k.machine.frames;
        const pfn = firstPfn(
          k,
          (p) => f.mapcount[p] > 0 && f.owner[p] === 0 && mm(k).pte[f.index[p]] === p + 1,
        );
        const other = vpnWhere(k, (p) => p > 0 && p !== pfn + 1);
        f.index[pfn] = other;
      },
      /^mid-run: pfn \d+ \(node 0\) claims mm 0 vpn \d+, whose PTE maps another frame$/,
    ],
    [
      'the machine-wide dirty count off by one',
      (k) => {
        k.world.nrFileDirty++;
      },
      /^mid-run: 0 dirty and 0 write-back file pages, but the counts say 1 and 0$/,
    ],
    [
      "a memcg's write-back count off by one",
      (k) => {
        k.machine.memcgs[1].nrWriteback++;
      },
      /^mid-run: memcg \/a has 0 dirty and 0 write-back pages, but counts 0 and 1$/,
    ],
    [
      'a folio made its own predecessor',
      (k) => {
        const lists = k.world.lists;
        const pfn = firstPfn(k, (p) => lists.listOf[p] !== -1 && lists.prev[p] !== -1);
        lists.prev[pfn] = pfn;
      },
      /^mid-run: pfn \d+ on list .+ has prev \d+, not \d+$/,
    ],
    [
      'a shadow in a page-cache node the shadow-node counts do not know',
      (k) => {
        const file = k.machine.files.find((f) => f.swapEntry === null) as (typeof k.machine.files)[0];
        const index = file.cache.findIndex((c, i) => c === 0 && file.shadow[i] === 0);
        file.shadow[index] = 1;
      },
      /^mid-run: shadow nodes: file \S+ node \d+: counts \d+ pages and \d+ shadows, holds \d+ and \d+$/,
    ],
    [
      'a swap slot whose shadow the swap-space node counts do not know',
      (k) => {
        const swap = k.machine.swap as NonNullable<typeof k.machine.swap>;
        const slot = swap.shadow.findIndex((s, i) => s === 0 && i < swap.highWater && swap.frame[i] < 0);
        swap.shadow[slot] = 1;
      },
      /^mid-run: shadow nodes: swap space node \d+: counts \d+ pages and \d+ shadows, holds \d+ and \d+$/,
    ],
  ];
  for (const [what, corrupt, message] of cases) {
    it(what, () => {
      const k = midRun();
      corrupt(k);
      expect(() => k.checkInvariants('mid-run')).toThrow(message);
    });
  }
});

describe('the walk after a reclaim pass that moved nothing is skipped', () => {
  it('only while no list operation, frame, dirty or write-back count, swap slot or zram page has moved', () => {
    const k = midRun();
    const print = k.passPrint;
    const changed = () => print.changed(k.machine, k.world);
    changed();
    expect(changed()).toBe(false);
    const pfn = firstPfn(k, (p) => k.world.lists.listOf[p] !== -1);
    k.world.lists.moveTail(k.world.lists.listOf[pfn], pfn);
    expect(changed()).toBe(true);
    expect(changed()).toBe(false);
    k.world.nrFileDirty++;
    expect(changed()).toBe(true);
    k.world.nrWriteback++;
    expect(changed()).toBe(true);
    k.machine.nodes[0].zone.free--;
    expect(changed()).toBe(true);
    const swap = k.machine.swap as NonNullable<typeof k.machine.swap>;
    swap.used++;
    expect(changed()).toBe(true);
    expect(changed()).toBe(false);
  });

  it('a pass that moved a folio is walked: a count it breaks is named at that pass, not at the end of the run', () => {
    const { machine, workload } = buildCase(CASE);
    const k = new Kernel({ machine, policy: { name: 'fifo' }, seed: CASE.seed, checkInvariants: true });
    k.load(workload);
    // The first folio taken off a list breaks the zone's free count, as a core bug would.
    const lists = k.world.lists;
    const remove = lists.remove.bind(lists);
    let armed = true;
    lists.remove = (pfn: number) => {
      remove(pfn);
      if (armed) {
        armed = false;
        k.machine.nodes[0].zone.free += 1;
      }
    };
    expect(() => k.run()).toThrow(/^(kswapd node 0|direct reclaim|memcg reclaim)[^:]* priority \d+: node 0 has/);
  });
});
