/**
 * The `github_deployments` links on both adapters (SQLite file; PostgreSQL in a fresh schema when
 * COUNTERSIGN_TEST_PG_URL is set): insert once per (callback URL, environment), list by approval,
 * and the callback row enqueued in the same transaction, all or nothing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import pg from 'pg';
import type { GithubDeploymentLink, Store } from '../../src/store/port.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const link = (
  n: number,
  approvalId: string | null,
  env = 'production',
  id = `ghd_${n}${env === 'production' ? '' : `_${env}`}`,
): GithubDeploymentLink => ({
  id,
  approvalId,
  decisionId: `dec_${n}`,
  repository: 'acme/shop',
  environmentName: env,
  installationId: '7788',
  callbackUrl: `https://api.github.com/repos/acme/shop/actions/runs/${n}/deployment_protection_rule`,
  runUrl: `https://github.com/acme/shop/actions/runs/${n}`,
  sha: 'a'.repeat(40),
  deliveryId: null,
  createdAt: `2026-03-01T12:00:0${n % 10}.000Z`,
});

function contract(
  name: string,
  open: () => Promise<{ store: Store; cleanup: () => Promise<void> }>,
) {
  describe(`github deployment links: ${name}`, () => {
    test('one link per (callback URL, environment); listed by approval, oldest first', async () => {
      const { store, cleanup } = await open();
      try {
        const inserted = await store.transaction(async (tx) => [
          await tx.insertGithubDeployment(link(1, 'apr_a')),
          // GitHub asking again about the same run and environment (another id, same callback)
          await tx.insertGithubDeployment(link(1, 'apr_b', 'production', 'ghd_again')),
          await tx.insertGithubDeployment(link(1, 'apr_a', 'staging')),
          await tx.insertGithubDeployment(link(2, 'apr_a')),
          await tx.insertGithubDeployment(link(3, null)),
        ]);
        assert.deepEqual(inserted, [true, false, true, true, true]);
        const listed = await store.transaction((tx) => tx.listGithubDeployments('apr_a'));
        assert.deepEqual(
          listed.map((l) => [l.id, l.environmentName]),
          [
            ['ghd_1', 'production'],
            ['ghd_1_staging', 'staging'],
            ['ghd_2', 'production'],
          ],
        );
        assert.deepEqual(listed[0], link(1, 'apr_a'));
        assert.deepEqual(await store.transaction((tx) => tx.listGithubDeployments('apr_b')), []);
      } finally {
        await cleanup();
      }
    });

    test('a rolled-back transaction leaves no link', async () => {
      const { store, cleanup } = await open();
      try {
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.insertGithubDeployment(link(5, 'apr_c'));
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.deepEqual(await store.transaction((tx) => tx.listGithubDeployments('apr_c')), []);
      } finally {
        await cleanup();
      }
    });
  });
}

contract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-ghd-'));
  const store = new SqliteStore({ path: join(dir, 'countersign.db') });
  await store.migrate();
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

const url = process.env.COUNTERSIGN_TEST_PG_URL;
if (!url) {
  test(
    'github deployment links: postgres',
    { skip: 'COUNTERSIGN_TEST_PG_URL is not set' },
    () => {},
  );
} else {
  contract('postgres', async () => {
    const admin = new pg.Pool({ connectionString: url, max: 1 });
    const schema = `cs_test_${randomBytes(6).toString('hex')}`;
    await admin.query(`CREATE SCHEMA ${schema}`);
    const store = new PostgresStore({ url, schema, pool: { max: 4, idleTimeoutMs: 1000 } });
    await store.migrate();
    return {
      store,
      cleanup: async () => {
        await store.close();
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await admin.end();
      },
    };
  });
}
