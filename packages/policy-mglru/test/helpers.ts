import {
  DEVICE_PRESETS,
  defaultMachineConfig,
  type MachineConfig,
  type WorkloadInstance,
} from '@reclaim-lab/hw-model';
import { createMglru, Layout, type MglruOptions, type MglruState } from '@reclaim-lab/policy-mglru';
import { Kernel, type PolicyCtx, type ReclaimOps, type RunResult } from '@reclaim-lab/reclaim';

export type MglruCtx = PolicyCtx<MglruState>;

/** A kernel running MGLRU that aborts on any policy ejection (a test must never pass by falling back). */
export function mglruKernel(
  memoryPages: number,
  machine: Partial<MachineConfig> = {},
  options: Partial<MglruOptions> = {},
  extra: { checkInvariants?: boolean; untilNs?: number; policy?: ReclaimOps<MglruState> } = {},
): Kernel {
  return new Kernel({
    machine: defaultMachineConfig(memoryPages, { swapDevice: DEVICE_PRESETS.zram, ...machine }),
    policy: extra.policy ?? createMglru(options),
    seed: 7,
    checkInvariants: extra.checkInvariants ?? false,
    untilNs: extra.untilNs,
    watchdog: { abortOnEject: true },
  });
}

export function runWorkload(k: Kernel, w: Partial<WorkloadInstance>): RunResult {
  k.load({ files: [], memcgs: [], tasks: [], ...w });
  const r = k.run();
  k.checkInvariants('end of run');
  checkMglruState(k);
  return r;
}

/** The root lruvec's MGLRU context on node 0. */
export function rootCtx(k: Kernel): MglruCtx {
  return k.ctxOf(k.world.lruvec(k.machine.rootMemcg, 0)) as unknown as MglruCtx;
}

/**
 * MGLRU's own bookkeeping: per-(gen, type) counts equal the folios whose gen
 * field says so, every listed folio has a live generation, and each type has
 * between MIN_NR_GENS and MAX_NR_GENS generations.
 */
export function checkMglruState(k: Kernel): void {
  const f = k.machine.frames;
  for (const lv of k.world.lruvecs) {
    const ctx = k.ctxOf(lv);
    if (ctx.slot.ops.name !== 'mglru') continue;
    const st = ctx.state as MglruState;
    const gens = st.timestamps.length;
    const L = new Layout(gens, st.ctrl.tiers);
    const counts = new Float64Array(gens * 2);
    for (let i = 0; i < st.lists.length; i++) {
      ctx.lists.forEach(st.lists[i], (pfn) => {
        const type = f.lruType(pfn);
        if (type !== (i & 1))
          throw new Error(`pfn ${pfn} of type ${type} on list ${ctx.lists.name(st.lists[i])}`);
        const gen = L.genOf(f.policy[pfn]);
        if (gen < 0) throw new Error(`listed pfn ${pfn} has no generation`);
        counts[gen * 2 + type]++;
        return true;
      });
    }
    for (let i = 0; i < counts.length; i++) {
      if (counts[i] !== st.nrPages[i])
        throw new Error(
          `lruvec ${lv.memcg.path}: gen ${i >> 1} type ${i & 1} holds ${counts[i]} folios, counted ${st.nrPages[i]}`,
        );
    }
    for (let type = 0; type < 2; type++) {
      const n = st.nrGens(type);
      if (n < L.minGens || n > gens)
        throw new Error(`lruvec ${lv.memcg.path}: type ${type} has ${n} generations`);
    }
  }
}
