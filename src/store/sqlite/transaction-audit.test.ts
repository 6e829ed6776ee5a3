/**
 * The writer's in-memory audit events follow the group commit's savepoints: a unit that fails
 * leaves none behind, and when the whole transaction is lost, every event of it goes too.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { makeEvent } from '../../../test/contract/store-fixtures.js';
import { Mutex } from '../mutex.js';
import { GroupCommit } from './group-commit.js';
import { TransactionAudit } from './transaction-audit.js';

function setUp() {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (id TEXT PRIMARY KEY)');
  const audit = new TransactionAudit();
  const integrated: string[][] = [];
  const group = new GroupCommit(db, new Mutex(), {
    beforeCommit: async () => {
      integrated.push(audit.take().map((e) => e.columns.approvalId ?? ''));
    },
    state: audit,
  });
  /** A unit that writes a row and appends its event, then does `then`. */
  const unit = (id: string, then: () => void = () => undefined) =>
    group.submit(async () => {
      db.prepare('INSERT INTO t (id) VALUES (?)').run(id);
      audit.append(makeEvent({ approvalId: id }));
      then();
      return id;
    });
  return { db, audit, group, integrated, unit };
}

test('a unit that throws takes its events with its savepoint; the others commit theirs', async () => {
  const { db, audit, integrated, unit } = setUp();
  const outcomes = await Promise.allSettled([
    unit('a'),
    unit('b', () => {
      throw new Error('b fails');
    }),
    unit('c'),
  ]);
  assert.deepEqual(
    outcomes.map((o) => o.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  assert.deepEqual(integrated, [['a', 'c']]);
  assert.deepEqual(db.prepare('SELECT id FROM t ORDER BY id').pluck().all(), ['a', 'c']);
  assert.equal(audit.mark(), 0);
  db.close();
});

test('when SQLite ends the transaction itself, no event of it is left to integrate later', async () => {
  const { db, audit, integrated, unit } = setUp();
  const outcomes = await Promise.allSettled([
    unit('a'),
    unit('b', () => {
      // what an I/O error does to the open transaction: it is gone, earlier units with it
      db.exec('ROLLBACK');
      throw new Error('disk I/O error');
    }),
    unit('c'),
  ]);
  assert.deepEqual(
    outcomes.map((o) => o.status),
    ['rejected', 'rejected', 'fulfilled'],
  );
  // c ran in a transaction of its own: only its event reached integration
  assert.deepEqual(integrated, [['c']]);
  assert.deepEqual(db.prepare('SELECT id FROM t ORDER BY id').pluck().all(), ['c']);
  assert.equal(audit.mark(), 0);
  db.close();
});
