import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { addProjectReference, CreatePolicyError, nameForms, scaffoldPolicy } from './scaffold.js';

const USAGE = `usage: create-policy NAME [--dir PACKAGES_DIR] [--description TEXT]

Creates PACKAGES_DIR/policy-NAME (default: the repository's packages/): an
empty policy with every hook documented, a README to fill in, and a test
that runs the shared conformance suite.

  NAME                 kebab-case policy name, e.g. clock-pro, s3fifo
  --dir PACKAGES_DIR   where to create the package (default: packages/)
  --description TEXT   one line for package.json, the README and the factory
`;

export interface Io {
  out(text: string): void;
  err(text: string): void;
  cwd: string;
}

/** The workspace root: the nearest directory up from `from` holding pnpm-workspace.yaml. */
function findRoot(from: string): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Run the command; returns the process exit code (0 done, 1 refused, 2 usage). */
export function runCli(argv: string[], io: Io): number {
  let name: string | undefined;
  let dir: string | undefined;
  let description: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      io.out(USAGE);
      return 0;
    }
    if (arg === '--dir' || arg === '--description') {
      const value = argv[++i];
      if (value === undefined) {
        io.err(`create-policy: ${arg} needs a value\n${USAGE}`);
        return 2;
      }
      if (arg === '--dir') dir = value;
      else description = value;
    } else if (arg.startsWith('-')) {
      io.err(`create-policy: unknown option ${arg}\n${USAGE}`);
      return 2;
    } else if (name === undefined) name = arg;
    else {
      io.err(`create-policy: one name at a time (got "${name}" and "${arg}")\n`);
      return 2;
    }
  }
  if (name === undefined) {
    io.err(`create-policy: a policy name is needed\n${USAGE}`);
    return 2;
  }
  const root = findRoot(io.cwd);
  const packages = dir === undefined ? (root ? join(root, 'packages') : undefined) : resolve(io.cwd, dir);
  if (packages === undefined) {
    io.err('create-policy: not inside the reclaim-lab workspace; give --dir PACKAGES_DIR\n');
    return 1;
  }
  try {
    const { path, files } = scaffoldPolicy({ name, dir: packages, description });
    const shown = relative(io.cwd, path) || path;
    const inRepo = root !== undefined && resolve(packages) === join(root, 'packages');
    const referenced = inRepo && addProjectReference(root, path);
    // Long names wrap differently; let the repository's formatter lay the files out as `pnpm lint` wants.
    const biome = root && join(root, 'node_modules/@biomejs/biome/bin/biome');
    if (biome && existsSync(biome))
      spawnSync(process.execPath, [biome, 'check', '--write', path], { cwd: root, stdio: 'ignore' });
    const { camel } = nameForms(name);
    io.out(
      [
        `created ${shown}/`,
        ...files.map((f) => `  ${f}`),
        ...(referenced ? ['  (added to the project references in tsconfig.json)'] : []),
        '',
        'next:',
        '  pnpm install                                    # link the new package into the workspace',
        `  pnpm vitest run ${relative(root ?? io.cwd, path)}   # the conformance suite, on the empty policy`,
        `  pnpm reclaim-lab run --workload loop-over-memory --policy ./${relative(root ?? io.cwd, path)}/src/index.ts`,
        `  edit ${relative(io.cwd, join(path, 'src', `${name}.ts`))}: uncomment the hooks your policy decides`,
        '  pnpm lint --write                               # format and fix what you edited, as pnpm lint checks it',
        `  to use it by name: add "@reclaim-lab/policy-${name}": "workspace:*" to packages/harness/package.json`,
        `  and registerPolicy(${camel}Policy) in packages/harness/src/policies.ts`,
        '',
      ].join('\n'),
    );
    return 0;
  } catch (e) {
    if (!(e instanceof CreatePolicyError)) throw e;
    io.err(`create-policy: ${e.message}\n`);
    return 1;
  }
}
