/**
 * A PostgreSQL transaction's audit events and NOTIFYs go in one statement before its COMMIT
 * (store/postgres/transaction-tail.ts): in the order appended, delivered to listeners only once
 * committed, gone with a rollback (an event that cannot be written: the store contract).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { APPROVALS_CHANNEL } from '../../src/store/postgres/postgres-listener.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { Queryable } from '../../src/store/postgres/postgres-sql.js';
import { TransactionTail } from '../../src/store/postgres/transaction-tail.js';
import { makeApproval, makeEvent } from '../contract/store-fixtures.js';
import { createMigratedDatabase, type TestDatabase } from '../helpers/replicas.js';

const url = process.env.COUNTERSIGN_TEST_PG_URL;

if (!url) {
  test('postgres transaction tail', { skip: 'COUNTERSIGN_TEST_PG_URL is not set' }, () => {});
} else {
  describe('postgres transaction tail', () => {
    let db: TestDatabase;
    let client: pg.Client;
    let listener: pg.Client;
    const heard: string[] = [];
    let heardOne: () => void = () => undefined;

    before(async () => {
      db = await createMigratedDatabase(url);
      client = new pg.Client({ connectionString: db.url });
      await client.connect();
      listener = new pg.Client({ connectionString: db.url });
      await listener.connect();
      listener.on('notification', (n) => {
        heard.push(n.payload ?? '');
        heardOne();
      });
      await listener.query(`LISTEN ${APPROVALS_CHANNEL}`);
    });
    after(async () => {
      await client.end();
      await listener.end();
      await db.drop();
    });

    /** The client, counting the statements sent through it. */
    const counted = () => {
      const sent: string[] = [];
      const query = (text: string, values?: unknown[]) => {
        sent.push(text);
        return client.query(text, values);
      };
      return { sent, query: query as unknown as Queryable['query'] };
    };

    test('events and notices: one statement, rows in order, notices heard only after COMMIT', async () => {
      const tail = new TransactionTail();
      const events = [makeEvent({ approvalId: 'apr_t1' }), makeEvent({ approvalId: 'apr_t2' })];
      for (const e of events) tail.appendAudit(e);
      tail.notify('{"id":"apr_t1"}');
      tail.notify('{"id":"apr_t2"}');
      assert.equal(tail.appendedAudit, true);
      const db = counted();
      await client.query('BEGIN');
      await tail.write(db);
      assert.equal(db.sent.length, 1);
      // nothing is delivered before COMMIT: a round trip on the listener comes back first
      await listener.query('SELECT 1');
      assert.deepEqual(heard, []);
      const bothHeard = new Promise<void>((resolve) => {
        heardOne = () => heard.length === 2 && resolve();
      });
      await client.query('COMMIT');
      await bothHeard;
      assert.deepEqual(heard.splice(0), ['{"id":"apr_t1"}', '{"id":"apr_t2"}']);
      const { rows } = await client.query<{ event_json: string }>(
        'SELECT event_json FROM audit_pending ORDER BY seq',
      );
      assert.deepEqual(
        rows.map((r) => (JSON.parse(r.event_json) as { approvalId: string }).approvalId),
        ['apr_t1', 'apr_t2'],
      );
      await client.query('DELETE FROM audit_pending');
    });

    test('rolled back: no row, no notice; an empty tail sends nothing', async () => {
      const tail = new TransactionTail();
      tail.appendAudit(makeEvent());
      tail.notify('{"id":"apr_gone"}');
      await client.query('BEGIN');
      await tail.write(client);
      await client.query('ROLLBACK');
      await listener.query('SELECT 1');
      const { rows } = await client.query('SELECT 1 FROM audit_pending');
      assert.equal(rows.length, 0);
      assert.deepEqual(heard, []);
      const empty = counted();
      await new TransactionTail().write(empty);
      assert.deepEqual(empty.sent, []);
    });

    test('through the store: a review-like transaction commits its rows, events and notice together', async () => {
      const store = new PostgresStore({ url: db.url });
      try {
        const heardIt = new Promise<void>((resolve) => {
          heardOne = () => resolve();
        });
        await store.transaction(async (tx) => {
          const approval = makeApproval('apr_store');
          await tx.insertApproval(approval);
          await tx.appendAudit(makeEvent({ approvalId: 'apr_store' }));
          await tx.notifyApprovalChanged?.(approval, 'approval.requested');
        });
        await heardIt;
        assert.equal(JSON.parse(heard.splice(0)[0] ?? '{}').id, 'apr_store');
        await store.integrateAudit();
        const listed = await store.listAuditEvents({}, { limit: 5 });
        assert.deepEqual(
          listed.items.map((x) => x.event.approvalId),
          ['apr_store'],
        );
      } finally {
        await store.close();
      }
    });
  });
}
