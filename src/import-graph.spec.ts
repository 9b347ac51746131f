import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

/**
 * The import graph of src/ and bench/, read with the TypeScript compiler (every import, `import type`
 * included): no circles, and no arrow from a lower layer up to a higher one.
 */

const ROOT = path.resolve(__dirname, '..');

/**
 * Lowest first. A file may import files of its own layer or of a lower one. A path ending in `/` names a
 * folder; a file listed under a layer leaves its folder's layer.
 */
const LAYERS: ReadonlyArray<{ name: string; paths: readonly string[] }> = [
  {
    // Shared machinery: the wire catalogue, configuration, keys, the database, the broker, the audit chain,
    // logs and metrics.
    name: 'low',
    paths: [
      'src/common/',
      'src/config/',
      'src/crypto/',
      'src/database/',
      'src/transport/',
      'src/messages/',
      'src/audit/',
      'src/logging/',
      'src/metrics/',
    ],
  },
  // Who may do what: used by every feature, so it knows none of them.
  { name: 'access', paths: ['src/auth/', 'src/audit/audit.controller.ts', 'src/audit/audit.module.ts'] },
  {
    name: 'features',
    paths: [
      'src/agencies/',
      'src/api/',
      'src/cases/',
      'src/checkpoints/',
      'src/consent/',
      'src/console/',
      'src/directory/',
      'src/evidence/',
      'src/expectations/',
      'src/health/',
      'src/indicators/',
      'src/risk/',
      'src/statistics/',
      'src/transfers/',
      'src/worklist/',
    ],
  },
  // The composition root: knows every feature.
  { name: 'application', paths: ['src/'] },
];

function layerOf(file: string): number {
  let best = { index: -1, length: -1 };
  LAYERS.forEach((layer, index) => {
    for (const p of layer.paths) {
      const matches = p.endsWith('/') ? file.startsWith(p) : file === p;
      if (matches && p.length > best.length) best = { index, length: p.length };
    }
  });
  return best.index;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(relative);
    return relative.endsWith('.ts') && !relative.endsWith('.spec.ts') ? [relative] : [];
  });
}

/** Each file's project imports (relative specifiers), resolved to project-relative paths. */
function importGraph(dirs: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of dirs.flatMap(sourceFiles)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(path.join(ROOT, file), 'utf8'), true, true);
    const targets = importedFiles
      .map((i) => i.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => {
        const base = path.resolve(path.dirname(path.join(ROOT, file)), name);
        const found = [`${base}.ts`, path.join(base, 'index.ts')].find((candidate) => existsSync(candidate));
        if (!found) throw new Error(`${file}: cannot resolve ${name}`);
        return path.relative(ROOT, found).split(path.sep).join('/');
      });
    graph.set(file, targets);
  }
  return graph;
}

/** Strongly connected components of more than one file (Tarjan): each is an import circle. */
function circles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('the import graph', () => {
  const graph = importGraph(['src', 'bench']);

  it('reads the whole of src/ and bench/', () => {
    expect(graph.size).toBeGreaterThan(150);
    expect(graph.get('src/transfers/inbound.service.ts')).toContain('src/transfers/receiver/wire-checks.ts');
  });

  it('has no circles', () => {
    expect(circles(graph)).toEqual([]);
  });

  it('places every file of src/ in a layer', () => {
    expect([...graph.keys()].filter((f) => f.startsWith('src/') && layerOf(f) < 0)).toEqual([]);
  });

  it('has no arrow from a lower layer up to a higher one', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      if (!file.startsWith('src/')) continue;
      for (const target of targets) {
        if (!target.startsWith('src/')) continue;
        if (layerOf(target) > layerOf(file))
          upward.push(
            `${file} (${LAYERS[layerOf(file)].name}) -> ${target} (${LAYERS[layerOf(target)].name})`,
          );
      }
    }
    expect(upward).toEqual([]);
  });

  it('finds a circle and an upward arrow when there is one', () => {
    const planted = new Map([
      ['src/a.ts', ['src/b.ts']],
      ['src/b.ts', ['src/a.ts']],
    ]);
    expect(circles(planted)).toEqual([['src/a.ts', 'src/b.ts']]);
    expect(layerOf('src/config/config.ts')).toBeLessThan(layerOf('src/expectations/expectation-rules.ts'));
    expect(layerOf('src/auth/accounts.service.ts')).toBeLessThan(layerOf('src/cases/cases.service.ts'));
    expect(layerOf('src/audit/audit.controller.ts')).toBe(layerOf('src/auth/roles.ts'));
  });
});
