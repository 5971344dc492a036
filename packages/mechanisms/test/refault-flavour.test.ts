import {
  GEN_CLOCK_LIVE_GENS,
  GEN_CLOCK_REFS_WIDTH,
  genClock,
  genClockEvict,
  genClockMinSeq,
  genRefaultIsRecent,
  packGenToken,
} from '@reclaim-lab/mechanisms';
import { describe, expect, it } from 'vitest';

describe('GenClock: generations for a policy without them', () => {
  it('a generation lasts as many evictions as the inactive lists held when it began (at least 32)', () => {
    const c = genClock();
    expect(genClockMinSeq(c)).toBe(0);
    for (let i = 0; i < 31; i++) genClockEvict(c, 500);
    expect(c.maxSeq).toBe(1);
    genClockEvict(c, 500);
    expect(c.maxSeq).toBe(2);
    for (let i = 0; i < 499; i++) genClockEvict(c, 10);
    expect(c.maxSeq).toBe(2);
    genClockEvict(c, 10);
    // The next generation began with 10 inactive folios: 32 evictions, not 10.
    expect(c.maxSeq).toBe(3);
    for (let i = 0; i < 31; i++) genClockEvict(c, 10);
    expect(c.maxSeq).toBe(3);
    genClockEvict(c, 10);
    expect(c.maxSeq).toBe(4);
  });

  it('a token of the oldest generation stays live for MAX_NR_GENS - 1 more generations (the 6.14 window)', () => {
    const c = genClock();
    const token = packGenToken(genClockMinSeq(c), 1, GEN_CLOCK_REFS_WIDTH);
    const live = () =>
      genRefaultIsRecent(
        token,
        GEN_CLOCK_REFS_WIDTH,
        genClockMinSeq(c),
        c.maxSeq,
        GEN_CLOCK_LIVE_GENS,
        'window',
      );
    const liveAfter: boolean[] = [];
    for (let g = 0; g < 5; g++) {
      liveAfter.push(live());
      for (let i = 0; i < 32; i++) genClockEvict(c, 0);
    }
    expect(liveAfter).toEqual([true, true, true, false, false]);
  });
});
