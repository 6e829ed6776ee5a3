/** Store contract: approval requests (insert, get, list, filters, pagination, expiry, updates). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../src/errors/index.js';
import type { ApprovalRequest } from '../../src/domain/approval.js';
import type { ApprovalFilter, Store } from '../../src/store/port.js';
import { ALICE, isoPlus, makeApproval, MINUTE, type ContractContext } from './store-fixtures.js';

async function insertAll(store: Store, reqs: readonly ApprovalRequest[]): Promise<void> {
  await store.transaction(async (tx) => {
    for (const r of reqs) await tx.insertApproval(r);
  });
}

async function ids(store: Store, filter: ApprovalFilter): Promise<string[]> {
  const page = await store.listApprovals(filter, { limit: 100 });
  assert.equal(page.nextCursor, null);
  return page.items.map((r) => r.id);
}

/** Walks every page; fails on a repeated id so overlap between pages cannot hide. */
async function allPages(store: Store, filter: ApprovalFilter, limit: number): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 50; i++) {
    const page = await store.listApprovals(filter, { limit, ...(cursor ? { cursor } : {}) });
    pages.push(page.items.map((r) => r.id));
    if (page.nextCursor === null) return pages;
    cursor = page.nextCursor;
  }
  throw new Error('pagination did not end');
}

export function defineApprovalContract(ctx: ContractContext): void {
  test('an inserted approval reads back as the identical object, outside and inside a transaction', async () => {
    const req = makeApproval('apr_1', {
      breakGlass: { reason: 'incident', approverGroup: 'sre', externalRef: 'INC-1' },
      note: 'note with "quotes" and ünïcode',
    });
    await insertAll(ctx.store, [req]);
    assert.deepEqual(await ctx.store.getApproval('apr_1'), req);
    assert.deepEqual(await ctx.store.transaction((tx) => tx.getApproval('apr_1')), req);
    assert.equal(await ctx.store.getApproval('apr_missing'), null);
  });

  test('listApprovals filters by state, environment, project, requester, group and text', async () => {
    await insertAll(ctx.store, [
      makeApproval('apr_a', { approverGroups: ['sre'] }, { target: 'Web-Frontend' }),
      makeApproval(
        'apr_b',
        { state: 'approved', approverGroups: ['sre-oncall'] },
        { environment: 'staging' },
      ),
      makeApproval(
        'apr_c',
        { requestedBy: { ...ALICE, id: 'user:bob' } },
        { project: 'db', kind: 'restart' },
      ),
      makeApproval(
        'apr_d',
        { state: 'denied', approverGroups: ['dba', 'sre'] },
        { reason: '50% rollout_now' },
      ),
    ]);
    assert.deepEqual(await ids(ctx.store, {}), ['apr_d', 'apr_c', 'apr_b', 'apr_a']);
    assert.deepEqual(await ids(ctx.store, { state: 'pending' }), ['apr_c', 'apr_a']);
    assert.deepEqual(await ids(ctx.store, { environment: 'staging' }), ['apr_b']);
    assert.deepEqual(await ids(ctx.store, { project: 'db' }), ['apr_c']);
    assert.deepEqual(await ids(ctx.store, { requestedBy: 'user:bob' }), ['apr_c']);
    // exact group membership: 'sre' does not match 'sre-oncall'
    assert.deepEqual(await ids(ctx.store, { group: 'sre' }), ['apr_d', 'apr_c', 'apr_a']);
    assert.deepEqual(await ids(ctx.store, { group: 'sre-oncall' }), ['apr_b']);
    assert.deepEqual(await ids(ctx.store, { group: 'sr' }), []);
    // text search is case-insensitive over id, kind, target, project and reason
    assert.deepEqual(await ids(ctx.store, { q: 'web-FRONT' }), ['apr_a']);
    assert.deepEqual(await ids(ctx.store, { q: 'restart' }), ['apr_c']);
    assert.deepEqual(await ids(ctx.store, { q: 'apr_b' }), ['apr_b']);
    // LIKE wildcards in the query are literal characters
    assert.deepEqual(await ids(ctx.store, { q: '50% rollout_' }), ['apr_d']);
    assert.deepEqual(await ids(ctx.store, { q: '5_%' }), []);
    assert.deepEqual(await ids(ctx.store, { state: 'pending', group: 'sre', project: 'web' }), [
      'apr_a',
    ]);
  });

  test('listApprovals filters by exact action hash, alone and with a state', async () => {
    const hash = `sha256:${'e'.repeat(64)}`;
    await insertAll(ctx.store, [
      makeApproval('apr_h1', { actionHash: hash, state: 'approved' }),
      makeApproval('apr_h2', { actionHash: hash, createdAt: isoPlus(MINUTE) }),
      makeApproval('apr_other'),
    ]);
    assert.deepEqual(await ids(ctx.store, { actionHash: hash }), ['apr_h2', 'apr_h1']);
    assert.deepEqual(await ids(ctx.store, { actionHash: hash, state: 'approved' }), ['apr_h1']);
    assert.deepEqual(await ids(ctx.store, { actionHash: `sha256:${'f'.repeat(64)}` }), []);
  });

  test('cursor pagination is newest first, stable, without overlap or gaps (ties broken by id)', async () => {
    const reqs = ['apr_01', 'apr_02', 'apr_03', 'apr_04', 'apr_05', 'apr_06', 'apr_07'].map(
      (id, i) => makeApproval(id, { createdAt: isoPlus(Math.floor(i / 3) * MINUTE) }),
    );
    await insertAll(ctx.store, [...reqs].reverse());
    const expected = ['apr_07', 'apr_06', 'apr_05', 'apr_04', 'apr_03', 'apr_02', 'apr_01'];
    const pages = await allPages(ctx.store, {}, 3);
    assert.deepEqual(pages, [expected.slice(0, 3), expected.slice(3, 6), expected.slice(6)]);
    assert.deepEqual(await allPages(ctx.store, {}, 3), pages);
    const exact = await allPages(ctx.store, {}, 7);
    assert.deepEqual(exact, [expected], 'a full last page has no next cursor');
    const filtered = await allPages(ctx.store, { q: 'apr_0' }, 2);
    assert.deepEqual(filtered.flat(), expected);
    assert.equal(filtered.length, 4);
  });

  test('a cursor that is not one the store issued is a 400 validation_failed at querystring:/cursor', async () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const cursor of ['not!base64', b64('x'), b64(['a']), b64([1, 'apr_1']), b64(['a', 2])]) {
      await assert.rejects(ctx.store.listApprovals({}, { limit: 5, cursor }), (err: unknown) => {
        assert.ok(err instanceof InputError, String(err));
        assert.equal(err.code, 'validation_failed');
        assert.equal(err.errors[0]?.path, 'querystring:/cursor');
        return true;
      });
    }
  });

  test('listExpiredPending returns pending requests expired at or before now, oldest first, up to the limit', async () => {
    const now = isoPlus(10 * MINUTE);
    await insertAll(ctx.store, [
      makeApproval('apr_late', { expiresAt: isoPlus(5 * MINUTE) }),
      makeApproval('apr_early', { expiresAt: isoPlus(1 * MINUTE) }),
      makeApproval('apr_exact', { expiresAt: now }),
      makeApproval('apr_future', { expiresAt: isoPlus(11 * MINUTE) }),
      makeApproval('apr_done', { state: 'approved', expiresAt: isoPlus(1 * MINUTE) }),
    ]);
    const all = await ctx.store.listExpiredPending(now, 10);
    assert.deepEqual(
      all.map((r) => r.id),
      ['apr_early', 'apr_late', 'apr_exact'],
    );
    assert.deepEqual(all[0], await ctx.store.getApproval('apr_early'));
    const two = await ctx.store.listExpiredPending(now, 2);
    assert.deepEqual(
      two.map((r) => r.id),
      ['apr_early', 'apr_late'],
    );
    assert.deepEqual(await ctx.store.listExpiredPending(isoPlus(0), 10), []);
  });

  test('findPendingByActionHash finds only the pending request for that hash', async () => {
    const pending = makeApproval('apr_p', { actionHash: 'sha256:one' });
    await insertAll(ctx.store, [
      pending,
      makeApproval('apr_old', { actionHash: 'sha256:two', state: 'denied' }),
    ]);
    await ctx.store.transaction(async (tx) => {
      assert.deepEqual(await tx.findPendingByActionHash('sha256:one'), pending);
      assert.equal(await tx.findPendingByActionHash('sha256:two'), null);
      assert.equal(await tx.findPendingByActionHash('sha256:none'), null);
    });
  });

  test('a second pending request for the same action hash is refused; a decided one is not', async () => {
    await insertAll(ctx.store, [makeApproval('apr_first', { actionHash: 'sha256:same' })]);
    await assert.rejects(
      insertAll(ctx.store, [makeApproval('apr_second', { actionHash: 'sha256:same' })]),
    );
    assert.equal(await ctx.store.getApproval('apr_second'), null);
    assert.deepEqual(await ids(ctx.store, {}), ['apr_first']);
    await insertAll(ctx.store, [
      makeApproval('apr_third', { actionHash: 'sha256:same', state: 'expired' }),
    ]);
    assert.equal((await ctx.store.getApproval('apr_third'))?.state, 'expired');
  });

  test('updateApproval writes version+1 when the version matches; a stale version returns false and changes nothing', async () => {
    const req = makeApproval('apr_u');
    await insertAll(ctx.store, [req]);
    const approved: ApprovalRequest = {
      ...req,
      state: 'approved',
      decidedAt: isoPlus(MINUTE),
      expiresAt: isoPlus(30 * MINUTE),
      history: [...req.history, { event: 'approved', actor: 'user:carol', at: isoPlus(MINUTE) }],
    };
    assert.equal(await ctx.store.transaction((tx) => tx.updateApproval(approved, 1)), true);
    const stored = await ctx.store.getApproval('apr_u');
    assert.deepEqual(stored, { ...approved, version: 2 });
    assert.deepEqual(await ids(ctx.store, { state: 'approved' }), ['apr_u']);
    assert.deepEqual(await ctx.store.listExpiredPending(isoPlus(60 * MINUTE), 10), []);

    const stale: ApprovalRequest = { ...req, state: 'denied', decidedAt: isoPlus(2 * MINUTE) };
    assert.equal(await ctx.store.transaction((tx) => tx.updateApproval(stale, 1)), false);
    assert.deepEqual(await ctx.store.getApproval('apr_u'), stored);
    assert.deepEqual(await ids(ctx.store, { state: 'denied' }), []);
    assert.equal(await ctx.store.transaction((tx) => tx.updateApproval(stale, 7)), false);
    assert.equal(
      await ctx.store.transaction((tx) => tx.updateApproval(makeApproval('apr_none'), 1)),
      false,
    );
  });
}
