/**
 * A break-glass credential names the declarer with the groups they actually hold (the
 * `break_glass` claim is the marker; the approver group they named stays on the request, the
 * decision and the audit log). In an environment whose posture denies, the deny wins.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt, type JSONWebKeySet } from 'jose';
import { verifyEvidence, type EvidenceBundle } from '../../src/evidence/evidence.js';
import { createHarness, deployAction, type Harness } from '../helpers/harness.js';

const POLICY = `
version: 1
environments:
  prod:
    posture: prod
    sideEffects: require_approval
    approvers: { groups: [release-managers], min: 1 }
    replay: allowed
    breakGlass: { groups: [incident-commanders], maxDuration: 4h, requireExternalRef: true }
  sealed:
    posture: prod
    sideEffects: deny
  staging:
    posture: staging
    sideEffects: require_approval
    approvers: { groups: [release-managers], min: 1 }
defaults:
  requestTtl: 1h
  maxRequestTtl: 24h
`;

interface Approval {
  id: string;
  state: string;
  approverGroups: string[];
  breakGlass: { approverGroup: string } | null;
  reviews: { groups: string[]; reviewer: { id: string } }[];
}

describe('break-glass names the declarer as who they are', () => {
  let h: Harness;
  let seq = 0;
  const declare = (environment: string, who = 'ic') =>
    h.app.inject({
      method: 'POST',
      url: '/v1/approvals/break-glass',
      headers: h.auth(who),
      payload: {
        action: { ...deployAction(`shop:bg-${++seq}`), environment },
        reason: 'checkout is down',
        approverGroup: 'release-managers',
        expiresIn: '1h',
        externalRef: 'INC-9',
      },
    });

  before(async () => {
    h = await createHarness({ policy: POLICY });
    // an incident commander who also holds an unrelated group
    await h.addKey('ivan', ['approvals:request', 'audit:read'], ['incident-commanders', 'oncall']);
  });
  after(async () => h.close());

  test('the credential lists the declarer with their own groups, not the approver group they named', async () => {
    const res = await declare('prod', 'ivan');
    assert.equal(res.statusCode, 201, res.body);
    const a = res.json<Approval>();
    assert.equal(a.state, 'approved');
    // the named approver group stays on the request
    assert.deepEqual(a.approverGroups, ['release-managers']);
    assert.equal(a.breakGlass?.approverGroup, 'release-managers');
    assert.deepEqual(a.reviews[0]?.groups, ['incident-commanders', 'oncall']);

    const cred = await h.app.inject({
      method: 'GET',
      url: `/v1/approvals/${a.id}/credential`,
      headers: h.auth('ivan'),
    });
    assert.equal(cred.statusCode, 200, cred.body);
    const claims = decodeJwt(cred.json<{ token: string }>().token);
    const ivanId = h.keys.ivan?.principal.id;
    assert.deepEqual(claims.approvers, [
      { sub: ivanId, groups: ['incident-commanders', 'oncall'] },
    ]);
    assert.equal(claims.break_glass, true);

    // the audit log keeps the named group and records the declarer's own
    const events = await h.store.listAuditEvents({ approvalId: a.id }, { limit: 10 });
    const declared = events.items.find((e) => e.event.type === 'approval.break_glass');
    assert.equal(declared?.event.details.approverGroup, 'release-managers');
    assert.deepEqual(declared?.event.details.declarerGroups, ['incident-commanders', 'oncall']);

    // the offline evidence still verifies, credential included
    const jwks = (await h.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
    const bundle = await h.app.inject({
      method: 'GET',
      url: `/v1/evidence/${a.id}`,
      headers: h.auth('ivan'),
    });
    const result = await verifyEvidence(bundle.json<EvidenceBundle>(), {
      jwks: jwks as JSONWebKeySet,
    });
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(result.checks.find((c) => c.name === 'credential')?.status, 'pass');

    // and the gate takes it for the action
    const gate = await h.app.inject({
      method: 'POST',
      url: '/v1/gate',
      headers: h.auth('requester'),
      payload: {
        action: { ...deployAction(`shop:bg-${seq}`), environment: 'prod' },
        credential: cred.json<{ token: string }>().token,
      },
    });
    assert.equal(gate.statusCode, 200, gate.body);
  });

  test('in an environment whose posture denies (no break-glass there), the deny posture wins', async () => {
    const res = await declare('sealed');
    assert.equal(res.statusCode, 403, res.body);
    assert.equal(res.json<{ code: string }>().code, 'action_denied_by_posture');
  });

  test('where break-glass is simply not configured it is still break_glass_not_allowed', async () => {
    const res = await declare('staging');
    assert.equal(res.statusCode, 403, res.body);
    assert.equal(res.json<{ code: string }>().code, 'break_glass_not_allowed');
  });
});
