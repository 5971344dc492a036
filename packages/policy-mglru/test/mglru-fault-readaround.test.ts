/**
 * A page fault marks every folio it adds: `lru_gen_enter_fault` sets a
 * task flag for the whole fault, so the read-around pages that
 * `do_sync_mmap_readahead` brings in with the demanded one are placed as
 * active too (max_seq - 1), not as cold page cache in the oldest generation.
 */
import { OP_LOAD, OP_OPDONE } from '@reclaim-lab/hw-model';
import { Layout } from '@reclaim-lab/policy-mglru';
import { scripted } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';
import { mglruKernel, rootCtx, runWorkload } from './helpers.js';

function generationsAfterOneFault(advice?: 'random' | 'sequential') {
  const k = mglruKernel(8192);
  runWorkload(k, {
    files: [{ name: 'lib', pages: 256 }],
    tasks: [
      {
        name: 'faulter',
        regions: [{ kind: 'file-mapped', file: 0, pages: 256, ...(advice ? { advice } : {}) }],
        source: scripted([
          [OP_LOAD, 0, 100],
          [OP_OPDONE, 0, 0],
        ]),
      },
    ],
  });
  const ctx = rootCtx(k);
  const st = ctx.state;
  const L = new Layout(st.timestamps.length, st.ctrl.tiers);
  const cache = k.machine.files[0].cache;
  const gens = new Map<number, number>();
  for (let i = 0; i < 256; i++) {
    if (cache[i] === 0) continue;
    const g = L.genOf(k.machine.frames.policy[cache[i] - 1]);
    gens.set(i, g);
  }
  return { gens, maxSeq: st.maxSeq, minSeq: st.minSeq[1], nrGens: st.timestamps.length };
}

describe('MGLRU: folios added in a fault', () => {
  it('the read-around lands with the demanded page in max_seq - 1', () => {
    const { gens, maxSeq, nrGens } = generationsAfterOneFault();
    expect(gens.size).toBeGreaterThan(8);
    const active = (maxSeq - 1) % nrGens;
    for (const [index, g] of gens) expect({ index, gen: g }).toEqual({ index, gen: active });
  });

  it('without recency (MADV_SEQUENTIAL) the fault marks nothing: read-around is cold', () => {
    const { gens, minSeq, nrGens } = generationsAfterOneFault('sequential');
    expect(gens.size).toBeGreaterThan(8);
    for (const [index, g] of gens) expect({ index, gen: g }).toEqual({ index, gen: minSeq % nrGens });
  });
});
