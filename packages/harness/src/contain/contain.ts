/**
 * Running a policy the user did not write into this tool (one loaded by
 * path or package name) contained: bundled with the simulation into one
 * file, run in a child process under Node's permission model (it may read
 * that file and a trace it replays, nothing else; no writes, no child
 * processes), the simulation in a worker thread with its own heap limit and
 * a heartbeat (sandbox.ts). A stall, a heap overflow or `process.exit` in a
 * hook ends the worker; the run is replayed from the start and the policy
 * ejected at that call, with an exit record. Built-in policies, and any
 * policy with `inProcess`, run in this thread as before.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type PolicyFactory, PolicyLoadError, type RunResult } from '@reclaim-lab/reclaim';
import { parse } from 'acorn';
import type { Plugin } from 'esbuild';
import { listPolicies } from '../policies.js';
import {
  isPolicyPath,
  policyRef,
  scenarioPolicySpecs,
  setUntrustedLoader,
  unknownPolicy,
} from '../policy-loader.js';
import type { RunOptions } from '../runner.js';
import { hasTracePath, type Scenario } from '../scenario.js';
import { POLICY_BUILTINS, PROC_STATUS, type SandboxReply, type SandboxTask } from './sandbox.js';

export interface ContainOptions {
  /** Seconds one hook call (or the module's loading) may run before the policy is ejected (`stall`). Default 5. */
  stallSeconds?: number;
  /** The simulation's V8 heap limit, MiB; a policy that overflows it is ejected (`memory`). Default 2048. */
  heapMiB?: number;
  /**
   * Built-in modules the policy may import beyond the computing ones. Only
   * for testing the boundary underneath: the permission model must then
   * refuse what the import check no longer does.
   */
  unsafeBuiltins?: readonly string[];
}

export const DEFAULT_STALL_SECONDS = 5;
export const DEFAULT_POLICY_HEAP_MIB = 2048;

/** The policy references of a run that are not built in: what containment applies to. */
export function untrustedPolicyRefs(scenario: Scenario, policy?: string): string[] {
  const builtIn = new Set(listPolicies().map((p) => p.name));
  const refs = scenarioPolicySpecs(scenario, policy).map(policyRef);
  return [...new Set(refs.filter((r) => !builtIn.has(r)))];
}

let workDir: string | undefined;
/** Bundles left by a process that died without its exit handler (killed by a signal): its pid is gone. */
function removeStale(): void {
  for (const name of readdirSync(tmpdir())) {
    const m = /^reclaim-lab-contain-(\d+)-/.exec(name);
    if (m === null || Number(m[1]) === process.pid) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch (e) {
      if ((e as { code?: string }).code === 'ESRCH')
        rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
}

function scratch(): string {
  if (workDir === undefined) {
    removeStale();
    workDir = mkdtempSync(join(tmpdir(), `reclaim-lab-contain-${process.pid}-`));
    const dir = workDir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return workDir;
}

const fromSource = import.meta.url.endsWith('.ts');
const sandboxEntry = fileURLToPath(new URL(fromSource ? './sandbox.ts' : './sandbox.js', import.meta.url));
const here = dirname(sandboxEntry);

function policyFile(ref: string): string {
  if (isPolicyPath(ref)) {
    const file = resolve(ref);
    try {
      statSync(file);
    } catch {
      throw new PolicyLoadError(`policy module ${ref}: file not found (looked for ${file})`);
    }
    return file;
  }
  // A package: where the user runs from, then beside this tool.
  for (const from of [join(process.cwd(), 'package.json'), fileURLToPath(import.meta.url)]) {
    try {
      return createRequire(from).resolve(ref);
    } catch {}
  }
  throw unknownPolicy(ref);
}

function buildErrors(e: unknown): string {
  const errors = (e as { errors?: { text: string; location?: { file: string; line: number } | null }[] })
    .errors;
  if (!errors?.length) return e instanceof Error ? e.message : String(e);
  const first = errors[0];
  return first.location ? `${first.location.file}:${first.location.line}: ${first.text}` : first.text;
}

const allowedList = () => `node:${POLICY_BUILTINS.join(', node:')}`;

/**
 * The policy's own `require`: the computing built-ins, nothing else, refused
 * synchronously (so in the hook that asks). Without it, a `require(name)`
 * computed at run time would reach the simulation's unrestricted one: a
 * bundled ES module shares the bundle's top-level scope.
 */
function requireGate(prefix: string, extra: readonly string[] = []): string {
  const allowed = [...POLICY_BUILTINS, ...extra];
  const imports = allowed.map((b, i) => `import ${prefix}${i} from 'node:${b}';`).join(' ');
  const table = allowed.map((b, i) => `${JSON.stringify(b)}: ${prefix}${i}`).join(', ');
  return `${imports}
const ${prefix}allowed = { ${table} };
const require = function require(id) {
  const bare = String(id).replace(/^node:/, '');
  if (Object.hasOwn(${prefix}allowed, bare)) return ${prefix}allowed[bare];
  throw new Error('require(' + JSON.stringify(String(id)) + ') refused: a contained policy may import only ${allowedList()}');
};`;
}

type Node = { type: string; start: number; [k: string]: unknown };

/** The first `import()` whose specifier is computed, not written out: no bundler can check what it loads. */
function computedImport(code: string): Node | undefined {
  const stack: unknown[] = [parse(code, { ecmaVersion: 'latest', sourceType: 'module' })];
  while (stack.length > 0) {
    const n = stack.pop();
    if (n === null || typeof n !== 'object') continue;
    if (Array.isArray(n)) {
      stack.push(...n);
      continue;
    }
    const node = n as Node;
    if (node.type === 'ImportExpression') {
      const src = node.source as Node & { value?: unknown; expressions?: unknown[] };
      const literal =
        (src.type === 'Literal' && typeof src.value === 'string') ||
        (src.type === 'TemplateLiteral' && src.expressions?.length === 0);
      if (!literal) return node;
    }
    for (const [k, v] of Object.entries(node)) if (k !== 'type' && typeof v === 'object') stack.push(v);
  }
  return undefined;
}

/** The source file a position of a bundle falls in, from the `// path` comment esbuild puts before each. */
function bundleInput(code: string, at: number): string | undefined {
  const line = code.lastIndexOf('\n// ', at);
  return line < 0 ? undefined : code.slice(line + 4, code.indexOf('\n', line + 1));
}

/**
 * The policy and what it imports, as one ES module (TypeScript transpiled),
 * its `@reclaim-lab/*` imports left to the sandbox. A built-in module beyond
 * pure computing (fs, net, child_process, worker_threads, ...) is refused here,
 * and so is an `import()` of a specifier computed at run time (the sandbox's
 * loader would refuse a built-in there too, but only after the hook returned:
 * too late to eject the policy at that call).
 */
async function bundlePolicy(ref: string, out: string, extra: readonly string[]): Promise<void> {
  const esbuild = await import('esbuild');
  const refused: string[] = [];
  const builtins: Plugin = {
    name: 'contained-builtins',
    setup(build) {
      build.onResolve({ filter: /^@reclaim-lab\// }, (a) => ({ path: a.path, external: true }));
      build.onResolve({ filter: /^[a-z_:/]+$/ }, (a) => {
        if (!isBuiltin(a.path)) return undefined;
        const bare = a.path.replace(/^node:/, '');
        if (!POLICY_BUILTINS.includes(bare) && !extra.includes(bare)) refused.push(`node:${bare}`);
        return { path: a.path, external: true };
      });
    },
  };
  try {
    await esbuild.build({
      entryPoints: [policyFile(ref)],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: out,
      logLevel: 'silent',
      plugins: [builtins],
      banner: { js: requireGate('__rl_policy_') },
    });
  } catch (e) {
    throw new PolicyLoadError(`policy module ${ref}: failed to load: ${buildErrors(e)}`);
  }
  if (refused.length > 0) {
    throw new PolicyLoadError(
      `policy module ${ref}: imports ${[...new Set(refused)].join(', ')}; a contained policy may import only ${allowedList()} (run it with --in-process if you trust it)`,
    );
  }
  const code = readFileSync(out, 'utf8');
  let found: Node | undefined;
  try {
    found = computedImport(code);
  } catch (e) {
    throw new PolicyLoadError(`policy module ${ref}: failed to load: ${message(e)}`);
  }
  if (found !== undefined) {
    const input = bundleInput(code, found.start);
    const where = input === undefined || resolve(input) === policyFile(ref) ? '' : `${input}: `;
    throw new PolicyLoadError(
      `policy module ${ref}: ${where}calls import() with a specifier computed at run time; a contained policy's imports must be written out (run it with --in-process if you trust it)`,
    );
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const bundles = new Map<string, Promise<string>>();

/** One bundle per set of policies (and their files' modification times) in a process. */
function sandboxBundle(refs: readonly string[], extra: readonly string[]): Promise<string> {
  const key = `${extra.join(',')}\n${refs.map((r) => `${r}\0${statSync(policyFile(r)).mtimeMs}`).join('\n')}`;
  let b = bundles.get(key);
  if (b === undefined) {
    b = buildSandbox(refs, bundles.size, extra);
    bundles.set(key, b);
    b.catch(() => bundles.delete(key));
  }
  return b;
}

async function buildSandbox(refs: readonly string[], n: number, extra: readonly string[]): Promise<string> {
  const dir = scratch();
  const loaders: string[] = [];
  for (const [i, ref] of refs.entries()) {
    const out = join(dir, `policy-${n}-${i}.mjs`);
    await bundlePolicy(ref, out, extra);
    loaders.push(`${JSON.stringify(ref)}: () => import(${JSON.stringify(out)})`);
  }
  const esbuild = await import('esbuild');
  // The policy's @reclaim-lab imports get the simulation's own modules (one copy of each).
  const shared: Plugin = {
    name: 'contained-shared',
    setup(build) {
      build.onResolve({ filter: /^@reclaim-lab\// }, async (a) => {
        if (a.pluginData === 'shared' || !a.importer.startsWith(dir)) return undefined;
        return build.resolve(a.path, { kind: a.kind, resolveDir: here, pluginData: 'shared' });
      });
    },
  };
  const outfile = join(dir, `sandbox-${n}.mjs`);
  await esbuild.build({
    stdin: {
      contents: `import { main } from ${JSON.stringify(sandboxEntry)};\nmain({ ${loaders.join(', ')} });\n`,
      resolveDir: here,
      sourcefile: 'contained-entry.js',
      loader: 'js',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: fromSource ? ['@reclaim-lab/source'] : [],
    outfile,
    logLevel: 'silent',
    plugins: [shared],
    // CommonJS dependencies bundled into an ES module still call require() for built-ins (buffer,
    // process). Gated, not createRequire: the banner is raw text in the policy's scope too, so any
    // name it binds is one a policy can write. (Its names differ from the policy banner's: esbuild
    // cannot rename around raw text.)
    banner: { js: requireGate('__rl_sim_', ['process']) },
  });
  return outfile;
}

/**
 * The contained process's address-space cap, MiB: room for the V8 heap and
 * as much again outside it (ArrayBuffers, typed arrays, Buffers, which
 * `resourceLimits` does not count), over what Node itself maps (about
 * 1.6-1.9 GiB of mostly untouched reservations with a worker, and 10 GiB
 * for each WebAssembly memory), with room to spare. Untouched buffers cost
 * the machine nothing, so the supervisor ends a policy on resident growth
 * (over twice its heap limit) or on coming within 1 GiB of this cap; an
 * allocation that meets the cap fails, and ejects the policy as `memory`.
 */
export function addressSpaceMiB(heapMiB: number): number {
  return 4 * heapMiB + 16384;
}

/** `node args` under an address-space cap where the shell can set one (Linux), else as is. */
function capped(args: string[], capMiB: number): [string, string[]] {
  if (process.platform !== 'linux') return [process.execPath, args];
  return ['/bin/sh', ['-c', `ulimit -v ${capMiB * 1024} && exec "$0" "$@"`, process.execPath, ...args]];
}

function permissionFlag(): string {
  return process.allowedNodeEnvironmentFlags.has('--permission')
    ? '--permission'
    : '--experimental-permission';
}

/** An error of the class the sandbox named, so the CLI sorts it as it would in process (bad input: exit 2). */
function rethrown(name: string | undefined, message: string): Error {
  if (name === undefined || !/^[A-Za-z]\w*$/.test(name) || name === 'Error') return new Error(message);
  const E = { [name]: class extends Error {} }[name];
  return new E(message);
}

/**
 * Start the sandbox on one task and wait for its answer. A sandbox whose
 * worker would not end asks for its replay in a fresh process (its own is
 * killed): each such round stops the policy no later than the one before.
 */
async function callSandbox(
  refs: readonly string[],
  task: SandboxTask,
  options: ContainOptions,
  trace?: string,
): Promise<SandboxReply> {
  let reply = await callSandboxOnce(refs, task, options, trace);
  while (reply.ok === 'replay')
    reply = await callSandboxOnce(
      refs,
      { ...task, stop: reply.stop, attempts: reply.attempts },
      options,
      trace,
    );
  return reply;
}

/** One sandbox process on one task. */
async function callSandboxOnce(
  refs: readonly string[],
  task: SandboxTask,
  options: ContainOptions,
  trace?: string,
): Promise<SandboxReply> {
  const bundle = await sandboxBundle(refs, options.unsafeBuiltins ?? []);
  // The supervisor reads its process's virtual size from /proc (Linux) to see how near the cap it is.
  const reads = [
    bundle,
    ...(trace === undefined ? [] : [trace]),
    ...(process.platform === 'linux' ? [PROC_STATUS] : []),
  ];
  const [command, args] = capped(
    [
      '--no-warnings',
      permissionFlag(),
      // eval, new Function and their kin throw: no code the bundle did not see, no import() hidden in a string.
      '--disallow-code-generation-from-strings',
      ...reads.map((r) => `--allow-fs-read=${r}`),
      '--allow-worker',
      bundle,
    ],
    task.addressSpaceMiB,
  );
  const child: ChildProcess = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: {} });
  // What the policy prints goes to stderr, never into the run's output.
  child.stdout?.on('data', (d: Buffer) => process.stderr.write(d));
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(d));
  return new Promise<SandboxReply>((resolveReply, reject) => {
    let got: SandboxReply | undefined;
    child.on('message', (m: SandboxReply) => {
      got = m;
      // Its worker would not end, and exiting would wait for it: the sandbox cannot end itself.
      if ('stuck' in m && m.stuck === true) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (got !== undefined) resolveReply(got);
      else
        reject(
          new Error(
            `the contained run ended without a result (${signal !== null ? `signal ${signal}` : `exit code ${code}`})`,
          ),
        );
    });
    child.send(task);
  });
}

function limits(options: ContainOptions): { stallMs: number; heapMiB: number; addressSpaceMiB: number } {
  const stallSeconds = options.stallSeconds ?? DEFAULT_STALL_SECONDS;
  const heapMiB = options.heapMiB ?? DEFAULT_POLICY_HEAP_MIB;
  if (!(stallSeconds > 0 && stallSeconds <= 3600))
    throw new RangeError(`stall limit: must be above 0 and at most 3600 seconds, got ${stallSeconds}`);
  if (!Number.isInteger(heapMiB) || heapMiB < 16 || heapMiB > 65536)
    throw new RangeError(`policy heap: must be an integer 16..65536 MiB, got ${heapMiB}`);
  return { stallMs: stallSeconds * 1000, heapMiB, addressSpaceMiB: addressSpaceMiB(heapMiB) };
}

function failure(refs: readonly string[], reply: SandboxReply & { ok: false }): Error {
  if (reply.load)
    return new PolicyLoadError(
      reply.message.startsWith('policy')
        ? reply.message
        : `policy module ${refs.join(', ')}: ${reply.message}`,
    );
  return rethrown(reply.errorClass, reply.message);
}

/**
 * Run one scenario with its untrusted policies contained. Same scenario and
 * seed, same result as `runScenario` in process, except where the policy
 * stalled, overflowed its heap or exited: there it is ejected at that call.
 */
export async function runContained(
  scenario: Scenario,
  options: RunOptions & ContainOptions = {},
): Promise<RunResult> {
  const refs = untrustedPolicyRefs(scenario, options.policy);
  const trace = hasTracePath(scenario.workload) ? resolve(scenario.workload.trace) : undefined;
  const task: SandboxTask = {
    scenario:
      trace !== undefined ? { ...scenario, workload: { ...(scenario.workload as object), trace } } : scenario,
    options: { seed: options.seed, policy: options.policy, checkInvariants: options.checkInvariants },
    ...limits(options),
  };
  const reply = await callSandbox(refs, task, options, trace);
  if (!reply.ok) throw failure(refs, reply);
  if (!('result' in reply)) throw new Error('the sandbox answered a run with no result');
  return reply.result;
}

/** Per loaded reference: the limits it runs contained under. */
const CONTAINED = new Map<string, ContainOptions>();

/** The containment a cell's policies need, or undefined when all of them may run in process. */
export function containmentOf(scenario: Scenario, policy?: string): ContainOptions | undefined {
  for (const ref of untrustedPolicyRefs(scenario, policy)) {
    const c = CONTAINED.get(ref);
    if (c !== undefined) return c;
  }
  return undefined;
}

/**
 * Load untrusted policies contained from now on in this process: loading
 * one (`loadPolicySpecs`, and every command that loads policies) checks it
 * in the sandbox and registers what its factory declares, so specs parse
 * and options validate here, while its code never runs here; every run of
 * it goes to `runContained` (the cell runner does this). `null` goes back
 * to loading in process.
 */
export function containPolicies(options: ContainOptions | null): void {
  CONTAINED.clear();
  if (options === null) {
    setUntrustedLoader(null);
    return;
  }
  limits(options);
  setUntrustedLoader(async (ref) => {
    const reply = await callSandbox(
      [ref],
      {
        check: [],
        scenario: { workload: 'none' } as unknown as Scenario,
        options: {},
        ...limits(options),
      },
      options,
    );
    if (!reply.ok) throw failure([ref], reply);
    if (!('factories' in reply)) throw new Error('the sandbox answered a check with no factories');
    const info = reply.factories[ref];
    CONTAINED.set(ref, options);
    return {
      ...info,
      create: () => {
        throw new PolicyLoadError(
          `policy ${ref} was loaded contained and runs only in its sandbox (runContained, or the cell runner)`,
        );
      },
    } as PolicyFactory;
  });
}
