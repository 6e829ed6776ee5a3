import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AuditEvent } from '../domain/audit-event.js';
import { LoneAuditAppends } from './audit-append.js';
import { InFlightLimit } from './in-flight-limit.js';

const turn = () => new Promise((r) => setImmediate(r));
/** Turns of the event loop until `ready` holds (bounded). */
async function until(ready: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !ready(); i++) await turn();
  assert.ok(ready(), 'never happened');
}

describe('InFlightLimit', () => {
  test('starts at most max batches; the next starts when one is done', async () => {
    const limit = new InFlightLimit(2);
    const started: number[] = [];
    for (const n of [1, 2, 3, 4]) limit.schedule(() => started.push(n));
    await turn();
    assert.deepEqual(started, [1, 2]);
    assert.deepEqual(limit.stats, { active: 2, waiting: 2 });
    limit.done();
    await turn();
    assert.deepEqual(started, [1, 2, 3]);
    limit.done();
    limit.done();
    await turn();
    assert.deepEqual(started, [1, 2, 3, 4]);
    limit.done();
    assert.deepEqual(limit.stats, { active: 0, waiting: 0 });
  });

  test('refuses a limit below one', () => {
    assert.throws(() => new InFlightLimit(0), RangeError);
  });
});

describe('LoneAuditAppends', () => {
  const event = (n: number) => ({ type: 'gate.allowed', n }) as unknown as AuditEvent;

  test('appends that arrive while the statements run wait, then go in one statement', async () => {
    const statements: { rows: number; finish: (err?: Error) => void }[] = [];
    const appends = new LoneAuditAppends(
      (rows) =>
        new Promise<void>((resolve, reject) => {
          statements.push({ rows: rows.length, finish: (err) => (err ? reject(err) : resolve()) });
        }),
      500,
      1,
    );
    const first = appends.append(event(0));
    await turn();
    assert.deepEqual(
      statements.map((s) => s.rows),
      [1],
    );
    // the one slot is taken: these wait, over several turns, for the next statement
    const waiting: Promise<void>[] = [];
    for (let i = 1; i <= 5; i++) {
      waiting.push(appends.append(event(i)));
      await turn();
    }
    assert.equal(statements.length, 1);
    statements[0]?.finish();
    await first;
    await until(() => statements.length === 2);
    assert.deepEqual(
      statements.map((s) => s.rows),
      [1, 5],
    );
    // a failed statement fails every append in it, and only those
    statements[1]?.finish(new Error('connection lost'));
    for (const w of waiting) {
      await assert.rejects(w, (err: { code?: string }) => err.code === 'audit_unavailable');
    }
    const after = appends.append(event(6));
    await until(() => statements.length === 3);
    statements[2]?.finish();
    await after;
    await appends.drained();
    assert.deepEqual(
      statements.map((s) => s.rows),
      [1, 5, 1],
    );
  });
});
