#!/usr/bin/env node
// Builds dist/ (server, CLI, tests, console) into a fresh directory next to it and swaps it in at the
// end, so an interrupted build leaves the previous dist/ whole.
//
//   node scripts/build.js            build
//   node scripts/build.js --prepare  npm's `prepare` hook: build on `npm ci` / `npm install` in a
//                                    checkout (the quick start), never on `npx countersign` (npm
//                                    runs `prepare` there too, as `npm exec`) nor on `npm pack`
//                                    (`prepack` builds)
// `npm pack --dry-run` lists an existing build instead of rebuilding it.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

if (process.argv.includes('--prepare')) {
  const command = process.env.npm_command ?? '';
  if (!['ci', 'install'].includes(command)) process.exit(0);
  // installed as a dependency from a registry tarball there is nothing to compile (dist/ ships)
  if (!existsSync(join(root, 'tsconfig.json'))) process.exit(0);
}
// `npm pack --dry-run` only lists the files: an existing build is what it lists
if (process.env.npm_config_dry_run === 'true' && existsSync(join(root, 'dist', 'src'))) {
  process.exit(0);
}

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const tmp = join(root, `.dist-build-${process.pid}`);
const old = join(root, `.dist-old-${process.pid}`);

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function run(args) {
  const r = spawnSync(process.execPath, [tsc, ...args], { stdio: 'inherit' });
  if (r.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    process.exit(r.status ?? 1);
  }
}

// what an interrupted build left behind (its process is gone)
for (const name of readdirSync(root)) {
  const m = /^\.dist-(?:build|old)-(\d+)$/.exec(name);
  if (m && !alive(Number(m[1]))) rmSync(join(root, name), { recursive: true, force: true });
}
run(['-p', 'tsconfig.json', '--outDir', tmp]);
run(['-p', 'web/tsconfig.json', '--outDir', join(tmp, 'web', 'assets')]);
// the console's static files and vendored lit-html sit next to its compiled scripts
const copied = spawnSync(process.execPath, ['scripts/copy-web-assets.js', tmp], {
  stdio: 'inherit',
});
if (copied.status !== 0) {
  rmSync(tmp, { recursive: true, force: true });
  process.exit(copied.status ?? 1);
}
// the CLI as one module (see bundle-cli.js)
try {
  const { bundleCli } = await import('./bundle-cli.js');
  await bundleCli(tmp);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  rmSync(tmp, { recursive: true, force: true });
  process.exit(1);
}

// swap: dist/ is missing only between two renames, never half-written
if (existsSync('dist')) renameSync('dist', old);
renameSync(tmp, 'dist');
rmSync(old, { recursive: true, force: true });
