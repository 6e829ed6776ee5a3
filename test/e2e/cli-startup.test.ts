import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, startCliServer } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';

const VERSION = (
  JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

test('`countersign version` and `--version` print the version, and the help lists --version', async () => {
  const cwd = tmpdir();
  const v = await runCli(['version'], { cwd });
  assert.equal(v.code, 0);
  assert.equal(v.stdout, `${VERSION}\n`);
  const flag = await runCli(['--version'], { cwd });
  assert.equal(flag.stdout, `${VERSION}\n`);
  const help = await runCli(['--help'], { cwd });
  assert.match(help.stdout, /-V, --version\s+print the version/);
  assert.match(help.stdout, /\n {2}version\s+print the version/);
});

describe('starting a server: --listen, a busy port, one server per SQLite file, the admin key once', () => {
  let dir: string;
  let blocker: Server;
  let busyPort: number;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-startup-'));
    blocker = createServer();
    await new Promise<void>((res) => blocker.listen(0, '127.0.0.1', res));
    busyPort = (blocker.address() as { port: number }).port;
  });
  after(async () => {
    await new Promise<void>((res) => blocker.close(() => res()));
    rmSync(dir, { recursive: true, force: true });
  });

  test('the first start prints the admin key; a later start says where it is and does not print it', async () => {
    const first = await startCliServer(['start', '--listen', '127.0.0.1:0'], { cwd: dir });
    const key = readFileSync(join(dir, '.countersign/admin-token'), 'utf8').trim();
    await first.stop();
    assert.ok(first.output().includes(key), 'the creating start shows the key');
    assert.match(first.output(), /shown once/);
    const second = await startCliServer(['start', '--listen', '127.0.0.1:0'], { cwd: dir });
    await second.stop();
    assert.ok(!second.output().includes(key), 'a later start does not reprint the key');
    assert.match(second.output(), /Admin API key: in \.countersign\/admin-token/);
  });

  test('a busy port is a clear error naming the address and --listen, exit 5, not `internal`', async () => {
    const r = await runCli(['start', '--listen', `127.0.0.1:${busyPort}`], { cwd: dir });
    assert.equal(r.code, 5, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`error: address_in_use: 127\\.0\\.0\\.1:${busyPort} is already in use`),
    );
    assert.match(r.stderr, /--listen HOST:PORT/);
    assert.doesNotMatch(r.stderr, /internal|EADDRINUSE|\s{4}at /);
  });

  test('a second server on the same SQLite file is refused (store_locked) while the first runs', async () => {
    const first = await startCliServer(['serve', '--listen', '127.0.0.1:0'], { cwd: dir });
    try {
      const second = await runCli(
        ['serve', '--config', '.countersign/countersign.yaml', '--listen', '127.0.0.1:0'],
        { cwd: dir },
      );
      assert.equal(second.code, 5, second.stderr);
      assert.match(
        second.stderr,
        /error: store_locked: another Countersign server is already using .*countersign\.db/,
      );
      // the first server still answers
      assert.equal((await fetch(`${first.url}/healthz`)).status, 200);
    } finally {
      await first.stop();
    }
  });

  test('after the first server stopped a new one starts (the lock is released); backup copies the store while it runs; an existing file is refused', async () => {
    const server = await startCliServer(['serve', '--listen', '127.0.0.1:0'], { cwd: dir });
    try {
      const r = await runCli(['backup', '--out', 'copy.db'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        /backed up .*countersign\.db to .*copy\.db \(\d+ pages, integrity ok\)/,
      );
      const again = await runCli(['backup', '--out', 'copy.db'], { cwd: dir });
      assert.equal(again.code, 2);
      assert.match(again.stderr, /--out: exists/);
    } finally {
      await server.stop();
    }
    const size = (file: string) => {
      const db = new Database(join(dir, file), { readonly: true });
      try {
        return db.prepare('SELECT size FROM audit_head WHERE id = 1').get() as { size: number };
      } finally {
        db.close();
      }
    };
    assert.ok(size('copy.db').size > 0);
    assert.ok(size('copy.db').size <= size('.countersign/countersign.db').size);
  });
});
