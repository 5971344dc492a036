/**
 * Which kernel release's rules the simulated kernel follows. Only the
 * releases users run in numbers are offered: the 6.1, 6.6 and 6.12 LTS
 * lines (phones ship 6.1/6.6) and 6.14, the first release after MGLRU's
 * workingset rework (docs/kernel-versions.md lists every rule that differs).
 */
export const KERNEL_VERSIONS = ['6.1', '6.6', '6.12', '6.14'] as const;

export type KernelVersion = (typeof KERNEL_VERSIONS)[number];

/** The newest: what a machine without `kernel` runs, and what results were always computed with. */
export const DEFAULT_KERNEL: KernelVersion = '6.14';

/** Release as a comparable number: 6.1 → 601, 6.14 → 614. */
function ordinal(v: KernelVersion): number {
  const [major, minor] = v.split('.');
  return Number(major) * 100 + Number(minor);
}

/** True when `kernel` (absent = the newest) is older than release `v`. */
export function kernelBefore(kernel: KernelVersion | undefined, v: KernelVersion): boolean {
  return ordinal(kernel ?? DEFAULT_KERNEL) < ordinal(v);
}

/**
 * A version as written in a scenario or on the command line. YAML reads
 * `kernel: 6.1` as a number, so numbers are taken too; 6.10 would read as
 * 6.1, which is why only the listed spellings are accepted.
 */
export function parseKernelVersion(x: unknown): KernelVersion | null {
  const s = typeof x === 'number' ? String(x) : typeof x === 'string' ? x.trim() : '';
  return (KERNEL_VERSIONS as readonly string[]).includes(s) ? (s as KernelVersion) : null;
}
