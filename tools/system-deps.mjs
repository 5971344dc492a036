// The system packages some tests need (a headless Chromium for the HTML
// report, Slurm and munge for the batch test), installed with Debian's apt
// when missing, so `pnpm test` on a fresh machine with Node alone sets itself up.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian package → a file it installs that tells us it is there. */
export const SYSTEM_PACKAGES = {
  chromium: '/usr/bin/chromium',
  'slurm-wlm': '/usr/sbin/slurmctld',
  munge: '/usr/sbin/munged',
};

export const CHROMIUM = SYSTEM_PACKAGES.chromium;

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', ...env },
    encoding: 'utf8',
  });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

/**
 * Installs the named packages that are missing. Returns the ones still
 * missing afterwards, each with the reason, so a caller can fail with one
 * clear line instead of a launch error deep in a test.
 */
export function ensureSystemPackages(names, log = (line) => process.stderr.write(`${line}\n`)) {
  const missing = names.filter((n) => !existsSync(SYSTEM_PACKAGES[n] ?? `/nonexistent/${n}`));
  if (missing.length === 0) return [];
  const why = (reason) => missing.map((n) => ({ name: n, reason }));
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get'))
    return why(`not installed, and this is not a Debian-like system: install ${missing.join(', ')} by hand`);
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const sudo = asRoot ? [] : ['sudo', '-n'];
  if (!asRoot && !existsSync('/usr/bin/sudo'))
    return why(`not installed; run as root or: apt-get install ${missing.join(' ')}`);
  const [cmd, ...pre] = [...sudo, 'apt-get'];
  log(`test set-up: installing ${missing.join(', ')} with apt-get (once per machine)`);
  const update = run(cmd, [...pre, 'update', '-qq']);
  if (!update.ok) return why(`apt-get update failed: ${update.out.split('\n').slice(-1)[0]}`);
  // Slurm's packages start their daemons when policy-rc.d allows it; the test starts its own.
  const install = run(cmd, [...pre, 'install', '-y', '-qq', '--no-install-recommends', ...missing], {
    RUNLEVEL: '1',
  });
  if (!install.ok) return why(`apt-get install failed: ${install.out.split('\n').slice(-1)[0]}`);
  return missing
    .filter((n) => !existsSync(SYSTEM_PACKAGES[n]))
    .map((n) => ({ name: n, reason: `installed, but ${SYSTEM_PACKAGES[n]} is still missing` }));
}
