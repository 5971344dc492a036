import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where built guest artefacts live (kernels, initramfs, disk images, the
 * driver): `$RECLAIM_LAB_CACHE`, else `$XDG_CACHE_HOME/reclaim-lab`, else
 * `~/.cache/reclaim-lab`. Never the repository.
 */
export function cacheDir(): string {
  const own = process.env.RECLAIM_LAB_CACHE;
  if (own) return own;
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg ? xdg : join(homedir(), '.cache'), 'reclaim-lab');
}
