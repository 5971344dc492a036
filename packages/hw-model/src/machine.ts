import { type CostModel, DEFAULT_COST, ZERO_COST } from './cost.js';
import { BlockDevice, DEVICE_PRESETS, type DeviceSpec } from './device.js';
import { SimFile } from './file.js';
import { FrameTable, PG_ALLOCATED, PG_ZSMALLOC } from './frames.js';
import type { KernelVersion } from './kernel.js';
import { Memcg } from './memcg.js';
import { SwapSpace } from './swap.js';
import { NS_PER_SEC } from './units.js';
import { defaultMinFreeKbytes, setupWatermarks, Zone } from './zone.js';
import { DEFAULT_ZRAM_RATIO, ZramPool } from './zram.js';

export type SimMode = 'kernel' | 'ideal';

export interface MachineConfig {
  /** Memory of each NUMA node, in pages. */
  nodePages: number[];
  /** Swap size in pages (0 = no swap). */
  swapPages: number;
  swapDevice: DeviceSpec;
  /** Device holding the workload's files. */
  disk: DeviceSpec;
  /**
   * zram's compression ratio (`zram.ts`): on a zram swap device the
   * compressed pages live in a pool taken from free memory (default
   * DEFAULT_ZRAM_RATIO). 0 opts out: the pool costs no memory, as before.
   */
  zramRatio?: number;
  /** vm.min_free_kbytes; default computed as the kernel does at boot. */
  minFreeKbytes?: number;
  /** vm.watermark_scale_factor (default 10 = 0.1 %). */
  watermarkScaleFactor: number;
  /** vm.swappiness, 0..200 (default 60). */
  swappiness: number;
  /** vm.page-cluster: swap readahead reads up to 2^pageCluster pages (default 3; 0 turns it off). */
  pageCluster?: number;
  /** `fault_around_bytes` in pages: a read fault on a file maps this many cached pages around it (default 16; 1 turns it off). */
  faultAroundPages?: number;
  /**
   * The cgroup2 mount option `memory_recursiveprot`: a memcg's unclaimed
   * memory.min/low protection is shared among its descendants (off by
   * default in the kernel; systemd turns it on).
   */
  memoryRecursiveProt?: boolean;
  /** vm.dirty_background_ratio / vm.dirty_ratio, percent of available memory. */
  dirtyBackgroundRatio: number;
  dirtyRatio: number;
  /** vm.dirty_expire_centisecs and dirty_writeback_centisecs, as ns. */
  dirtyExpireNs: number;
  dirtyWritebackIntervalNs: number;
  cost: CostModel;
  mode: SimMode;
  /**
   * Memory tiering (docs/tiering.md). Per node: the latency of a load or
   * store as a multiple of local DRAM's `cost.accessNs` (1 = DRAM; a
   * CXL-attached node is about 2-3).
   */
  nodeLatency?: number[];
  /** Per node: copy bandwidth in MB/s, which prices migrating a page to or from it (default 20000). */
  nodeBandwidthMBps?: number[];
  /** Per node: the node reclaim demotes to (-1 = none), as `node_demotion[]` / `next_demotion_node`. */
  demotionTarget?: number[];
  /** `kernel.numa_balancing`: 0 off, 2 memory tiering (`NUMA_BALANCING_MEMORY_TIERING`: promote hot pages from slow nodes). */
  numaBalancing?: number;
  /** `kernel.numa_balancing_promote_rate_limit_MBps` (default 65536). */
  numaPromoteRateLimitMBps?: number;
  /** `kernel.numa_balancing_hot_threshold_ms`: a hint fault this soon after the scan marks a hot page (default 1000). */
  numaHotThresholdMs?: number;
  /** `kernel.numa_balancing_scan_period_min_ms`: how often a task's address space is scanned (default 1000). */
  numaScanPeriodMs?: number;
  /** `kernel.numa_balancing_scan_size_mb`: how much of it one scan marks (default 256). */
  numaScanSizeMB?: number;
  /**
   * Run-to-run timing noise, a fraction (0.02 = ±2%): each device request's
   * latency is scaled by a factor drawn uniformly in [1 - jitter, 1 + jitter]
   * from a stream seeded by `jitterSeed`. `applyJitter` also scales the CPU
   * costs and each device once per seed. Absent or 0: no noise.
   */
  jitter?: number;
  jitterSeed?: number;
  /** Whose rules the kernel follows where releases differ (absent = DEFAULT_KERNEL, the newest). */
  kernel?: KernelVersion;
}

/** A machine with memory tiers: per-node latencies, demotion targets or NUMA-balancing promotion. */
export function isTieredMachine(c: MachineConfig): boolean {
  return c.nodeLatency !== undefined || c.demotionTarget !== undefined || (c.numaBalancing ?? 0) !== 0;
}

export function defaultMachineConfig(
  memoryPages: number,
  overrides: Partial<MachineConfig> = {},
): MachineConfig {
  return {
    nodePages: [memoryPages],
    swapPages: memoryPages,
    swapDevice: DEVICE_PRESETS.ssd,
    disk: DEVICE_PRESETS.ssd,
    watermarkScaleFactor: 10,
    swappiness: 60,
    dirtyBackgroundRatio: 10,
    dirtyRatio: 20,
    dirtyExpireNs: 30 * NS_PER_SEC,
    dirtyWritebackIntervalNs: 5 * NS_PER_SEC,
    cost: DEFAULT_COST,
    mode: 'kernel',
    ...overrides,
  };
}

/** Ideal mode: exactly `pages` frames, no latency, no watermarks. */
export function idealMachineConfig(pages: number): MachineConfig {
  return defaultMachineConfig(pages, {
    swapPages: pages * 64 + 1024,
    swapDevice: DEVICE_PRESETS.none,
    disk: DEVICE_PRESETS.none,
    cost: ZERO_COST,
    mode: 'ideal',
    minFreeKbytes: 0,
  });
}

export interface NodeState {
  id: number;
  firstPfn: number;
  pages: number;
  zone: Zone;
  /**
   * Free frames of this node, a stack (the buddy allocator's order-0 view):
   * its top, and how many. The stack is linked through the free frames' own
   * `frames.index` (meaningless while a frame is free, set by whoever takes
   * it), so it costs no memory of its own: 4 bytes a page less than an array.
   */
  freeHead: number;
  freeTop: number;
}

/**
 * The simulated hardware and the kernel's data structures about it. Holds
 * no reclaim decision: the reclaim path lives in @reclaim-lab/reclaim.
 */
export class Machine {
  readonly config: MachineConfig;
  readonly frames: FrameTable;
  readonly nodes: NodeState[];
  readonly memcgs: Memcg[] = [];
  readonly rootMemcg: Memcg;
  readonly files: SimFile[] = [];
  readonly devices: BlockDevice[];
  readonly swapDevice: BlockDevice;
  readonly swap: SwapSpace | null;
  /** zram's compressed store and pool, on a zram swap device unless `zramRatio` is 0. */
  readonly zram: ZramPool | null;
  readonly totalPages: number;

  constructor(config: MachineConfig) {
    this.config = config;
    const total = config.nodePages.reduce((a, b) => a + b, 0);
    this.totalPages = total;
    this.frames = new FrameTable(total);
    let first = 0;
    this.nodes = config.nodePages.map((pages, id) => {
      // Low pfns are handed out first, so runs are reproducible and readable.
      const link = this.frames.index;
      for (let i = 0; i < pages; i++) link[first + i] = i + 1 < pages ? first + i + 1 : -1;
      this.frames.node.fill(id, first, first + pages);
      const node: NodeState = {
        id,
        firstPfn: first,
        pages,
        zone: new Zone(id, pages),
        freeHead: pages > 0 ? first : -1,
        freeTop: pages,
      };
      first += pages;
      return node;
    });
    const zones = this.nodes.map((n) => n.zone);
    if (config.mode === 'ideal') {
      for (const z of zones) z.min = z.low = z.high = z.promo = 0;
    } else {
      const minFree = config.minFreeKbytes ?? defaultMinFreeKbytes(total);
      setupWatermarks(zones, minFree, config.watermarkScaleFactor);
    }
    this.rootMemcg = new Memcg(0, '/', null);
    this.memcgs.push(this.rootMemcg);
    const jitter = config.jitter ?? 0;
    const jseed = config.jitterSeed ?? 0;
    this.devices = [new BlockDevice(config.disk, jitter, jseed ^ 0x5bd1e995)];
    this.swapDevice = new BlockDevice(config.swapDevice, jitter, jseed ^ 0x27d4eb2f);
    this.swap = config.swapPages > 0 ? new SwapSpace(config.swapPages, 0) : null;
    const ratio = config.zramRatio ?? DEFAULT_ZRAM_RATIO;
    if (!(ratio === 0 || ratio >= 1))
      throw new RangeError(
        `zramRatio: expected 0 (the pool costs nothing) or a ratio of at least 1, got ${ratio}`,
      );
    this.zram =
      this.swap !== null && config.swapDevice.compressesToRam === true && ratio > 0
        ? new ZramPool(
            ratio,
            {
              allocFrame: (node) => {
                const pfn = this.allocFrame(node);
                if (pfn >= 0) {
                  this.frames.flags[pfn] |= PG_ZSMALLOC;
                  this.frames.memcg[pfn] = 0;
                }
                return pfn;
              },
              freeFrame: (pfn) => this.freeFrame(pfn),
            },
            config.swapPages,
          )
        : null;
  }

  /** Find or create the memcg at `path` ("/a/b"), creating parents as needed. */
  memcg(path: string): Memcg {
    const norm = path === '' || path === '/' ? '/' : `/${path.split('/').filter(Boolean).join('/')}`;
    const found = this.memcgs.find((m) => m.path === norm);
    if (found) return found;
    const parentPath = norm.slice(0, norm.lastIndexOf('/')) || '/';
    const parent = this.memcg(parentPath);
    if (this.memcgs.length >= 65535) throw new Error('too many memcgs (at most 65535)');
    const m = new Memcg(this.memcgs.length, norm, parent);
    this.memcgs.push(m);
    return m;
  }

  addFile(name: string, pages: number, device = 0): SimFile {
    const f = new SimFile(this.files.length, name, pages, device);
    this.files.push(f);
    return f;
  }

  /** Take a free frame from `node`; -1 if none. Watermarks are the caller's business. */
  allocFrame(node: number): number {
    const n = this.nodes[node];
    if (n.freeTop === 0) return -1;
    const pfn = n.freeHead;
    n.freeHead = this.frames.index[pfn];
    n.freeTop--;
    n.zone.free--;
    this.frames.flags[pfn] = PG_ALLOCATED;
    return pfn;
  }

  freeFrame(pfn: number): void {
    this.clearFrame(pfn);
    const n = this.nodes[this.frames.node[pfn]];
    this.frames.index[pfn] = n.freeHead;
    n.freeHead = pfn;
    n.freeTop++;
    n.zone.free++;
  }

  /**
   * `freeFrame(pfn)` then `allocFrame` on its node, which hands the same
   * frame straight back: its fields reset as a new allocation's, the free
   * counts as they were. Ideal mode's miss, evicting one page for another.
   */
  recycleFrame(pfn: number): void {
    this.clearFrame(pfn);
    this.frames.flags[pfn] = PG_ALLOCATED;
  }

  private clearFrame(pfn: number): void {
    const f = this.frames;
    if ((f.flags[pfn] & PG_ALLOCATED) === 0) throw new Error(`pfn ${pfn} freed twice`);
    f.flags[pfn] = 0;
    f.owner[pfn] = -1;
    f.mapcount[pfn] = 0;
    f.swapSlot[pfn] = -1;
    f.policy[pfn] = 0;
    f.lruvec[pfn] = -1;
  }

  freePages(): number {
    let s = 0;
    for (const n of this.nodes) s += n.zone.free;
    return s;
  }
}
