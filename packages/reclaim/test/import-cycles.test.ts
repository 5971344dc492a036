import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The package's modules import one another in one direction only: a cycle
 * would mean two concerns that cannot be read or loaded one without the
 * other. Type-only imports count too: the concern modules take the kernel
 * context (kernel-state.ts) as a type and never import kernel.ts, which
 * imports their functions.
 */
const SRC = join(import.meta.dirname, '..', 'src');

function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of readdirSync(SRC).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(join(SRC, file), 'utf8');
    const deps = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+'\.\/([\w-]+)\.js'/g)].map(
      (m) => `${m[1]}.ts`,
    );
    graph.set(file, [...new Set(deps)]);
  }
  return graph;
}

/** Every elementary cycle found by a depth-first search, each as a path a → b → … → a. */
function findCycles(graph: Map<string, string[]>): string[] {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string) => {
    state.set(n, 'open');
    stack.push(n);
    for (const d of graph.get(n) ?? []) {
      if (state.get(d) === 'open') cycles.push([...stack.slice(stack.indexOf(d)), d].join(' → '));
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n);
  return cycles;
}

describe('@reclaim-lab/reclaim imports', () => {
  it('form no cycle', () => {
    expect(findCycles(importGraph())).toEqual([]);
  });

  it('the check finds a cycle when there is one', () => {
    const g = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(findCycles(g)).toEqual(['a.ts → b.ts → c.ts → a.ts']);
  });

  it('reads every source file and its relative imports', () => {
    const g = importGraph();
    expect(g.get('index.ts')).toContain('kernel.ts');
    expect(g.get('task.ts')).toContain('dirty-throttle.ts');
    // A type-only import is an edge too; modules reach the state, not the Kernel class.
    expect(g.get('lru-add.ts')).toContain('kernel-state.ts');
    expect(g.get('lru-add.ts')).not.toContain('kernel.ts');
  });

  it('no module but the package entry points imports kernel.ts', () => {
    const importers = [...importGraph()].filter(([, deps]) => deps.includes('kernel.ts')).map(([f]) => f);
    expect(importers.sort()).toEqual(['conformance.ts', 'index.ts', 'testing.ts']);
  });
});
