/**
 * The PostgreSQL audit statements of fixed text (store/postgres/postgres-audit.ts): lone appends
 * send their texts as one JSON array, and an integration batch copies each event's text from its
 * own pending row instead of receiving it again. Both must keep every byte of the canonical text
 * (the leaf hash is over it), keep the order given, and an integration batch that does not find
 * every pending row it names must fail and change nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { canonicalEventJson, integratePendingAudit } from '../../src/store/audit-append.js';
import {
  insertPendingPostgres,
  postgresIntegrateIo,
} from '../../src/store/postgres/postgres-audit.js';
import { parseInt8 } from '../../src/store/postgres/postgres-sql.js';
import { makeEvent } from '../contract/store-fixtures.js';
import { createMigratedDatabase, type TestDatabase } from '../helpers/replicas.js';

const url = process.env.COUNTERSIGN_TEST_PG_URL;

/** Texts JSON and PostgreSQL escape differently: quotes, backslashes, escapes, separators. */
const TRICKY = ['say "hi"', 'C:\\path\\', '\\u0000 and \\n as text', 'line\u2028sep', 'é€😀', ''];

if (!url) {
  test('postgres audit batches', { skip: 'COUNTERSIGN_TEST_PG_URL is not set' }, () => {});
} else {
  describe('postgres audit batches', () => {
    let db: TestDatabase;
    let client: pg.Client;

    before(async () => {
      db = await createMigratedDatabase(url);
      // BIGINT as a number, as the store's own pool reads it
      const types = new pg.TypeOverrides();
      types.setTypeParser(pg.types.builtins.INT8, parseInt8);
      client = new pg.Client({ connectionString: db.url, types });
      await client.connect();
    });
    after(async () => {
      await client.end();
      await db.drop();
    });

    const texts = () =>
      TRICKY.map((reason) => canonicalEventJson(makeEvent({ details: { reason } })));

    test('lone appends keep every byte and the order given', async () => {
      const sent = texts();
      const at = sent.map((_, i) => `2026-12-05T00:00:0${i}.000Z`);
      await insertPendingPostgres(
        client,
        sent.map((eventJson, i) => ({ eventJson, appendedAt: at[i] ?? '' })),
      );
      const { rows } = await client.query<{ event_json: string; appended_at: string }>(
        'SELECT event_json, appended_at FROM audit_pending ORDER BY seq',
      );
      assert.deepEqual(
        rows.map((r) => r.event_json),
        sent,
      );
      assert.deepEqual(
        rows.map((r) => r.appended_at),
        at,
      );
    });

    test('integration moves each pending text unchanged into the log, and removes it', async () => {
      const pending = (
        await client.query<{ event_json: string }>(
          'SELECT event_json FROM audit_pending ORDER BY seq',
        )
      ).rows.map((r) => r.event_json);
      assert.ok(pending.length > 0);
      await client.query('BEGIN');
      const n = await integratePendingAudit(postgresIntegrateIo(client), 1000);
      await client.query('COMMIT');
      assert.equal(n, pending.length);
      const { rows } = await client.query<{ idx: number; event_json: string }>(
        'SELECT idx::int AS idx, event_json FROM audit_events ORDER BY idx',
      );
      assert.deepEqual(
        rows.map((r) => r.event_json),
        pending,
      );
      assert.deepEqual(
        rows.map((r) => r.idx),
        pending.map((_, i) => i),
      );
      const left = await client.query('SELECT 1 FROM audit_pending');
      assert.equal(left.rowCount, 0);
    });

    test('a batch naming a pending row that is not there fails and changes nothing', async () => {
      const head = async () =>
        (await client.query('SELECT size::int AS size, compact_range FROM audit_head')).rows[0];
      const before = await head();
      const [eventJson] = texts();
      assert.ok(eventJson);
      await insertPendingPostgres(client, [{ eventJson, appendedAt: '2026-12-05T00:00:10.000Z' }]);
      const { rows } = await client.query<{ seq: number }>(
        'SELECT seq::int AS seq FROM audit_pending',
      );
      const seq = rows[0]?.seq;
      assert.ok(seq !== undefined);
      const io = postgresIntegrateIo(client);
      const row = { eventId: 'evt_x', type: 'approval.requested', at: '2026-12-05T00:00:10.000Z' };
      const columns = { ...row, actorId: 'a', environment: null, project: null, approvalId: null };
      await client.query('BEGIN');
      await assert.rejects(
        io.writeBatch({
          rows: [
            { index: before?.size, columns, json: eventJson },
            {
              index: (before?.size ?? 0) + 1,
              columns: { ...columns, eventId: 'evt_y' },
              json: eventJson,
            },
          ],
          nodes: [],
          size: (before?.size ?? 0) + 2,
          compactRange: 'not used',
          seqs: [seq, seq + 1000],
        }),
        /integration batch wrote 1 and removed 1 of 2 pending events/,
      );
      await client.query('ROLLBACK');
      assert.deepEqual(await head(), before);
      const still = await client.query('SELECT 1 FROM audit_pending');
      assert.equal(still.rowCount, 1);
    });
  });
}
