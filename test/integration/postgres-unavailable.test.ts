/**
 * PostgreSQL going away (refused connections, a session killed mid-transaction as in a failover)
 * surfaces as `audit_unavailable` (503, retry) and leaves nothing half-written.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { isCountersignError } from '../../src/errors/index.js';
import { isUnavailable } from '../../src/store/postgres/postgres-errors.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { makeApproval, makeEvent } from '../contract/store-fixtures.js';

const codeOf = (err: unknown) => (isCountersignError(err) ? err.code : String(err));

describe('store unavailable', () => {
  test('connection failures are recognised; bugs are not', () => {
    const withCode = (code: string) => Object.assign(new Error('x'), { code });
    assert.ok(isUnavailable(withCode('ECONNREFUSED')));
    assert.ok(isUnavailable(withCode('57P01'))); // admin_shutdown (failover, restart)
    assert.ok(isUnavailable(withCode('08006')));
    assert.ok(isUnavailable(new Error('Connection terminated unexpectedly')));
    assert.ok(!isUnavailable(withCode('23505'))); // unique violation: a bug or a race, not an outage
    assert.ok(!isUnavailable(withCode('42P01')));
    assert.ok(!isUnavailable('ECONNREFUSED'));
  });

  test('a refused connection is audit_unavailable for writes and reads', async () => {
    // port 1 on loopback: nothing listens there
    const store = new PostgresStore({ url: 'postgres://postgres@127.0.0.1:1/none' });
    try {
      await assert.rejects(
        store.transaction(async () => undefined),
        (err) => codeOf(err) === 'audit_unavailable',
      );
      await assert.rejects(
        store.getApproval('apr_x'),
        (err) => codeOf(err) === 'audit_unavailable',
      );
    } finally {
      await store.close();
    }
  });
});

const url = process.env.COUNTERSIGN_TEST_PG_URL;

if (!url) {
  test(
    'postgres session killed mid-transaction',
    { skip: 'COUNTERSIGN_TEST_PG_URL is not set' },
    () => {},
  );
} else {
  describe('postgres session killed mid-transaction', () => {
    const admin = new pg.Pool({ connectionString: url, max: 2 });
    const schema = `cs_test_${randomBytes(6).toString('hex')}`;
    after(async () => {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    });

    test('the transaction fails with audit_unavailable and writes nothing', async () => {
      await admin.query(`CREATE SCHEMA ${schema}`);
      const store = new PostgresStore({ url, schema, pool: { max: 2, idleTimeoutMs: 1000 } });
      try {
        await store.migrate();
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.insertApproval(makeApproval('apr_lost'));
            await tx.appendAudit(makeEvent({ eventId: 'evt_one', approvalId: 'apr_lost' }));
            // the session holding this transaction's lock on what it wrote: as in a failover
            const { rows } = await admin.query<{ n: number }>(
              `SELECT count(DISTINCT pid)::int AS n, bool_and(pg_terminate_backend(pid)) AS ok
                 FROM pg_locks WHERE relation = '${schema}.approvals'::regclass AND pid <> pg_backend_pid()`,
            );
            assert.equal(rows[0]?.n, 1);
            await tx.appendAudit(makeEvent({ eventId: 'evt_two', approvalId: 'apr_lost' }));
          }),
          (err) => codeOf(err) === 'audit_unavailable',
        );
        await store.integrateAudit();
        assert.equal(await store.auditSize(), 0);
        assert.equal(await store.getApproval('apr_lost'), null);
        // and the store serves again on a fresh connection
        await store.transaction(
          async (tx) => void (await tx.appendAudit(makeEvent({ eventId: 'evt_three' }))),
        );
        await store.integrateAudit();
        assert.equal(await store.auditSize(), 1);
      } finally {
        await store.close();
      }
    });
  });
}
