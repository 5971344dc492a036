/**
 * A block device with a fixed access latency and a bandwidth. Requests queue
 * FIFO behind each other; `submit` returns the virtual completion time.
 * `synchronous` devices (zram, a RAM disk) complete inside the submitting
 * call, as swap_writepage on zram does: reclaim can free the folio at once.
 *
 * Flash overlaps the latency of queued requests (its internal parallelism);
 * a spinning disk has one head. On a `rotational` device a read that does
 * not start where the head stopped first positions it (`seekNs`), and the
 * positioning occupies the device, so random reads run at about 1/seekNs
 * per second while a sequential stream runs at the bandwidth. A short
 * forward skip costs the rotation past the skipped pages, at most a seek.
 * Writes keep the flash model on every device: the kernel writes back
 * asynchronously and the block layer and the disk's write cache sort them
 * (a deviation: no elevator is modelled), but they move the head, so the
 * next read seeks. No request merging or reordering of reads.
 */
export interface DeviceSpec {
  name: string;
  readLatencyNs: number;
  writeLatencyNs: number;
  /** Sustained bandwidth in pages per second. */
  pagesPerSec: number;
  synchronous: boolean;
  /** Stores what is written compressed in the machine's own RAM (zram): its pool takes memory (`zram.ts`). */
  compressesToRam?: boolean;
  /** A spinning disk: as swap, it turns VMA-based swap readahead off for the offset-cluster kind (`nr_rotate_swap`). */
  rotational?: boolean;
  /** Rotational only: average seek plus half a rotation, paid by a read that does not continue at the head. */
  seekNs?: number;
}

export const DEVICE_PRESETS: Record<string, DeviceSpec> = {
  zram: {
    name: 'zram',
    readLatencyNs: 4_000,
    writeLatencyNs: 6_000,
    pagesPerSec: 1_000_000,
    synchronous: true,
    compressesToRam: true,
  },
  ramdisk: {
    name: 'ramdisk',
    readLatencyNs: 1_000,
    writeLatencyNs: 1_000,
    pagesPerSec: 2_000_000,
    synchronous: true,
  },
  nvme: {
    name: 'nvme',
    readLatencyNs: 80_000,
    writeLatencyNs: 30_000,
    pagesPerSec: 500_000,
    synchronous: false,
  },
  ssd: {
    name: 'ssd',
    readLatencyNs: 100_000,
    writeLatencyNs: 50_000,
    pagesPerSec: 125_000,
    synchronous: false,
  },
  /** 7,200 rpm: 4.2 ms half rotation plus about 4 ms average seek; 160 MB/s on the outer tracks. */
  hdd: {
    name: 'hdd',
    readLatencyNs: 100_000,
    writeLatencyNs: 8_000_000,
    pagesPerSec: 40_000,
    synchronous: false,
    rotational: true,
    seekNs: 8_000_000,
  },
  /** Ideal mode: no latency at all. */
  none: {
    name: 'none',
    readLatencyNs: 0,
    writeLatencyNs: 0,
    pagesPerSec: Number.POSITIVE_INFINITY,
    synchronous: true,
  },
};

/** How many of the latest writes a device remembers the completion of (bounds `writeSlotAt`'s limit). */
export const WRITE_HISTORY = 4096;

export class BlockDevice {
  readonly spec: DeviceSpec;
  private busyUntil = 0;
  /** Completion times of the latest page writes, a ring indexed by `pagesWritten`. */
  private readonly writeDone = new Float64Array(WRITE_HISTORY);
  private readonly nsPerPage: number;
  private readonly seekNs: number;
  /** Rotational: the sector after the last one read (-1: unknown, after a write). */
  private head = -1;
  readsIssued = 0;
  /** Reads that positioned the head (rotational devices). */
  seeks = 0;
  writesIssued = 0;
  pagesRead = 0;
  pagesWritten = 0;
  /** ± fraction of per-request latency noise (0: none, the exact preset latency). */
  private readonly jitter: number;
  /** xorshift32 state of the noise stream; never 0. */
  private noise: number;
  /** Completion time of the latest write: with noise, writes still complete in submission order. */
  private lastWriteDone = 0;

  constructor(spec: DeviceSpec, jitter = 0, seed = 0) {
    this.spec = spec;
    this.jitter = jitter;
    this.noise = seed >>> 0 || 0x9e3779b9;
    this.nsPerPage = Number.isFinite(spec.pagesPerSec) ? 1e9 / spec.pagesPerSec : 0;
    this.seekNs = spec.rotational ? (spec.seekNs ?? 0) : 0;
  }

  /**
   * Queue `pages` at time `now`; returns their completion time. The device
   * transfers in submission order at its bandwidth; `newRequest` false
   * continues the previous request (a write-back batch), counted once.
   * `sector` is where the request starts in the device's page-sized
   * sectors (`fileSector`, a swap slot; -1: unknown): a rotational device
   * positions its head for a read that does not continue the last one.
   */
  submit(now: number, pages: number, write: boolean, newRequest = true, sector = -1): number {
    let start = Math.max(now, this.busyUntil);
    const transfer = pages * this.nsPerPage;
    if (this.seekNs > 0) {
      if (write) this.head = -1;
      else {
        const gap = sector - this.head;
        if (this.head < 0 || sector < 0 || gap !== 0) {
          // Forward within reach: wait for the platter to bring the sector round.
          start +=
            this.head >= 0 && sector >= 0 && gap > 0
              ? Math.min(this.seekNs, gap * this.nsPerPage)
              : this.seekNs;
          this.seeks++;
        }
        this.head = sector < 0 ? -1 : sector + pages;
      }
    }
    this.busyUntil = start + transfer;
    let latency = write ? this.spec.writeLatencyNs : this.spec.readLatencyNs;
    if (this.jitter > 0) latency *= this.latencyFactor();
    if (write) {
      if (newRequest) this.writesIssued++;
      let done = start + transfer + latency;
      // One FIFO queue: a write never completes before the one submitted ahead of it (writeSlotAt relies on it).
      if (this.jitter > 0) {
        if (done < this.lastWriteDone) done = this.lastWriteDone;
        this.lastWriteDone = done;
      }
      for (let i = 0; i < pages; i++) this.writeDone[(this.pagesWritten + i) % WRITE_HISTORY] = done;
      this.pagesWritten += pages;
      return done;
    }
    if (newRequest) this.readsIssued++;
    this.pagesRead += pages;
    return start + transfer + latency;
  }

  /** A uniform factor in [1 - jitter, 1 + jitter] from a xorshift32 stream: cheap and allocation-free. */
  private latencyFactor(): number {
    let x = this.noise;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.noise = x >>> 0;
    return 1 + this.jitter * ((this.noise / 4294967296) * 2 - 1);
  }

  /**
   * The earliest time a new page write keeps at most `limit` page writes in
   * flight: when the write `limit` places back completes (0 if there were
   * fewer). Write completions are in submission order (one FIFO queue, one
   * write latency), so that write is the oldest of the `limit` still pending.
   */
  writeSlotAt(limit: number): number {
    if (limit > WRITE_HISTORY)
      throw new RangeError(`in-flight limit ${limit} exceeds ${WRITE_HISTORY} pages`);
    if (this.pagesWritten < limit) return 0;
    return this.writeDone[(this.pagesWritten - limit) % WRITE_HISTORY];
  }
}

/** Sectors between files on one device: a file's pages are contiguous, files far apart. */
const FILE_SPAN = 2 ** 32;

/** Where page `index` of file `fileId` lies on its device, in page-sized sectors. */
export function fileSector(fileId: number, index: number): number {
  return fileId * FILE_SPAN + index;
}
