import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHarness, deployAction, type Harness } from '../helpers/harness.js';

describe('every transition writes exactly one audit event in the same transaction', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(async () => {
    await h.close();
  });

  const breakAudit = () =>
    h.store.database.exec(
      "CREATE TRIGGER audit_down BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'audit disk full'); END;",
    );
  const fixAudit = () => h.store.database.exec('DROP TRIGGER audit_down');

  test('when the audit insert fails the request is not created and the API says audit_unavailable', async () => {
    breakAudit();
    try {
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/approvals',
        headers: h.auth('requester'),
        payload: { action: deployAction('shop:audit-down') },
      });
      assert.equal(res.statusCode, 503);
      assert.equal(res.json().code, 'audit_unavailable');
      assert.ok(!res.body.includes('audit disk full'), 'no database text in the answer');
      const list = await h.store.listApprovals({}, { limit: 100 });
      assert.equal(list.items.length, 0);
    } finally {
      fixAudit();
    }
  });

  test('when the audit insert fails an approve rolls back: state, version and reviews unchanged', async () => {
    const created = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: h.auth('requester'),
      payload: { action: deployAction('shop:rollback') },
    });
    const id = created.json().id as string;
    const before = await h.store.getApproval(id);
    const sizeBefore = await h.store.auditSize();
    breakAudit();
    try {
      const res = await h.app.inject({
        method: 'POST',
        url: `/v1/approvals/${id}/approve`,
        headers: h.auth('alice'),
        payload: { reason: 'ok' },
      });
      assert.equal(res.statusCode, 503);
      assert.equal(res.json().code, 'audit_unavailable');
    } finally {
      fixAudit();
    }
    assert.deepEqual(await h.store.getApproval(id), before);
    assert.equal(await h.store.auditSize(), sizeBefore);
    // and once the log is writable again the same approve goes through
    const retry = await h.app.inject({
      method: 'POST',
      url: `/v1/approvals/${id}/approve`,
      headers: h.auth('alice'),
      payload: { reason: 'ok' },
    });
    assert.equal(retry.statusCode, 200);
  });

  test('each kind of transition appends exactly one event of its type', async () => {
    const open = async (image: string) =>
      (
        await h.app.inject({
          method: 'POST',
          url: '/v1/approvals',
          headers: h.auth('requester'),
          payload: { action: deployAction(image) },
        })
      ).json().id as string;
    const step = async (
      id: string,
      who: string,
      verb: string,
      expected: string,
      payload: object = { reason: 'r' },
    ) => {
      // approving also issues the credential in the same transaction: one more event, its own type
      const issued = expected === 'approval.approved';
      const size = await h.store.auditSize();
      const res = await h.app.inject({
        method: 'POST',
        url: `/v1/approvals/${id}/${verb}`,
        headers: h.auth(who),
        payload,
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(await h.store.auditSize(), size + (issued ? 2 : 1), `${verb} appends one event`);
      const last = await h.store.listAuditEvents({ approvalId: id }, { limit: 100 });
      assert.deepEqual(
        last.items.slice(issued ? -2 : -1).map((e) => e.event.type),
        issued ? [expected, 'credential.issued'] : [expected],
      );
    };
    const a = await open('shop:t1');
    await step(a, 'alice', 'approve', 'approval.reviewed');
    await step(a, 'bob', 'approve', 'approval.approved');
    await step(a, 'admin', 'revoke', 'approval.revoked');
    const b = await open('shop:t2');
    await step(b, 'alice', 'deny', 'approval.denied');
    const c = await open('shop:t3');
    await step(c, 'requester', 'cancel', 'approval.cancelled', {});
    const d = await open('shop:t4');
    await step(d, 'admin', 'expire', 'approval.expired', {});
  });
});
