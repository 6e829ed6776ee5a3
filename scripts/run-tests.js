#!/usr/bin/env node
// Runs every compiled test file (dist/**/*.test.js) with node:test and passes its exit code on.
// Test files that need PostgreSQL skip themselves, with the reason, when COUNTERSIGN_TEST_PG_URL is unset.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { lint } from './lint.js';
import { runNode } from './run-node.js';

function findTests(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findTests(path));
    else if (entry.name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

// --with-lint: `npm test` runs lint (scripts/lint.js) beside the tests: on two cores the suite
// keeps about 1.7 busy on average, and lint's half a minute of CPU fits in the rest; its output
// follows the tests'
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
const linted = withLint ? lint() : Promise.resolve({ out: '', failed: [] });
const tests = await runNode(
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
const { out, failed } = await linted;
if (withLint) {
  process.stdout.write(`\n# lint (ESLint, Prettier)\n${out}`);
  if (failed.length > 0) console.error(`lint failed: ${failed.join(', ')}`);
}
process.exit(tests.code !== 0 ? tests.code : failed.length > 0 ? 1 : 0);
