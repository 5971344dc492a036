/**
 * Loading a policy the core has never seen, at run time. `--policy
 * ./my-policy.ts`, `--policy ./my-policy.mjs:key=value` or `--policy
 * some-package` imports the module, finds the policy it exports, checks it
 * against this core (contract version, required capabilities, hook shapes,
 * option schema) and makes it usable by that reference everywhere a policy
 * spec is accepted: `parsePolicySpec`, `runScenario`, `runComparison`.
 *
 * A module may export, as `default` or as `policy` (or as its only
 * `PolicyFactory`-shaped export): a `PolicyFactory` (options validated
 * against its `defaults` and `optionSchema`), a plain `ReclaimOps` object,
 * or a function `(options) => ReclaimOps` (neither takes options).
 *
 * Importing is asynchronous, so callers load first and run afterwards:
 * `await loadPolicySpecs(specs)` (the CLI does this for `run` and
 * `compare`). A `.ts` file needs a TypeScript-aware loader: tsx (what
 * `pnpm reclaim-lab` runs under) or vitest.
 */
import { existsSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { extname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  checkCompatibility,
  type PolicyFactory,
  PolicyLoadError,
  type ReclaimOps,
  validatePolicy,
} from '@reclaim-lab/reclaim';
import { nearest } from './input.js';
import {
  describeOption,
  forgetLoadedPolicies,
  getPolicyFactory,
  isLoadedPolicy,
  listPolicies,
  optionAccepts,
  type PolicySpec,
  parsePolicySpec,
  registerLoadedPolicy,
} from './policies.js';
import type { Scenario } from './scenario.js';

const MODULE_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];
const PACKAGE_NAME = /^(@[a-z0-9][\w.~-]*\/)?[a-z0-9][\w.~-]*$/;

/** Does this reference name a file (rather than a registered policy or a package)? */
export function isPolicyPath(ref: string): boolean {
  return (
    ref.startsWith('./') ||
    ref.startsWith('../') ||
    isAbsolute(ref) ||
    MODULE_EXTENSIONS.includes(extname(ref))
  );
}

/** The module or policy name of a spec: everything before the first ':'. */
export function policyRef(spec: string): string {
  return spec.split(':')[0].trim();
}

function isRegistered(name: string): boolean {
  return listPolicies().some((p) => p.name === name);
}

function errorCode(e: unknown): string {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
}

function notFound(e: unknown): boolean {
  const code = errorCode(e);
  if (
    code === 'ERR_MODULE_NOT_FOUND' ||
    code === 'MODULE_NOT_FOUND' ||
    code === 'ERR_PACKAGE_PATH_NOT_EXPORTED'
  )
    return true;
  return e instanceof Error && /Cannot find (package|module)|Failed to (load|resolve)/.test(e.message);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Loader hooks (in Node's loader thread, so plain JavaScript). resolve: an
 * import of `@reclaim-lab/*` resolves first as if this harness made it, so
 * a policy file anywhere on disk gets the running tool's own packages, the
 * same module instances the core uses; a package the harness does not know
 * (a policy package of the user's) resolves from the file as usual. load:
 * given esbuild (the built CLI, where Node 20 strips no types), a .ts file
 * is transpiled to an ES module whatever package.json says about its folder.
 */
const POLICY_HOOKS = `
let from;
let esbuild;
let bundled;
export async function initialize(data) {
  from = data.from;
  bundled = data.bundled ?? {};
  if (data.esbuild) esbuild = await import(data.esbuild);
}
export async function resolve(specifier, context, next) {
  if (Object.hasOwn(bundled, specifier)) return { url: bundled[specifier], shortCircuit: true };
  if (!specifier.startsWith('@reclaim-lab/') || context.parentURL === from) return next(specifier, context);
  try {
    return await next(specifier, { ...context, parentURL: from });
  } catch {
    return next(specifier, context);
  }
}
export async function load(url, context, next) {
  if (!esbuild || !url.startsWith('file:') || !/[.][mc]?ts$/.test(new URL(url).pathname)) return next(url, context);
  const { readFile } = await import('node:fs/promises');
  const source = await readFile(new URL(url), 'utf8');
  const out = await esbuild.transform(source, { loader: 'ts', format: 'esm', sourcefile: url, target: 'node20' });
  return { format: 'module', source: out.code, shortCircuit: true };
}
`;

let hooked = false;
let esbuildUrl: string | undefined;
let bundledUrls: Record<string, string> = {};

/**
 * Where to find esbuild for .ts policy files: the CLI passes it, built or
 * under tsx. Without it (vitest, a library user) the running loader decides.
 */
export function useTypeScriptTransform(esbuildModuleUrl: string): void {
  esbuildUrl = esbuildModuleUrl;
}

/**
 * The bundled CLI's entry for each `@reclaim-lab/*` package (name → module
 * URL): a policy loaded by path imports those, the modules the bundle runs,
 * not a second copy from the packages' dist.
 */
export function useBundledPackages(urls: Record<string, string>): void {
  bundledUrls = { ...urls };
}

function registerPolicyHooks(): void {
  if (hooked) return;
  hooked = true;
  // Under tsx too: tsx would load a .ts file outside any "type": "module" package as CommonJS,
  // whose require() the resolve hook above cannot reach.
  register(`data:text/javascript,${encodeURIComponent(POLICY_HOOKS)}`, {
    data: { from: import.meta.url, esbuild: esbuildUrl, bundled: bundledUrls },
  });
}

/** A reference that names no built-in policy, file or package, with the nearest built-in name. */
export function unknownPolicy(ref: string): PolicyLoadError {
  const names = listPolicies().map((p) => p.name);
  const near = nearest(ref, names);
  return new PolicyLoadError(
    near !== null
      ? `unknown policy "${ref}"; did you mean "${near}"? (all: reclaim-lab list)`
      : `unknown policy "${ref}"; allowed: ${names.join(', ')}, a policy module path (./my-policy.ts) or an installed package name`,
  );
}

async function importModule(ref: string): Promise<Record<string, unknown>> {
  if (isPolicyPath(ref)) {
    const file = resolve(ref);
    if (!existsSync(file))
      throw new PolicyLoadError(`policy module ${ref}: file not found (looked for ${file})`);
    registerPolicyHooks();
    try {
      return await import(pathToFileURL(file).href);
    } catch (e) {
      if (errorCode(e) === 'ERR_UNKNOWN_FILE_EXTENSION') {
        throw new PolicyLoadError(
          `policy module ${ref}: this Node cannot import ${extname(file)} files; run under tsx (as \`pnpm reclaim-lab\` does) or compile the policy to .js`,
        );
      }
      throw new PolicyLoadError(`policy module ${ref}: failed to load: ${message(e)}`);
    }
  }
  const unknown = () => unknownPolicy(ref);
  if (!PACKAGE_NAME.test(ref)) throw unknown();
  try {
    return await import(ref);
  } catch (e) {
    if (!notFound(e)) throw new PolicyLoadError(`policy package ${ref}: failed to load: ${message(e)}`);
  }
  // Not a dependency of the harness: look where the user runs from.
  let file: string;
  try {
    file = createRequire(join(process.cwd(), 'package.json')).resolve(ref);
  } catch {
    throw unknown();
  }
  try {
    return await import(pathToFileURL(file).href);
  } catch (e) {
    throw new PolicyLoadError(`policy package ${ref}: failed to load: ${message(e)}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function isFactory(v: unknown): v is PolicyFactory {
  return isObject(v) && typeof v.create === 'function' && isObject(v.defaults);
}

function isPolicyLike(v: unknown): boolean {
  return typeof v === 'function' || (isObject(v) && (isFactory(v) || typeof v.name === 'string'));
}

/** The export to load: `default`, then `policy`, then the module's only factory-shaped export. */
function pickExport(ref: string, mod: Record<string, unknown>): unknown {
  for (const key of ['default', 'policy']) if (isPolicyLike(mod[key])) return mod[key];
  const factories = Object.keys(mod).filter((k) => isFactory(mod[k]));
  if (factories.length === 1) return mod[factories[0]];
  const found = Object.keys(mod);
  if (factories.length > 1) {
    throw new PolicyLoadError(
      `policy module ${ref}: exports several policy factories (${factories.join(', ')}); export the one to use as default or as \`policy\``,
    );
  }
  throw new PolicyLoadError(
    `policy module ${ref}: exports no policy; export a PolicyFactory, a ReclaimOps object or an (options) => ReclaimOps function as default or as \`policy\` (found: ${found.join(', ') || 'no exports'})`,
  );
}

function createOps(name: string, create: () => unknown): ReclaimOps<unknown> {
  let ops: unknown;
  try {
    ops = create();
  } catch (e) {
    throw new PolicyLoadError(`policy ${name}: creating it with its defaults threw: ${message(e)}`);
  }
  if (!isObject(ops))
    throw new PolicyLoadError(`policy ${name}: its factory returned ${typeof ops}, not a ReclaimOps object`);
  validatePolicy(ops as unknown as ReclaimOps<unknown>);
  return ops as unknown as ReclaimOps<unknown>;
}

/** A factory's declared option schema must describe its own defaults. */
function checkSchema(f: PolicyFactory): void {
  for (const [key, spec] of Object.entries(f.optionSchema ?? {})) {
    if (spec === undefined) continue;
    if (!(key in f.defaults))
      throw new PolicyLoadError(`policy ${f.name}: optionSchema names ${key}, which has no default`);
    const def = f.defaults[key];
    if (typeof def !== spec.type)
      throw new PolicyLoadError(
        `policy ${f.name}: option ${key} is declared ${spec.type} but its default is ${typeof def}`,
      );
    if (!optionAccepts(def, spec)) {
      throw new PolicyLoadError(
        `policy ${f.name}: the default of option ${key} (${String(def)}) is not ${describeOption(def, spec)}`,
      );
    }
  }
}

/** Turn whatever the module exported into a factory, checking it against this core. */
function toFactory(ref: string, value: unknown): PolicyFactory {
  if (isFactory(value)) {
    const name = typeof value.name === 'string' && value.name.length > 0 ? value.name : ref;
    checkCompatibility(name, value.version, value.requires);
    const f: PolicyFactory =
      typeof value.description === 'string' && value.name === name
        ? value
        : { ...value, name, description: value.description ?? `loaded from ${ref}` };
    checkSchema(f);
    createOps(name, () => f.create({ ...f.defaults }));
    return f;
  }
  if (typeof value === 'function') {
    const make = value as (options: Record<string, unknown>) => ReclaimOps<unknown>;
    const ops = createOps(ref, () => make({}));
    return {
      name: ops.name,
      description: `${ops.name} (loaded from ${ref})`,
      defaults: {},
      create: (o) => make(o),
    };
  }
  const ops = createOps(ref, () => value);
  return { name: ops.name, description: `${ops.name} (loaded from ${ref})`, defaults: {}, create: () => ops };
}

let untrustedLoader: ((ref: string) => Promise<PolicyFactory>) | null = null;

/**
 * How policies not built in are loaded from now on: `null` imports them
 * into this process; contain.ts sets a loader that checks them in a sandbox.
 */
export function setUntrustedLoader(loader: ((ref: string) => Promise<PolicyFactory>) | null): void {
  // What was loaded the other way is loaded again this way.
  if (loader !== untrustedLoader) forgetLoadedPolicies();
  untrustedLoader = loader;
}

/**
 * Register an already imported module's policy under `ref`, checked as
 * `loadPolicyModule` checks it; `wrap` may instrument each ops object the
 * factory creates (the contained runner's heartbeat). For the sandbox,
 * which imports the policy from its own bundle.
 */
export function registerPolicyExports(
  ref: string,
  mod: Record<string, unknown>,
  wrap: (ops: ReclaimOps<unknown>) => ReclaimOps<unknown> = (ops) => ops,
): PolicyFactory {
  const factory = factoryOf(ref, mod);
  const create = factory.create;
  const wrapped: PolicyFactory = { ...factory, create: (o) => wrap(create.call(factory, o)) };
  registerLoadedPolicy(ref, wrapped);
  return wrapped;
}

/** A module's policy export as a factory; errors name the module as well as the policy (the user gave a path). */
function factoryOf(ref: string, mod: Record<string, unknown>): PolicyFactory {
  try {
    return toFactory(ref, pickExport(ref, mod));
  } catch (e) {
    if (e instanceof PolicyLoadError && !e.message.startsWith('policy module '))
      throw new PolicyLoadError(`policy module ${ref}: ${e.message}`);
    throw e;
  }
}

/**
 * Load one policy module by reference (a path or a package name), check it
 * and register it under that reference. Loading the same reference again
 * returns the factory loaded first.
 */
export async function loadPolicyModule(ref: string): Promise<PolicyFactory> {
  if (isLoadedPolicy(ref)) return getPolicyFactory(ref);
  if (untrustedLoader !== null) {
    const contained = await untrustedLoader(ref);
    registerLoadedPolicy(ref, contained);
    return contained;
  }
  return importPolicyModule(ref);
}

/** `loadPolicyModule` into this process, whatever loader is set: the policy runs with every right this process has. */
export async function importPolicyModule(ref: string): Promise<PolicyFactory> {
  if (isLoadedPolicy(ref)) return getPolicyFactory(ref);
  const factory = factoryOf(ref, await importModule(ref));
  registerLoadedPolicy(ref, factory);
  return factory;
}

/**
 * Make every spec usable: load the modules among them (built-in names are
 * left alone), then parse each spec so a bad option fails here, before any
 * run. Returns the parsed specs in order.
 */
export async function loadPolicySpecs(specs: readonly string[]): Promise<PolicySpec[]> {
  for (const spec of specs) {
    const ref = policyRef(spec);
    if (!isRegistered(ref)) await loadPolicyModule(ref);
  }
  return specs.map((s) => parsePolicySpec(s));
}

/** Every policy spec a scenario names (one per scope), or just the override. */
export function scenarioPolicySpecs(s: Scenario, override?: string): string[] {
  if (override !== undefined) return [override];
  const p = s.policy;
  if (typeof p === 'string') return [p];
  return p.map((a) => (typeof a === 'string' ? a : a.policy));
}
