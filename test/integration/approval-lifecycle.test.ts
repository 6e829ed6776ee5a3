import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHarness, deployAction, type Harness } from '../helpers/harness.js';

interface ApprovalBody {
  id: string;
  state: string;
  canReview: boolean;
  cannotReviewReason: string | null;
  progress: { approvals: number; min: number; missingGroups: string[]; met: boolean };
  history: { event: string; actor: string }[];
  breakGlass: unknown;
}

describe('approval lifecycle over HTTP with real API keys and a real SQLite file', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(async () => {
    await h.close();
  });

  const create = async (action = deployAction()) => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: h.auth('requester'),
      payload: { action },
    });
    return { res, body: res.json() as ApprovalBody };
  };
  const review = (id: string, who: string, verb: 'approve' | 'deny', reason = 'looks right') =>
    h.app.inject({
      method: 'POST',
      url: `/v1/approvals/${id}/${verb}`,
      headers: h.auth(who),
      payload: { reason },
    });

  test('a prod deploy needs one approval from each of two groups (mode each)', async () => {
    const { res, body } = await create();
    assert.equal(res.statusCode, 201);
    assert.equal(body.state, 'pending');
    assert.deepEqual(body.progress, {
      approvals: 0,
      min: 2,
      missingGroups: ['release-managers', 'sre'],
      met: false,
    });

    const first = await review(body.id, 'alice', 'approve');
    assert.equal(first.statusCode, 200);
    assert.equal(first.json().state, 'pending');
    assert.deepEqual(first.json().progress.missingGroups, ['sre']);

    // a second release manager does not satisfy the sre group
    const second = await review(body.id, 'carol', 'approve');
    assert.equal(second.statusCode, 200);
    assert.equal(second.json().state, 'pending', 'two approvals from one group are not enough');

    const third = await review(body.id, 'bob', 'approve');
    assert.equal(third.statusCode, 200);
    assert.equal(third.json().state, 'approved');
    assert.equal(third.json().progress.met, true);
  });

  test("the requester's own approve is 403 self_approval and changes nothing", async () => {
    const both = await h.addKey('dual', ['approvals:request', 'approvals:review'], ['sre']);
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: { authorization: `Bearer ${both.key}` },
      payload: { action: { ...deployAction('shop:self'), kind: 'restart' } },
    });
    assert.equal(res.statusCode, 201);
    const id = res.json().id as string;
    assert.equal(res.json().canReview, false);
    assert.equal(res.json().cannotReviewReason, 'self_approval');
    const self = await h.app.inject({
      method: 'POST',
      url: `/v1/approvals/${id}/approve`,
      headers: { authorization: `Bearer ${both.key}` },
      payload: { reason: 'mine' },
    });
    assert.equal(self.statusCode, 403);
    assert.equal(self.json().code, 'self_approval');
    assert.match(self.headers['content-type'] as string, /application\/problem\+json/);
    const after = await h.app.inject({
      method: 'GET',
      url: `/v1/approvals/${id}`,
      headers: h.auth('admin'),
    });
    assert.equal(after.json().state, 'pending');
    assert.equal(after.json().reviews.length, 0);
  });

  test('a second approve by the same reviewer is 409 already_reviewed', async () => {
    const { body } = await create(deployAction('shop:twice'));
    assert.equal((await review(body.id, 'alice', 'approve')).statusCode, 200);
    const again = await review(body.id, 'alice', 'approve');
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, 'already_reviewed');
  });

  test('a reviewer outside the approver groups is 403 not_eligible', async () => {
    await h.addKey('outsider', ['approvals:review'], ['finance']);
    const { body } = await create(deployAction('shop:outsider'));
    const res = await review(body.id, 'outsider', 'approve');
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().code, 'not_eligible');
  });

  test('a deny ends the request, and a later approve is 409 approval_not_pending', async () => {
    const { body } = await create(deployAction('shop:deny'));
    assert.equal((await review(body.id, 'alice', 'approve')).statusCode, 200);
    const denied = await review(body.id, 'bob', 'deny', 'not during the freeze');
    assert.equal(denied.statusCode, 200);
    assert.equal(denied.json().state, 'denied');
    const late = await review(body.id, 'carol', 'approve');
    assert.equal(late.statusCode, 409);
    assert.equal(late.json().code, 'approval_not_pending');
  });

  test('creating a request for an action already pending returns the existing one (200)', async () => {
    const first = await create(deployAction('shop:idem'));
    assert.equal(first.res.statusCode, 201);
    // same bound fields, reordered spec keys and a different reason: same action hash
    const again = await create({
      ...deployAction('shop:idem'),
      spec: { replicas: 3, image: 'shop:idem' },
      reason: 'retry of the pipeline',
    });
    assert.equal(again.res.statusCode, 200);
    assert.equal(again.body.id, first.body.id);
  });

  test('a request past its TTL cannot be approved, and the sweeper expires it as system', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: h.auth('requester'),
      payload: { action: deployAction('shop:ttl'), ttl: '10m' },
    });
    assert.equal(res.statusCode, 201);
    const id = res.json().id as string;
    h.clock.advance(10 * 60_000);
    const late = await review(id, 'alice', 'approve');
    assert.equal(late.statusCode, 409);
    assert.equal(late.json().code, 'approval_not_pending');
    const read = await h.app.inject({
      method: 'GET',
      url: `/v1/approvals/${id}`,
      headers: h.auth('admin'),
    });
    assert.equal(read.json().state, 'expired', 'reads as expired before the sweeper runs');
    assert.equal(read.json().storedState, 'pending');

    const swept = await h.services.lifecycle.sweepExpired();
    assert.ok(swept >= 1);
    const stored = await h.store.getApproval(id);
    assert.equal(stored?.state, 'expired');
    assert.equal(stored?.history.at(-1)?.actor, 'system');
    const events = await h.store.listAuditEvents(
      { approvalId: id, type: 'approval.expired' },
      { limit: 10 },
    );
    assert.equal(events.items.length, 1);
    assert.equal(events.items[0]?.event.actor.id, 'system');
  });

  test('break-glass without an external reference is 400 and creates nothing', async () => {
    const before = await h.store.auditSize();
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals/break-glass',
      headers: h.auth('ic'),
      payload: {
        action: deployAction('shop:hotfix'),
        reason: 'checkout is down',
        approverGroup: 'release-managers',
        expiresIn: '1h',
      },
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 'validation_failed');
    assert.deepEqual(
      res.json().errors.map((e: { path: string }) => e.path),
      ['/externalRef'],
    );
    assert.equal(await h.store.auditSize(), before);
  });

  test('break-glass with full evidence is approved at once and stands out', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals/break-glass',
      headers: h.auth('ic'),
      payload: {
        action: deployAction('shop:hotfix2'),
        reason: 'checkout is down',
        approverGroup: 'release-managers',
        expiresIn: '1h',
        externalRef: 'INC-7',
      },
    });
    assert.equal(res.statusCode, 201);
    const body = res.json() as ApprovalBody;
    assert.equal(body.state, 'approved');
    assert.deepEqual(body.breakGlass, {
      reason: 'checkout is down',
      approverGroup: 'release-managers',
      externalRef: 'INC-7',
    });
    const events = await h.store.listAuditEvents({ approvalId: body.id }, { limit: 10 });
    assert.deepEqual(
      events.items.map((e) => e.event.type),
      ['approval.break_glass', 'credential.issued'],
    );
  });

  test('a reviewer of its approver group may revoke a break-glass approval; another group may not', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals/break-glass',
      headers: h.auth('ic'),
      payload: {
        action: deployAction('shop:bg-revoke'),
        reason: 'checkout is down',
        approverGroup: 'release-managers',
        expiresIn: '1h',
        externalRef: 'INC-11',
      },
    });
    const id = res.json().id as string;
    const revoke = (who: string) =>
      h.app.inject({
        method: 'POST',
        url: `/v1/approvals/${id}/revoke`,
        headers: h.auth(who),
        payload: { reason: 'not needed after all' },
      });
    assert.equal(
      (await revoke('bob')).statusCode,
      403,
      'bob reviews for sre, not release-managers',
    );
    const byAlice = await revoke('alice');
    assert.equal(byAlice.statusCode, 200, byAlice.body);
    assert.equal(byAlice.json().state, 'revoked');
  });

  test('break-glass by someone outside the break-glass groups is 403', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals/break-glass',
      headers: h.auth('requester'),
      payload: {
        action: deployAction('shop:hotfix3'),
        reason: 'x',
        approverGroup: 'release-managers',
        expiresIn: '1h',
        externalRef: 'INC-8',
      },
    });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().code, 'forbidden');
  });

  test('cancel by the requester; revoke of an approved request by an approver', async () => {
    const { body } = await create(deployAction('shop:cancel'));
    const cancelled = await h.app.inject({
      method: 'POST',
      url: `/v1/approvals/${body.id}/cancel`,
      headers: h.auth('requester'),
      payload: {},
    });
    assert.equal(cancelled.statusCode, 200);
    assert.equal(cancelled.json().state, 'cancelled');

    const { body: b2 } = await create(deployAction('shop:revoke'));
    await review(b2.id, 'alice', 'approve');
    const approved = await review(b2.id, 'bob', 'approve');
    assert.equal(approved.json().state, 'approved');
    const byOther = await h.app.inject({
      method: 'POST',
      url: `/v1/approvals/${b2.id}/revoke`,
      headers: h.auth('carol'),
      payload: { reason: 'wrong build' },
    });
    assert.equal(byOther.statusCode, 403, 'carol did not approve it and is not an admin');
    const revoked = await h.app.inject({
      method: 'POST',
      url: `/v1/approvals/${b2.id}/revoke`,
      headers: h.auth('bob'),
      payload: { reason: 'wrong build' },
    });
    assert.equal(revoked.statusCode, 200);
    assert.equal(revoked.json().state, 'revoked');
    const again = await h.app.inject({
      method: 'POST',
      url: `/v1/approvals/${b2.id}/revoke`,
      headers: h.auth('admin'),
      payload: { reason: 'again' },
    });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, 'approval_not_approved');
  });

  test('list filters by state and environment and pages with a cursor', async () => {
    for (let i = 0; i < 3; i++) await create(deployAction(`shop:page-${i}`));
    const page1 = await h.app.inject({
      method: 'GET',
      url: '/v1/approvals?state=pending&environment=prod&limit=2',
      headers: h.auth('alice'),
    });
    assert.equal(page1.statusCode, 200);
    const p1 = page1.json() as { items: ApprovalBody[]; nextCursor: string };
    assert.equal(p1.items.length, 2);
    assert.ok(p1.items.every((a) => a.state === 'pending'));
    assert.ok(p1.nextCursor);
    const page2 = await h.app.inject({
      method: 'GET',
      url: `/v1/approvals?state=pending&environment=prod&limit=2&cursor=${p1.nextCursor}`,
      headers: h.auth('alice'),
    });
    const p2 = page2.json() as { items: ApprovalBody[] };
    const ids1 = new Set(p1.items.map((a) => a.id));
    assert.ok(p2.items.length > 0);
    assert.ok(
      p2.items.every((a) => !ids1.has(a.id)),
      'pages do not overlap',
    );
  });

  test('every call without a valid key is 401 with WWW-Authenticate', async () => {
    const none = await h.app.inject({ method: 'GET', url: '/v1/approvals' });
    assert.equal(none.statusCode, 401);
    assert.equal(none.json().code, 'unauthenticated');
    assert.match(none.headers['www-authenticate'] as string, /^Bearer/);
    const forged = await h.app.inject({
      method: 'GET',
      url: '/v1/approvals',
      headers: { authorization: `Bearer ${h.keys.admin?.key.slice(0, -2)}xx` },
    });
    assert.equal(forged.statusCode, 401);
  });
});
