import { readFileSync } from 'node:fs';
import {
  checkScenarioWorkload,
  containPolicies,
  DEFAULT_POLICY_HEAP_MIB,
  DEFAULT_STALL_SECONDS,
  importPolicyModule,
  loadScenarioFile,
  parseSysctlArg,
  type Scenario,
  setUntrustedLoader,
  sysctlField,
  validateScenario,
} from '@reclaim-lab/harness';
import { type Command, Option } from 'commander';

/** This package's version, from its package.json (beside src/ and dist/ alike). */
export const VERSION: string = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
).version;

/**
 * Colour on a stream: NO_COLOR (any non-empty value) turns it off,
 * FORCE_COLOR (non-empty, not 0) on; otherwise a terminal that is not dumb.
 */
export function colorEnabled(stream: { isTTY?: boolean }): boolean {
  const env = process.env;
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0';
  return stream.isTTY === true && env.TERM !== 'dumb';
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function pairs(list: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`${flag} ${item}: expected key=value`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

export class UsageError extends Error {}

/** Parameter values from the command line: numbers and booleans are typed, the rest stay strings. */
export function typedParams(raw: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === 'true' || v === 'false') out[k] = v === 'true';
    else if (v.trim() !== '' && Number.isFinite(Number(v))) out[k] = Number(v);
    else out[k] = v;
  }
  return out;
}

export interface MachineFlags {
  memory?: string;
  memoryPages?: string;
  swap?: string;
  swapDevice?: string;
  disk?: string;
  swappiness?: string;
  nodes?: string;
  kernel?: string;
  mode?: string;
  seed?: string;
  param: string[];
  sysctl?: string[];
  scenario?: string;
}

export function machineOptions(cmd: Command): Command {
  // `real` has a --kernel of its own (the kernel package to boot), whose version rules it follows.
  if (!cmd.options.some((o) => o.long === '--kernel'))
    cmd.option('--kernel <version>', 'follow the rules of kernel 6.1 | 6.6 | 6.12 | 6.14 (default: 6.14)');
  return cmd
    .option('--memory <size>', 'machine memory, e.g. 256MiB, 2GiB (default: 256MiB)')
    .option(
      '--memory-pages <n>',
      "exactly N page frames (overrides --memory; any N ≥ 1 in ideal mode), or N% of a trace's footprint",
    )
    .option('--swap <size>', 'swap size (default: equal to memory)')
    .option('--swap-device <name>', 'swap device: zram | ramdisk | nvme | ssd | hdd (default: ssd)')
    .option('--disk <name>', 'device holding files: zram | ramdisk | nvme | ssd | hdd (default: ssd)')
    .option('--swappiness <n>', 'vm.swappiness, 0..200 (default: 60)')
    .option(
      '--sysctl <name=value>',
      'a vm.* sysctl by its kernel name (repeatable), e.g. vm.swappiness=100, vm.page-cluster=0',
      collect,
      [],
    )
    .option('--nodes <n>', 'NUMA nodes to split memory over (default: 1)')
    .addOption(
      new Option('--mode <mode>', 'kernel (faithful) or ideal (policy alone) (default: kernel)').choices([
        'kernel',
        'ideal',
      ]),
    )
    .option('--seed <n>', 'seed (default: 1)')
    .option('--param <key=value>', 'workload parameter (repeatable)', collect, [])
    .option('--scenario <file>', 'scenario file (YAML or JSON); flags override its fields');
}

export interface ContainFlags {
  inProcess?: boolean;
  stallLimit?: string;
  policyHeap?: string;
}

/** The flags of every command that runs policies loaded by path or package name. */
export function containOptions(cmd: Command): Command {
  return cmd
    .option(
      '--in-process',
      'trust policies loaded by path or package: run them in this process with all your rights (no stall, heap or permission containment)',
    )
    .option(
      '--stall-limit <seconds>',
      `seconds one hook of a contained policy may run before it is ejected (default: ${DEFAULT_STALL_SECONDS})`,
    )
    .option(
      '--policy-heap <MiB>',
      `heap limit of a contained run, MiB; memory outside the heap (ArrayBuffers) may take as much again (default: ${DEFAULT_POLICY_HEAP_MIB})`,
    );
}

/**
 * Policies not built in run contained unless --in-process says the user
 * trusts them; then each one loaded says so on stderr.
 */
export function applyContainment(flags: ContainFlags): void {
  if (flags.inProcess) {
    if (flags.stallLimit !== undefined || flags.policyHeap !== undefined)
      throw new UsageError('--stall-limit and --policy-heap limit contained runs; --in-process runs none');
    setUntrustedLoader(async (ref) => {
      process.stderr.write(
        `note: policy ${ref} runs in this process, with every right you have (--in-process)\n`,
      );
      return importPolicyModule(ref);
    });
    return;
  }
  const stallSeconds = number('--stall-limit', flags.stallLimit) ?? DEFAULT_STALL_SECONDS;
  if (!(stallSeconds > 0 && stallSeconds <= 3600))
    throw new UsageError(`--stall-limit: must be above 0 and at most 3600 seconds, got ${flags.stallLimit}`);
  const heapMiB = number('--policy-heap', flags.policyHeap) ?? DEFAULT_POLICY_HEAP_MIB;
  if (!Number.isInteger(heapMiB) || heapMiB < 16 || heapMiB > 65536)
    throw new UsageError(`--policy-heap: must be an integer 16..65536 (MiB), got ${flags.policyHeap}`);
  containPolicies({ stallSeconds, heapMiB });
}

function sysctlFieldOf(name: string): string {
  return sysctlField(name, `--sysctl ${name}`);
}

export function number(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n))
    throw new UsageError(`${flag}: expected a number, got "${text}"`);
  return n;
}

/** Merge a scenario file with flags, then validate the whole. */
export function buildScenario(
  flags: MachineFlags,
  workload: string | Record<string, unknown> | undefined,
  policy: string | undefined,
): Scenario {
  const base: Record<string, unknown> = flags.scenario ? { ...loadScenarioFile(flags.scenario) } : {};
  const machine: Record<string, unknown> = { ...((base.machine as Record<string, unknown>) ?? {}) };
  if (flags.memory !== undefined) machine.memory = flags.memory;
  if (flags.memoryPages !== undefined) {
    // "10%": a share of the trace's footprint, as libCacheSim takes cache sizes below 1.
    const pct = /^\s*([0-9.]+)\s*%\s*$/.exec(flags.memoryPages);
    if (pct !== null) {
      machine.footprintShare = (number('--memory-pages', pct[1]) as number) / 100;
      delete machine.memoryPages;
    } else {
      machine.memoryPages = integer('--memory-pages', flags.memoryPages, 1, 64 * 1024 * 1024);
      delete machine.footprintShare;
    }
  }
  if (flags.swap !== undefined) machine.swap = flags.swap;
  if (flags.swapDevice !== undefined) machine.swapDevice = flags.swapDevice;
  if (flags.disk !== undefined) machine.disk = flags.disk;
  if (flags.swappiness !== undefined) {
    machine.swappiness = integer('--swappiness', flags.swappiness, 0, 200);
    delete machine['vm.swappiness'];
  }
  for (const text of flags.sysctl ?? []) {
    const [name, value] = parseSysctlArg(text);
    // The flag wins over the scenario file, under either spelling.
    delete machine[name];
    machine[sysctlFieldOf(name)] = value;
  }
  if (flags.nodes !== undefined) machine.nodes = integer('--nodes', flags.nodes, 1, 64);
  if (flags.kernel !== undefined) machine.kernel = flags.kernel;
  const fields: Record<string, unknown> = { ...base, machine };
  if (workload !== undefined) fields.workload = workload;
  if (fields.workload === undefined)
    throw new UsageError(
      'a workload is needed: --workload ID (see `reclaim-lab list`), --trace FILE or --scenario FILE',
    );
  if (policy !== undefined) fields.policy = policy;
  if (flags.mode !== undefined) fields.mode = flags.mode;
  if (flags.seed !== undefined) fields.seed = integer('--seed', flags.seed, 0, 2 ** 32 - 1);
  if (flags.param.length)
    fields.params = {
      ...((base.params as Record<string, unknown>) ?? {}),
      ...typedParams(pairs(flags.param, '--param')),
    };
  const scenario = validateScenario(fields, flags.scenario ?? 'options');
  checkScenarioWorkload(scenario, flags.scenario ?? 'options');
  return scenario;
}

/** An integer flag within a range: `--seeds: must be an integer 1..1000, got 0`. */
export function integer(
  flag: string,
  text: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${flag}: must be an integer ${min}..${max}, got ${JSON.stringify(text)}`);
  return n;
}
