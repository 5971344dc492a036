/**
 * `shrink_node` hands root reclaim to `lru_gen_shrink_node` and returns
 * before its write-back bookkeeping: under MGLRU the node is never tagged
 * dirty or congested, so kswapd never writes file folios itself and never
 * waits on folios tagged for immediate reclaim — even with dirty folios
 * activated (`dirtyHandling=activate`) instead of moved to the next
 * generation, where the traditional LRU does both.
 */
import { DEVICE_PRESETS, OP_STORE } from '@reclaim-lab/hw-model';
import { generated } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';
import { mglruKernel, runWorkload } from './helpers.js';

describe('MGLRU root reclaim skips shrink_node bookkeeping', () => {
  it('kswapd neither writes file folios nor throttles on immediate reclaim', () => {
    const mem = 8192;
    const pages = 40_000;
    const k = mglruKernel(mem, { disk: DEVICE_PRESETS.hdd }, { dirtyHandling: 'activate' });
    const r = runWorkload(k, {
      files: [{ name: 'out', pages }],
      tasks: [
        {
          name: 'mmap-writer',
          regions: [{ kind: 'file-mapped', file: 0, pages }],
          source: generated((i) => (i < pages ? [OP_STORE, 0, i] : null)),
        },
      ],
    });
    expect(r.counters.pgsteal_kswapd).toBeGreaterThan(pages / 2);
    expect(r.counters.nr_vmscan_write).toBe(0);
    expect(r.counters.throttle_writeback).toBe(0);
    expect(r.counters.throttle_congested).toBe(0);
  });
});
