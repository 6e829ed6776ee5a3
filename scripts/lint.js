#!/usr/bin/env node
// `npm run lint`: ESLint and Prettier's check side by side (each is single-threaded), each one's
// output printed whole when it ends; fails when either fails. `npm test` runs lint() beside the
// tests (run-tests.js --with-lint).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNode } from './run-node.js';

const require = createRequire(import.meta.url);
/** A package's command, from its package.json `bin`. */
function bin(pkg) {
  const manifest = require.resolve(`${pkg}/package.json`);
  const field = JSON.parse(readFileSync(manifest, 'utf8')).bin;
  return join(dirname(manifest), typeof field === 'string' ? field : field[pkg]);
}

/** Both tools' output, and the names of those that failed. */
export async function lint() {
  const tools = [
    ['eslint', bin('eslint'), ['.', '--max-warnings', '0']],
    ['prettier', bin('prettier'), ['--check', '.']],
  ];
  const results = await Promise.all(
    tools.map(async ([name, command, args]) => ({
      name,
      ...(await runNode([command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })),
    })),
  );
  return {
    out: results.map((r) => r.out).join(''),
    failed: results.filter((r) => r.code !== 0).map((r) => r.name),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { out, failed } = await lint();
  process.stdout.write(out);
  if (failed.length > 0) {
    console.error(`lint failed: ${failed.join(', ')}`);
    process.exit(1);
  }
}
