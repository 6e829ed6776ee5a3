/**
 * The npm package as a user gets it: pack a copy of this checkout (its `prepack` builds), install the
 * tarball into an empty folder, then run the CLI, serve the console and API, and import every
 * export by package name. It takes minutes (a full build and a native SQLite driver compile), so it
 * runs when COUNTERSIGN_TEST_PACKAGE=1 (.ci/run sets it) and otherwise skips, saying so.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT } from '../helpers/paths.js';

const ENABLED = process.env.COUNTERSIGN_TEST_PACKAGE === '1';
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const COPY = ['bin', 'docs', 'examples', 'scripts', 'src', 'test', 'bench', 'web'];
const COPY_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'LICENSE', 'README.md'];

// generous: the SQLite driver compiles from source, which takes minutes on a busy 2-core machine
function run(cmd: string, args: string[], opts: SpawnSyncOptions & { cwd: string }): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 1_800_000, ...opts });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return String(r.stdout);
}

describe(
  'the packed tarball installs into an empty folder and runs',
  {
    skip:
      !ENABLED &&
      'slow (pack, install, native build): set COUNTERSIGN_TEST_PACKAGE=1 (.ci/run does)',
  },
  () => {
    let work: string;
    let app: string;
    let tarball: string;
    const env = {
      ...process.env,
      npm_config_nodedir: process.env.npm_config_nodedir ?? '/usr',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
    };
    before(() => {
      work = mkdtempSync(join(tmpdir(), 'countersign-pkg-'));
      // a clean copy (no dist/): `npm pack` must build it through prepack
      const src = join(work, 'src');
      mkdirSync(src);
      for (const d of COPY) cpSync(join(REPO_ROOT, d), join(src, d), { recursive: true });
      for (const f of COPY_FILES) cpSync(join(REPO_ROOT, f), join(src, f));
      symlinkSync(join(REPO_ROOT, 'node_modules'), join(src, 'node_modules'), 'dir');
      const packed = JSON.parse(
        run(NPM, ['pack', '--json', '--pack-destination', work], { cwd: src, env }),
      ) as {
        filename: string;
      }[];
      tarball = join(work, packed[0]!.filename);
      app = join(work, 'app');
      mkdirSync(app);
      writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
      run(NPM, ['install', '--prefer-offline', tarball], { cwd: app, env });
    });
    after(() => {
      if (work) rmSync(work, { recursive: true, force: true });
    });

    test('the tarball holds the built code and docs, and no tests', () => {
      const listed = JSON.parse(
        run(NPM, ['pack', '--dry-run', '--json', '--ignore-scripts'], {
          cwd: join(work, 'src'),
          env,
        }),
      ) as {
        files: { path: string }[];
      }[];
      const files = listed[0]!.files.map((f) => f.path);
      for (const need of [
        'bin/countersign.js',
        'dist/src/cli/main.js',
        'dist/src/credentials/verify/index.js',
        'dist/web/index.html',
        'LICENSE',
        'README.md',
        'docs/domain.md',
      ]) {
        assert.ok(files.includes(need), `ships ${need}`);
      }
      assert.deepEqual(
        files.filter((f) => /\.test\.|^test\/|^src\/|\.jwt$|\.map$/.test(f)),
        [],
      );
      const installed = readdirSync(join(app, 'node_modules', 'countersign'));
      assert.ok(installed.includes('dist') && !installed.includes('src'));
    });

    test('npx countersign version answers', () => {
      const version = run('npx', ['--no-install', 'countersign', 'version'], { cwd: app, env });
      assert.match(version, /^\d+\.\d+\.\d+/);
    });

    test('every export imports by package name', () => {
      const script = `
      const v = await import('countersign/verify');
      const e = await import('countersign/evidence');
      const c = await import('countersign/client');
      const p = await import('countersign/package.json', { with: { type: 'json' } });
      const need = [[v, 'verifyCredential'], [v, 'createVerifier'], [e, 'verifyEvidence'],
        [e, 'verifyInclusion'], [e, 'parseVerifierKey'], [c, 'CountersignClient'], [c, 'ApiError']];
      for (const [m, name] of need) if (typeof m[name] !== 'function') throw new Error(name + ' missing');
      console.log('ok ' + p.default.name);`;
      assert.match(
        run(process.execPath, ['--input-type=module', '-e', script], { cwd: app, env }),
        /ok countersign/,
      );
    });

    test('npx countersign start serves /healthz, the console and the API', async () => {
      const child = spawn(
        'npx',
        ['--no-install', 'countersign', 'start', '--listen', '127.0.0.1:0'],
        {
          cwd: app,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
          // its own process group: npx does not pass signals on to the server it runs
          detached: true,
        },
      );
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        const url = await new Promise<string>((resolve, reject) => {
          let out = '';
          const timer = setTimeout(() => reject(new Error(`no start:\n${out}`)), 60_000);
          const onData = (d: Buffer) => {
            out += d.toString();
            const m = /listening on (http:\/\/\S+)/.exec(out);
            if (m) {
              clearTimeout(timer);
              resolve(m[1]!);
            }
          };
          child.stdout.on('data', onData);
          child.stderr.on('data', onData);
          child.once('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)));
        });
        assert.equal((await fetch(`${url}/healthz`)).status, 200);
        const console = await fetch(`${url}/console/`);
        assert.equal(console.status, 200);
        assert.match(await console.text(), /<html/i);
        const api = await fetch(`${url}/v1/approvals`);
        assert.equal(api.status, 401, 'the API answers, and asks for a key');
      } finally {
        process.kill(-(child.pid as number), 'SIGTERM');
        await exited;
      }
    });
  },
);
