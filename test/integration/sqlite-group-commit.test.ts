/**
 * The SQLite store is power-safe and commits concurrent writes together: `synchronous = FULL`,
 * concurrent transactions share commits, and a transaction is acknowledged only once committed
 * (a reader on another connection sees its writes as soon as it resolves).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { makeApproval, makeEvent } from '../contract/store-fixtures.js';

async function withStore(fn: (store: SqliteStore, path: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-group-'));
  const path = join(dir, 'countersign.db');
  const store = new SqliteStore({ path });
  try {
    await store.migrate();
    await fn(store, path);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the writer syncs every commit to disk (synchronous = FULL) in WAL mode', async () => {
  await withStore(async (store) => {
    assert.equal(store.database.pragma('synchronous', { simple: true }), 2);
    assert.equal(store.database.pragma('journal_mode', { simple: true }), 'wal');
  });
});

test('40 concurrent transactions share commits, and each is visible to another connection once acknowledged', async () => {
  await withStore(async (store, path) => {
    const before = store.groupCommitStats;
    const other = new Database(path, { readonly: true });
    try {
      const seen = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          store
            .transaction(async (tx) => {
              await tx.insertApproval(makeApproval(`apr_gc${i}`));
              await tx.appendAudit(makeEvent({ approvalId: `apr_gc${i}` }));
            })
            .then(
              () =>
                other
                  .prepare('SELECT count(*) AS n FROM approvals WHERE id = ?')
                  .get(`apr_gc${i}`) as {
                  n: number;
                },
            ),
        ),
      );
      assert.deepEqual(
        seen.map((r) => r.n),
        seen.map(() => 1),
      );
    } finally {
      other.close();
    }
    const after = store.groupCommitStats;
    assert.equal(after.units - before.units, 40);
    assert.ok(
      after.commits - before.commits < 40,
      `40 transactions took ${after.commits - before.commits} commits`,
    );
    assert.equal(await store.auditSize(), 40);
  });
});

test('a transaction submitted before close still commits; one after close is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-group-'));
  const path = join(dir, 'countersign.db');
  try {
    const store = new SqliteStore({ path });
    await store.migrate();
    const pending = store.transaction((tx) => tx.insertApproval(makeApproval('apr_before_close')));
    await store.close();
    await pending;
    await assert.rejects(store.transaction(async () => 1));
    const reopened = new SqliteStore({ path });
    try {
      assert.equal((await reopened.getApproval('apr_before_close'))?.id, 'apr_before_close');
    } finally {
      await reopened.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
