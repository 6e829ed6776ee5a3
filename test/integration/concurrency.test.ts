import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHarness, type Harness } from '../helpers/harness.js';

const ONE_GROUP_POLICY = `
version: 1
environments:
  prod:
    posture: prod
    sideEffects: require_approval
    approvers: { groups: [sre], min: 1 }
`;

describe('one decision per request under concurrency', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ policy: ONE_GROUP_POLICY });
    for (let i = 0; i < 20; i++) await h.addKey(`sre-${i}`, ['approvals:review'], ['sre']);
  });
  after(async () => {
    await h.close();
  });

  const open = async (target: string) => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: h.auth('requester'),
      payload: {
        action: { kind: 'restart', environment: 'prod', project: 'db', spec: { target }, target },
      },
    });
    assert.equal(res.statusCode, 201);
    return res.json().id as string;
  };

  test('20 simultaneous approves: exactly one transition, one audit event for it, the rest 409', async () => {
    const id = await open('primary');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        h.app.inject({
          method: 'POST',
          url: `/v1/approvals/${id}/approve`,
          headers: h.auth(`sre-${i}`),
          payload: { reason: 'go' },
        }),
      ),
    );
    const codes = results.map((r) => r.statusCode);
    assert.equal(codes.filter((c) => c === 200).length, 1, `statuses: ${codes.join(',')}`);
    assert.equal(codes.filter((c) => c === 409).length, 19);
    for (const r of results.filter((x) => x.statusCode === 409)) {
      assert.equal(r.json().code, 'approval_not_pending');
    }
    const stored = await h.store.getApproval(id);
    assert.equal(stored?.state, 'approved');
    assert.equal(stored?.reviews.length, 1);
    const approvedEvents = await h.store.listAuditEvents(
      { approvalId: id, type: 'approval.approved' },
      { limit: 50 },
    );
    assert.equal(approvedEvents.items.length, 1);
    const all = await h.store.listAuditEvents({ approvalId: id }, { limit: 50 });
    assert.deepEqual(
      all.items.map((e) => e.event.type),
      ['approval.requested', 'approval.approved', 'credential.issued'],
    );
  });

  test('approve racing deny: exactly one winner and the state matches it', async () => {
    for (let round = 0; round < 5; round++) {
      const id = await open(`replica-${round}`);
      const [a, d] = await Promise.all([
        h.app.inject({
          method: 'POST',
          url: `/v1/approvals/${id}/approve`,
          headers: h.auth('sre-0'),
          payload: { reason: 'go' },
        }),
        h.app.inject({
          method: 'POST',
          url: `/v1/approvals/${id}/deny`,
          headers: h.auth('sre-1'),
          payload: { reason: 'stop' },
        }),
      ]);
      const winners = [a, d].filter((r) => r.statusCode === 200);
      assert.equal(winners.length, 1, `round ${round}: ${a.statusCode}/${d.statusCode}`);
      const stored = await h.store.getApproval(id);
      assert.equal(stored?.state, winners[0] === a ? 'approved' : 'denied');
      const decided = await h.store.listAuditEvents({ approvalId: id }, { limit: 10 });
      const types = decided.items.map((e) => e.event.type);
      assert.deepEqual(
        types,
        stored?.state === 'approved'
          ? ['approval.requested', 'approval.approved', 'credential.issued']
          : ['approval.requested', 'approval.denied'],
        'requested + exactly one decision event (+ the credential when approved)',
      );
    }
  });
});
