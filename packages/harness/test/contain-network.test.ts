import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunResult } from '@reclaim-lab/reclaim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runContained } from '../src/contain/contain.js';
import { loadPolicySpecs } from '../src/policy-loader.js';
import { runScenario, scenarioFrom } from '../src/runner.js';

/**
 * Node 20's permission model has no network scope, so a contained policy's
 * every road to a socket is closed by hand. Each fixture here tries one
 * against a server listening on this machine: in a hook it is ejected at
 * that call (results equal to a policy that throws there), at load it is
 * refused in one line, and the server sees no connection at all.
 */
const base = fileURLToPath(new URL('./fixtures/contain/base.mjs', import.meta.url));
const LIMITS = { stallSeconds: 2, heapMiB: 64 };
const scenarioWith = (policy: string) =>
  scenarioFrom({
    workload: 'zipf-anon',
    policy,
    machine: { memory: '16MiB', swap: '16MiB' },
    params: { scale: 0.25 },
    seed: 7,
  });
function comparable(r: RunResult) {
  return {
    ...r,
    policy: '',
    policyExits: r.policyExits.map((e) => ({ timeNs: e.timeNs, scope: e.scope, hook: e.hook })),
  };
}

let server: Server;
let port = 0;
let connections = 0;
let dir: string;
let control: RunResult;

/** A policy module whose `evictCandidates` runs `body` on its third call (`top` runs at load). */
function policy(name: string, body: string, top = ''): string {
  const file = join(dir, `${name}.mjs`);
  const code = body.replaceAll('PORT', String(port));
  writeFileSync(
    file,
    `import { misbehaving } from ${JSON.stringify(base)};\n${top.replaceAll('PORT', String(port))}\nexport default misbehaving(() => { ${code} });\n`,
  );
  return file;
}
const settle = () => new Promise((r) => setTimeout(r, 300));

beforeAll(async () => {
  server = createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
  dir = mkdtempSync(join(tmpdir(), 'reclaim-lab-contain-net-'));
  const throws = fileURLToPath(new URL('./fixtures/contain/throws.mjs', import.meta.url));
  await loadPolicySpecs([throws]);
  control = runScenario(scenarioWith(throws));
}, 60_000);
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const connectNet = (n: string) => `${n}.connect(PORT, '127.0.0.1').on('error', () => {})`;

describe('a contained policy reaching for the network', () => {
  it.each([
    [
      'fetch',
      `fetch('http://127.0.0.1:PORT/').catch(() => {});`,
      'fetch is not available to a contained policy',
    ],
    [
      'WebSocket',
      `new WebSocket('ws://127.0.0.1:PORT/');`,
      'WebSocket is not available to a contained policy',
    ],
    [
      'process.binding',
      `const { TCP, TCPConnectWrap, constants } = process.binding('tcp_wrap'); new TCP(constants.SOCKET).connect(new TCPConnectWrap(), '127.0.0.1', PORT);`,
      'process.binding is not available to a contained policy',
    ],
    [
      'process._linkedBinding',
      `process._linkedBinding('tcp_wrap');`,
      'process._linkedBinding is not available to a contained policy',
    ],
    ['internalBinding', `internalBinding('tcp_wrap');`, 'internalBinding is not defined'],
    [
      'process.dlopen',
      `process.dlopen({ exports: {} }, '/tmp/addon.node');`,
      'process.dlopen is not available to a contained policy',
    ],
    [
      'process.getBuiltinModule',
      `${connectNet("process.getBuiltinModule('net')")};`,
      'process.getBuiltinModule is not available to a contained policy',
    ],
    [
      'new Function',
      `new Function('return import("node:net")')().then((n) => ${connectNet('n')}, () => {});`,
      'Code generation from strings disallowed for this context',
    ],
    [
      'eval',
      `(0, eval)('import("node:net")').then((n) => ${connectNet('n')}, () => {});`,
      'Code generation from strings disallowed for this context',
    ],
    [
      'the AsyncFunction constructor',
      `(async () => {}).constructor('return (await import("node:net")).connect(PORT, "127.0.0.1")')().catch(() => {});`,
      'Code generation from strings disallowed for this context',
    ],
    [
      'a require computed at run time',
      `${connectNet("require(['node', 'net'].join(':'))")};`,
      'require("node:net") refused: a contained policy may import only node:assert, node:assert/strict, node:buffer, node:events, node:string_decoder, node:util',
    ],
    [
      'createRequire under the name the sandbox bundle once bound it to',
      `${connectNet("__cr(import.meta.url)('net')")};`,
      '__cr is not defined',
    ],
  ])(
    'through %s in a hook is ejected at that call',
    async (name, body, message) => {
      const r = await runContained(scenarioWith(policy(name.replace(/\W+/g, '-'), body)), LIMITS);
      expect(r.policyExits).toEqual([
        expect.objectContaining({ kind: 'error', hook: 'evictCandidates', message }),
      ]);
      expect(comparable(r)).toEqual(comparable(control));
    },
    60_000,
  );

  it.each([
    [
      'an import() computed in a hook',
      `import(['node', 'net'].join(':')).then((n) => ${connectNet('n')}, () => {});`,
      '',
      "calls import() with a specifier computed at run time; a contained policy's imports must be written out (run it with --in-process if you trust it)",
    ],
    [
      'module.createRequire',
      `${connectNet("createRequire(import.meta.url)('net')")};`,
      `import { createRequire } from 'node:module';`,
      'imports node:module; a contained policy may import only node:assert, node:assert/strict, node:buffer, node:events, node:string_decoder, node:util (run it with --in-process if you trust it)',
    ],
    [
      'a require computed at load',
      '',
      `await new Promise((ok) => { const s = require(['node', 'net'].join(':')).connect(PORT, '127.0.0.1'); s.on('connect', ok); s.on('error', ok); });`,
      'failed to load: require("node:net") refused: a contained policy may import only node:assert, node:assert/strict, node:buffer, node:events, node:string_decoder, node:util',
    ],
  ])(
    'through %s is refused at load in one line',
    async (name, body, top, message) => {
      const file = policy(name.replace(/\W+/g, '-'), body, top);
      const run = runContained(scenarioWith(file), LIMITS);
      await expect(run).rejects.toThrow(`policy module ${file}: ${message}`);
      await expect(run).rejects.toThrow(/^[^\n]+$/);
    },
    60_000,
  );

  it('made no connection to the listening server', async () => {
    await settle();
    expect(connections).toBe(0);
  });

  it('would have connected had the import check let node:net through (the boundary is ours, not the runtime’s)', async () => {
    const file = policy(
      'unsafe-net',
      '',
      `import { connect } from 'node:net';\nawait new Promise((ok) => { const s = connect(PORT, '127.0.0.1'); s.on('connect', ok); s.on('error', ok); });`,
    );
    const before = connections;
    await runContained(scenarioWith(file), { ...LIMITS, unsafeBuiltins: ['net'] });
    await settle();
    expect(connections - before).toBe(1);
  }, 60_000);
});
