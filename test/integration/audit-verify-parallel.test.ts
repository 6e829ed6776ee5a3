/**
 * Full verification of a stored log in parallel (worker threads over aligned subtrees, rows
 * streamed chunk by chunk) gives the sequential verifier's answer, on a healthy log and on a
 * tampered one (where the sequential pass names the first bad index). Real SQLite files.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { verifyLogParallel } from '../../src/audit/verify-parallel.js';
import { createAuditService } from '../../src/services/audit-service.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { systemClock } from '../../src/lib/clock.js';
import { makeEvent } from '../contract/store-fixtures.js';

async function withLog(
  events: number,
  fn: (store: SqliteStore, audit: ReturnType<typeof createAuditService>) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-verify-'));
  const store = new SqliteStore({ path: join(dir, 'countersign.db') });
  try {
    await store.migrate();
    await Promise.all(
      Array.from({ length: events }, (_, i) =>
        store.transaction((tx) => tx.appendAudit(makeEvent({ approvalId: `apr_${i}` }))),
      ),
    );
    await fn(store, createAuditService({ store, clock: systemClock, auditKeys: null }));
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a healthy stored log verifies in parallel with the sequential answer', async () => {
  await withLog(77, async (_store, audit) => {
    const sequential = await audit.verify({ parallel: { chunkLeaves: 1024 } });
    const parallel = await audit.verify({ parallel: { chunkLeaves: 8, threads: 2 } });
    assert.equal(sequential.ok, true);
    assert.deepEqual(parallel, sequential);
  });
});

test('a tampered stored log: the parallel verify reports the first bad index like the sequential one', async () => {
  await withLog(77, async (store, audit) => {
    store.database
      .prepare(
        "UPDATE audit_events SET event_json = replace(event_json, 'apr_', 'apX_') WHERE idx = 41",
      )
      .run();
    const sequential = await audit.verify({ parallel: { chunkLeaves: 1024 } });
    const parallel = await audit.verify({ parallel: { chunkLeaves: 8, threads: 2 } });
    assert.equal(sequential.ok, false);
    assert.deepEqual(parallel, sequential);
    assert.deepEqual(parallel.ok ? null : [parallel.firstBadIndex, parallel.problem], [
      41,
      'changed',
    ]);
  });
});

test('progress: both passes report events verified, never backwards, ending at the log size', async () => {
  await withLog(77, async (_store, audit) => {
    for (const parallel of [{ chunkLeaves: 1024 }, { chunkLeaves: 8, threads: 2 }]) {
      const seen: [number, number][] = [];
      const r = await audit.verify({
        parallel,
        onProgress: (done, total) => seen.push([done, total]),
      });
      assert.equal(r.ok, true);
      assert.ok(seen.length > 0, 'no progress was reported');
      assert.ok(seen.every(([, total]) => total === 77));
      assert.ok(seen.every(([done], i) => i === 0 || done >= (seen[i - 1] as [number, number])[0]));
      assert.deepEqual(seen.at(-1), [77, 77]);
    }
  });
});

test('on a SQLite file the workers read their chunks themselves: the main thread reads no row', async () => {
  await withLog(77, async (store) => {
    const reader = store.auditChunkReader();
    assert.ok(reader, 'a SQLite file offers chunk-reading workers');
    const head = await store.auditHead();
    const range = { size: head.size, hashes: JSON.parse(head.compactRange) as string[] };
    const result = await verifyLogParallel(
      {
        compactRange: range,
        readRows: async (from, limit) => {
          // only the one look past the end of the log is the main thread's
          if (from === range.size && limit === 1) return store.readAuditRows(from, limit);
          throw new Error(`the main thread read rows ${from}..${from + limit}`);
        },
        readNodeRange: (level, from, count) => store.readAuditNodeRange(level, from, count),
        readNodes: (refs) => store.readAuditNodes(refs),
        chunkReader: reader,
      },
      () => Promise.reject(new Error('fell back to the sequential pass')),
      { chunkLeaves: 8, threads: 2 },
    );
    assert.equal(result.ok, true);
    assert.equal(result.ok && result.size, 77);
  });
});

test('the chunk-reading workers see through stored forms that hide a change', async () => {
  // each leaves every byte of the log in place, so only the form of a row or node gives it away
  const tamper: Record<string, (store: SqliteStore) => void> = {
    'two leaf hashes of 31 and 33 bytes whose concatenation is unchanged': (store) => {
      const read = store.database.prepare<[number], Buffer>(
        'SELECT hash FROM audit_nodes WHERE level = 0 AND idx = ?',
      );
      const a = read.pluck().get(10) as Buffer;
      const b = read.pluck().get(11) as Buffer;
      const write = store.database.prepare(
        'UPDATE audit_nodes SET hash = ? WHERE level = 0 AND idx = ?',
      );
      write.run(a.subarray(0, 31), 10);
      write.run(Buffer.concat([a.subarray(31), b]), 11);
    },
    'an event stored as a blob of the same bytes': (store) => {
      store.database
        .prepare('UPDATE audit_events SET event_json = CAST(event_json AS BLOB) WHERE idx = 20')
        .run();
    },
    'an event moved to a fractional index inside its chunk': (store) => {
      store.database.prepare('UPDATE audit_events SET idx = 30.5 WHERE idx = 30').run();
    },
    'a stored node moved to a fractional index inside its chunk': (store) => {
      store.database
        .prepare('UPDATE audit_nodes SET idx = 12.5 WHERE level = 0 AND idx = 12')
        .run();
    },
  };
  for (const [name, change] of Object.entries(tamper)) {
    await withLog(77, async (store) => {
      const head = await store.auditHead();
      const range = { size: head.size, hashes: JSON.parse(head.compactRange) as string[] };
      const source = {
        compactRange: range,
        readRows: (from: number, limit: number) => store.readAuditRows(from, limit),
        readNodeRange: (level: number, from: number, count: number) =>
          store.readAuditNodeRange(level, from, count),
        readNodes: (refs: readonly { level: number; index: number }[]) =>
          store.readAuditNodes(refs),
        chunkReader: store.auditChunkReader() ?? undefined,
      };
      const handedOver = { ok: false, size: -1 } as unknown as Awaited<
        ReturnType<typeof verifyLogParallel>
      >;
      const options = { chunkLeaves: 8, threads: 2 };
      // untouched, the workers accept the log; changed, they hand over to the sequential pass
      assert.equal((await verifyLogParallel(source, async () => handedOver, options)).ok, true);
      change(store);
      assert.equal(
        await verifyLogParallel(source, async () => handedOver, options),
        handedOver,
        name,
      );
    });
  }
});
