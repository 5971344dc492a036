import type { CostModel } from './cost.js';
import type { DeviceSpec } from './device.js';
import type { MachineConfig } from './machine.js';
import { Rng } from './rng.js';

/** The largest jitter a scenario may ask for: beyond ±50% a "latency" is no longer the device's. */
export const MAX_JITTER = 0.5;

/** Mixed into the run's seed so the noise stream is independent of the workload's draws. */
const JITTER_SALT = 0x6a09e667;

/**
 * Run-to-run timing noise for one seed, as a real machine has it: the CPU
 * runs a little faster or slower from one boot to the next (frequency,
 * cache and memory placement), each device's latency and bandwidth differ a
 * little, and every request varies on top. This draws, from the seed alone,
 * one factor in [1 - jitter, 1 + jitter] for every CPU cost, one per device
 * for its latencies, seek and bandwidth, and the seed of the per-request
 * latency noise the BlockDevices apply. Same config and seed, same machine;
 * jitter 0 (or absent) returns the config unchanged.
 *
 * A deviation, stated: real noise is neither uniform nor independent of
 * load (queueing, thermal throttling); this is the simplest noise that gives
 * seed-invariant workloads an honest run-to-run spread.
 */
export function applyJitter(config: MachineConfig, seed: number): MachineConfig {
  const j = config.jitter ?? 0;
  if (!(j > 0)) return config;
  if (j > MAX_JITTER) throw new RangeError(`machine.jitter: at most ${MAX_JITTER}, got ${j}`);
  const rng = new Rng((seed ^ JITTER_SALT) >>> 0);
  const factor = () => 1 + j * (rng.next() * 2 - 1);
  const cpu = factor();
  const cost = Object.fromEntries(
    Object.entries(config.cost).map(([k, v]) => [k, v * cpu]),
  ) as unknown as CostModel;
  const device = (d: DeviceSpec): DeviceSpec => {
    const f = factor();
    return {
      ...d,
      readLatencyNs: d.readLatencyNs * f,
      writeLatencyNs: d.writeLatencyNs * f,
      pagesPerSec: d.pagesPerSec / f,
      ...(d.seekNs === undefined ? {} : { seekNs: d.seekNs * f }),
    };
  };
  const swapDevice = device(config.swapDevice);
  const disk = device(config.disk);
  return { ...config, cost, swapDevice, disk, jitterSeed: rng.nextU32() };
}
