/**
 * The SQLite store is power-safe and commits concurrent writes together: the WAL is fsynced (off
 * the event loop) before a transaction is acknowledged or its writes are shown to a reader,
 * concurrent transactions share commits and fsyncs, and a transaction is acknowledged only once
 * committed (a reader on another connection sees its writes as soon as it resolves).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStore, type SqliteStoreOptions } from '../../src/store/sqlite/sqlite-store.js';
import { makeApproval, makeEvent } from '../contract/store-fixtures.js';

async function withStore(
  fn: (store: SqliteStore, path: string) => Promise<void>,
  opts: Pick<SqliteStoreOptions, 'syncWal'> = {},
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-group-'));
  const path = join(dir, 'countersign.db');
  const store = new SqliteStore({ path, ...opts });
  try {
    await store.migrate();
    await fn(store, path);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('WAL mode; COMMIT does not fsync on the event loop (NORMAL), the store syncs the WAL itself', async () => {
  await withStore(async (store) => {
    assert.equal(store.database.pragma('synchronous', { simple: true }), 1);
    assert.equal(store.database.pragma('journal_mode', { simple: true }), 'wal');
    const before = store.walSyncs;
    await store.transaction((tx) => tx.insertApproval(makeApproval('apr_sync1')));
    assert.ok(store.walSyncs > before, 'the acknowledged commit was fsynced');
  });
});

test('a commit is acknowledged, and shown to readers, only once its WAL fsync has finished', async () => {
  // armed by the test body: the next fsync waits for release() after saying it started
  let hold: { started: () => void; released: Promise<void> } | null = null;
  const syncWal = async (file: { sync(): Promise<void> }) => {
    const h = hold;
    hold = null;
    if (h) {
      h.started();
      await h.released;
    }
    await file.sync();
  };
  await withStore(
    async (store) => {
      let release: () => void = () => undefined;
      const released = new Promise<void>((r) => (release = r));
      const syncStarted = new Promise<void>((started) => (hold = { started, released }));
      let acknowledged = false;
      let read: unknown = 'not yet';
      const tx = store
        .transaction((t) => t.insertApproval(makeApproval('apr_held')))
        .then(() => (acknowledged = true));
      await syncStarted;
      const reading = store.getApproval('apr_held').then((a) => (read = a?.id ?? null));
      // everything that could run without the fsync has run
      await new Promise((r) => setImmediate(r));
      assert.equal(acknowledged, false, 'acknowledged before its fsync finished');
      assert.equal(read, 'not yet', 'a reader was shown a commit not yet on disk');
      release();
      await Promise.all([tx, reading]);
      assert.equal(acknowledged, true);
      assert.equal(read, 'apr_held');
    },
    { syncWal },
  );
});

test('a failed fsync fails the commits it covered and every later one (the store must restart)', async () => {
  let fail = false;
  await withStore(
    async (store) => {
      await store.transaction((tx) => tx.insertApproval(makeApproval('apr_ok')));
      fail = true;
      await assert.rejects(
        store.transaction((tx) => tx.insertApproval(makeApproval('apr_eio'))),
        /could not sync its write-ahead log to disk \(EIO\)/,
      );
      fail = false;
      await assert.rejects(
        store.transaction((tx) => tx.insertApproval(makeApproval('apr_after'))),
        /restart the server/,
      );
    },
    {
      syncWal: async (file) => {
        if (fail) throw Object.assign(new Error('input/output error'), { code: 'EIO' });
        await file.sync();
      },
    },
  );
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

test('the writer integrates its own events before COMMIT without writing audit_pending; rows another writer left there go first', async () => {
  await withStore(async (store, path) => {
    store.database.exec(`CREATE TABLE pending_writes (n INTEGER);
      CREATE TRIGGER count_pending AFTER INSERT ON audit_pending
      BEGIN INSERT INTO pending_writes VALUES (1); END;`);
    // another writer of the file (an older version, a CLI run) left one event pending
    const left = makeEvent({ approvalId: 'apr_left' });
    const other = new Database(path);
    other
      .prepare('INSERT INTO audit_pending (event_json, appended_at) VALUES (?, ?)')
      .run(JSON.stringify(left), left.at);
    other.close();
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        store.transaction((tx) => tx.appendAudit(makeEvent({ approvalId: `apr_own${i}` }))),
      ),
    );
    const written = store.database.prepare('SELECT count(*) FROM pending_writes').pluck().get();
    assert.equal(written, 1, 'only the other writer inserted into audit_pending');
    assert.equal(store.database.prepare('SELECT count(*) FROM audit_pending').pluck().get(), 0);
    const listed = await store.listAuditEvents({}, { limit: 10 });
    assert.deepEqual(
      listed.items.map((x) => [x.index, x.event.approvalId]),
      [[0, 'apr_left'], ...[0, 1, 2, 3, 4].map((i) => [i + 1, `apr_own${i}`])],
    );
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

test('without a WAL file (here in memory; also a file system without shared memory) COMMIT syncs itself (FULL)', async () => {
  const store = new SqliteStore({ path: ':memory:' });
  try {
    await store.migrate();
    assert.notEqual(store.database.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(store.database.pragma('synchronous', { simple: true }), 2);
    await store.transaction((tx) => tx.insertApproval(makeApproval('apr_mem')));
    assert.equal(store.walSyncs, 0);
    assert.equal((await store.getApproval('apr_mem'))?.id, 'apr_mem');
  } finally {
    await store.close();
  }
});

test('the WAL is checkpointed on a worker thread, never inside a COMMIT, and it starts over', async () => {
  await withStore(async (store, path) => {
    assert.equal(store.database.pragma('wal_autocheckpoint', { simple: true }), 0);
    const checkpointer = store.walCheckpointer;
    assert.ok(checkpointer);
    const checkpointed = checkpointer.next();
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        store.transaction(async (tx) => {
          await tx.insertApproval(makeApproval(`apr_ckpt${i}`));
          await tx.appendAudit(makeEvent());
        }),
      ),
    );
    await checkpointed;
    const { checkpoints, last } = checkpointer.stats;
    assert.ok(checkpoints >= 1);
    // it holds the writer: nothing commits while it copies, so it copies every frame
    assert.ok(
      last && last.log > 0 && last.checkpointed === last.log && !last.busy,
      JSON.stringify(last),
    );
    // in the database file itself: a connection that ignores the WAL reads the rows
    const direct = new Database(path, { readonly: true });
    try {
      direct.pragma('query_only = ON');
      const { n } = direct
        .prepare("SELECT count(*) AS n FROM approvals WHERE id LIKE 'apr_ckpt%'")
        .get() as { n: number };
      assert.equal(n, 50);
    } finally {
      direct.close();
    }
    // the next write starts the WAL over instead of growing it
    const again = checkpointer.next();
    await store.transaction((tx) => tx.insertApproval(makeApproval('apr_ckpt_after')));
    await again;
    assert.ok(
      (checkpointer.stats.last?.log ?? Infinity) < last.log,
      JSON.stringify(checkpointer.stats),
    );
  });
});
