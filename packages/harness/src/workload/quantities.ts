import { PAGE_SIZE, parseBytes } from '@reclaim-lab/hw-model';

/**
 * The quantities a workload spec is written in. Sizes may be absolute
 * ("64MiB", or a number of bytes) or relative to the machine ("0.5x",
 * `{ fraction: 0.5 }`), so that one definition serves a 256 MiB phone and a
 * 64 GiB server; counts may be relative to the machine's page count ("40x").
 */

/** What a relative size is a fraction of. `swap` needs `swapPages` at compile time. */
export type SizeBase = 'memory' | 'swap' | 'memory+swap';

export type SizeValue = number | string | { fraction: number; of?: SizeBase } | { pages: number };

/** Nanoseconds as a number, or a string with a unit: "250ns", "10us", "5ms", "1.5s". */
export type DurationValue = number | string;

/** A plain count, or "40x" for 40 times the machine's page count. */
export type CountValue = number | string;

export interface Machine {
  memoryPages: number;
  swapPages?: number;
}

const FRACTION_RE = /^\s*([0-9]+(?:\.[0-9]+)?(?:e[-+]?[0-9]+)?)\s*x\s*$/i;
const DURATION_RE = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(ns|us|µs|ms|s)?\s*$/;
const NS_PER_UNIT: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9 };

export const SIZE_HINT = 'a size like "64MiB", 4096 (bytes), "0.5x", {fraction: 0.5} or {pages: 100}';
export const DURATION_HINT = 'a duration like 250 (ns), "10us", "5ms" or "1.5s"';
export const COUNT_HINT = 'a count like 1000000 or "40x" (times the machine\'s pages)';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function finiteNonNegative(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x) && x >= 0;
}

export function isSizeValue(value: unknown): value is SizeValue {
  if (typeof value === 'number') return finiteNonNegative(value);
  if (typeof value === 'string') return FRACTION_RE.test(value) || !Number.isNaN(parseBytes(value));
  if (!isRecord(value)) return false;
  const keys = Object.keys(value);
  if ('pages' in value)
    return keys.length === 1 && Number.isInteger(value.pages) && finiteNonNegative(value.pages);
  if (!('fraction' in value) || !finiteNonNegative(value.fraction)) return false;
  if (!keys.every((k) => k === 'fraction' || k === 'of')) return false;
  return value.of === undefined || value.of === 'memory' || value.of === 'swap' || value.of === 'memory+swap';
}

export function isDurationValue(value: unknown): value is DurationValue {
  if (typeof value === 'number') return finiteNonNegative(value);
  return typeof value === 'string' && DURATION_RE.test(value);
}

export function isCountValue(value: unknown): value is CountValue {
  if (typeof value === 'number') return finiteNonNegative(value);
  return typeof value === 'string' && (FRACTION_RE.test(value) || /^\s*[0-9]+\s*$/.test(value));
}

/** Whether a size depends on swap (so compiling it needs `swapPages`). */
export function sizeNeedsSwap(value: SizeValue): boolean {
  return isRecord(value) && 'fraction' in value && value.of !== undefined && value.of !== 'memory';
}

/**
 * Pages for a size. Byte sizes round up to whole pages (a 1000-byte file
 * occupies a page); relative sizes round down but a non-zero fraction never
 * becomes zero pages.
 */
export function sizeToPages(value: SizeValue, machine: Machine): number {
  if (typeof value === 'number') return Math.ceil(value / PAGE_SIZE);
  if (typeof value === 'string') {
    const m = FRACTION_RE.exec(value);
    if (m) return fractionPages(Number(m[1]), machine.memoryPages);
    return Math.ceil(parseBytes(value) / PAGE_SIZE);
  }
  if ('pages' in value) return value.pages;
  const swap = machine.swapPages ?? 0;
  const base =
    value.of === 'swap'
      ? swap
      : value.of === 'memory+swap'
        ? machine.memoryPages + swap
        : machine.memoryPages;
  return fractionPages(value.fraction, base);
}

function fractionPages(fraction: number, base: number): number {
  const pages = Math.floor(fraction * base);
  return fraction > 0 && base > 0 ? Math.max(1, pages) : pages;
}

export function durationToNs(value: DurationValue): number {
  if (typeof value === 'number') return Math.round(value);
  const m = DURATION_RE.exec(value);
  if (!m) return Number.NaN;
  return Math.round(Number(m[1]) * NS_PER_UNIT[m[2] ?? 'ns']);
}

export function countToNumber(value: CountValue, machine: Machine): number {
  if (typeof value === 'number') return Math.round(value);
  const m = FRACTION_RE.exec(value);
  if (m) return Math.round(Number(m[1]) * machine.memoryPages);
  return Number(value.trim());
}
