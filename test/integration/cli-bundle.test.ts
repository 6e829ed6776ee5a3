import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { BIN } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';

const BUNDLE = join(REPO_ROOT, 'dist', 'cli', 'countersign.js');

test('the CLI bundle: bin runs it, it imports only built-ins and the external packages', async () => {
  assert.ok(existsSync(BUNDLE), 'dist/cli/countersign.js is built');
  assert.match(
    readFileSync(BIN, 'utf8'),
    /new URL\('\.\.\/dist\/cli\/countersign\.js', import\.meta\.url\)/,
  );
  const { EXTERNAL } = (await import(
    pathToFileURL(join(REPO_ROOT, 'scripts', 'bundle-cli.js')).href
  )) as { EXTERNAL: string[] };
  const text = readFileSync(BUNDLE, 'utf8');
  const specifiers = new Set<string>();
  for (const m of text.matchAll(
    /(?:^|;)\s*import\s*(?:[\w$*{}\s,]+?\s*from\s*)?["']([^"']+)["']/gm,
  ))
    specifiers.add(m[1] as string);
  // esbuild writes code with double quotes (the libraries' JSDoc has `import('…')` types)
  for (const m of text.matchAll(/\bimport\("([^"]+)"\)/g)) specifiers.add(m[1] as string);
  const imported = new Set(specifiers);
  // CommonJS packages inside the bundle require through the banner's `require`
  for (const m of text.matchAll(/\b__require\(["']([^"']+)["']\)/g)) specifiers.add(m[1] as string);
  assert.ok(imported.size > 0);
  for (const s of specifiers) {
    const builtin = s.startsWith('node:') || builtinModules.includes(s);
    const pkg = s.startsWith('@')
      ? s.split('/').slice(0, 2).join('/')
      : (s.split('/')[0] as string);
    assert.ok(
      builtin || EXTERNAL.includes(pkg),
      `the bundle imports ${s}, neither built-in nor external`,
    );
  }
  // every external the bundle imports statically resolves from where the bundle sits (a required
  // one may be optional, as pg-native is for pg)
  for (const pkg of EXTERNAL.filter((p) => imported.has(p)))
    assert.doesNotThrow(() => createRequire(BUNDLE).resolve(pkg), pkg);
});

test('the CLI bundle: each module-relative URL of the sources is that source file`s own', () => {
  const text = readFileSync(BUNDLE, 'utf8');
  const sites = [...text.matchAll(/new URL\("([^"]+)",\s*import\.meta\.url\)\.href/g)].map(
    (m) => m[1] as string,
  );
  // the worker scripts, the console's files and package.json are found relative to these files
  const expected = [
    'src/audit/verify-parallel.js',
    'src/store/sqlite/sqlite-store.js',
    'src/store/sqlite/wal-checkpoint.js',
    'src/lib/package-version.js',
    'src/http/routes/console.js',
  ];
  const resolved = sites.map((rel) => fileURLToPath(new URL(rel, pathToFileURL(BUNDLE))));
  for (const file of expected)
    assert.ok(
      resolved.includes(join(REPO_ROOT, 'dist', file)),
      `import.meta.url of dist/${file} is rewritten to its own location`,
    );
  for (const file of resolved) assert.ok(existsSync(file), `${file} exists`);
  // nothing else in the bundle takes the bundle's own location for a source file's
  const bare = text.split('import.meta.url').length - 1;
  assert.equal(bare, sites.length + 1, 'import.meta.url only in rewritten sites and the banner');
});
