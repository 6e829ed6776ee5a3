/**
 * The pieces of cross-replica wake-ups on their own: the relay (no database) publishes each
 * change once per replica and re-checks watched requests after a reconnect; the PostgreSQL
 * listener hears only committed changes and comes back after its session is killed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { ApprovalRequest } from '../../src/domain/approval.js';
import {
  announceChangeHook,
  composeChangeHooks,
  createApprovalRelay,
} from '../../src/services/approval-relay.js';
import { EventBus, type ApprovalChanged } from '../../src/services/event-bus.js';
import {
  decodeApprovalNotice,
  encodeApprovalNotice,
  startApprovalListener,
  type ApprovalNotice,
} from '../../src/store/postgres/postgres-listener.js';
import type { StoreTx } from '../../src/store/port.js';

const fake = (id: string, version: number, state: ApprovalRequest['state']): ApprovalRequest =>
  ({ id, version, state, breakGlass: null }) as unknown as ApprovalRequest;

describe('approval relay', () => {
  test('publishes a change from another replica once, and skips what this replica published', async () => {
    const bus = new EventBus();
    const stored = new Map<string, ApprovalRequest>();
    let reads = 0;
    const relay = createApprovalRelay({
      store: { getApproval: async (id) => (reads++, stored.get(id) ?? null) },
      bus,
    });
    const heard: ApprovalChanged[] = [];
    bus.onApproval((c) => heard.push(c));

    stored.set('a1', fake('a1', 2, 'approved'));
    relay.onNotice({ id: 'a1', version: 2, event: 'approved' });
    relay.onNotice({ id: 'a1', version: 2, event: 'approved' }); // the same notice twice
    await relay.idle();
    assert.deepEqual(
      heard.map((c) => [c.approval.id, c.approval.version, c.event]),
      [['a1', 2, 'approved']],
    );

    // published locally first (this replica made the change): the notice costs no read
    const before = reads;
    bus.publishApproval({ approval: fake('a2', 3, 'denied'), event: 'denied' });
    relay.onNotice({ id: 'a2', version: 3, event: 'denied' });
    await relay.idle();
    assert.equal(reads, before);
    assert.equal(heard.length, 2);

    // a notice overtaken by a newer version publishes the newer request under its state's name
    stored.set('a3', fake('a3', 3, 'approved'));
    relay.onNotice({ id: 'a3', version: 2, event: 'reviewed' });
    relay.onNotice({ id: 'a3', version: 3, event: 'approved' });
    await relay.idle();
    assert.deepEqual(
      heard.slice(2).map((c) => [c.approval.version, c.event]),
      [[3, 'approved']],
    );
    relay.stop();
  });

  test('a notice nobody here listens for costs no read, and own-change listeners never hear relayed ones', async () => {
    const bus = new EventBus();
    const stored = new Map([
      ['n1', fake('n1', 2, 'approved')],
      ['n2', fake('n2', 2, 'denied')],
    ]);
    const read: string[] = [];
    const relay = createApprovalRelay({
      store: { getApproval: async (id) => (read.push(id), stored.get(id) ?? null) },
      bus,
    });
    const own: ApprovalChanged[] = [];
    bus.onOwnApproval((c) => own.push(c));

    // only own-change listeners (counters, workers): another replica's change is not read
    relay.onNotice({ id: 'n1', version: 2, event: 'approved' });
    await relay.idle();
    assert.deepEqual(read, []);

    // a waiter on n2: its change is read and relayed, marked so, to the waiter only
    let woke: ApprovalChanged | undefined;
    const off = bus.onApproval((c) => (woke = c), 'n2');
    relay.onNotice({ id: 'n1', version: 2, event: 'approved' });
    relay.onNotice({ id: 'n2', version: 2, event: 'denied' });
    await relay.idle();
    assert.deepEqual(read, ['n2']);
    assert.equal(woke?.approval.state, 'denied');
    assert.equal(woke?.relayed, true);
    off();

    // this replica's own change reaches own-change listeners, and its notice is not read
    bus.publishApproval({ approval: fake('n3', 1, 'pending'), event: 'requested' });
    bus.onApproval(() => undefined); // a stream of every change is open now
    relay.onNotice({ id: 'n3', version: 1, event: 'requested' });
    await relay.idle();
    assert.deepEqual(read, ['n2']);
    assert.deepEqual(
      own.map((c) => [c.approval.id, c.event]),
      [['n3', 'requested']],
    );
    relay.stop();
  });

  test('after a reconnect, re-reads every request someone waits on', async () => {
    const bus = new EventBus();
    const stored = new Map([['w1', fake('w1', 2, 'approved')]]);
    const relay = createApprovalRelay({
      store: { getApproval: async (id) => stored.get(id) ?? null },
      bus,
    });
    let woke: ApprovalChanged | undefined;
    const off = bus.onApproval((c) => (woke = c), 'w1');
    assert.deepEqual(bus.watchedIds(), ['w1']);
    relay.recheckWatched();
    await relay.idle();
    assert.equal(woke?.approval.state, 'approved');
    off();
    assert.deepEqual(bus.watchedIds(), []);
    relay.stop();
  });

  test('the announce hook uses the store when it can, and composes after other hooks', async () => {
    const calls: string[] = [];
    const tx = {
      notifyApprovalChanged: async (a: ApprovalRequest, e: string) => {
        calls.push(`notify ${a.id} ${e}`);
      },
    } as unknown as StoreTx;
    const hook = composeChangeHooks(
      { onChange: async (_tx, a, e) => void calls.push(`outbox ${a.id} ${e}`) },
      null,
      announceChangeHook,
    );
    assert.ok(hook);
    await hook.onChange(tx, fake('h1', 2, 'approved'), 'approved');
    assert.deepEqual(calls, ['outbox h1 approved', 'notify h1 approved']);
    // a store without notices (SQLite): nothing to do, nothing thrown
    await announceChangeHook.onChange({} as StoreTx, fake('h1', 2, 'approved'), 'approved');
    assert.equal(composeChangeHooks(null, null), null);
  });

  test('notices decode only when well formed', () => {
    const n = { id: 'apr_1', version: 4, event: 'approved' };
    assert.deepEqual(decodeApprovalNotice(encodeApprovalNotice(n)), n);
    for (const bad of [
      undefined,
      '',
      'apr_1',
      '{"id":1}',
      '{"id":"a","version":"2","event":"x"}',
      'null',
    ]) {
      assert.equal(decodeApprovalNotice(bad), null, String(bad));
    }
  });
});

const url = process.env.COUNTERSIGN_TEST_PG_URL;

if (!url) {
  test('postgres change listener', { skip: 'COUNTERSIGN_TEST_PG_URL is not set' }, () => {});
} else {
  describe('postgres change listener', () => {
    const admin = new pg.Pool({ connectionString: url, max: 2 });
    // this test's own listener session, so that terminating it touches no other test's replicas
    const APP = `cs-listener-test-${process.pid}`;
    const notices: ApprovalNotice[] = [];
    let reconnects = 0;
    let listener: ReturnType<typeof startApprovalListener>;

    before(async () => {
      listener = startApprovalListener({
        url,
        onNotice: (n) => notices.push(n),
        onReconnect: () => reconnects++,
        minBackoffMs: 20,
        maxBackoffMs: 200,
        applicationName: APP,
      });
      await listener.ready;
    });
    after(async () => {
      await listener.stop();
      await admin.end();
    });

    // `ms` is a bound for a hang, not a speed check: callers pass generous values
    const waitFor = async (check: () => boolean, ms: number) => {
      const until = Date.now() + ms;
      while (!check() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      return check();
    };
    const send = async (notice: ApprovalNotice, commit: boolean) => {
      const c = await admin.connect();
      try {
        await c.query('BEGIN');
        await c.query('SELECT pg_notify($1, $2)', [
          'countersign_approvals',
          encodeApprovalNotice(notice),
        ]);
        await c.query(commit ? 'COMMIT' : 'ROLLBACK');
      } finally {
        c.release();
      }
    };

    test('hears committed changes only', async () => {
      const tag = `apr_${Date.now()}`;
      await send({ id: `${tag}_rolled_back`, version: 2, event: 'approved' }, false);
      await send({ id: `${tag}_committed`, version: 2, event: 'approved' }, true);
      assert.ok(await waitFor(() => notices.some((n) => n.id === `${tag}_committed`), 60_000));
      assert.ok(!notices.some((n) => n.id === `${tag}_rolled_back`));
    });

    test('reconnects after its session is terminated, and says so', async () => {
      assert.ok(listener.connected());
      const { rows } = await admin.query<{ n: number }>(
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
          WHERE application_name = $1`,
        [APP],
      );
      assert.ok((rows[0]?.n ?? 0) >= 1);
      assert.ok(
        await waitFor(() => reconnects >= 1 && listener.connected(), 60_000),
        'reconnected',
      );
      const id = `apr_${Date.now()}_after`;
      await send({ id, version: 3, event: 'denied' }, true);
      assert.ok(await waitFor(() => notices.some((n) => n.id === id), 60_000));
    });
  });
}
