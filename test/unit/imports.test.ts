// SPDX-License-Identifier: MIT
// Import cycles between modules of src/ (type-only imports excluded: they vanish at run time).
// None is allowed outside objects/. objects/ has one left: Namespace and Link refer to each other
// (ns.links(), link.namespace) with bulk, link-create, link-lookup and link-moves between them;
// it may shrink but not grow, and no other module may join it.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = join(__dirname, '../../src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function runtimeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)(?:[^;]*?\s+from\s+)?'(\.[^']+)'/gm)) {
    const base = resolve(dirname(file), m[1]!);
    const target = existsSync(`${base}.ts`) ? `${base}.ts` : existsSync(join(base, 'index.ts')) ? join(base, 'index.ts') : undefined;
    if (target) out.push(target);
  }
  return out;
}

/** Strongly connected components with more than one module (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(relative(root, w));
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

const KNOWN = new Set(['objects/bulk.ts', 'objects/link-create.ts', 'objects/link-lookup.ts', 'objects/link-moves.ts', 'objects/link.ts', 'objects/namespace.ts']);

test('no import cycles outside objects/, and objects/ has only the Namespace <-> Link one', () => {
  const files = sources(root);
  expect(files.length).toBeGreaterThan(50);
  const found = cycles(new Map(files.map((f) => [f, runtimeImports(f)])));
  for (const scc of found) expect(scc.filter((m) => !KNOWN.has(m))).toEqual([]);
});

test('the check sees a cycle when there is one', () => {
  const g = new Map([
    ['/a.ts', ['/b.ts']],
    ['/b.ts', ['/c.ts']],
    ['/c.ts', ['/a.ts']],
    ['/d.ts', ['/a.ts']],
  ]);
  expect(cycles(g)).toHaveLength(1);
});
