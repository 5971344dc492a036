/**
 * memory.min / memory.low as the kernel computes their effective values
 * (`effective_protection`): children cannot keep more than their parent.
 */
import { defaultMachineConfig, Memcg, OP_READ, OP_STORE, OP_THINK } from '@reclaim-lab/hw-model';
import { describe, expect, it } from 'vitest';
import { calculateProtection, effectiveProtection, Kernel } from '../src/index.js';
import { generated } from '../src/testing.js';

describe('effective_protection', () => {
  it('shares an overcommitted parent in proportion to the protected usage of each child', () => {
    // Two children claim 100 each of a parent that keeps 100: 50 each.
    expect(effectiveProtection(150, 300, 100, 100, 200, false)).toBe(50);
    // Claims within the parent's: each keeps its own, capped by its usage.
    expect(effectiveProtection(150, 300, 40, 100, 60, false)).toBe(40);
    expect(effectiveProtection(30, 300, 100, 100, 60, false)).toBe(30);
  });

  it('with memory_recursiveprot, shares the unclaimed rest by unprotected usage', () => {
    // 40 own, plus (100 - 60) x (150 - 40) / (300 - 60) = 18.3, truncated.
    expect(effectiveProtection(150, 300, 40, 100, 60, true)).toBe(58);
    // A child that claims nothing still gets its share: 40 x 150 / 240 = 25.
    expect(effectiveProtection(150, 300, 0, 100, 60, true)).toBe(25);
    expect(effectiveProtection(150, 300, 0, 100, 60, false)).toBe(0);
  });

  it('leaves the reclaim target unprotected and gives its children their own settings', () => {
    const root = new Memcg(0, '/', null);
    const p = new Memcg(1, '/p', root);
    const a = new Memcg(2, '/p/a', p);
    const b = new Memcg(3, '/p/b', p);
    p.min = 100;
    a.min = b.min = 100;
    p.usage = 300;
    a.usage = b.usage = 150;
    for (const m of [p, a, b]) calculateProtection(m, root, false);
    expect([p.emin, a.emin, b.emin]).toEqual([100, 50, 50]);
    // Reclaim aimed at /p: /p has no protection against it, its children their own.
    for (const m of [p, a, b]) calculateProtection(m, p, false);
    expect([p.emin, a.emin, b.emin]).toEqual([0, 100, 100]);
  });
});

describe('protection under global pressure', () => {
  it('two children claiming all of their parent memory.min keep the parent protection between them, not twice it', () => {
    const MEM = 8192;
    const k = new Kernel({
      machine: defaultMachineConfig(MEM, { swapPages: MEM }),
      policy: { name: 'defaults' },
      seed: 1,
      checkInvariants: true,
    });
    const quarter = MEM / 4;
    const heap = Math.floor(MEM * 0.3);
    const file = MEM * 3;
    let protectedAtEnd = -1;
    const holder = (name: string, memcg: string) => ({
      name,
      memcg,
      regions: [{ kind: 'anon' as const, pages: heap }],
      source: generated((i) => (i < heap ? [OP_STORE, 0, i] : i < heap + 20 ? [OP_THINK, -1, 1e9] : null)),
    });
    k.load({
      files: [{ name: 'stream', pages: file }],
      memcgs: [
        { path: '/p', min: quarter },
        { path: '/p/a', min: quarter },
        { path: '/p/b', min: quarter },
      ],
      tasks: [
        holder('a', '/p/a'),
        holder('b', '/p/b'),
        {
          name: 'streamer',
          regions: [{ kind: 'file-fd', file: 0, pages: file }],
          source: generated((i) => {
            if (i === 0) return [OP_THINK, -1, 5e8];
            if (i <= 2 * file) return [OP_READ, 0, (i - 1) % file];
            if (protectedAtEnd < 0) {
              const m = (path: string) => k.machine.memcgs.find((x) => x.path === path) as Memcg;
              protectedAtEnd = m('/p/a').usage + m('/p/b').usage;
            }
            return null;
          }),
        },
      ],
    });
    const r = k.run();
    expect(r.counters.pswpout).toBeGreaterThan(0);
    expect(protectedAtEnd).toBeGreaterThan(quarter * 0.9);
    expect(protectedAtEnd).toBeLessThan(quarter * 1.4);
  });
});
