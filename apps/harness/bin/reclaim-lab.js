#!/usr/bin/env node
// The installed command. It exists before the build (so package managers link
// it at install time in the repository); the CLI itself is built: dist/bundle/main.js
// (a few bundled files that start faster, see bundle.mjs) where the build made it,
// else dist/main.js (the published package). Either's `main` runs here (it runs itself
// only when it is the entry point).
const notFound = (e, file) => e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes(file);
import('../dist/bundle/main.js')
  .catch((e) => {
    if (notFound(e, 'dist/bundle/main.js')) return import('../dist/main.js');
    throw e;
  })
  .then(
    async (cli) => {
      process.exitCode = await cli.main(process.argv);
    },
    (e) => {
      if (notFound(e, 'dist/main.js')) {
        process.stderr.write(
          'reclaim-lab: not built yet: run `pnpm build` (or `pnpm reclaim-lab:dev` for sources)\n',
        );
        process.exit(1);
      }
      throw e;
    },
  );
