import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir } from './cache.js';
import { buildDriver } from './driver.js';

/**
 * The guest, built from Debian's packages only: a cloud kernel image
 * fetched with `apt-get download` and unpacked with `dpkg-deb -x` (never
 * installed), busybox-static, the modules the run needs taken from the
 * version's own tree, and the driver. Everything is cached per kernel
 * package under `cacheDir()`.
 */

export const INIT_SCRIPT = fileURLToPath(new URL('../guest/init.sh', import.meta.url));

/** The two series Debian ships for bookworm: the default meta-package (6.1) and the backported 6.12. */
export const KERNEL_SERIES: Record<string, string> = {
  '6.1': 'linux-image-cloud-amd64',
  '6.12': 'linux-image-6.12-cloud-amd64',
};
export const DEFAULT_KERNEL = KERNEL_SERIES['6.1'];

const HOST_TOOLS: { bin: string; pkg: string }[] = [
  { bin: 'qemu-system-x86_64', pkg: 'qemu-system-x86' },
  { bin: 'busybox', pkg: 'busybox-static' },
  { bin: 'cpio', pkg: 'cpio' },
  { bin: 'mke2fs', pkg: 'e2fsprogs' },
  { bin: 'xz', pkg: 'xz-utils' },
];

function which(bin: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** A statically linked busybox (the guest has no libc); busybox-static puts one at /bin/busybox. */
function staticBusybox(): string | undefined {
  for (const p of ['/bin/busybox', '/usr/bin/busybox']) {
    if (!existsSync(p)) continue;
    const head = readFileSync(p).subarray(0, 4096).toString('latin1');
    if (!head.includes('ld-linux')) return p;
  }
  return undefined;
}

function run(cmd: string, args: string[], what: string, cwd?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd, maxBuffer: 64 << 20 });
  if (r.status !== 0)
    throw new Error(
      `${what} failed (${cmd} ${args.join(' ')}): ${(r.stderr || r.stdout || String(r.error)).trim()}`,
    );
  return r.stdout;
}

/**
 * Makes sure qemu, busybox-static, cpio, e2fsprogs and xz are there,
 * installing the missing ones with apt-get when running as root; otherwise
 * says which command would.
 */
export function ensureHostTools(log: (line: string) => void = () => {}): void {
  const missing = HOST_TOOLS.filter((t) => (t.bin === 'busybox' ? !staticBusybox() : !which(t.bin))).map(
    (t) => t.pkg,
  );
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0 || !which('apt-get'))
    throw new Error(
      `the guest needs Debian packages not installed here: apt-get install -y ${missing.join(' ')}`,
    );
  log(`installing ${missing.join(', ')} with apt-get`);
  run('apt-get', ['update', '-qq'], 'apt-get update');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
    encoding: 'utf8',
    env,
  });
  if (r.status !== 0) throw new Error(`apt-get install ${missing.join(' ')} failed: ${r.stderr.trim()}`);
}

export interface Kernel {
  /** The concrete package, e.g. linux-image-6.1.0-57-cloud-amd64. */
  pkg: string;
  release: string;
  vmlinuz: string;
  modulesDir: string;
}

const PKG_NAME = /^linux-image-[a-z0-9.+~-]*cloud-amd64$/;

/** A series ("6.12"), a meta-package or a concrete package name → the concrete package apt offers. */
export function resolveKernelPackage(name: string): string {
  const wanted = KERNEL_SERIES[name] ?? name;
  if (!PKG_NAME.test(wanted))
    throw new Error(
      `--kernel: expected a Debian cloud kernel package (linux-image-…-cloud-amd64) or a series (${Object.keys(KERNEL_SERIES).join(', ')}), got "${name}"`,
    );
  // A meta-package depends on exactly one concrete image; a concrete one has its vmlinuz.
  const out = spawnSync('apt-cache', ['depends', wanted], { encoding: 'utf8' });
  if (out.status !== 0 || out.stdout.trim() === '')
    throw new Error(
      `--kernel: apt knows no package "${wanted}" (run apt-get update; apt-cache search cloud-amd64)`,
    );
  const dep = /Depends: (linux-image-[0-9][^\s]*cloud-amd64)\b/.exec(out.stdout);
  return dep !== null && /^linux-image-(cloud-amd64|6\.\d+-cloud-amd64)$/.test(wanted) ? dep[1] : wanted;
}

/** Downloads and unpacks a kernel package once into the cache. */
export function fetchKernel(name: string, log: (line: string) => void = () => {}): Kernel {
  const pkg = resolveKernelPackage(name);
  const dir = join(cacheDir(), 'kernels', pkg);
  const root = join(dir, 'root');
  if (!existsSync(join(dir, 'unpacked'))) {
    log(`fetching ${pkg} (apt-get download, dpkg-deb -x; not installed on this host)`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    run('apt-get', ['download', '-qq', pkg], 'apt-get download', dir);
    const deb = readdirSync(dir).find((f) => f.endsWith('.deb'));
    if (deb === undefined) throw new Error(`apt-get download ${pkg} left no .deb in ${dir}`);
    run('dpkg-deb', ['-x', join(dir, deb), root], 'dpkg-deb -x');
    rmSync(join(dir, deb));
    writeFileSync(join(dir, 'unpacked'), `${pkg}\n`);
  }
  const boot = join(root, 'boot');
  const vmlinuz = readdirSync(boot).find((f) => f.startsWith('vmlinuz-'));
  if (vmlinuz === undefined) throw new Error(`${pkg} has no boot/vmlinuz-*`);
  const release = vmlinuz.slice('vmlinuz-'.length);
  return { pkg, release, vmlinuz: join(boot, vmlinuz), modulesDir: join(root, 'lib', 'modules', release) };
}

function walk(dir: string, out: Map<string, string>): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (/\.ko(\.xz)?$/.test(e.name)) out.set(e.name.replace(/\.ko(\.xz)?$/, '').replace(/-/g, '_'), p);
  }
}

/** A module's bytes, decompressed (6.12 ships .ko.xz; busybox insmod loads plain modules only). */
function moduleBytes(path: string): Buffer {
  return path.endsWith('.xz')
    ? execFileSync('xz', ['-dc', path], { maxBuffer: 256 << 20 })
    : readFileSync(path);
}

/** The `depends=` entry of a module's .modinfo section. */
export function modinfoDepends(ko: Buffer): string[] {
  const text = ko.toString('latin1');
  const at = text.indexOf('\0depends=');
  if (at < 0) return [];
  const end = text.indexOf('\0', at + 1);
  const list = text.slice(at + '\0depends='.length, end);
  return list === '' ? [] : list.split(',').map((m) => m.replace(/-/g, '_'));
}

/**
 * The modules to insmod for `wanted`, dependencies first, resolved from the
 * version's own tree and .modinfo; built-in ones (modules.builtin) are skipped.
 */
export function resolveModules(k: Kernel, wanted: string[]): { name: string; ko: Buffer }[] {
  const paths = new Map<string, string>();
  walk(join(k.modulesDir, 'kernel'), paths);
  const builtinFile = join(k.modulesDir, 'modules.builtin');
  const builtin = new Set(
    existsSync(builtinFile)
      ? readFileSync(builtinFile, 'utf8')
          .split('\n')
          .map((l) => basename(l).replace(/\.ko$/, '').replace(/-/g, '_'))
      : [],
  );
  const order: { name: string; ko: Buffer }[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    const n = name.replace(/-/g, '_');
    if (seen.has(n)) return;
    seen.add(n);
    const path = paths.get(n);
    if (path === undefined) {
      if (builtin.has(n)) return;
      throw new Error(`${k.pkg}: module ${n} is neither in its tree nor built in`);
    }
    const ko = moduleBytes(path);
    for (const dep of modinfoDepends(ko)) visit(dep);
    order.push({ name: n, ko });
  };
  for (const w of wanted) visit(w);
  return order;
}

/** The modules every run loads: the virtio disk, zram, and lz4 (the compressor both series' zram offer). */
const GUEST_MODULES = ['virtio_pci', 'virtio_blk', 'zram', 'lz4'];

const BASE_VERSION = 1;

/**
 * The initramfs every run of a kernel shares (busybox, /init, the driver,
 * the modules), cached per kernel package and content. The per-run part
 * (plan and settings) is a second cpio archive appended to it, which the
 * kernel unpacks over the first.
 */
export function baseInitramfs(k: Kernel, log: (line: string) => void = () => {}): string {
  const driver = buildDriver();
  const busybox = staticBusybox();
  if (busybox === undefined) throw new Error('a static busybox is needed: apt-get install busybox-static');
  const init = readFileSync(INIT_SCRIPT);
  const key = createHash('sha256')
    .update(`${BASE_VERSION}\0${k.pkg}\0`)
    .update(init)
    .update(readFileSync(driver))
    .update(readFileSync(busybox))
    .digest('hex')
    .slice(0, 16);
  const out = join(cacheDir(), 'kernels', k.pkg, `base-${key}.cpio.gz`);
  if (existsSync(out)) return out;
  log(`building the guest initramfs for ${k.release}`);
  const dir = mkdtempSync(join(tmpdir(), 'rl-initramfs-'));
  try {
    for (const d of ['bin', 'dev', 'proc', 'sys', 'mnt', 'lib/modules'])
      mkdirSync(join(dir, d), { recursive: true });
    copyFileSync(busybox, join(dir, 'bin', 'busybox'));
    copyFileSync(INIT_SCRIPT, join(dir, 'init'));
    copyFileSync(driver, join(dir, 'driver'));
    const mods = resolveModules(k, GUEST_MODULES);
    for (const m of mods) writeFileSync(join(dir, 'lib', 'modules', `${m.name}.ko`), m.ko);
    writeFileSync(join(dir, 'modules.list'), `${mods.map((m) => m.name).join('\n')}\n`);
    execFileSync('chmod', ['755', join(dir, 'init'), join(dir, 'driver'), join(dir, 'bin', 'busybox')]);
    const tmp = `${out}.tmp${process.pid}`;
    execFileSync(
      'sh',
      ['-c', `find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1 > '${tmp}'`],
      {
        cwd: dir,
      },
    );
    renameSync(tmp, out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** Appends a cpio archive of `files` (name → content) to a copy of the base initramfs. */
export function runInitramfs(base: string, files: Record<string, Buffer | string>, out: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'rl-run-'));
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    const archive = execFileSync('cpio', ['-o', '-H', 'newc', '--quiet', '-R', '0:0'], {
      cwd: dir,
      input: `${Object.keys(files).join('\n')}\n`,
      maxBuffer: 1 << 30,
    });
    copyFileSync(base, out);
    const fd = openSync(out, 'a');
    // The kernel unpacks concatenated archives; a 4-byte aligned start keeps newc happy.
    const pad = (4 - (statSync(out).size % 4)) % 4;
    if (pad) writeSync(fd, Buffer.alloc(pad));
    writeSync(fd, archive);
    closeSync(fd);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The disk the workload's files live on: an ext4 image made once per set of
 * files (names and sizes), filled with non-zero data so reads do real I/O.
 */
export function filesDisk(
  files: { name: string; pages: number }[],
  log: (line: string) => void = () => {},
): string {
  const key = createHash('sha256').update(JSON.stringify(files)).update('v1').digest('hex').slice(0, 16);
  const dir = join(cacheDir(), 'disks');
  const out = join(dir, `files-${key}.ext4`);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const totalPages = files.reduce((s, f) => s + f.pages, 0);
  log(`making the files disk (${files.length} files, ${((totalPages * 4096) / 2 ** 20).toFixed(0)} MiB)`);
  const src = mkdtempSync(join(tmpdir(), 'rl-files-'));
  try {
    const block = Buffer.alloc(1 << 20);
    for (let i = 0; i < block.length; i++) block[i] = (i * 131 + 7) & 0xff;
    for (const f of files) {
      const fd = openSync(join(src, f.name), 'w');
      let left = f.pages * 4096;
      while (left > 0) {
        const n = Math.min(left, block.length);
        writeSync(fd, block, 0, n);
        left -= n;
      }
      closeSync(fd);
    }
    const mib = Math.ceil((totalPages * 4096 * 1.1) / 2 ** 20) + 16;
    const tmp = `${out}.tmp${process.pid}`;
    run('mke2fs', ['-q', '-F', '-t', 'ext4', '-E', 'root_owner=0:0', '-d', src, tmp, `${mib}M`], 'mke2fs');
    renameSync(tmp, out);
  } finally {
    rmSync(src, { recursive: true, force: true });
  }
  return out;
}
