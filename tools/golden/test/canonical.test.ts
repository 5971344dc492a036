import { describe, expect, it } from 'vitest';
import { canonicalJson, diffHashes } from '../src/cells.js';

describe('canonical result JSON', () => {
  it('does not depend on the order keys were added', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 0, y: 1 }], c: 3 } })).toBe(
      canonicalJson({ a: { c: 3, d: [2, { y: 1, z: 0 }] }, b: 1 }),
    );
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });

  it('names changed, new and missing cells', () => {
    const diff = diffHashes({ x: 'aa', y: 'bb' }, { x: 'ab', z: 'cc' });
    expect(diff).toEqual([
      'x: result changed (aa → ab)',
      'z: new cell (not in golden.json)',
      'y: missing (in golden.json, not computed)',
    ]);
  });
});
