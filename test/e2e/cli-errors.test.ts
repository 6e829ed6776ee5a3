import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BIN, runCli } from '../helpers/cli.js';

describe('CLI mistakes a user makes get a clear answer and the right exit code', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-cli-errors-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('no server listening is exit 5 (unavailable), with a JSON error under --json', async () => {
    const r = await runCli(['approval', 'list', '--json'], {
      cwd: dir,
      env: { COUNTERSIGN_URL: 'http://127.0.0.1:9', COUNTERSIGN_TOKEN: 'x' },
    });
    assert.equal(r.code, 5, r.stderr);
    assert.equal(JSON.parse(r.stdout).error.code, 'unavailable');
  });

  test('a server URL that is not http(s) is a usage error (exit 2)', async () => {
    const r = await runCli(['approval', 'list'], {
      cwd: dir,
      env: { COUNTERSIGN_URL: 'localhost:8080' },
    });
    assert.equal(r.code, 2, r.stderr);
  });

  test('keys outside a deployment refuse (exit 2) and create nothing', async () => {
    const r = await runCli(['keys', 'rotate'], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--config/);
    assert.equal(existsSync(join(dir, '.countersign')), false);
  });

  test('a missing file is exit 2 naming the problem, not a stack trace', async () => {
    const r = await runCli(['evaluate', 'nope.json'], {
      cwd: dir,
      env: { COUNTERSIGN_URL: 'http://127.0.0.1:9' },
    });
    assert.equal(r.code, 2);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
  });

  test('credential verify takes the token itself and never echoes it', async () => {
    const token = 'eyJhbGciOiJub25lIn0.eyJ2IjoxfQ.c2ln';
    const r = await runCli(
      ['credential', 'verify', token, '--jwks', 'missing.json', '--action', 'missing.json'],
      {
        cwd: dir,
      },
    );
    assert.equal(r.code, 2);
    assert.ok(!r.stderr.includes(token) && !r.stdout.includes(token));
  });

  test('output piped into a reader that stops early ends quietly', () => {
    const r = spawnSync('bash', ['-c', `node ${BIN} --help | head -1`], { encoding: 'utf8' });
    assert.equal(r.status, 0);
    assert.doesNotMatch(r.stderr, /EPIPE|Error/);
  });
});
