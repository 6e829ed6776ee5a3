#!/usr/bin/env node
// `npm run lint`: ESLint and Prettier's check side by side (each is single-threaded), each one's
// output printed whole when it ends; fails when either fails.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
/** A package's command, from its package.json `bin`. */
function bin(pkg) {
  const manifest = require.resolve(`${pkg}/package.json`);
  const field = JSON.parse(readFileSync(manifest, 'utf8')).bin;
  return join(dirname(manifest), typeof field === 'string' ? field : field[pkg]);
}
const tools = [
  ['eslint', bin('eslint'), ['.', '--max-warnings', '0']],
  ['prettier', bin('prettier'), ['--check', '.']],
];

const results = await Promise.all(
  tools.map(
    ([name, command, args]) =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [command, ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.on('error', (err) => resolve({ name, code: 1, out: `${out}${err.message}\n` }));
        child.on('close', (code) => {
          process.stdout.write(out);
          resolve({ name, code: code ?? 1, out });
        });
      }),
  ),
);
const failed = results.filter((r) => r.code !== 0).map((r) => r.name);
if (failed.length > 0) {
  console.error(`lint failed: ${failed.join(', ')}`);
  process.exit(1);
}
