import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ApprovalChanged } from '../../src/services/event-bus.js';
import { createHarness, deployAction, type Harness } from '../helpers/harness.js';

describe('attach-decision: who may attach, and the change is published', () => {
  let h: Harness;
  let id: string;
  before(async () => {
    h = await createHarness();
    await h.addKey('requester-2', ['approvals:request']);
    const created = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: h.auth('requester'),
      payload: { action: deployAction('shop:attach-rbac') },
    });
    assert.equal(created.statusCode, 201, created.body);
    id = created.json().id as string;
  });
  after(async () => {
    await h.close();
  });

  const decide = async (who: string) => {
    const d = await h.app.inject({
      method: 'POST',
      url: '/v1/decisions',
      headers: h.auth(who),
      payload: { action: deployAction('shop:attach-rbac') },
    });
    assert.equal(d.statusCode, 200, d.body);
    return d.json().decision.decisionId as string;
  };
  const attach = (who: string, decisionId: string) =>
    h.app.inject({
      method: 'POST',
      url: `/v1/approvals/${id}/attach-decision`,
      headers: h.auth(who),
      payload: { decisionId },
    });
  const attachedEvents = async () =>
    (await h.store.listAuditEvents({ type: 'approval.decision_attached' }, { limit: 100 })).items
      .length;

  test('another principal with the request scope is 403 forbidden and nothing changes', async () => {
    const decisionId = await decide('requester-2');
    const before = await h.store.getApproval(id);
    const res = await attach('requester-2', decisionId);
    assert.equal(res.statusCode, 403, res.body);
    assert.equal(res.json().code, 'forbidden');
    assert.deepEqual(await h.store.getApproval(id), before);
    assert.equal(await attachedEvents(), 0);
  });

  test('the requester attaches, and the committed change is published on the bus', async () => {
    const decisionId = await decide('requester');
    const seen: ApprovalChanged[] = [];
    const off = h.bus.onApproval((c) => seen.push(c), id);
    try {
      const res = await attach('requester', decisionId);
      assert.equal(res.statusCode, 200, res.body);
    } finally {
      off();
    }
    const stored = await h.store.getApproval(id);
    assert.deepEqual(stored?.attachedDecisions, [decisionId]);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.event, 'decision_attached');
    assert.deepEqual(seen[0]?.approval, stored, 'the committed request is published');
  });

  test('an admin may attach too; attaching the same one again publishes nothing', async () => {
    const decisionId = await decide('admin');
    const seen: ApprovalChanged[] = [];
    const off = h.bus.onApproval((c) => seen.push(c), id);
    try {
      assert.equal((await attach('admin', decisionId)).statusCode, 200);
      assert.equal((await attach('admin', decisionId)).statusCode, 200);
    } finally {
      off();
    }
    assert.equal(seen.length, 1);
    assert.equal(await attachedEvents(), 2);
  });
});
