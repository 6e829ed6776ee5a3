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
import { runStoreContract } from './store-contract.js';
import { makeEvent } from './store-fixtures.js';

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
        const got = await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            (replicas[i % 3] as PostgresStore).transaction((tx) => tx.appendAudit(makeEvent())),
          ),
        );
        assert.deepEqual(
          [...got].sort((a, b) => a - b),
          Array.from({ length: 30 }, (_, i) => i),
        );
      } finally {
        await Promise.all(replicas.map((r) => r.close()));
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
