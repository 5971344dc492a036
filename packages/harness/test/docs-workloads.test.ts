import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listWorkloads } from '../src/index.js';

// docs/workloads.md is what users read about the suite: it must name every preset and parameter.
describe('docs/workloads.md', () => {
  it('lists every built-in workload with each of its parameters and defaults', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../../docs/workloads.md'), 'utf8');
    for (const w of listWorkloads()) {
      const section = doc.split(`### \`${w.id}\``)[1]?.split('\n### ')[0];
      expect(section, w.id).toBeDefined();
      for (const p of w.params)
        expect(section, `${w.id}.${p.name}`).toContain(`| \`${p.name}\` | \`${String(p.default)}\` |`);
    }
  });
});
