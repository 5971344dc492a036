import {
  genRefaultIsRecent,
  genTokenRefs,
  genTokenSeq,
  packGenToken,
  packShadow,
  shadowPayload,
} from '@reclaim-lab/mechanisms';
import { describe, expect, it } from 'vitest';

describe("MGLRU's generation token (lru_gen_eviction / lru_gen_test_recent)", () => {
  it('packs (min_seq << LRU_REFS_WIDTH) | max(refs - 1, 0) and unpacks it', () => {
    const t = packGenToken(37, 3, 2);
    expect(t).toBe((37 << 2) | 2);
    expect(genTokenSeq(t, 2)).toBe(37);
    expect(genTokenRefs(t, 2)).toBe(3);
    // refs 0 (never referenced) and 1 both store 0 and come back as 1.
    expect(genTokenRefs(packGenToken(5, 0, 2), 2)).toBe(1);
    expect(genTokenRefs(packGenToken(5, 1, 2), 2)).toBe(1);
    // Without a refs counter (2 tiers) the token is the sequence alone.
    expect(packGenToken(9, 1, 0)).toBe(9);
  });

  it('fits a 32-bit shadow payload by masking the sequence, as EVICTION_MASK does', () => {
    const seq = 2 ** 31 + 5;
    const t = packGenToken(seq, 4, 2);
    expect(t).toBeLessThan(2 ** 32);
    expect(genTokenSeq(t, 2)).toBe(seq % 2 ** 30);
    expect(shadowPayload(packShadow(t, 3, true))).toBe(t);
    expect(genRefaultIsRecent(t, 2, seq, seq + 1, 4, 'window')).toBe(true);
  });

  it("6.14's rule: recent only while the token's generation is still the oldest", () => {
    const t = packGenToken(10, 1, 2);
    expect(genRefaultIsRecent(t, 2, 10, 13, 4, 'oldest')).toBe(true);
    expect(genRefaultIsRecent(t, 2, 11, 13, 4, 'oldest')).toBe(false);
  });

  it('the window rule of later kernels: recent while fewer than MAX_NR_GENS generations from max_seq', () => {
    const t = packGenToken(10, 1, 2);
    expect(genRefaultIsRecent(t, 2, 12, 13, 4, 'window')).toBe(true);
    expect(genRefaultIsRecent(t, 2, 13, 14, 4, 'window')).toBe(false);
    expect(genRefaultIsRecent(t, 2, 12, 14, 8, 'window')).toBe(true);
  });
});
