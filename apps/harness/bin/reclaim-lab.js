#!/usr/bin/env node
// The installed command. It exists before the build (so package managers link
// it at install time in the repository); the CLI itself is the built dist/main.js,
// whose `main` runs here (dist/main.js runs itself only when it is the entry point).
import('../dist/main.js').then(
  async (cli) => {
    process.exitCode = await cli.main(process.argv);
  },
  (e) => {
    if (e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/main.js')) {
      process.stderr.write(
        'reclaim-lab: not built yet: run `pnpm build` (or `pnpm reclaim-lab:dev` for sources)\n',
      );
      process.exit(1);
    }
    throw e;
  },
);
