/**
 * Knobs by their kernel names: `vm.*` sysctls (as in /proc/sys/vm and
 * `sysctl -w`) mapped to the scenario's machine fields, so
 * `machine: { vm.swappiness: 100 }` and `--sysctl vm.swappiness=100` mean
 * `swappiness: 100`.
 */
export const VM_SYSCTLS = {
  'vm.swappiness': 'swappiness',
  'vm.page-cluster': 'pageCluster',
  'vm.watermark_scale_factor': 'watermarkScaleFactor',
  'vm.min_free_kbytes': 'minFreeKbytes',
  'vm.dirty_ratio': 'dirtyRatio',
  'vm.dirty_background_ratio': 'dirtyBackgroundRatio',
} as const;

export class SysctlError extends Error {}

function known(): string {
  return Object.keys(VM_SYSCTLS).join(', ');
}

/** The machine field a sysctl name sets; one clear line for a name the model has no knob for. */
export function sysctlField(name: string, where: string): string {
  const field = (VM_SYSCTLS as Record<string, string>)[name.replace(/\//g, '.')];
  if (field === undefined)
    throw new SysctlError(`${where}: ${name} is not a sysctl the model has; known: ${known()}`);
  return field;
}

/**
 * A copy of `machine` with its `vm.*` keys renamed to fields. Giving a
 * sysctl and its field different values is an error rather than a silent pick.
 */
export function renameSysctls(machine: Record<string, unknown>, where: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(machine)) if (!key.startsWith('vm.')) out[key] = value;
  for (const [key, value] of Object.entries(machine)) {
    if (!key.startsWith('vm.')) continue;
    const field = sysctlField(key, `${where}: machine.${key}`);
    if (field in out && JSON.stringify(out[field]) !== JSON.stringify(value))
      throw new SysctlError(
        `${where}: machine.${key} (${JSON.stringify(value)}) and machine.${field} (${JSON.stringify(out[field])}) disagree; give one`,
      );
    out[field] = value;
  }
  return out;
}

/** `--sysctl vm.swappiness=100` values: numbers as numbers. */
export function parseSysctlArg(text: string): [name: string, value: number] {
  const m = /^\s*([\w./-]+)\s*=\s*(\S+)\s*$/.exec(text);
  if (!m) throw new SysctlError(`--sysctl ${text}: expected name=value, e.g. vm.swappiness=100`);
  const value = Number(m[2]);
  if (!Number.isFinite(value)) throw new SysctlError(`--sysctl ${text}: ${m[2]} is not a number`);
  const name = m[1].replace(/\//g, '.');
  sysctlField(name, `--sysctl ${text}`);
  return [name, value];
}
