/**
 * Store contract: what reviewers read besides the request itself — the approval a request
 * follows, the known projects, and the audit log newest first with its text search.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApprovalRequest } from '../../src/domain/approval.js';
import type { AuditEvent } from '../../src/domain/audit-event.js';
import {
  isoPlus,
  makeApproval,
  makeEvent,
  MINUTE,
  type ContractContext,
} from './store-fixtures.js';

async function insert(ctx: ContractContext, reqs: ApprovalRequest[]): Promise<void> {
  await ctx.store.transaction(async (tx) => {
    for (const r of reqs) await tx.insertApproval(r);
  });
}

export function defineReviewFactsContract(ctx: ContractContext): void {
  test('findPreviousApproved: newest approved of the same environment, project and kind, before it', async () => {
    const at = (m: number) => ({ createdAt: isoPlus(m * MINUTE) });
    await insert(ctx, [
      makeApproval('apr_a1', { ...at(1), state: 'approved' }),
      makeApproval('apr_a2', { ...at(2), state: 'approved' }),
      makeApproval('apr_denied', { ...at(3), state: 'denied' }),
      makeApproval('apr_other_env', { ...at(4), state: 'approved' }, { environment: 'staging' }),
      makeApproval('apr_other_kind', { ...at(4), state: 'approved' }, { kind: 'restart' }),
      makeApproval('apr_other_project', { ...at(4), state: 'approved' }, { project: 'api' }),
      makeApproval('apr_now', { ...at(5) }),
      makeApproval('apr_later', { ...at(6), state: 'approved' }),
    ]);
    const now = (await ctx.store.getApproval('apr_now')) as ApprovalRequest;
    const q = {
      environment: now.action.environment,
      project: now.action.project,
      kind: now.action.kind,
      before: now.createdAt,
      excludeId: now.id,
    };
    assert.equal((await ctx.store.findPreviousApproved(q))?.id, 'apr_a2');
    assert.equal(
      (await ctx.store.findPreviousApproved({ ...q, before: isoPlus(2 * MINUTE) }))?.id,
      'apr_a1',
    );
    // never itself, never one created after it
    assert.equal(
      (
        await ctx.store.findPreviousApproved({
          ...q,
          before: isoPlus(7 * MINUTE),
          excludeId: 'apr_later',
        })
      )?.id,
      'apr_a2',
    );
    assert.equal(await ctx.store.findPreviousApproved({ ...q, before: isoPlus(1 * MINUTE) }), null);
    assert.equal(await ctx.store.findPreviousApproved({ ...q, project: 'nope' }), null);
    assert.equal((await ctx.store.transaction((tx) => tx.findPreviousApproved(q)))?.id, 'apr_a2');
  });

  test('listProjects: distinct, sorted, bounded', async () => {
    await insert(ctx, [
      makeApproval('apr_1', {}, { project: 'web' }),
      makeApproval('apr_2', {}, { project: 'api' }),
      makeApproval('apr_3', {}, { project: 'web' }),
      makeApproval('apr_4', {}, { project: 'Zeta' }),
    ]);
    assert.deepEqual(await ctx.store.listProjects(10), ['Zeta', 'api', 'web']);
    assert.deepEqual(await ctx.store.listProjects(1), ['Zeta']);
  });

  test('audit newest first: order desc pages backwards with the same filters and cursor', async () => {
    const events: AuditEvent[] = Array.from({ length: 7 }, (_, i) =>
      makeEvent({ at: isoPlus(i * MINUTE), project: i % 2 === 0 ? 'web' : 'api' }),
    );
    for (const e of events) await ctx.store.transaction((tx) => tx.appendAudit(e));
    await ctx.store.integrateAudit();
    const first = await ctx.store.listAuditEvents({}, { limit: 3, order: 'desc' });
    assert.deepEqual(
      first.items.map((i) => i.index),
      [6, 5, 4],
    );
    assert.ok(first.nextCursor);
    const second = await ctx.store.listAuditEvents(
      {},
      { limit: 3, order: 'desc', cursor: first.nextCursor },
    );
    assert.deepEqual(
      second.items.map((i) => i.index),
      [3, 2, 1],
    );
    const last = await ctx.store.listAuditEvents(
      {},
      { limit: 3, order: 'desc', cursor: second.nextCursor as string },
    );
    assert.deepEqual(
      last.items.map((i) => i.index),
      [0],
    );
    assert.equal(last.nextCursor, null);
    const web = await ctx.store.listAuditEvents({ project: 'web' }, { limit: 10, order: 'desc' });
    assert.deepEqual(
      web.items.map((i) => i.index),
      [6, 4, 2, 0],
    );
    assert.deepEqual(web.items[0]?.event, events[6]);
    const asc = await ctx.store.listAuditEvents({ project: 'web' }, { limit: 10, order: 'asc' });
    assert.deepEqual(
      asc.items.map((i) => i.index),
      [0, 2, 4, 6],
    );
  });

  test('audit search: case-insensitive text anywhere in the event, LIKE wildcards taken literally', async () => {
    // fixed event ids: a random one could itself contain a searched text ("100", "_00")
    const events = [
      makeEvent({ eventId: 'evt_search-a', details: { reason: 'Checkout is DOWN, INC-4242' } }),
      makeEvent({
        eventId: 'evt_search-b',
        actor: { id: 'apikey:k2', kind: 'apikey', name: 'Bob Builder' },
      }),
      makeEvent({ eventId: 'evt_search-c', details: { reason: '100% sure' } }),
      makeEvent({ eventId: 'evt_search-d', details: { reason: '100 percent' } }),
    ];
    for (const e of events) await ctx.store.transaction((tx) => tx.appendAudit(e));
    await ctx.store.integrateAudit();
    const find = async (q: string) =>
      (await ctx.store.listAuditEvents({ q }, { limit: 10 })).items.map((i) => i.index);
    assert.deepEqual(await find('inc-4242'), [0]);
    assert.deepEqual(await find('bob builder'), [1]);
    assert.deepEqual(await find('100%'), [2]);
    assert.deepEqual(await find('_00'), []);
    assert.deepEqual(await find('nothing like it'), []);
    assert.deepEqual(
      (
        await ctx.store.listAuditEvents({ q: '100', project: 'web' }, { limit: 10, order: 'desc' })
      ).items.map((i) => i.index),
      [3, 2],
    );
  });
}
