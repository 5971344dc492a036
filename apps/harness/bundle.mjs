// The CLI as a few bundled files (dist/bundle/), run by bin/reclaim-lab.js in
// the repository: Node resolves, reads and compiles some 300 modules to start
// dist/main.js, which costs more than a short trace replay's own work. A build
// step after tsc (`pnpm build`); dist/main.js stays the library entry, and the
// published package, which leaves dist/bundle out, runs it.
//
// What keeps the bundle's behaviour the unbundled one's:
// - Every bundled module of the workspace keeps its own import.meta.url (the
//   path of its file in dist, relative to the bundle), so the sweep worker,
//   the containment sandbox, the real driver's sources and package.json are
//   found where they are, and run unbundled as before.
// - Each @reclaim-lab package is also an entry (dist/bundle/pkg/NAME.js,
//   listed in packages.json): a policy loaded by path imports those, the same
//   module instances the bundled core uses (policy-loader's resolve hook).
// - Dependencies that find files beside themselves, and the lazily loaded
//   report libraries, stay outside, imported from where they are installed.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
// `node bundle.mjs DIR` writes elsewhere (the bundle test).
const outdir = resolve(process.argv[2] ?? join(here, 'dist/bundle'));
const EXTERNAL = new Set([
  'esbuild',
  'tsx',
  'tinypool',
  '@observablehq/plot',
  'linkedom',
  '@reclaim-lab/real',
]);
const workspace = /^(packages|apps)[/\\][^/\\]+[/\\]dist[/\\]/;
const packageOf = (spec) =>
  (spec.startsWith('@') ? spec.split('/').slice(0, 2) : spec.split('/').slice(0, 1)).join('/');

const entries = [{ in: join(here, 'dist/main.js'), out: 'main' }];
const packages = {};
for (const dir of readdirSync(join(root, 'packages'))) {
  const json = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
  if (json.private || EXTERNAL.has(json.name)) continue;
  const name = json.name.replace('@reclaim-lab/', '');
  // Beside the chunks, so a module placed in an entry has the chunks' directory too.
  entries.push({ in: join(root, 'packages', dir, 'dist/index.js'), out: `pkg-${name}` });
  packages[json.name] = `./pkg-${name}.js`;
}

const plugin = {
  name: 'reclaim-lab-bundle',
  setup(build) {
    // Installed where they are: a path relative to the bundle (all chunks sit in outdir).
    build.onResolve({ filter: /^[^./]/ }, async (a) => {
      if (a.pluginData === 'outside' || !EXTERNAL.has(packageOf(a.path))) return undefined;
      const r = await build.resolve(a.path, {
        kind: a.kind,
        resolveDir: a.resolveDir,
        pluginData: 'outside',
      });
      if (r.errors.length > 0) return { errors: r.errors };
      return { path: `./${relative(outdir, r.path)}`, external: true };
    });
    // The workspace's own modules keep their import.meta.url.
    build.onLoad({ filter: /[/\\]dist[/\\].*\.js$/ }, (a) => {
      if (!workspace.test(relative(root, a.path)) || a.path === entries[0].in) return undefined;
      const source = readFileSync(a.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const rel = JSON.stringify(relative(outdir, a.path).split('\\').join('/'));
      return {
        // Not inside a string (contain.js writes a banner that names it for its own bundles).
        contents: source.replace(/(['"`])(?:\\.|(?!\1)[^\\\n])*\1|import\.meta\.url/g, (m) =>
          m === 'import.meta.url' ? `new URL(${rel}, import.meta.url).href` : m,
        ),
        loader: 'js',
      };
    });
  },
};

rmSync(outdir, { recursive: true, force: true });
await esbuild.build({
  entryPoints: entries,
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outdir,
  chunkNames: 'chunk-[hash]',
  logLevel: 'warning',
  plugins: [plugin],
  // CommonJS dependencies bundled into an ES module still call require() for built-ins.
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
});
writeFileSync(join(outdir, 'packages.json'), `${JSON.stringify(packages, null, 2)}\n`);

// A bundle that does not start fails the build, not a user's first run.
const version = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8')).version;
const out = execFileSync(process.execPath, [join(outdir, 'main.js'), '--version'], {
  encoding: 'utf8',
}).trim();
if (out !== version) throw new Error(`${join(outdir, 'main.js')} --version printed ${out}, not ${version}`);
