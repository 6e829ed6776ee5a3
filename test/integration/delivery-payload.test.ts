/**
 * A callback URL may carry a secret (a token in its query or path). The outbox row stores it
 * redacted; the worker resolves the real URL from the request when it sends.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { migration001 } from '../../src/store/migrations/001-initial.js';
import { migration002 } from '../../src/store/migrations/002-outbox.js';
import { migration007 } from '../../src/store/migrations/007-redact-delivery-callbacks.js';
import { deployAction } from '../helpers/harness.js';
import { startNotifyServer, startSink, type NotifyServer, type Sink } from '../helpers/notify.js';

const TOKEN = 'cb-secret-Zq8wXv3nR5tY7uI9oP1aS2dF4gH6jK';
const CALLBACK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('delivery payloads never hold a callback URL secret', () => {
  let sink: Sink;
  let cs: NotifyServer;
  before(async () => {
    sink = await startSink();
    cs = await startNotifyServer({
      secrets: { T_CALLBACK_SECRET: CALLBACK_SECRET },
      notificationsYaml: `
  callbackSecretEnv: T_CALLBACK_SECRET
  callbackAllowlist: [${sink.url}/ci/]
  retry: { attempts: 2, initialDelay: 50ms, maxDelay: 100ms }`,
    });
  });
  after(async () => {
    await cs?.close();
    await sink?.close();
  });

  test('the stored row is redacted, and the callback still reaches the real URL', async () => {
    const created = await cs.api<{ id: string }>('requester', 'POST', '/v1/approvals', {
      action: deployAction('shop:cb-1'),
      callbackUrl: `${sink.url}/ci/${TOKEN}/resume?token=${TOKEN}`,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id;
    const deny = await cs.api('alice', 'POST', `/v1/approvals/${id}/deny`, { reason: 'no' });
    assert.equal(deny.status, 200);

    const got = await sink.waitFor(1);
    assert.equal(got.path, `/ci/${TOKEN}/resume?token=${TOKEN}`, 'sent to the real URL');

    const db = new Database(cs.dbPath, { readonly: true });
    try {
      const rows = db
        .prepare('SELECT provider, payload FROM deliveries WHERE approval_id = ?')
        .all(id) as { provider: string; payload: string }[];
      assert.ok(
        rows.some((r) => r.provider === 'callback'),
        'a callback row was written',
      );
      for (const r of rows) {
        assert.ok(!r.payload.includes(TOKEN), `${r.provider} payload holds the callback secret`);
      }
    } finally {
      db.close();
    }
  });
});

/** A row of the old shape, with the full callback URL in its payload. */
const OLD_PAYLOAD = JSON.stringify({
  event: { kind: 'decided' },
  approval: { id: 'apr_old', callbackUrl: `https://ci.example.com/hooks/${TOKEN}` },
});

function oldRow(db: Database.Database) {
  db.exec(migration001.sqlite);
  db.exec(migration002.sqlite);
  db.prepare(
    `INSERT INTO deliveries (id, approval_id, provider, event, message_id, payload, status,
       attempts, timings, created_at, updated_at)
     VALUES ('dlv_old', 'apr_old', 'callback', 'decided', 'msg_old', ?, 'failed', 1, '[]', 'x', 'x')`,
  ).run(OLD_PAYLOAD);
}

describe('migration 007 scrubs callback URLs from rows written before', () => {
  test('SQLite', () => {
    const db = new Database(':memory:');
    try {
      oldRow(db);
      db.exec(migration007.sqlite);
      const { payload } = db
        .prepare("SELECT payload FROM deliveries WHERE id = 'dlv_old'")
        .get() as {
        payload: string;
      };
      assert.ok(!payload.includes(TOKEN));
      assert.equal(JSON.parse(payload).approval.callbackUrl, '…');
      assert.equal(JSON.parse(payload).approval.id, 'apr_old');
    } finally {
      db.close();
    }
  });

  const pgUrl = process.env.COUNTERSIGN_TEST_PG_URL;
  test('PostgreSQL', { skip: pgUrl ? false : 'COUNTERSIGN_TEST_PG_URL is not set' }, async () => {
    const schema = `cs_mig7_${randomBytes(6).toString('hex')}`;
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}`);
      await client.query(migration002.postgres);
      await client.query(
        `INSERT INTO deliveries (id, approval_id, provider, event, message_id, payload, status,
           attempts, timings, created_at, updated_at)
         VALUES ('dlv_old', 'apr_old', 'callback', 'decided', 'msg_old', $1, 'failed', 1, '[]', 'x', 'x')`,
        [OLD_PAYLOAD],
      );
      await client.query(migration007.postgres);
      const { rows } = await client.query<{ payload: string }>('SELECT payload FROM deliveries');
      assert.ok(!rows[0]?.payload.includes(TOKEN));
      assert.equal(JSON.parse(rows[0]?.payload ?? '{}').approval.callbackUrl, '…');
    } finally {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  });
});
