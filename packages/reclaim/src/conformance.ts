/**
 * The shared invariant suite every policy runs (docs/contributing.md,
 * "Tests"). It builds random machines and event
 * streams as plain data, so fast-check shrinks a failure to a small,
 * readable counterexample: a machine, a few tasks, a few dozen events.
 */
import {
  DEVICE_PRESETS,
  defaultMachineConfig,
  type EventChunk,
  type EventSource,
  type KernelVersion,
  OP_LOAD,
  OP_MAP,
  OP_READ,
  OP_STORE,
  OP_THINK,
  OP_UNMAP,
  OP_WRITE,
  type RegionSpec,
  type WorkloadInstance,
} from '@reclaim-lab/hw-model';
import * as fc from 'fast-check';
import { Kernel } from './kernel.js';
import { READAHEAD_PAGES } from './kernel-state.js';
import type { ReclaimOps } from './ops.js';
import type { RunResult } from './result.js';
import { SWAP_CLUSTER_MAX } from './scan-control.js';
import { DEFAULT_PAGE_CLUSTER } from './swap-state.js';

export interface MachineCase {
  memoryPages: number;
  nodes: number;
  swapPages: number;
  swapDevice: 'zram' | 'ssd' | 'hdd';
  swappiness: number;
  /** `machine.kernel` (absent: the newest rules). Not drawn by `machineArb`; a policy with versioned rules sets it. */
  kernel?: KernelVersion;
  /**
   * With two nodes: node 1 a slower tier node 0 demotes to, and NUMA
   * balancing in tiering mode promoting back (scans every 50 µs so the
   * short cases migrate often).
   */
  tiering?: boolean;
}

export interface RegionCase {
  /** `shmem`: a file-mapped region of a shmem file (swap-backed, on the anon LRU). */
  kind: 'anon' | 'file-mapped' | 'file-fd' | 'shmem';
  pages: number;
  mlock: boolean;
}

export interface TaskCase {
  memcg: string;
  regions: RegionCase[];
  /** [op, region, page] triples; page is taken modulo the region size. */
  events: [number, number, number][];
}

export interface ConformanceCase {
  machine: MachineCase;
  /** memory.max of /a as a fraction of memory (0 = no limit). */
  memcgLimit: number;
  tasks: TaskCase[];
  seed: number;
}

const OPS = [OP_LOAD, OP_STORE, OP_READ, OP_WRITE, OP_THINK, OP_UNMAP];

export function machineArb(): fc.Arbitrary<MachineCase> {
  return fc.record({
    memoryPages: fc.integer({ min: 128, max: 1024 }),
    nodes: fc.integer({ min: 1, max: 2 }),
    swapPages: fc.oneof(fc.constant(0), fc.integer({ min: 32, max: 2048 })),
    swapDevice: fc.constantFrom('zram' as const, 'ssd' as const, 'hdd' as const),
    swappiness: fc.oneof(fc.constantFrom(0, 60, 100, 200), fc.integer({ min: 0, max: 200 })),
    tiering: fc.boolean(),
  });
}

function taskArb(memPages: number): fc.Arbitrary<TaskCase> {
  const region = fc.record({
    kind: fc.constantFrom('anon' as const, 'file-mapped' as const, 'file-fd' as const, 'shmem' as const),
    pages: fc.integer({ min: 1, max: memPages * 2 }),
    // Mostly unlocked: a locked region the size of memory only proves OOM works.
    mlock: fc.oneof(
      { weight: 5, arbitrary: fc.constant(false) },
      { weight: 1, arbitrary: fc.constant(true) },
    ),
  });
  return fc.record({
    memcg: fc.constantFrom('/', '/a', '/a/b'),
    regions: fc.array(region, { minLength: 1, maxLength: 3 }),
    events: fc.array(fc.tuple(fc.constantFrom(...OPS), fc.nat({ max: 7 }), fc.nat({ max: 4095 })), {
      minLength: 1,
      maxLength: 400,
    }),
  });
}

export function caseArb(): fc.Arbitrary<ConformanceCase> {
  return machineArb().chain((machine) =>
    fc.record({
      machine: fc.constant(machine),
      memcgLimit: fc.oneof(fc.constant(0), fc.double({ min: 0.2, max: 1.2, noNaN: true })),
      tasks: fc.array(taskArb(machine.memoryPages), { minLength: 1, maxLength: 3 }),
      seed: fc.nat({ max: 1000 }),
    }),
  );
}

/** A case's events, expanded: each listed event is repeated over a sweep so memory fills. */
function source(t: TaskCase): EventSource {
  let i = 0;
  const total = t.events.length * 8;
  const unmapped = new Uint8Array(t.regions.length);
  return {
    fill(chunk: EventChunk) {
      chunk.length = 0;
      while (i < total && chunk.length < chunk.capacity - 1) {
        const [op0, r0, p0] = t.events[i % t.events.length];
        const pass = Math.floor(i / t.events.length);
        i++;
        const r = r0 % t.regions.length;
        const region = t.regions[r];
        let op = op0;
        if (op === OP_UNMAP && (pass < 7 || region.kind === 'file-fd')) op = OP_LOAD;
        const fd = region.kind === 'file-fd';
        if (fd && (op === OP_LOAD || op === OP_STORE)) op = op === OP_LOAD ? OP_READ : OP_WRITE;
        if (!fd && (op === OP_READ || op === OP_WRITE)) op = op === OP_READ ? OP_LOAD : OP_STORE;
        const page = (p0 + pass * 37) % region.pages;
        if (op === OP_UNMAP) unmapped[r] = 1;
        else if (unmapped[r] && op !== OP_THINK) {
          chunk.push(OP_MAP, r, 0);
          unmapped[r] = 0;
        }
        chunk.push(op, r, op === OP_THINK ? 1000 + (p0 % 100_000) : page);
      }
      return chunk.length;
    },
  };
}

export function buildCase(c: ConformanceCase): {
  machine: ReturnType<typeof defaultMachineConfig>;
  workload: WorkloadInstance;
} {
  const { per } = caseGeometry(c.machine);
  const tiered = c.machine.tiering === true && c.machine.nodes === 2;
  const machine = defaultMachineConfig(per * c.machine.nodes, {
    nodePages: new Array(c.machine.nodes).fill(per),
    swapPages: c.machine.swapPages,
    swapDevice: DEVICE_PRESETS[c.machine.swapDevice],
    swappiness: c.machine.swappiness,
    ...(c.machine.kernel ? { kernel: c.machine.kernel } : {}),
    ...(tiered
      ? { demotionTarget: [1, -1], nodeLatency: [1, 3], numaBalancing: 2, numaScanPeriodMs: 0.05 }
      : {}),
  });
  const files: WorkloadInstance['files'] = [];
  const tasks = c.tasks.map((t, ti) => {
    const regions: RegionSpec[] = t.regions.map((r, ri) => {
      if (r.kind === 'anon') return { kind: 'anon', pages: r.pages, mlock: r.mlock };
      files.push({ name: `f${ti}.${ri}`, pages: r.pages });
      if (r.kind === 'shmem')
        return { kind: 'file-mapped', shmem: true, pages: r.pages, file: files.length - 1, mlock: r.mlock };
      return {
        kind: r.kind,
        pages: r.pages,
        file: files.length - 1,
        mlock: r.kind === 'file-mapped' && r.mlock,
      };
    });
    // A slow tier is memory without CPUs: every task runs on the fast node.
    const node = tiered ? 0 : ti % c.machine.nodes;
    return { name: `t${ti}`, memcg: t.memcg, node, regions, source: source(t) };
  });
  const memcgs =
    c.memcgLimit > 0
      ? [{ path: '/a', max: Math.max(32, Math.floor(c.memcgLimit * per * c.machine.nodes)) }]
      : [];
  return { machine, workload: { files, memcgs, tasks } };
}

/**
 * Run a case with invariant checks after every reclaim pass that moved
 * anything (`PassPrint`) and at the end; throws on any
 * violation. `check: false` runs it as a user's run does, unchecked (for a
 * second run of a case already checked, compared for determinism).
 */
export function runCase(
  c: ConformanceCase,
  policy: () => ReclaimOps<unknown>,
  fallback?: () => ReclaimOps<unknown>,
  check = true,
): RunResult {
  const { machine, workload } = buildCase(c);
  const k = new Kernel({
    machine,
    policy: policy(),
    fallback: fallback?.(),
    seed: c.seed,
    checkInvariants: check,
  });
  k.load(workload);
  const r = k.run();
  if (check) k.checkInvariants('end of run');
  return r;
}

/**
 * The identities /proc/vmstat's counters keep in the kernel, whatever the
 * policy: every page reclaim scans is counted by type and by reclaimer
 * (cgroup reclaim counts only by type), nothing is stolen that was not
 * scanned, a refault is counted before it can activate or restore, a major
 * fault is a fault. Returns each identity that fails, with its figures.
 */
export function vmstatIdentityViolations(r: RunResult): string[] {
  const c = r.counters;
  const out: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) out.push(what);
  };
  const byType = c.pgscan_anon + c.pgscan_file;
  const byReclaimer = c.pgscan_kswapd + c.pgscan_direct;
  const stolenByType = c.pgsteal_anon + c.pgsteal_file;
  const stolenByReclaimer = c.pgsteal_kswapd + c.pgsteal_direct;
  check(
    byType >= byReclaimer,
    `pgscan_anon + pgscan_file (${byType}) < pgscan_kswapd + pgscan_direct (${byReclaimer})`,
  );
  check(
    stolenByType >= stolenByReclaimer,
    `pgsteal_anon + pgsteal_file (${stolenByType}) < pgsteal_kswapd + pgsteal_direct (${stolenByReclaimer})`,
  );
  if (c.memcg_reclaim === 0 && c.proactive_reclaimed === 0) {
    check(
      byType === byReclaimer,
      `without cgroup reclaim, pgscan by type ${byType} ≠ by reclaimer ${byReclaimer}`,
    );
    check(
      stolenByType === stolenByReclaimer,
      `without cgroup reclaim, pgsteal by type ${stolenByType} ≠ by reclaimer ${stolenByReclaimer}`,
    );
  }
  check(
    c.pgsteal_kswapd <= c.pgscan_kswapd,
    `pgsteal_kswapd ${c.pgsteal_kswapd} > pgscan_kswapd ${c.pgscan_kswapd}`,
  );
  check(
    c.pgsteal_direct <= c.pgscan_direct,
    `pgsteal_direct ${c.pgsteal_direct} > pgscan_direct ${c.pgscan_direct}`,
  );
  for (const t of ['anon', 'file'] as const) {
    const refault = c[`workingset_refault_${t}`];
    check(
      c[`pgsteal_${t}`] <= c[`pgscan_${t}`],
      `pgsteal_${t} ${c[`pgsteal_${t}`]} > pgscan_${t} ${c[`pgscan_${t}`]}`,
    );
    check(
      c[`workingset_activate_${t}`] <= refault,
      `workingset_activate_${t} ${c[`workingset_activate_${t}`]} > workingset_refault_${t} ${refault}`,
    );
    check(
      c[`workingset_restore_${t}`] <= refault,
      `workingset_restore_${t} ${c[`workingset_restore_${t}`]} > workingset_refault_${t} ${refault}`,
    );
  }
  check(c.pgmajfault <= c.pgfault, `pgmajfault ${c.pgmajfault} > pgfault ${c.pgfault}`);
  // memory.stat of the root sums every memcg: every reclaimer's scans and steals, by any count.
  const root = r.memcgs?.find((m) => m.path === '/');
  if (root) {
    for (const [name, want] of [
      ['pgscan', byType],
      ['pgsteal', stolenByType],
      ['pgfault', c.pgfault],
      ['pgmajfault', c.pgmajfault],
      ['pswpout', c.pswpout],
      ['pswpin', c.pswpin],
      ['workingset_refault_anon', c.workingset_refault_anon],
      ['workingset_refault_file', c.workingset_refault_file],
    ] as const)
      check(root.stat[name] === want, `root memory.stat ${name} ${root.stat[name]} ≠ /proc/vmstat's ${want}`);
  }
  check(r.oomKills.length === c.oom_kill, `${r.oomKills.length} OOM kill records for oom_kill ${c.oom_kill}`);
  return out;
}

/**
 * A case in which everything can be reclaimed: nothing mlocked, swap for
 * every swap-backed page, swappiness above 0, and a memcg limit above what
 * its tasks can hold locked under read at once. The kernel's LRU is never
 * OOM-killed on such a machine, so no policy that frees what it is asked
 * to may be either.
 *
 * The last condition is the kernel's, not a convenience: a folio under a
 * read is locked and reclaim skips it (shrink_folio_list's trylock), and
 * try_charge_memcg's 16 retries take tens of microseconds where a 128 KiB
 * read takes hundreds. A memcg no larger than an async readahead window in
 * flight plus the next fault's sync window is OOM-killed there too
 * (packages/harness/test/memcg-reads-in-flight.test.ts pins that case).
 */
export function reclaimableCaseArb(): fc.Arbitrary<ConformanceCase> {
  return caseArb().map((c) => {
    const tasks = c.tasks.map((t) => ({ ...t, regions: t.regions.map((r) => ({ ...r, mlock: false })) }));
    let swapBacked = 0;
    for (const t of tasks)
      for (const r of t.regions) if (r.kind === 'anon' || r.kind === 'shmem') swapBacked += r.pages;
    let memcgLimit = c.memcgLimit;
    if (memcgLimit > 0) {
      const { total } = caseGeometry(c.machine);
      memcgLimit = Math.max(memcgLimit, (readsInFlightBound(tasks) + 1) / total);
    }
    return {
      ...c,
      tasks,
      memcgLimit,
      machine: {
        ...c.machine,
        swappiness: Math.max(1, c.machine.swappiness),
        swapPages: Math.max(c.machine.swapPages, swapBacked + 64),
      },
    };
  });
}

/**
 * The most pages the tasks under the limited memcg (/a) can hold locked
 * under read at once, plus a reclaim batch of room: per file region an
 * async readahead window in flight and the next fault's sync window
 * (2 * ra_pages), per swap-backed region a swap readahead cluster.
 */
export function readsInFlightBound(tasks: TaskCase[]): number {
  let pages = SWAP_CLUSTER_MAX;
  for (const t of tasks) {
    if (t.memcg !== '/a' && !t.memcg.startsWith('/a/')) continue;
    for (const r of t.regions)
      pages +=
        r.kind === 'file-mapped' || r.kind === 'file-fd' ? 2 * READAHEAD_PAGES : 1 << DEFAULT_PAGE_CLUSTER;
  }
  return pages;
}

/** Pages per node and in all, as `buildCase` lays the machine out (a node is at least 64 pages). */
function caseGeometry(m: MachineCase): { per: number; total: number } {
  const per = Math.max(64, Math.floor(m.memoryPages / m.nodes));
  return { per, total: per * m.nodes };
}

/** The property suite's default seed (override with FC_SEED). */
export const DEFAULT_FC_SEED = 20261207;

/** fast-check parameters: FC_NUM_RUNS and FC_SEED override for long or reproducing runs. */
export function fcParams(numRuns = 40): fc.Parameters<unknown> {
  const env = typeof process === 'undefined' ? {} : process.env;
  return {
    numRuns: env.FC_NUM_RUNS ? Number(env.FC_NUM_RUNS) : numRuns,
    // A fixed seed by default, so CI and every checkout test the same cases; FC_SEED explores others.
    seed: env.FC_SEED ? Number(env.FC_SEED) : DEFAULT_FC_SEED,
  };
}

/**
 * A case on a two-tier machine with an anon hog in front of the random
 * tasks: it stores over more than the fast node, so the fast node's reclaim
 * demotes and hint faults promote while the random tasks run. Half the
 * machines have no swap at all: demotion is then the only way out for
 * anon and shmem, and a full slow node leaves the OOM killer.
 */
export function tieredCaseArb(): fc.Arbitrary<ConformanceCase> {
  return caseArb().chain((c) =>
    fc.tuple(fc.integer({ min: 1, max: 3 }), fc.boolean()).map(([span, noSwap]) => {
      const pages = Math.floor(c.machine.memoryPages * (0.5 + 0.25 * span));
      const events: [number, number, number][] = [];
      for (let i = 0; i < 400; i++) events.push([i % 7 === 6 ? OP_LOAD : OP_STORE, 0, (i * 97) % pages]);
      const hog: TaskCase = { memcg: '/', regions: [{ kind: 'anon', pages, mlock: false }], events };
      const swapPages = noSwap ? 0 : Math.max(c.machine.swapPages, 256);
      return {
        ...c,
        machine: { ...c.machine, nodes: 2, tiering: true, swapPages },
        tasks: [hog, ...c.tasks],
      };
    }),
  );
}

/**
 * The properties every registered policy must satisfy. Each returns a
 * fast-check property; call `fc.assert(prop, fcParams())` in a test.
 */
export function conformanceProperties(
  policy: () => ReclaimOps<unknown>,
  fallback?: () => ReclaimOps<unknown>,
) {
  return {
    /**
     * Conservation, no dangling PTE, nothing freed dirty/under writeback/mlocked/mapped, swap slots owned;
     * and the vmstat identities hold. The identities cost nothing beside the run, and `vmstatIdentities`
     * draws the very same cases (same arbitrary, same seed), so a suite that asserts this property on
     * at least as many runs need not run that one again.
     */
    invariants: fc.property(caseArb(), (c) => {
      const r = runCase(c, policy, fallback);
      const bad = vmstatIdentityViolations(r);
      if (bad.length) throw new Error(`vmstat identities broken: ${bad.join('; ')}`);
      // OOM kills are recorded, one record per counted kill.
      return r.oomKills.length === r.counters.oom_kill && r.policyExits.length === 0;
    }),
    /** The kernel's vmstat identities hold (`vmstatIdentityViolations`). */
    vmstatIdentities: fc.property(caseArb(), (c) => {
      const bad = vmstatIdentityViolations(runCase(c, policy, fallback));
      if (bad.length) throw new Error(`vmstat identities broken: ${bad.join('; ')}`);
      return true;
    }),
    /** Where everything is reclaimable, no task is OOM-killed and the policy is not ejected. */
    noOomWhenReclaimable: fc.property(reclaimableCaseArb(), (c) => {
      const r = runCase(c, policy, fallback);
      if (r.oomKills.length)
        throw new Error(
          `OOM kill (${r.oomKills[0].kind}) on a machine where everything is reclaimable${r.policyExits.length ? `; policy exit: ${r.policyExits[0].reason}` : ''}`,
        );
      return true;
    }),
    /**
     * On a two-tier machine (demotion to the slow node, promotion by hint
     * faults) the invariants hold after every reclaim pass — conservation on
     * each node, no folio on two nodes — and the run is deterministic.
     * The second run is unchecked: the first already walked every pass,
     * and it shows besides that checking mode changes no result.
     */
    tiering: fc.property(tieredCaseArb(), (c) => {
      const r = runCase(c, policy, fallback);
      if (r.policyExits.length)
        throw new Error(`policy exit on a tiered machine: ${r.policyExits[0].reason}`);
      return JSON.stringify(runCase(c, policy, fallback, false).counters) === JSON.stringify(r.counters);
    }),
    /** Same scenario and seed, same result. */
    determinism: fc.property(caseArb(), (c) => {
      const a = runCase(c, policy, fallback);
      const b = runCase(c, policy, fallback);
      return JSON.stringify(a) === JSON.stringify(b);
    }),
    /** An mlocked anon region is never swapped out. */
    mlockRespected: fc.property(
      machineArb(),
      fc.integer({ min: 8, max: 64 }),
      fc.nat(),
      (m, lockedPages, seed) => {
        const c: ConformanceCase = {
          machine: { ...m, swapPages: Math.max(m.swapPages, 256) },
          memcgLimit: 0,
          seed,
          tasks: [
            {
              memcg: '/',
              regions: [{ kind: 'anon', pages: lockedPages, mlock: true }],
              events: [
                [OP_STORE, 0, 0],
                [OP_STORE, 0, 1],
              ],
            },
            {
              memcg: '/',
              regions: [{ kind: 'anon', pages: m.memoryPages * 2, mlock: false }],
              events: [
                [OP_STORE, 0, 0],
                [OP_STORE, 0, 5],
              ],
            },
          ],
        };
        const { machine, workload } = buildCase(c);
        const k = new Kernel({
          machine,
          policy: policy(),
          fallback: fallback?.(),
          seed,
          checkInvariants: true,
        });
        k.load(workload);
        k.run();
        const mm = k.tasks[0].mm;
        for (let vpn = 0; vpn < mm.pte.length; vpn++) if (mm.pte[vpn] < 0) return false;
        return true;
      },
    ),
  };
}
