import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { COVERED_COUNTERS, type Computed, computeHashes, diffHashes, type Hashes } from '../src/cells.js';

const golden = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'golden.json'), 'utf8')) as Hashes;

describe('golden result hashes', () => {
  // One computation shared by the assertions below: the set is the expensive part.
  let computed: Computed;
  beforeAll(() => {
    computed = computeHashes();
  });

  it('every cell of the golden set gives the recorded result', () => {
    const diff = diffHashes(golden, computed.hashes);
    expect(
      diff,
      'results changed; if intended, run `pnpm golden --update` and say why in the commit',
    ).toEqual([]);
  });

  it('the set exercises swap, write-back, memcg limits, kswapd, direct reclaim and the OOM killer', () => {
    const missing = COVERED_COUNTERS.filter((c) => computed.coverage[c] === 0);
    expect(missing).toEqual([]);
  });
});
