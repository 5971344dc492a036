/**
 * `create-policy NAME` writes packages/policy-NAME: a package of the same
 * shape as every other policy, holding the empty policy with every hook
 * written out (commented) and documented, a README to fill in, and a test
 * that runs the shared conformance suite — so a contributor's first
 * `pnpm test` already checks the policy against every reclaim invariant.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const TEMPLATE = join(dirname(fileURLToPath(import.meta.url)), '..', 'template');
const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const MAX_NAME = 40;

/** Template file → file in the new package (`NAME` stands for the policy name). */
const FILES: [string, string][] = [
  ['package.json.tmpl', 'package.json'],
  ['tsconfig.json.tmpl', 'tsconfig.json'],
  ['README.md.tmpl', 'README.md'],
  ['LICENSE.tmpl', 'LICENSE'],
  ['src/index.ts.tmpl', 'src/index.ts'],
  ['src/policy.ts.tmpl', 'src/NAME.ts'],
  ['test/policy.test.ts.tmpl', 'test/NAME.test.ts'],
];

/** Refused input, with a message meant for the person who typed it. */
export class CreatePolicyError extends Error {}

export interface ScaffoldOptions {
  /** Policy name, kebab-case: "clock-pro", "s3fifo". */
  name: string;
  /** The packages directory the new package goes into. */
  dir: string;
  /** One line for package.json, the README and the factory. */
  description?: string;
}

export interface Scaffolded {
  /** The new package's directory. */
  path: string;
  /** Files written, relative to `path`. */
  files: string[];
}

/** Why a name cannot be a policy name, or undefined if it can. */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'a policy name is needed';
  if (name.startsWith('policy-'))
    return `give the name without the "policy-" prefix ("${name.slice(7)}"); the package is called policy-NAME`;
  if (name.length > MAX_NAME) return `"${name}" is longer than ${MAX_NAME} characters`;
  if (!NAME.test(name)) {
    return `"${name}" is not a valid policy name: use lowercase letters, digits and single hyphens, starting with a letter (e.g. "clock-pro", "s3fifo")`;
  }
  return undefined;
}

const words = (name: string) => name.split('-');
const capital = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);

/** "clock-pro" → { Pascal: "ClockPro", camel: "clockPro", title: "Clock pro" }. */
export function nameForms(name: string): { name: string; Pascal: string; camel: string; title: string } {
  const Pascal = words(name).map(capital).join('');
  return {
    name,
    Pascal,
    camel: Pascal.charAt(0).toLowerCase() + Pascal.slice(1),
    title: capital(words(name).join(' ')),
  };
}

/**
 * Biome's order for names in one export list: at the first character that
 * differs, the same letter in upper case comes first, otherwise the
 * letters compare without case.
 */
function biomeOrder(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) continue;
    const la = a[i].toLowerCase();
    const lb = b[i].toLowerCase();
    if (la === lb) return a[i] === a[i].toUpperCase() ? -1 : 1;
    return la < lb ? -1 : 1;
  }
  return a.length - b.length;
}

/** Names for one import or export list, in the order the linter wants them; `type ` prefixes are ignored. */
function nameList(names: string[]): string {
  const bare = (n: string) => n.replace(/^type /, '');
  return [...names].sort((a, b) => biomeOrder(bare(a), bare(b))).join(', ');
}

/** biome's layout of `export { … } from` / `import { … } from`: one line if it fits in 110 columns. */
function specifierStatement(keyword: 'export' | 'import', names: string, from: string): string {
  const line = `${keyword} { ${names} } from '${from}';`;
  if (line.length <= 110) return line;
  const inner = names
    .split(', ')
    .map((n) => `  ${n},`)
    .join('\n');
  return `${keyword} {\n${inner}\n} from '${from}';`;
}

function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => values[key] ?? whole);
}

/** Write the new package; refuses a bad name or an existing directory before writing anything. */
export function scaffoldPolicy(options: ScaffoldOptions): Scaffolded {
  const problem = nameProblem(options.name);
  if (problem) throw new CreatePolicyError(problem);
  const path = resolve(options.dir, `policy-${options.name}`);
  if (existsSync(path)) {
    throw new CreatePolicyError(
      `${relative(process.cwd(), path) || path} already exists; choose another name or remove it first`,
    );
  }
  if (!existsSync(options.dir))
    throw new CreatePolicyError(`the packages directory ${options.dir} does not exist`);
  const forms = nameForms(options.name);
  const description = (options.description ?? `${forms.title}: a reclaim policy (describe it in one line).`)
    .replace(/["\\\n]/g, ' ')
    .trim();
  const { Pascal, camel } = forms;
  const values = {
    ...forms,
    description,
    exportStatement: specifierStatement(
      'export',
      nameList([`create${Pascal}`, `type ${Pascal}Options`, `type ${Pascal}State`, `${camel}Policy`]),
      `./${options.name}.js`,
    ),
    testImportStatement: specifierStatement(
      'import',
      nameList([`create${Pascal}`, `${camel}Policy`]),
      `@reclaim-lab/policy-${options.name}`,
    ),
  };
  const files: string[] = [];
  for (const [from, to] of FILES) {
    const target = to.replace('NAME', options.name);
    const out = join(path, target);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, fill(readFileSync(join(TEMPLATE, from), 'utf8'), values));
    files.push(target);
  }
  return { path, files };
}

/**
 * Add the package to the root tsconfig.json's project references (what
 * `pnpm typecheck` builds), if that file lists references; returns whether
 * it did.
 */
export function addProjectReference(root: string, packagePath: string): boolean {
  const file = join(root, 'tsconfig.json');
  if (!existsSync(file)) return false;
  const config = JSON.parse(readFileSync(file, 'utf8')) as { references?: { path: string }[] };
  if (!Array.isArray(config.references)) return false;
  const ref = relative(root, packagePath).split('\\').join('/');
  if (config.references.some((r) => r.path === ref)) return false;
  // Before the harness, which will come to depend on it.
  const at = config.references.findIndex((r) => r.path === 'packages/harness');
  config.references.splice(at < 0 ? config.references.length : at, 0, { path: ref });
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  return true;
}
