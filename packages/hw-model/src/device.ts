/**
 * A block device with a fixed access latency and a bandwidth. Requests queue
 * FIFO behind each other; `submit` returns the virtual completion time.
 * `synchronous` devices (zram, a RAM disk) complete inside the submitting
 * call, as swap_writepage on zram does: reclaim can free the folio at once.
 */
export interface DeviceSpec {
  name: string;
  readLatencyNs: number;
  writeLatencyNs: number;
  /** Sustained bandwidth in pages per second. */
  pagesPerSec: number;
  synchronous: boolean;
  /** A spinning disk: as swap, it turns VMA-based swap readahead off for the offset-cluster kind (`nr_rotate_swap`). */
  rotational?: boolean;
}

export const DEVICE_PRESETS: Record<string, DeviceSpec> = {
  zram: {
    name: 'zram',
    readLatencyNs: 4_000,
    writeLatencyNs: 6_000,
    pagesPerSec: 1_000_000,
    synchronous: true,
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
  hdd: {
    name: 'hdd',
    readLatencyNs: 8_000_000,
    writeLatencyNs: 8_000_000,
    pagesPerSec: 40_000,
    synchronous: false,
    rotational: true,
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

export class BlockDevice {
  readonly spec: DeviceSpec;
  private busyUntil = 0;
  private readonly nsPerPage: number;
  readsIssued = 0;
  writesIssued = 0;
  pagesRead = 0;
  pagesWritten = 0;

  constructor(spec: DeviceSpec) {
    this.spec = spec;
    this.nsPerPage = Number.isFinite(spec.pagesPerSec) ? 1e9 / spec.pagesPerSec : 0;
  }

  /**
   * Queue `pages` at time `now`; returns their completion time. The device
   * transfers in submission order at its bandwidth; `newRequest` false
   * continues the previous request (a write-back batch), counted once.
   */
  submit(now: number, pages: number, write: boolean, newRequest = true): number {
    const start = Math.max(now, this.busyUntil);
    const transfer = pages * this.nsPerPage;
    this.busyUntil = start + transfer;
    if (write) {
      if (newRequest) this.writesIssued++;
      this.pagesWritten += pages;
    } else {
      if (newRequest) this.readsIssued++;
      this.pagesRead += pages;
    }
    return start + transfer + (write ? this.spec.writeLatencyNs : this.spec.readLatencyNs);
  }
}
