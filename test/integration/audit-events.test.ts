import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AuditEvent } from '../../src/domain/audit-event.js';
import { createHarness, deployAction, type Harness } from '../helpers/harness.js';

/**
 * Each approval-sensitive step writes exactly the events docs/audit-log.md promises, each event
 * answers the auditor's five questions, and no event ever holds a secret.
 */
describe('audit events: exactly what the schema promises, and no secrets', () => {
  let h: Harness;
  const secrets: string[] = [];
  before(async () => {
    h = await createHarness();
    // the whole key and its secret part (after `cs_<12-char id>_`)
    for (const k of Object.values(h.keys)) secrets.push(k.key, k.key.slice(16));
  });
  after(async () => {
    await h.close();
  });

  const eventsSince = async (size: number): Promise<AuditEvent[]> =>
    (await h.store.listAuditEvents({}, { limit: 1000 })).items
      .filter((e) => e.index >= size)
      .map((e) => e.event);

  const step = async (
    run: () => Promise<{ statusCode: number; body: string }>,
    expected: string[],
  ): Promise<AuditEvent[]> => {
    const before = await h.store.auditSize();
    const res = await run();
    assert.ok(res.statusCode < 500, res.body);
    const events = await eventsSince(before);
    assert.deepEqual(
      events.map((e) => e.type),
      expected,
    );
    return events;
  };
  const post = (url: string, who: string, payload: object) => () =>
    h.app.inject({ method: 'POST', url, headers: h.auth(who), payload });

  test('the whole lifecycle, step by step', async () => {
    const action = deployAction('shop:events');
    const [evaluated] = await step(post('/v1/decisions', 'requester', { action }), [
      'decision.evaluated',
    ]);
    assert.equal(evaluated?.approvalRequired, true);
    assert.deepEqual(evaluated?.requiredCapabilities, ['deploy']);

    const created = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: h.auth('requester'),
      payload: { action },
    });
    const id = created.json().id as string;
    const [requested] = (
      await h.store.listAuditEvents({ approvalId: id }, { limit: 10 })
    ).items.map((e) => e.event);
    // the five questions: who, where, whether approval was required, which approval, which capabilities
    assert.equal(requested?.type, 'approval.requested');
    assert.equal(requested?.actor.id, h.keys.requester?.principal.id);
    assert.equal(requested?.environment, 'prod');
    assert.equal(requested?.project, 'shop');
    assert.equal(requested?.approvalRequired, true);
    assert.equal(requested?.approvalId, id);
    assert.deepEqual(requested?.requiredCapabilities, ['deploy']);
    assert.match(requested?.specHash ?? '', /^sha256:/);

    await step(post(`/v1/approvals/${id}/approve`, 'alice', { reason: 'ok' }), [
      'approval.reviewed',
    ]);
    const approvedEvents = await step(
      post(`/v1/approvals/${id}/approve`, 'bob', { reason: 'ok' }),
      ['approval.approved', 'credential.issued'],
    );
    const issued = approvedEvents[1] as AuditEvent;
    assert.match(String(issued.details.jti), /^crd_/);
    const token = (
      await h.app.inject({
        method: 'GET',
        url: `/v1/approvals/${id}/credential`,
        headers: h.auth('requester'),
      })
    ).json().token as string;
    secrets.push(token, token.split('.')[2] as string);

    const [allowed] = await step(post('/v1/gate', 'requester', { action, credential: token }), [
      'gate.allowed',
    ]);
    assert.equal(allowed?.approvalId, id, 'which approval was provided');
    const [rejected] = await step(post('/v1/gate', 'requester', { action, credential: token }), [
      'gate.rejected',
    ]);
    assert.equal(rejected?.reasonCode, 'credential_consumed');

    await step(post(`/v1/approvals/${id}/revoke`, 'admin', { reason: 'done' }), [
      'approval.revoked',
    ]);
    const other = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: h.auth('requester'),
      payload: { action: deployAction('shop:events-2') },
    });
    await step(post(`/v1/approvals/${other.json().id}/deny`, 'alice', { reason: 'no' }), [
      'approval.denied',
    ]);
    await step(
      post('/v1/approvals/break-glass', 'ic', {
        action: deployAction('shop:events-3'),
        reason: 'outage',
        approverGroup: 'release-managers',
        expiresIn: '15m',
        externalRef: 'INC-1',
      }),
      ['approval.break_glass', 'credential.issued'],
    );
    await step(post('/v1/apikeys', 'admin', { name: 'x', scopes: ['gate:check'] }), [
      'apikey.created',
    ]);
    await step(
      post('/v1/projects/shop/versions', 'admin', {
        version: '9.9.9',
        specHash: `sha256:${'9'.repeat(64)}`,
      }),
      ['pipeline.version_registered'],
    );
    // attaching a decision of the same action to a request is recorded too
    const another = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: h.auth('requester'),
      payload: { action: deployAction('shop:attach') },
    });
    const evaluatedAgain = await h.app.inject({
      method: 'POST',
      url: '/v1/decisions',
      headers: h.auth('requester'),
      payload: { action: deployAction('shop:attach') },
    });
    const [attached] = await step(
      post(`/v1/approvals/${another.json().id}/attach-decision`, 'requester', {
        decisionId: evaluatedAgain.json().decision.decisionId,
      }),
      ['approval.decision_attached'],
    );
    assert.equal(attached?.details.attachedDecisionId, evaluatedAgain.json().decision.decisionId);
  });

  test('no event holds an API key, a credential token or its signature', async () => {
    const all = await h.store.listAuditEvents({}, { limit: 1000 });
    const text = JSON.stringify(all.items);
    assert.ok(secrets.length > 10);
    for (const s of secrets)
      assert.ok(!text.includes(s), `a secret leaked into the audit log (${s.slice(0, 6)}…)`);
  });
});
