import { EventChunk, type EventSource } from '@reclaim-lab/hw-model';

/**
 * Pulls a source to the end, handing each filled chunk to `visit` (the same
 * chunk object is reused). Returns the number of events. For tests, trace
 * writers and quick statistics; the kernel pulls sources itself.
 */
export function drainSource(
  source: EventSource,
  visit: (chunk: EventChunk) => void,
  options: { chunk?: EventChunk; maxEvents?: number } = {},
): number {
  const chunk = options.chunk ?? new EventChunk();
  const limit = options.maxEvents ?? Number.POSITIVE_INFINITY;
  let total = 0;
  while (total < limit) {
    const n = source.fill(chunk);
    if (n === 0) break;
    total += n;
    visit(chunk);
  }
  return total;
}
