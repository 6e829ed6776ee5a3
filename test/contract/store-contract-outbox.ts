/** Store contract: the notification outbox (enqueue once, lease, record, never hand out twice). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeliveryAttemptUpdate, NewDelivery } from '../../src/store/port.js';
import { Boom, isoPlus, MINUTE, T0, type ContractContext } from './store-fixtures.js';

const SECOND = 1000;

function row(id: string, over: Partial<NewDelivery> = {}): NewDelivery {
  return {
    id,
    approvalId: 'apr_1',
    provider: 'slack',
    event: 'requested',
    messageId: `msg_${id}`,
    payload: JSON.stringify({ n: id }),
    nextAttemptAt: T0,
    createdAt: T0,
    ...over,
  };
}

function attempt(
  id: string,
  leaseToken: string,
  over: Partial<DeliveryAttemptUpdate> = {},
): DeliveryAttemptUpdate {
  return {
    id,
    leaseToken,
    status: 'delivered',
    attempts: 1,
    timings: [{ startedAtMs: Date.parse(T0), durationMs: 12, responseStatus: 200, error: null }],
    nextAttemptAt: null,
    lastError: null,
    responseStatus: 200,
    target: 'https://hooks.slack.com/services/…',
    atIso: isoPlus(SECOND),
    ...over,
  };
}

export function defineOutboxContract(ctx: ContractContext): void {
  test('enqueued deliveries read back pending; the same provider and message id is enqueued once', async () => {
    const first = [row('dlv_1'), row('dlv_2', { provider: 'webhook', messageId: 'msg_dlv_1' })];
    assert.equal(await ctx.store.transaction((tx) => tx.enqueueDeliveries(first)), 2);
    // a retried change hook or a manual "deliver now" enqueues the same message again
    const again = [row('dlv_3', { messageId: 'msg_dlv_1', payload: '{"other":true}' })];
    assert.equal(await ctx.store.transaction((tx) => tx.enqueueDeliveries(again)), 0);
    const list = await ctx.store.listDeliveries('apr_1');
    assert.deepEqual(
      list.map((d) => [d.id, d.provider, d.messageId, d.status, d.attempts]),
      [
        ['dlv_1', 'slack', 'msg_dlv_1', 'pending', 0],
        ['dlv_2', 'webhook', 'msg_dlv_1', 'pending', 0],
      ],
    );
    assert.deepEqual(list[0], {
      id: 'dlv_1',
      approvalId: 'apr_1',
      provider: 'slack',
      event: 'requested',
      messageId: 'msg_dlv_1',
      payload: JSON.stringify({ n: 'dlv_1' }),
      status: 'pending',
      attempts: 0,
      nextAttemptAt: T0,
      lastError: null,
      responseStatus: null,
      target: null,
      timings: [],
      createdAt: T0,
      updatedAt: T0,
    });
    assert.deepEqual(await ctx.store.listDeliveries('apr_other'), []);
  });

  test('enqueued rows roll back with their transaction', async () => {
    await assert.rejects(
      ctx.store.transaction(async (tx) => {
        await tx.enqueueDeliveries([row('dlv_rb')]);
        throw new Boom('after enqueue');
      }),
      Boom,
    );
    assert.deepEqual(await ctx.store.listDeliveries('apr_1'), []);
    assert.deepEqual(await ctx.store.claimDueDeliveries(isoPlus(MINUTE), 10, 30 * SECOND), []);
  });

  test('a claim takes due rows oldest first up to the limit, and never a leased row', async () => {
    await ctx.store.transaction((tx) =>
      tx.enqueueDeliveries([
        row('dlv_late', { nextAttemptAt: isoPlus(10 * MINUTE) }),
        row('dlv_b', { nextAttemptAt: isoPlus(2 * SECOND) }),
        row('dlv_a', { nextAttemptAt: isoPlus(SECOND) }),
        row('dlv_c', { nextAttemptAt: isoPlus(3 * SECOND) }),
      ]),
    );
    const now = isoPlus(MINUTE);
    const first = await ctx.store.claimDueDeliveries(now, 2, 30 * SECOND);
    assert.deepEqual(
      first.map((d) => d.id),
      ['dlv_a', 'dlv_b'],
    );
    assert.equal(first[0]?.leaseToken, first[1]?.leaseToken, 'one claim, one lease token');
    assert.match(first[0]?.leaseToken ?? '', /^lease_[0-9a-f]{24}$/);
    const second = await ctx.store.claimDueDeliveries(now, 10, 30 * SECOND);
    assert.deepEqual(
      second.map((d) => d.id),
      ['dlv_c'],
    );
    assert.notEqual(second[0]?.leaseToken, first[0]?.leaseToken);
    assert.deepEqual(await ctx.store.claimDueDeliveries(now, 10, 30 * SECOND), []);
    // once the lease runs out (a worker died mid-send) the row is due again
    const later = await ctx.store.claimDueDeliveries(isoPlus(MINUTE + 31 * SECOND), 10, 1000);
    assert.deepEqual(
      later.map((d) => d.id),
      ['dlv_a', 'dlv_b', 'dlv_c'],
    );
  });

  test('an attempt records only under the live lease; final rows are never claimed again', async () => {
    await ctx.store.transaction((tx) =>
      tx.enqueueDeliveries([row('dlv_ok'), row('dlv_retry'), row('dlv_dead')]),
    );
    const now = isoPlus(SECOND);
    const claimed = await ctx.store.claimDueDeliveries(now, 10, 30 * SECOND);
    assert.equal(claimed.length, 3);
    const token = claimed[0]?.leaseToken as string;

    assert.equal(
      await ctx.store.transaction((tx) => tx.recordDeliveryAttempt(attempt('dlv_ok', 'lease_x'))),
      false,
      'a wrong lease token records nothing',
    );
    assert.equal(
      await ctx.store.transaction((tx) => tx.recordDeliveryAttempt(attempt('dlv_ok', token))),
      true,
    );
    assert.equal(
      await ctx.store.transaction((tx) => tx.recordDeliveryAttempt(attempt('dlv_ok', token))),
      false,
      'the lease is released by the first record',
    );
    const retryAt = isoPlus(MINUTE);
    const failed = {
      status: 'failed' as const,
      nextAttemptAt: retryAt,
      lastError: 'http_500',
      responseStatus: 500,
      timings: [
        { startedAtMs: Date.parse(now), durationMs: 5, responseStatus: 500, error: 'http_500' },
      ],
    };
    assert.equal(
      await ctx.store.transaction((tx) =>
        tx.recordDeliveryAttempt(attempt('dlv_retry', token, failed)),
      ),
      true,
    );
    assert.equal(
      await ctx.store.transaction((tx) =>
        tx.recordDeliveryAttempt(
          attempt('dlv_dead', token, { ...failed, status: 'dead', nextAttemptAt: null }),
        ),
      ),
      true,
    );
    const byId = new Map((await ctx.store.listDeliveries('apr_1')).map((d) => [d.id, d]));
    assert.deepEqual(
      {
        status: byId.get('dlv_ok')?.status,
        attempts: byId.get('dlv_ok')?.attempts,
        responseStatus: byId.get('dlv_ok')?.responseStatus,
        target: byId.get('dlv_ok')?.target,
        updatedAt: byId.get('dlv_ok')?.updatedAt,
        timings: byId.get('dlv_ok')?.timings,
      },
      {
        status: 'delivered',
        attempts: 1,
        responseStatus: 200,
        target: 'https://hooks.slack.com/services/…',
        updatedAt: isoPlus(SECOND),
        timings: attempt('dlv_ok', token).timings,
      },
    );
    assert.equal(byId.get('dlv_retry')?.lastError, 'http_500');
    assert.equal(byId.get('dlv_retry')?.nextAttemptAt, retryAt);
    assert.equal(byId.get('dlv_dead')?.status, 'dead');

    assert.deepEqual(await ctx.store.claimDueDeliveries(isoPlus(30 * SECOND), 10, 1000), []);
    const due = await ctx.store.claimDueDeliveries(retryAt, 10, 1000);
    assert.deepEqual(
      due.map((d) => d.id),
      ['dlv_retry'],
      'only the failed row comes back, at its retry time',
    );
  });

  test('a scoped claim takes one approval’s undelivered rows whatever their due time, dead ones too', async () => {
    await ctx.store.transaction((tx) =>
      tx.enqueueDeliveries([
        row('dlv_s1', { nextAttemptAt: isoPlus(60 * MINUTE) }),
        row('dlv_s2', { provider: 'webhook', nextAttemptAt: isoPlus(60 * MINUTE) }),
        row('dlv_s3', { provider: 'callback', event: 'decided' }),
        row('dlv_x', { approvalId: 'apr_2' }),
      ]),
    );
    const [s3] = await ctx.store.claimDueDeliveries(isoPlus(SECOND), 1, 1000, {
      approvalId: 'apr_1',
      providers: ['callback'],
    });
    assert.equal(s3?.id, 'dlv_s3');
    await ctx.store.transaction((tx) =>
      tx.recordDeliveryAttempt(
        attempt('dlv_s3', s3?.leaseToken as string, { status: 'dead', responseStatus: 404 }),
      ),
    );
    const scoped = await ctx.store.claimDueDeliveries(isoPlus(2 * SECOND), 10, 1000, {
      approvalId: 'apr_1',
    });
    assert.deepEqual(scoped.map((d) => d.id).sort(), ['dlv_s1', 'dlv_s2', 'dlv_s3']);
    assert.deepEqual(
      await ctx.store.claimDueDeliveries(isoPlus(2 * SECOND), 10, 1000, {
        approvalId: 'apr_1',
        providers: [],
      }),
      [],
    );
  });

  test('concurrent claims hand every due row to exactly one claimer', async () => {
    const rows = Array.from({ length: 24 }, (_, i) =>
      row(`dlv_${String(i).padStart(2, '0')}`, { nextAttemptAt: isoPlus(i) }),
    );
    await ctx.store.transaction((tx) => tx.enqueueDeliveries(rows));
    const now = isoPlus(MINUTE);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => ctx.store.claimDueDeliveries(now, 4, 30 * SECOND)),
    );
    const ids = results.flat().map((d) => d.id);
    assert.equal(ids.length, 24, 'all rows were claimed');
    assert.equal(new Set(ids).size, 24, 'no row was claimed twice');
    for (const batch of results) {
      assert.ok(batch.length <= 4);
      assert.equal(new Set(batch.map((d) => d.leaseToken)).size <= 1, true);
    }
  });

  test('a bad claim limit or lease is a TypeError before touching the store', async () => {
    await assert.rejects(ctx.store.claimDueDeliveries(T0, 0, 1000), TypeError);
    await assert.rejects(ctx.store.claimDueDeliveries(T0, 10, 0), TypeError);
  });
}
