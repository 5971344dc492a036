import { nearest } from '../../input.js';
import { WorkloadSpecError } from '../errors.js';
import type { WorkloadSpec } from '../spec.js';
import { analytics } from './analytics.js';
import { androidApps } from './android-apps.js';
import { anonSwap } from './anon-swap.js';
import { baseline } from './baseline.js';
import { database } from './database.js';
import type { WorkloadInfo, WorkloadPreset } from './define.js';
import { dirtyWriteback } from './dirty-writeback.js';
import { kvStore } from './kv-store.js';
import { loopOverMemory } from './loop-over-memory.js';
import { mmapVsRead } from './mmap-vs-read.js';
import { multiMemcg } from './multi-memcg.js';
import { numaTiering } from './numa-tiering.js';
import { phaseShift } from './phase-shift.js';
import { scanResistance } from './scan-resistance.js';
import { secondLevelCache } from './second-level-cache.js';
import { thrashOrKill } from './thrash-or-kill.js';
import { zipfAnon } from './zipf-anon.js';
import { zipfFile } from './zipf-file.js';

/** The suite of docs/workloads.md, in its order. Adding a preset is one line here. */
const PRESETS: readonly WorkloadPreset[] = [
  baseline,
  scanResistance,
  loopOverMemory,
  zipfAnon,
  zipfFile,
  secondLevelCache,
  phaseShift,
  mmapVsRead,
  dirtyWriteback,
  anonSwap,
  multiMemcg,
  kvStore,
  database,
  analytics,
  thrashOrKill,
  androidApps,
  numaTiering,
];

const BY_ID = new Map(PRESETS.map((p) => [p.id, p]));

/** The suite: ids, what each stands for, and its parameters with defaults. */
export function listWorkloads(): WorkloadInfo[] {
  return PRESETS.map(({ id, description, standsFor, params }) => ({
    id,
    description,
    standsFor: [...standsFor],
    params: params.map((p) => ({ ...p })),
  }));
}

/**
 * The spec of preset `id` with `params` over its defaults (values may be
 * strings, as from a command line). Unknown ids and parameters are errors
 * that list the allowed ones.
 */
export function getWorkload(id: string, params: Record<string, unknown> = {}): WorkloadSpec {
  const preset = BY_ID.get(id);
  if (preset === undefined) {
    throw new WorkloadSpecError([
      {
        path: 'id',
        message:
          nearest(id, [...BY_ID.keys()]) === null
            ? `unknown workload "${id}"; allowed: ${PRESETS.map((p) => p.id).join(', ')}`
            : `unknown workload "${id}"; did you mean "${nearest(id, [...BY_ID.keys()])}"? (all: reclaim-lab list)`,
      },
    ]);
  }
  return preset.build(params);
}
