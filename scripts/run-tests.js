#!/usr/bin/env node
// Runs every compiled test file (dist/**/*.test.js) with node:test and passes its exit code on.
// Test files that need PostgreSQL skip themselves, with the reason, when COUNTERSIGN_TEST_PG_URL is unset.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';

function findTests(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findTests(path));
    else if (entry.name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

// --with-lint: `npm test` runs lint (scripts/lint.js) beside the tests, in the CPU the tests leave
// idle while they wait on servers and browsers; its output follows the tests'
const withLint = process.argv.includes('--with-lint');
const only = process.argv.slice(2).filter((a) => a !== '--with-lint');
const files = findTests('dist').filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
// the slowest tiers first (end-to-end, interop, integration), so the many short unit files fill the
// gaps at the end instead of one long file running alone
const TIER = ['/e2e/', '/interop/', '/integration/', '/contract/'];
const tier = (f) => {
  const i = TIER.findIndex((t) => f.includes(t));
  return i === -1 ? TIER.length : i;
};
files.sort((a, b) => tier(a) - tier(b) || a.localeCompare(b));
if (files.length === 0) {
  console.error('no test files found under dist/ (run npm run build)');
  process.exit(1);
}
if (!process.env.COUNTERSIGN_TEST_PG_URL) {
  console.log('note: COUNTERSIGN_TEST_PG_URL is not set: PostgreSQL tests will be skipped');
}
// Test files mostly wait on servers, databases and child processes, so several run at once even on
// two cores (COUNTERSIGN_TEST_CONCURRENCY overrides). A test (and, on Node 20, a whole file) still
// running after ten minutes fails, so a hang fails that test instead of holding the run.
const concurrency = Number(
  process.env.COUNTERSIGN_TEST_CONCURRENCY ?? Math.max(4, availableParallelism() * 2),
);
/** Runs a command to its end: its exit code (1 when it could not start or was killed). */
function run(args, opts) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, opts);
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    child.on('error', (err) => resolve({ code: 1, out: `${out}${err.message}\n` }));
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

const lint = withLint
  ? run([fileURLToPath(new URL('./lint.js', import.meta.url))], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
  : Promise.resolve({ code: 0, out: '' });
const tests = await run(
  [
    '--test',
    `--test-concurrency=${concurrency}`,
    `--test-timeout=${Number(process.env.COUNTERSIGN_TEST_TIMEOUT_MS ?? 600_000)}`,
    '--test-reporter=spec',
    ...files,
  ],
  {
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'test' },
  },
);
const linted = await lint;
if (withLint) {
  process.stdout.write(`\n# lint (ESLint, Prettier)\n${linted.out}`);
  if (linted.code !== 0) console.error('lint failed');
}
process.exit(tests.code !== 0 ? tests.code : linted.code);
