/**
 * The LSFMM heuristics as MGLRU switches: `faultActivate` (folio_add_lru's
 * `lru_gen_in_fault`) and `execProtection` (the classic LRU's VM_EXEC rule
 * in `folio_check_references`). Defaults are the 6.14 kernel's.
 */
import { OP_LOAD, OP_THINK, PG_REFERENCED, PG_SWAPBACKED, VM_EXEC } from '@reclaim-lab/hw-model';
import {
  Aging,
  Eviction,
  FILE,
  Layout,
  type MglruOptions,
  resolveMglruOptions,
} from '@reclaim-lab/policy-mglru';
import { generated } from '@reclaim-lab/reclaim/testing';
import { describe, expect, it } from 'vitest';
import { mglruKernel, rootCtx, runWorkload } from './helpers.js';

const L = new Layout(4, 4);
const PAGES = 64;

/** 64 pages of an mmap'd (optionally executable) file faulted in by loads, still mapped. */
function mappedFile(options: Partial<MglruOptions>, exec = false) {
  const k = mglruKernel(4096, {}, options, { untilNs: 5e8 });
  runWorkload(k, {
    files: [{ name: 'lib', pages: PAGES }],
    tasks: [
      {
        name: 't',
        regions: [{ kind: 'file-mapped', file: 0, pages: PAGES, exec }],
        source: generated((i) => (i < PAGES ? [OP_LOAD, 0, i] : i === PAGES ? [OP_THINK, 0, 1e9] : null)),
      },
    ],
  });
  const ctx = rootCtx(k);
  const bySeq = new Map<number, number>();
  const pfns: number[] = [];
  for (let gen = 0; gen < L.gens; gen++)
    ctx.lists.forEach(ctx.state.lists[gen * 2 + FILE], (pfn) => {
      pfns.push(pfn);
      return true;
    });
  for (let seq = ctx.state.minSeq[FILE]; seq <= ctx.state.maxSeq; seq++)
    bySeq.set(seq, ctx.state.nrPages[(seq % L.gens) * 2 + FILE]);
  return { ctx, pfns, bySeq, maxSeq: ctx.state.maxSeq, minSeq: ctx.state.minSeq[FILE] };
}

describe('mglru:faultActivate', () => {
  it('on (kernel): a page faulted in goes to max_seq-1, its read-around neighbours to the oldest generation; off: all to the oldest', () => {
    const on = mappedFile({});
    expect(on.bySeq.get(on.maxSeq - 1)).toBeGreaterThan(0);
    expect((on.bySeq.get(on.maxSeq - 1) ?? 0) + (on.bySeq.get(on.minSeq) ?? 0)).toBe(PAGES);
    const off = mappedFile({ faultActivate: false });
    expect(off.bySeq.get(off.minSeq)).toBe(PAGES);
  });
});

describe('mglru:execProtection', () => {
  it('off (6.14): a young executable file folio is kept at its first sighting and activated at the second; on: activated at the first, as the classic LRU does', () => {
    const rmap = { refs: 1, vmFlags: VM_EXEC, mappings: 1 };
    for (const execProtection of [false, true]) {
      const opts = resolveMglruOptions({ execProtection });
      const { ctx, pfns } = mappedFile({ execProtection }, true);
      const ev = new Eviction(L, opts, new Aging(L, opts));
      const p = pfns[0];
      expect(ctx.frames.flags[p] & PG_SWAPBACKED).toBe(0);
      ctx.frames.flags[p] &= ~PG_REFERENCED;
      ctx.frames.policy[p] = L.withRefsCounter(ctx.frames.policy[p], 0);
      expect(ev.checkReferences(ctx, p, rmap)).toBe(execProtection ? 'activate' : 'keep');
      expect(ev.checkReferences(ctx, p, rmap)).toBe('activate');
      // Without VM_EXEC the switch changes nothing.
      const q = pfns[1];
      ctx.frames.flags[q] &= ~PG_REFERENCED;
      ctx.frames.policy[q] = L.withRefsCounter(ctx.frames.policy[q], 0);
      expect(ev.checkReferences(ctx, q, { refs: 1, vmFlags: 0, mappings: 1 })).toBe('keep');
    }
  });
});
