#!/usr/bin/env node
// Bundles the GitHub Action (src/github-action/index.ts) into one file, dist-action/index.js, which
// is committed: the runner runs it straight from the repository, without node_modules.
// `node scripts/build-action.js --check` builds in memory and exits 1 when the committed bundle
// differs from a fresh build.
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { REQUIRE_BANNER } from './bundle-cli.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist-action', 'index.js');

const result = await build({
  absWorkingDir: root,
  entryPoints: ['src/github-action/index.ts'],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  charset: 'utf8',
  legalComments: 'eof',
  banner: { js: REQUIRE_BANNER },
  write: false,
  logLevel: 'warning',
});
const text = result.outputFiles[0].text;

if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(outfile, 'utf8');
  } catch {
    committed = '';
  }
  if (committed !== text) {
    console.error(
      'dist-action/index.js is not the bundle of the sources: run npm run build:action',
    );
    process.exit(1);
  }
  console.log('dist-action/index.js matches a fresh build');
} else {
  mkdirSync(dirname(outfile), { recursive: true });
  writeFileSync(outfile, text);
  console.log(`wrote dist-action/index.js (${text.length} bytes)`);
}
