import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir } from './cache.js';

/** The C driver's source, shipped beside the package's sources. */
export const DRIVER_SOURCE = fileURLToPath(new URL('../driver/driver.c', import.meta.url));

/**
 * Builds the driver with the host's cc, statically (the guest has no libc),
 * once per source version, into the cache. Returns the binary's path.
 */
export function buildDriver(cc = process.env.CC ?? 'cc'): string {
  const source = readFileSync(DRIVER_SOURCE);
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const dir = join(cacheDir(), 'driver');
  const out = join(dir, `driver-${hash}`);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const tmp = `${out}.tmp${process.pid}`;
  try {
    execFileSync(cc, ['-O2', '-static', '-Wall', '-Wno-format-truncation', '-o', tmp, DRIVER_SOURCE], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(
      `building the guest driver with ${cc} failed (a static libc is needed: apt-get install gcc libc6-dev): ${err.stderr?.toString().trim() || err.message}`,
    );
  }
  renameSync(tmp, out);
  return out;
}
