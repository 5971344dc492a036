import { OP_READ } from '@reclaim-lab/hw-model';
import {
  ANON,
  CtrlStats,
  carryOverCtrlPos,
  ctrlPos,
  FILE,
  getTierIdx,
  getTypeToScan,
  positiveCtrlErr,
  readCtrlPos,
} from '@reclaim-lab/policy-mglru';
import { generated } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';
import { mglruKernel, rootCtx, runWorkload } from './helpers.js';

const T = 4;
const at = (type: number, tier: number) => type * T + tier;

describe('the refault feedback (PID) controller', () => {
  it('positive_ctrl_err: a PV with fewer than MIN_LRU_BATCH refaults, or a gain-weighted lower refault rate than the SP, passes', () => {
    const sp = { refaulted: 100, total: 10_000, gain: 2 };
    expect(positiveCtrlErr(sp, { refaulted: 63, total: 64, gain: 3 })).toBe(true);
    // 8 % against 1 %: refaults much more than the set point.
    expect(positiveCtrlErr(sp, { refaulted: 80, total: 1000, gain: 3 })).toBe(false);
    // 1.3 % against 1 %, inside the 3:2 margin.
    expect(positiveCtrlErr(sp, { refaulted: 130, total: 10_000, gain: 3 })).toBe(true);
    // 1.6 % against 1 %: beyond it.
    expect(positiveCtrlErr(sp, { refaulted: 160, total: 10_000, gain: 3 })).toBe(false);
  });

  it('get_tier_idx protects the first tier (and all above it) that refaults more than tier 0', () => {
    const s = new CtrlStats(T);
    const sp = ctrlPos();
    const pv = ctrlPos();
    // Nothing refaults: no tier is protected (index 3: all tiers evictable).
    expect(getTierIdx(s, FILE, sp, pv)).toBe(3);
    s.evicted[at(FILE, 0)] = 10_000;
    s.refaulted[at(FILE, 0)] = 100;
    s.evicted[at(FILE, 1)] = 10_000;
    s.refaulted[at(FILE, 1)] = 80;
    s.evicted[at(FILE, 2)] = 1000;
    s.refaulted[at(FILE, 2)] = 500;
    expect(getTierIdx(s, FILE, sp, pv)).toBe(1);
    // Tier 1 starts refaulting too: protect from tier 1 up.
    s.refaulted[at(FILE, 1)] = 2000;
    expect(getTierIdx(s, FILE, sp, pv)).toBe(0);
    // Protected folios count in the total like evicted ones.
    expect(readCtrlPos(s, FILE, 1, 3, pv).total).toBe(10_000);
    s.protected[at(FILE, 1)] = 90_000;
    expect(readCtrlPos(s, FILE, 1, 3, pv).total).toBe(100_000);
    // The other type's counters play no part.
    expect(getTierIdx(s, ANON, sp, pv)).toBe(3);
  });

  it('get_type_to_scan weighs anon against file by swappiness and scans the type that refaults relatively less', () => {
    const s = new CtrlStats(T);
    const sp = ctrlPos();
    const pv = ctrlPos();
    expect(getTypeToScan(s, 0, sp, pv)).toBe(FILE);
    expect(getTypeToScan(s, 1, sp, pv)).toBe(FILE);
    expect(getTypeToScan(s, 200, sp, pv)).toBe(ANON);
    s.evicted[at(ANON, 0)] = 10_000;
    s.refaulted[at(ANON, 0)] = 2000;
    s.evicted[at(FILE, 0)] = 10_000;
    s.refaulted[at(FILE, 0)] = 500;
    expect(getTypeToScan(s, 60, sp, pv)).toBe(FILE);
    // File thrashes: scan anon.
    s.refaulted[at(FILE, 0)] = 8000;
    expect(getTypeToScan(s, 60, sp, pv)).toBe(ANON);
    // ... unless swapping is made very expensive.
    expect(getTypeToScan(s, 5, sp, pv)).toBe(FILE);
  });

  it('reset_ctrl_pos folds a retired generation into the moving average with factor 1/2', () => {
    const s = new CtrlStats(T);
    s.avgRefaulted[at(FILE, 1)] = 100;
    s.refaulted[at(FILE, 1)] = 300;
    s.avgTotal[at(FILE, 1)] = 1000;
    s.evicted[at(FILE, 1)] = 500;
    s.protected[at(FILE, 1)] = 1501;
    carryOverCtrlPos(s, FILE);
    expect(s.avgRefaulted[at(FILE, 1)]).toBe(200);
    expect(s.avgTotal[at(FILE, 1)]).toBe(1500);
    expect(s.refaulted[at(FILE, 1)] + s.evicted[at(FILE, 1)] + s.protected[at(FILE, 1)]).toBe(0);
  });

  it('in a run, file read twice per round (tier 1) that refaults is protected, while file read once (tier 0) keeps refaulting', () => {
    const MEM = 4096;
    const hot = MEM / 2;
    const chunk = MEM;
    const rounds = 8;
    const run = (reads: number) => {
      const k = mglruKernel(MEM);
      const per = hot * reads + chunk;
      const hotMisses: number[] = [];
      let before = 0;
      const r = runWorkload(k, {
        files: [
          { name: 'hot', pages: hot },
          { name: 'stream', pages: chunk * rounds },
        ],
        tasks: [
          {
            name: 'app',
            regions: [
              { kind: 'file-fd', file: 0, pages: hot },
              { kind: 'file-fd', file: 1, pages: chunk * rounds },
            ],
            source: generated((i) => {
              const round = Math.floor(i / per);
              const j = i % per;
              if (round === rounds) return null;
              // Major faults during this round's hot reads.
              if (j === 0) before = k.tasks[0].majorFaults + k.tasks[0].readMisses;
              if (j === hot * reads) hotMisses.push(k.tasks[0].majorFaults + k.tasks[0].readMisses - before);
              if (j < hot * reads) return [OP_READ, 0, j % hot];
              return [OP_READ, 1, round * chunk + j - hot * reads];
            }),
          },
        ],
      });
      return { k, r, hotMisses };
    };
    const twice = run(2);
    const st = rootCtx(twice.k).state;
    // The hot set was evicted once, refaulted in tier 1, and is protected from then on.
    expect(st.ctrl.refaulted[at(FILE, 1)]).toBeGreaterThan(hot / 2);
    expect(st.ctrl.refaulted[at(FILE, 1)]).toBeGreaterThan(st.ctrl.refaulted[at(FILE, 0)]);
    expect(getTierIdx(st.ctrl, FILE, ctrlPos(), ctrlPos())).toBe(0);
    expect(twice.r.counters.pgrefill).toBeGreaterThan(0);
    expect(twice.hotMisses.slice(3).every((m) => m === 0)).toBe(true);
    expect(twice.k.machine.files[0].nrCached).toBe(hot);
    // Read once per round, the same set stays in tier 0 and is evicted again and again.
    const once = run(1);
    expect(once.hotMisses.slice(3).filter((m) => m > 0).length).toBeGreaterThanOrEqual(2);
    expect(once.r.counters.workingset_refault_file).toBeGreaterThan(hot * 3);
  });
});
