/**
 * Block devices: flash overlaps the latency of queued requests, a spinning
 * disk has one head. Random reads on an HDD are bound by its seeks (about
 * 125 a second at 8 ms), a sequential stream by its bandwidth.
 */
import { describe, expect, it } from 'vitest';
import { BlockDevice, DEVICE_PRESETS, fileSector } from '../src/device.js';
import { applyJitter } from '../src/jitter.js';
import { defaultMachineConfig } from '../src/machine.js';

const hdd = DEVICE_PRESETS.hdd;
const seek = hdd.seekNs as number;
const hddPage = 1e9 / hdd.pagesPerSec;

describe('rotational device', () => {
  it('a sequential stream of reads pays one seek, then only the transfer', () => {
    const d = new BlockDevice(hdd);
    let done = 0;
    for (let i = 0; i < 100; i++) done = d.submit(0, 32, false, true, fileSector(0, 32 * i));
    expect(d.seeks).toBe(1);
    expect(done).toBeCloseTo(seek + 3200 * hddPage + hdd.readLatencyNs, 3);
  });

  it('random reads queued together complete one seek apart: the head is not shared', () => {
    const d = new BlockDevice(hdd);
    const done: number[] = [];
    for (let i = 0; i < 10; i++) done.push(d.submit(0, 1, false, true, fileSector(0, (i * 7919) % 100_000)));
    expect(d.seeks).toBe(10);
    for (let i = 1; i < 10; i++) expect(done[i] - done[i - 1]).toBeCloseTo(seek + hddPage, 3);
    // The same ten reads on an SSD overlap their latency.
    const ssd = new BlockDevice(DEVICE_PRESETS.ssd);
    let last = 0;
    for (let i = 0; i < 10; i++) last = ssd.submit(0, 1, false, true, fileSector(0, (i * 7919) % 100_000));
    expect(last).toBeCloseTo(
      (10 * 1e9) / DEVICE_PRESETS.ssd.pagesPerSec + DEVICE_PRESETS.ssd.readLatencyNs,
      3,
    );
  });

  it('a short forward skip waits for the platter, a backward one seeks, another file seeks', () => {
    const d = new BlockDevice(hdd);
    d.submit(0, 8, false, true, fileSector(0, 0));
    const t0 = d.submit(0, 8, false, true, fileSector(0, 8));
    // Skip 4 pages: the rotation past them, far less than a seek.
    const t1 = d.submit(0, 8, false, true, fileSector(0, 20));
    expect(t1 - t0).toBeCloseTo(12 * hddPage, 3);
    const t2 = d.submit(0, 8, false, true, fileSector(0, 0));
    expect(t2 - t1).toBeCloseTo(seek + 8 * hddPage, 3);
    const t3 = d.submit(0, 8, false, true, fileSector(1, 8));
    expect(t3 - t2).toBeCloseTo(seek + 8 * hddPage, 3);
    expect(d.seeks).toBe(4);
  });

  it('a write moves the head: the next read seeks, and writes never wait for a seek', () => {
    const d = new BlockDevice(hdd);
    d.submit(0, 8, false, true, fileSector(0, 0));
    const before = d.seeks;
    const w = d.submit(0, 1, true, true, fileSector(0, 500));
    // Queued behind the read's transfer, then its own page, then the write latency.
    expect(w).toBeCloseTo(seek + 9 * hddPage + hdd.writeLatencyNs, 3);
    d.submit(0, 8, false, true, fileSector(0, 8));
    expect(d.seeks).toBe(before + 1);
  });

  it('flash ignores where a request lies', () => {
    const d = new BlockDevice(DEVICE_PRESETS.nvme);
    const a = d.submit(0, 1, false, true, fileSector(0, 0));
    const b = new BlockDevice(DEVICE_PRESETS.nvme).submit(0, 1, false, true, fileSector(3, 77));
    expect(a).toBe(b);
    expect(d.seeks).toBe(0);
  });
});

describe('writes in flight (the block layer write throttle reclaim waits on)', () => {
  it('a new write fits under a limit of N once the write N places back has completed', () => {
    const ssd = DEVICE_PRESETS.ssd;
    const d = new BlockDevice(ssd);
    expect(d.writeSlotAt(4)).toBe(0);
    const done: number[] = [];
    for (let i = 0; i < 10; i++) done.push(d.submit(0, 1, true));
    // Ten page writes queued at once complete a page's transfer apart, in order.
    for (let i = 1; i < 10; i++) expect(done[i] - done[i - 1]).toBeCloseTo(1e9 / ssd.pagesPerSec, 6);
    expect(d.writeSlotAt(4)).toBe(done[6]);
    expect(d.writeSlotAt(10)).toBe(done[0]);
    expect(d.writeSlotAt(11)).toBe(0);
    // Reads do not count against the write limit.
    d.submit(0, 8, false);
    expect(d.writeSlotAt(4)).toBe(done[6]);
  });
});

describe('BlockDevice latency jitter', () => {
  it('varies each request within ±jitter, reproducibly from its seed, and keeps writes in order', () => {
    const spec = DEVICE_PRESETS.nvme;
    const reads = (seed: number) => {
      const d = new BlockDevice(spec, 0.1, seed);
      // Far apart in time, so no request queues behind another: the latency alone is measured.
      return Array.from({ length: 200 }, (_, i) => d.submit(i * 1e9, 1, false) - i * 1e9);
    };
    const a = reads(7);
    const xfer = 1e9 / spec.pagesPerSec;
    for (const t of a) {
      expect(t - xfer).toBeGreaterThanOrEqual(spec.readLatencyNs * 0.9);
      expect(t - xfer).toBeLessThanOrEqual(spec.readLatencyNs * 1.1);
    }
    expect(new Set(a).size).toBeGreaterThan(150);
    expect(reads(7)).toEqual(a);
    expect(reads(8)).not.toEqual(a);
    const w = new BlockDevice(spec, 0.5, 3);
    const done = Array.from({ length: 100 }, () => w.submit(0, 1, true));
    for (let i = 1; i < done.length; i++) expect(done[i]).toBeGreaterThanOrEqual(done[i - 1]);
    expect(w.writeSlotAt(1)).toBe(done[done.length - 1]);
  });

  it('without jitter returns the preset latency exactly', () => {
    const d = new BlockDevice(DEVICE_PRESETS.ssd);
    expect(d.submit(0, 1, false)).toBe(
      1e9 / DEVICE_PRESETS.ssd.pagesPerSec + DEVICE_PRESETS.ssd.readLatencyNs,
    );
  });
});

describe('applyJitter', () => {
  it('scales CPU costs and each device once per seed, deterministically, and leaves jitter 0 alone', () => {
    const base = defaultMachineConfig(1024);
    expect(applyJitter(base, 5)).toBe(base);
    const j = { ...base, jitter: 0.02 };
    const a = applyJitter(j, 5);
    expect(applyJitter(j, 5)).toEqual(a);
    expect(applyJitter(j, 6)).not.toEqual(a);
    const f = a.cost.scanPageNs / base.cost.scanPageNs;
    expect(Math.abs(f - 1)).toBeLessThanOrEqual(0.02);
    expect(a.cost.rmapNs / base.cost.rmapNs).toBeCloseTo(f, 12);
    const g = a.swapDevice.readLatencyNs / base.swapDevice.readLatencyNs;
    expect(Math.abs(g - 1)).toBeLessThanOrEqual(0.02);
    expect(a.swapDevice.pagesPerSec).toBeCloseTo(base.swapDevice.pagesPerSec / g, 6);
    expect(a.jitterSeed).toBeTypeOf('number');
    expect(() => applyJitter({ ...base, jitter: 0.9 }, 1)).toThrow(/machine.jitter: at most 0.5/);
  });
});
