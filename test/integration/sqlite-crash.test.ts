/**
 * kill -9 of a server on SQLite while gate checks run concurrently: every decision answered 2xx
 * has exactly one audit event in the file (the group commit answers only after its COMMIT),
 * the log verifies, and a server starts again on the same file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { INIT_CONFIG, initForLoad, runCli, startCliServer } from '../helpers/cli.js';
import { devDeploy } from '../helpers/replicas.js';

const CONFIG = INIT_CONFIG;
const GATES = 120;
const WORKERS = 8;
const KILL_AFTER = 40;

let dir: string;
let token: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'countersign-sqlite-crash-'));
  await initForLoad(dir);
  const key = await runCli(
    ['apikey', 'create', '--config', CONFIG, '--name', 'ci', '--scopes', 'gate:check'],
    { cwd: dir },
  );
  assert.equal(key.code, 0, key.stderr);
  token = key.stdout.trim();
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('every gate check answered 2xx before kill -9 is durable and audited once; the log verifies', async () => {
  const server = await startCliServer(['serve', '--config', CONFIG, '--log-level', 'warn'], {
    cwd: dir,
  });
  const answered: string[] = [];
  let next = 0;
  let killed = false;
  const exited = new Promise<string | null>((resolve) =>
    server.child.once('exit', (_code, signal) => resolve(signal)),
  );
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (next < GATES) {
        const i = next++;
        try {
          const res = await fetch(`${server.url}/v1/gate`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ action: devDeploy(`img:sqlite-crash-${i}`) }),
          });
          const body = (await res.json()) as { decision?: { decisionId: string } };
          if (res.ok && body.decision) answered.push(body.decision.decisionId);
        } catch {
          // the server is gone: this call was never answered
        }
        if (!killed && answered.length >= KILL_AFTER) {
          killed = true;
          server.child.kill('SIGKILL');
        }
      }
    }),
  );
  assert.ok(killed, `only ${answered.length} answered`);
  assert.equal(await exited, 'SIGKILL');
  assert.ok(answered.length >= KILL_AFTER);

  const file = readdirSync(join(dir, '.countersign')).find((f) => f.endsWith('.db'));
  assert.ok(file, 'the SQLite file');
  const db = new Database(join(dir, '.countersign', file));
  try {
    // an allowed gate check's record is its audit event
    const count = db.prepare(
      `SELECT count(*) AS n FROM audit_events
         WHERE type = 'gate.allowed' AND json_extract(event_json, '$.decisionId') = ?`,
    );
    for (const id of answered) assert.deepEqual(count.get(id), { n: 1 }, id);
    // nothing is left between sequencing and integration on SQLite
    assert.deepEqual(db.prepare('SELECT count(*) AS n FROM audit_pending').get(), { n: 0 });
  } finally {
    db.close();
  }

  const verify = await runCli(['audit', 'verify', '--config', CONFIG, '--json'], { cwd: dir });
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  assert.equal((JSON.parse(verify.stdout) as { ok: boolean }).ok, true);

  const again = await startCliServer(['serve', '--config', CONFIG, '--log-level', 'warn'], {
    cwd: dir,
  });
  try {
    const res = await fetch(`${again.url}/v1/gate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action: devDeploy('img:sqlite-crash-after') }),
    });
    assert.equal(res.status, 200);
  } finally {
    await again.stop();
  }
});
