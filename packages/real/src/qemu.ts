import { spawn } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PAGE_SIZE } from '@reclaim-lab/hw-model';
import { ConsoleParser, type ConsoleResult } from './console.js';
import {
  baseInitramfs,
  ensureHostTools,
  fetchKernel,
  filesDisk,
  type Kernel,
  runInitramfs,
} from './guest.js';
import { encodePlan, type Plan } from './plan.js';

/** The kernel's two reclaim algorithms: what the simulator's lru and mglru stand for. */
export type RealPolicy = 'lru' | 'mglru';
export const REAL_POLICIES: readonly RealPolicy[] = ['lru', 'mglru'];

export interface GuestRunOptions {
  kernel: string;
  policy: RealPolicy;
  /** Called with each parsed console record's kind and the raw line (progress). */
  onRecord?: (kind: string, line: string) => void;
  log?: (line: string) => void;
  /** Kill QEMU after this long (default: 30 min). */
  timeoutMs?: number;
}

export interface GuestRun {
  kernel: Kernel;
  policy: RealPolicy;
  console: ConsoleResult;
  /** The full transcript, for a failed run's message and for capture. */
  transcript: string;
  /** Host wall time of the whole QEMU process. */
  hostSeconds: number;
}

const MIB = 1 << 20;

/** Settings the guest's /init sources. */
function runConf(plan: Plan, policy: RealPolicy): string {
  const v = {
    MEM_BYTES: plan.memoryPages * PAGE_SIZE,
    SWAP_BYTES: plan.swapPages * PAGE_SIZE,
    SWAP_DEV: plan.swapDevice === 'zram' ? 'zram' : 'disk',
    SWAPPINESS: plan.swappiness,
    PAGE_CLUSTER: plan.pageCluster,
    DIRTY_RATIO: Math.round(plan.dirtyRatio),
    DIRTY_BG_RATIO: Math.round(plan.dirtyBackgroundRatio),
    LRU_GEN: policy === 'mglru' ? 'y' : 'n',
  };
  return `${Object.entries(v)
    .map(([k, x]) => `${k}=${x}`)
    .join('\n')}\n`;
}

/** One line per memcg: path max high min low swapmax oomgroup, in bytes, "max", or "-" for unset. */
function memcgsConf(plan: Plan): string {
  const bytes = (pages: number | undefined) =>
    pages === undefined ? '-' : Number.isFinite(pages) ? String(pages * PAGE_SIZE) : 'max';
  return plan.memcgs
    .filter((m) => m.path !== '/')
    .map(
      (m) =>
        `${m.path} ${bytes(m.max)} ${bytes(m.high)} ${bytes(m.min)} ${bytes(m.low)} ${bytes(m.swapMax)} ${m.oomGroup ? 1 : 0}\n`,
    )
    .join('');
}

/** Guest RAM: the machine's memory (the /rl limit) plus room for the kernel, the plan and zram's compressed pages. */
export function guestMemoryMiB(plan: Plan, planBytes: number): number {
  const mem = Math.ceil((plan.memoryPages * PAGE_SIZE) / MIB);
  const zram = plan.swapDevice === 'zram' ? Math.ceil((plan.swapPages * PAGE_SIZE) / MIB / 2) : 0;
  return mem + zram + 2 * Math.ceil(planBytes / MIB) + 256;
}

/** Boots the guest once and runs the plan under one policy. */
export async function runGuest(plan: Plan, o: GuestRunOptions): Promise<GuestRun> {
  const log = o.log ?? (() => {});
  ensureHostTools(log);
  const kernel = fetchKernel(o.kernel, log);
  const base = baseInitramfs(kernel, log);
  const disk = filesDisk(plan.files, log);
  const tmp = mkdtempSync(join(tmpdir(), 'rl-guest-'));
  try {
    const planBytes = encodePlan(plan);
    const initrd = join(tmp, 'initrd');
    runInitramfs(
      base,
      { 'plan.bin': planBytes, 'run.conf': runConf(plan, o.policy), 'memcgs.conf': memcgsConf(plan) },
      initrd,
    );
    const args = [
      '-accel',
      'tcg',
      '-m',
      `${guestMemoryMiB(plan, planBytes.length)}`,
      '-smp',
      '1',
      '-nographic',
      '-no-reboot',
      '-nic',
      'none',
      // Writes go to a throw-away overlay: every run starts from the same files.
      '-snapshot',
      '-kernel',
      kernel.vmlinuz,
      '-initrd',
      initrd,
      '-append',
      // no_timer_check: on a loaded host TCG can miss the boot-time IO-APIC timer check, which panics.
      'console=ttyS0 quiet loglevel=1 panic=-1 no_timer_check',
      '-drive',
      `file=${disk},format=raw,if=virtio`,
    ];
    if (plan.swapDevice !== 'zram' && plan.swapPages > 0) {
      const swap = join(tmp, 'swap.img');
      const fd = openSync(swap, 'w');
      ftruncateSync(fd, plan.swapPages * PAGE_SIZE + MIB);
      closeSync(fd);
      args.push('-drive', `file=${swap},format=raw,if=virtio`);
    }
    const parser = new ConsoleParser();
    const started = process.hrtime.bigint();
    let transcript = '';
    await new Promise<void>((resolve, reject) => {
      const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let pending = '';
      let stderr = '';
      const timer = setTimeout(
        () => {
          child.kill('SIGKILL');
        },
        o.timeoutMs ?? 30 * 60_000,
      );
      child.stdout.setEncoding('latin1');
      child.stdout.on('data', (d: string) => {
        transcript += d;
        pending += d;
        let nl = pending.indexOf('\n');
        while (nl >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          const kind = parser.line(line);
          if (kind !== undefined) o.onRecord?.(kind, line.slice(line.indexOf('@@RL ')));
          nl = pending.indexOf('\n');
        }
      });
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (pending !== '') parser.line(pending);
        if (signal === 'SIGKILL') reject(new Error(`the guest ran past its time limit and was stopped`));
        else if (code !== 0) reject(new Error(`qemu exited with ${code}: ${stderr.trim()}`));
        else resolve();
      });
    });
    const result = parser.result();
    return {
      kernel,
      policy: o.policy,
      console: result,
      transcript,
      hostSeconds: Number(process.hrtime.bigint() - started) / 1e9,
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
