import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, test } from 'node:test';
import { repoPath } from '../helpers/paths.js';

/**
 * The dependency rules of the architecture, checked on the sources: a pure core, use cases around
 * it, adapters at the edge (see README "Layout").
 */
const SRC = repoPath('src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Our own modules a file imports, as paths relative to src/ (e.g. `domain/action.js`). */
function ownImports(file: string, opts: { types?: boolean } = {}): string[] {
  const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  // `import type …` and `export type … from` are erased at run time
  const statements = [
    ...code.matchAll(/\b(import|export)\s+(type\s+)?[^;]*?\bfrom\s+'(\.{1,2}\/[^']+)'/g),
  ];
  // `await import('…')`: loaded later, but a run-time dependency all the same
  const dynamic = [...code.matchAll(/\bimport\(\s*'(\.{1,2}\/[^']+)'\s*\)/g)].map((m) => m[1]);
  return [
    ...statements.filter((m) => opts.types !== false || m[2] === undefined).map((m) => m[3]),
    ...dynamic,
  ].map((spec) => relative(SRC, normalize(join(dirname(file), spec as string))));
}

/**
 * The import cycles among `files` (each a strongly connected component of more than one module,
 * or a module importing itself), found with Tarjan's algorithm over the `.ts` sources.
 */
function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

/** The import graph of src/ (`.js` specifiers mapped back to their `.ts` sources). */
function importGraph(opts: { types: boolean }): Map<string, string[]> {
  return new Map(
    sources(SRC).map((f) => [
      relative(SRC, f),
      ownImports(f, opts).map((t) => t.replace(/\.js$/, '.ts')),
    ]),
  );
}

const top = (rel: string) => rel.split('/')[0] as string;
const files = sources(SRC).map((f) => ({ file: relative(SRC, f), imports: ownImports(f) }));

function assertOnly(layer: string, allowed: (target: string) => boolean, within = layer) {
  const offenders = files
    .filter(
      (f) =>
        f.file.startsWith(`${within}/`) &&
        !f.file.endsWith('testing.ts') &&
        !f.file.includes('test-kit'),
    )
    .flatMap((f) => f.imports.filter((t) => !allowed(t)).map((t) => `${f.file} → ${t}`));
  assert.deepEqual(offenders, [], `${layer} imports outside its rules`);
}

describe('architecture: dependency rules', () => {
  test('domain imports nothing of ours', () => {
    assertOnly('domain', (t) => top(t) === 'domain');
  });

  for (const layer of ['policy', 'credentials', 'audit']) {
    test(`${layer} imports only domain, errors and lib`, () => {
      assertOnly(layer, (t) => [layer, 'domain', 'errors', 'lib'].includes(top(t)));
    });
  }

  test('import (converters from other systems) imports only domain, errors, lib and policy', () => {
    assertOnly('import', (t) => ['import', 'domain', 'errors', 'lib', 'policy'].includes(top(t)));
  });

  test('credentials/verify imports only domain and itself (it ships as countersign/verify)', () => {
    assertOnly(
      'credentials/verify',
      (t) => t.startsWith('credentials/verify/') || top(t) === 'domain',
      'credentials/verify',
    );
  });

  test('services never import http, cli, web or a store adapter', () => {
    assertOnly(
      'services',
      (t) => !['http', 'cli', 'web'].includes(top(t)) && !/^store\/(sqlite|postgres)\//.test(t),
    );
  });

  test('notify (payloads, request specs, signing) never imports services, http, cli or an adapter', () => {
    assertOnly(
      'notify',
      (t) =>
        !['services', 'http', 'cli', 'web', 'mcp', 'integrations', 'main.js'].includes(top(t)) &&
        !/^store\/(sqlite|postgres)\//.test(t),
    );
  });

  test('the SQL store (store/sql) never imports an adapter: each adapter brings its runner and dialect', () => {
    assertOnly('store/sql', (t) => !/^store\/(sqlite|postgres)\//.test(t));
    const drivers = files
      .filter((f) => f.file.startsWith('store/sql/'))
      .filter((f) => /from\s+'(pg|better-sqlite3)'/.test(readFileSync(join(SRC, f.file), 'utf8')))
      .map((f) => f.file);
    assert.deepEqual(drivers, [], 'store/sql imports a database driver');
  });

  test('the two store adapters never import each other', () => {
    assertOnly('store/sqlite', (t) => !t.startsWith('store/postgres/'));
    assertOnly('store/postgres', (t) => !t.startsWith('store/sqlite/'));
  });

  test('no route imports the app that registers it, nor another route', () => {
    assertOnly(
      'http/routes',
      (t) => t !== 'http/app.js' && !t.startsWith('http/routes/'),
      'http/routes',
    );
  });

  test('client runs on its own (countersign/client); its wire types come from the HTTP schemas', () => {
    const runtime = files
      .filter((f) => f.file.startsWith('client/'))
      .flatMap((f) =>
        ownImports(join(SRC, f.file), { types: false })
          .filter((t) => !t.startsWith('client/'))
          .map((t) => `${f.file} → ${t}`),
      );
    assert.deepEqual(runtime, [], 'client imports at run time from outside client/');
    assertOnly(
      'client',
      (t) => ['client', 'domain'].includes(top(t)) || t.startsWith('http/schemas/'),
    );
  });

  test('the CLI reaches services only through the app (local mode runs it in process)', () => {
    // the commands that work on a deployment's own files: importing another system's export,
    // and recording a key rotation in the log
    const admin = new Set(['cli/commands/import-cavra.ts', 'cli/commands/keys.ts']);
    const direct = files
      .filter((f) => f.file.startsWith('cli/') && !admin.has(f.file))
      .flatMap((f) =>
        f.imports.filter((t) => top(t) === 'services').map((t) => `${f.file} → ${t}`),
      );
    assert.deepEqual(direct, []);
    // a runtime is composed by openBackend (context.ts) for the in-process app, and otherwise
    // only by the commands that set a deployment up or import into its store
    const composers = files
      .filter((f) => f.file.startsWith('cli/'))
      .filter((f) => f.imports.includes('cli/lazy-runtime.js'))
      .map((f) => f.file)
      .sort();
    assert.deepEqual(composers, [
      'cli/commands/import-cavra.ts',
      'cli/commands/setup.ts',
      'cli/context.ts',
    ]);
  });

  test('only main.ts builds the HTTP app', () => {
    const importers = files
      .filter((f) => f.imports.includes('http/app.js'))
      .map((f) => f.file)
      .sort();
    assert.deepEqual(importers, ['main.ts']);
  });

  test('src/ has no run-time import cycles', () => {
    assert.deepEqual(importCycles(importGraph({ types: false })), []);
  });

  test('src/ has no import cycles, type-only imports included', () => {
    assert.deepEqual(importCycles(importGraph({ types: true })), []);
  });

  test('the cycle check finds a cycle', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    assert.deepEqual(importCycles(graph), [['a.ts', 'b.ts', 'c.ts']]);
  });

  test('only config reads process.env', () => {
    const readers = sources(SRC)
      .filter((f) => !relative(SRC, f).startsWith('config/'))
      .filter((f) => /process\.env\b/.test(readFileSync(f, 'utf8').replace(/\/\/.*$/gm, '')))
      .map((f) => relative(SRC, f));
    assert.deepEqual(readers, []);
  });
});
