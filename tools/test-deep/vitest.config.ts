import { resolve } from 'node:path';
import { defineConfig, mergeConfig } from 'vitest/config';
import base from '../../vitest.config.js';

/**
 * The deep run loads the sources with Node's own module loader (through
 * tsx) instead of Vite's module runner: the runner turns every imported
 * binding re-exported through a barrel into a getter call, which on the
 * simulation's hot paths (the invariant walk reads a flag constant per
 * frame) made fifo's checked two-tier cases 3–4× slower (38 s against
 * 9–12 s for 400). Same sources, same cases; the default suite keeps the runner
 * (its policy-loader tests load TypeScript policies through it).
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      root: resolve(import.meta.dirname, '../..'),
      execArgv: ['--import', 'tsx/esm', '--conditions=@reclaim-lab/source'],
      experimental: { viteModuleRunner: false, nodeLoader: false },
    },
  }),
);
