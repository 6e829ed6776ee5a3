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
function ownImports(file: string): string[] {
  const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  return [...code.matchAll(/\bfrom\s+'(\.{1,2}\/[^']+)'/g)].map((m) =>
    relative(SRC, normalize(join(dirname(file), m[1] as string))),
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

  test('only config reads process.env', () => {
    const readers = sources(SRC)
      .filter((f) => !relative(SRC, f).startsWith('config/'))
      .filter((f) => /process\.env\b/.test(readFileSync(f, 'utf8').replace(/\/\/.*$/gm, '')))
      .map((f) => relative(SRC, f));
    assert.deepEqual(readers, []);
  });
});
