/** Base page size; every size in the simulator is a whole number of these. */
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;

const UNIT: Record<string, number> = {
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

/**
 * Parses "256MiB", "1.5G", "4096" (bytes) into bytes. Binary units throughout,
 * as the kernel's sysfs and cgroup files use them. Returns NaN on bad input so
 * the caller can name the field in its error.
 */
export function parseBytes(text: string | number): number {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : Number.NaN;
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) return Number.NaN;
  const unit = UNIT[m[2].toLowerCase() || 'b'];
  if (unit === undefined) return Number.NaN;
  return Math.round(Number(m[1]) * unit);
}

export function bytesToPages(bytes: number): number {
  return Math.floor(bytes / PAGE_SIZE);
}

export function pagesToBytes(pages: number): number {
  return pages * PAGE_SIZE;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)}${units[i]}`;
}

export const NS_PER_US = 1_000;
export const NS_PER_MS = 1_000_000;
export const NS_PER_SEC = 1_000_000_000;
/** The kernel's HZ for jiffy-based timeouts (throttling, kswapd naps). */
export const HZ = 250;
export const NS_PER_JIFFY = NS_PER_SEC / HZ;
