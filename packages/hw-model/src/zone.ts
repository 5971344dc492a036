import { PAGE_SHIFT } from './units.js';

/**
 * One zone per node (ZONE_NORMAL): every user allocation may use it, so
 * `reclaim_idx` never excludes a folio. Deviation from the kernel, which has
 * DMA/DMA32/NORMAL/MOVABLE; the watermark arithmetic is the kernel's.
 */
export class Zone {
  readonly node: number;
  readonly managed: number;
  /** `_watermark[WMARK_MIN|LOW|HIGH|PROMO]`. */
  min = 0;
  low = 0;
  high = 0;
  promo = 0;
  boost = 0;
  free: number;

  constructor(node: number, managed: number) {
    this.node = node;
    this.managed = managed;
    this.free = managed;
  }

  /** `zone_watermark_ok` for order 0 (no lowmem_reserve: a single zone). */
  watermarkOk(mark: number): boolean {
    return this.free > mark + this.boost;
  }
}

/** `calculate_min_free_kbytes`: clamp(int_sqrt(lowmem_kbytes * 16), 128, 262144). */
export function defaultMinFreeKbytes(lowmemPages: number): number {
  const lowmemKb = lowmemPages << (PAGE_SHIFT - 10);
  const v = Math.floor(Math.sqrt(lowmemKb * 16));
  return Math.min(262144, Math.max(128, v));
}

/**
 * `__setup_per_zone_wmarks`: MIN is each zone's share of min_free_kbytes;
 * LOW, HIGH and PROMO are each another `max(min/4, managed * wsf / 10000)` above.
 */
export function setupWatermarks(zones: Zone[], minFreeKbytes: number, watermarkScaleFactor: number): void {
  const pagesMin = minFreeKbytes >> (PAGE_SHIFT - 10);
  const lowmemPages = zones.reduce((s, z) => s + z.managed, 0);
  for (const z of zones) {
    const tmp = Math.floor((pagesMin * z.managed) / lowmemPages);
    z.min = tmp;
    const delta = Math.max(tmp >> 2, Math.floor((z.managed * watermarkScaleFactor) / 10000));
    z.low = z.min + delta;
    z.high = z.low + delta;
    z.promo = z.high + delta;
    z.boost = 0;
  }
}
