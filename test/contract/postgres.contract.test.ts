/**
 * The Store contract suite against PostgresStore, each test in a fresh schema of the database
 * named by COUNTERSIGN_TEST_PG_URL (dropped afterwards), plus PostgreSQL-only checks: several
 * replicas migrating one database at once.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { INTEGRATOR_LOCK_SPACE } from '../../src/store/postgres/postgres-integrator.js';
import { isCountersignError } from '../../src/errors/index.js';
import { runStoreContract } from './store-contract.js';
import { makeApiKey, makeApproval, makeEvent } from './store-fixtures.js';

const url = process.env.COUNTERSIGN_TEST_PG_URL;

if (!url) {
  test('postgres store contract', { skip: 'COUNTERSIGN_TEST_PG_URL is not set' }, () => {});
} else {
  const admin = new pg.Pool({ connectionString: url, max: 2 });
  const created = new Set<string>();

  const createSchema = async (): Promise<string> => {
    const schema = `cs_test_${randomBytes(6).toString('hex')}`;
    await admin.query(`CREATE SCHEMA ${schema}`);
    created.add(schema);
    return schema;
  };
  const dropSchema = async (schema: string): Promise<void> => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    created.delete(schema);
  };

  after(async () => {
    // schemas left by a test that failed before its cleanup
    for (const schema of [...created]) await dropSchema(schema);
    await admin.end();
  });

  runStoreContract('postgres', async () => {
    const schema = await createSchema();
    const store = new PostgresStore({ url, schema, pool: { max: 10, idleTimeoutMs: 1000 } });
    await store.migrate();
    return {
      store,
      readAuditNodes: async () => {
        const { rows } = await admin.query<{ level: number; idx: string; hash: Buffer }>(
          `SELECT level, idx, hash FROM ${schema}.audit_nodes ORDER BY level, idx`,
        );
        return rows.map((r) => ({ level: r.level, index: Number(r.idx), hash: r.hash }));
      },
      cleanup: async () => {
        await store.close();
        await dropSchema(schema);
      },
    };
  });

  describe('postgres store across replicas', () => {
    let schema: string;
    before(async () => {
      schema = await createSchema();
    });

    test('replicas migrating an empty schema at the same time apply each migration once', async () => {
      const replicas = Array.from(
        { length: 4 },
        () => new PostgresStore({ url, schema, pool: { max: 2, idleTimeoutMs: 1000 } }),
      );
      try {
        await Promise.all(replicas.map((r) => r.migrate()));
        await Promise.all(replicas.map((r) => r.migrate()));
        const { rows } = await admin.query<{ id: number }>(
          `SELECT id FROM ${schema}.schema_migrations ORDER BY id`,
        );
        assert.deepEqual(
          rows.map((r) => r.id),
          MIGRATIONS.map((m) => m.id),
        );
        assert.equal(await replicas[0]?.auditSize(), 0);
      } finally {
        await Promise.all(replicas.map((r) => r.close()));
      }
    });

    test('appends from several replicas share one log order', async () => {
      const replicas = Array.from(
        { length: 3 },
        () => new PostgresStore({ url, schema, pool: { max: 4, idleTimeoutMs: 1000 } }),
      );
      try {
        const events = Array.from({ length: 30 }, () => makeEvent());
        await Promise.all(
          events.map((e, i) =>
            (replicas[i % 3] as PostgresStore).transaction((tx) => tx.appendAudit(e)),
          ),
        );
        await (replicas[0] as PostgresStore).integrateAudit();
        for (const r of replicas) {
          const page = await r.listAuditEvents({}, { limit: 100 });
          assert.deepEqual(
            page.items.map((x) => x.index),
            Array.from({ length: 30 }, (_, i) => i),
          );
          assert.deepEqual(
            page.items.map((x) => x.event.eventId).sort(),
            events.map((e) => e.eventId).sort(),
          );
        }
      } finally {
        await Promise.all(replicas.map((r) => r.close()));
      }
    });

    test('an event whose transaction commits after a later-sequenced one is integrated too, never skipped', async () => {
      const store = new PostgresStore({ url, schema, pool: { max: 4, idleTimeoutMs: 1000 } });
      try {
        await store.migrate();
        await store.integrateAudit();
        const base = await store.auditSize();
        const slow = makeEvent();
        const fast = makeEvent();
        let appended!: () => void;
        const slowAppended = new Promise<void>((resolve) => (appended = resolve));
        let release!: () => void;
        const slowMayCommit = new Promise<void>((resolve) => (release = resolve));
        // the slow transaction takes its sequence number first and commits last
        const slowTx = store.transaction(async (tx) => {
          await tx.appendAudit(slow);
          appended();
          await slowMayCommit;
        });
        await slowAppended;
        await store.transaction((tx) => tx.appendAudit(fast));
        await store.integrateAudit();
        const first = await store.listAuditEvents({}, { limit: 100, order: 'desc' });
        assert.equal(first.items[0]?.event.eventId, fast.eventId);
        assert.equal(await store.auditSize(), base + 1);
        release();
        await slowTx;
        await store.integrateAudit();
        const second = await store.listAuditEvents({}, { limit: 100, order: 'desc' });
        assert.deepEqual(
          second.items.slice(0, 2).map((x) => [x.index, x.event.eventId]),
          [
            [base + 1, slow.eventId],
            [base, fast.eventId],
          ],
        );
        assert.equal(await store.auditSize(), base + 2);
      } finally {
        await store.close();
      }
    });

    test('while another integrator holds the lock past the wait, a reader gets audit_not_integrated; then it integrates', async () => {
      const store = new PostgresStore({
        url,
        schema,
        pool: { max: 4, idleTimeoutMs: 1000 },
        audit: { flushTimeoutMs: 200 },
      });
      const holder = await admin.connect();
      try {
        await store.migrate();
        await store.integrateAudit();
        const base = await store.auditSize();
        await holder.query('SELECT pg_advisory_lock($1, hashtext($2))', [
          INTEGRATOR_LOCK_SPACE,
          schema,
        ]);
        const event = makeEvent();
        // acknowledged: the event is durable in the sequence though nobody can integrate it
        await store.transaction((tx) => tx.appendAudit(event));
        await assert.rejects(store.integrateAudit(), (err: unknown) => {
          assert.ok(isCountersignError(err), String(err));
          assert.equal(err.code, 'audit_not_integrated');
          return true;
        });
        assert.equal(await store.auditSize(), base);
        assert.equal((await store.opsStats()).auditPending.count, 1);
        await holder.query('SELECT pg_advisory_unlock($1, hashtext($2))', [
          INTEGRATOR_LOCK_SPACE,
          schema,
        ]);
        await store.integrateAudit();
        assert.equal(await store.auditSize(), base + 1);
        const page = await store.listAuditEvents({}, { limit: 1, order: 'desc' });
        assert.deepEqual(page.items[0], { index: base, event });
        assert.equal((await store.opsStats()).auditPending.count, 0);
      } finally {
        holder.release();
        await store.close();
      }
    });

    test('with no reader asking, the replicas integrate every committed event in the background', async () => {
      const replicas = Array.from(
        { length: 2 },
        () => new PostgresStore({ url, schema, pool: { max: 4, idleTimeoutMs: 1000 } }),
      );
      try {
        await Promise.all(replicas.map((r) => r.migrate()));
        await (replicas[0] as PostgresStore).integrateAudit();
        const base = await (replicas[0] as PostgresStore).auditSize();
        await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            (replicas[i % 2] as PostgresStore).transaction((tx) => tx.appendAudit(makeEvent())),
          ),
        );
        // each replica's integrator was woken by its own commits; nobody calls integrateAudit
        const deadline = Date.now() + 20_000;
        let size = base;
        while (Date.now() < deadline) {
          size = await (replicas[1] as PostgresStore).auditSize();
          if (size === base + 40) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        assert.equal(size, base + 40);
        assert.equal((await (replicas[1] as PostgresStore).opsStats()).auditPending.count, 0);
        const integrated = replicas.reduce((n, r) => n + r.integratorStats.integrated, 0);
        assert.equal(integrated, 40);
      } finally {
        await Promise.all(replicas.map((r) => r.close()));
      }
    });

    test('statements kept prepared survive a newer replica adding a column (rolling upgrade)', async () => {
      const own = await createSchema();
      // one connection, so every statement below runs on the one that prepared it
      const store = new PostgresStore({ url, schema: own, pool: { max: 1, idleTimeoutMs: 1000 } });
      try {
        await store.migrate();
        await store.transaction((tx) => tx.insertApiKey(makeApiKey('key_prepared')));
        await store.transaction((tx) => tx.insertApproval(makeApproval('apr_prepared')));
        const before = {
          key: await store.getApiKey('key_prepared'),
          keys: await store.listApiKeys(),
          approval: await store.getApproval('apr_prepared'),
        };
        assert.ok(before.key && before.approval);
        // what a later migration of another replica might do
        await admin.query(`ALTER TABLE ${own}.api_keys ADD COLUMN added_later text`);
        await admin.query(`ALTER TABLE ${own}.approvals ADD COLUMN added_later text`);
        assert.deepEqual(
          {
            key: await store.getApiKey('key_prepared'),
            keys: await store.listApiKeys(),
            approval: await store.getApproval('apr_prepared'),
          },
          before,
        );
        await store.transaction((tx) => tx.insertApiKey(makeApiKey('key_after')));
        assert.equal((await store.getApiKey('key_after'))?.id, 'key_after');
      } finally {
        await store.close();
        await dropSchema(own);
      }
    });

    test('the API key lookups of one event-loop turn reach PostgreSQL as one statement', async () => {
      const own = await createSchema();
      const store = new PostgresStore({ url, schema: own, pool: { max: 4, idleTimeoutMs: 1000 } });
      // counts what the pool sends, below the store (the store's own code is what is measured)
      const sent: string[] = [];
      const query = pg.Pool.prototype.query;
      try {
        await store.migrate();
        await store.transaction(async (tx) => {
          for (const id of ['key_a', 'key_b']) await tx.insertApiKey(makeApiKey(id));
        });
        pg.Pool.prototype.query = function (this: pg.Pool, ...args: unknown[]) {
          const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string }).text;
          if (text?.includes('FROM api_keys')) sent.push(text);
          return (query as (...a: unknown[]) => unknown).apply(this, args);
        } as typeof query;
        const ids = Array.from({ length: 40 }, (_, i) => ['key_a', 'key_b', 'key_none'][i % 3]);
        const got = await Promise.all(ids.map((id) => store.getApiKey(id as string)));
        assert.deepEqual(
          got.map((k) => k?.id ?? null),
          ids.map((id) => (id === 'key_none' ? null : id)),
        );
        assert.equal(sent.length, 1, sent.join('\n'));
        // the next turn reads again: nothing is kept
        await store.getApiKey('key_a');
        assert.equal(sent.length, 2);
      } finally {
        pg.Pool.prototype.query = query;
        await store.close();
        await dropSchema(own);
      }
    });

    test('a schema name that is not a plain identifier is refused before connecting', () => {
      assert.throws(
        () => new PostgresStore({ url, schema: 'x; DROP TABLE audit_events' }),
        TypeError,
      );
    });

    after(async () => {
      await dropSchema(schema);
    });
  });
}
