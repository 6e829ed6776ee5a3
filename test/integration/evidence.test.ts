import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { JSONWebKeySet } from 'jose';
import { verifyAttestation } from '../../src/evidence/attestation.js';
import { verifyEvidence, type EvidenceBundle } from '../../src/evidence/evidence.js';
import { createHarness, deployAction, type Harness } from '../helpers/harness.js';

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('evidence over HTTP: request → approvals → gate → bundle → offline verification', () => {
  let h: Harness;
  let id: string;
  let jwks: JSONWebKeySet;
  let bundle: EvidenceBundle;

  const inject = (method: 'GET' | 'POST', url: string, who: string, payload?: object) =>
    h.app.inject({ method, url, headers: h.auth(who), ...(payload ? { payload } : {}) });

  before(async () => {
    h = await createHarness();
    const created = await inject('POST', '/v1/approvals', 'requester', { action: deployAction() });
    assert.equal(created.statusCode, 201, created.body);
    id = created.json().id as string;
    for (const who of ['alice', 'bob']) {
      const r = await inject('POST', `/v1/approvals/${id}/approve`, who, { reason: 'reviewed' });
      assert.equal(r.statusCode, 200, r.body);
    }
    const cred = await inject('GET', `/v1/approvals/${id}/credential`, 'requester');
    assert.equal(cred.statusCode, 200, cred.body);
    const gate = await inject('POST', '/v1/gate', 'requester', {
      action: deployAction(),
      credential: cred.json().token,
    });
    assert.equal(gate.statusCode, 200, gate.body);
    // the public keys exactly as a verifier without credentials would fetch them
    const keys = await h.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    jwks = keys.json() as JSONWebKeySet;
    const r = await inject('GET', `/v1/evidence/${id}`, 'admin');
    assert.equal(r.statusCode, 200, r.body);
    bundle = r.json() as EvidenceBundle;
  });
  after(async () => {
    await h.close();
  });

  test('the bundle verifies offline with only the served JWKS', async () => {
    const result = await verifyEvidence(bundle, { jwks, origin: 'countersign.test/audit' });
    assert.equal(result.ok, true, JSON.stringify(result));
    if (!result.ok) return;
    assert.equal(result.summary.approvalId, id);
    assert.equal(result.summary.state, 'approved');
    assert.deepEqual(
      result.checks.map((c) => [c.name, c.status]),
      [
        ['structure', 'pass'],
        ['checkpoint', 'pass'],
        ['inclusion', 'pass'],
        ['membership', 'pass'],
        ['approval', 'pass'],
        ['state', 'pass'],
        ['credential', 'pass'],
      ],
    );
  });

  test('it holds the request, both reviews, the credential and every event of the approval', () => {
    assert.equal(bundle.approval.id, id);
    assert.equal(bundle.approval.reviews.length, 2);
    assert.equal('callbackUrl' in bundle.approval, false);
    assert.deepEqual(
      bundle.events.map((e) => e.event.type),
      [
        'approval.requested',
        'approval.reviewed',
        'approval.approved',
        'credential.issued',
        'gate.allowed',
      ],
    );
    assert.ok(bundle.credential?.token);
    assert.ok(bundle.events.every((e) => e.index < bundle.checkpoint.size));
  });

  test('a checkpoint is signed when the latest one does not cover the last event yet', async () => {
    await inject('POST', `/v1/approvals/${id}/revoke`, 'alice', { reason: 'rollback' });
    const before = await h.store.latestCheckpoint();
    const r = await inject('GET', `/v1/evidence/${id}`, 'admin');
    assert.equal(r.statusCode, 200, r.body);
    const fresh = r.json() as EvidenceBundle;
    assert.ok(before === null || fresh.checkpoint.size > before.size);
    assert.equal(fresh.approval.state, 'revoked');
    const result = await verifyEvidence(fresh, { jwks });
    assert.equal(result.ok, true, JSON.stringify(result));
  });

  test('a tampered bundle fails: an edited event, a forged state, a dropped credential event', async () => {
    const edited = clone(bundle);
    (edited.events[1] as { event: { outcome: string } }).event.outcome = 'approved';
    const r1 = await verifyEvidence(edited, { jwks });
    assert.equal(r1.ok, false);
    if (!r1.ok)
      assert.deepEqual([...new Set(r1.problems.map((p) => p.code))], ['inclusion_failed']);

    const forged = clone(bundle);
    forged.approval.state = 'pending';
    const r2 = await verifyEvidence(forged, { jwks });
    assert.equal(r2.ok, false);
    if (!r2.ok) assert.ok(r2.problems.some((p) => p.code === 'state_mismatch'));

    const dropped = clone(bundle);
    dropped.events = dropped.events.filter((e) => e.event.type !== 'credential.issued');
    const r3 = await verifyEvidence(dropped, { jwks });
    assert.equal(r3.ok, false);
    if (!r3.ok) assert.ok(r3.problems.some((p) => p.code === 'credential_mismatch'));
  });

  test('the attestation is an in-toto Statement in DSSE, signed by the credential key', async () => {
    const r = await inject('GET', `/v1/evidence/${id}/attestation`, 'admin');
    assert.equal(r.statusCode, 200, r.body);
    const envelope = r.json();
    assert.equal(envelope.payloadType, 'application/vnd.in-toto+json');
    const v = verifyAttestation(envelope, jwks);
    assert.equal(v.ok, true, JSON.stringify(v));
    if (!v.ok) return;
    const credentialKid = jwks.keys.find(
      (k) => (k as Record<string, unknown>)['countersign:purpose'] === 'credential',
    )?.kid;
    assert.equal(v.keyid, credentialKid);
    assert.deepEqual(v.statement.subject, [
      {
        name: 'shop/deploy/k8s/prod/shop',
        digest: { sha256: bundle.approval.action.specHash.slice(7) },
      },
    ]);
    assert.equal(v.statement.predicate.approvalId, id);
    assert.deepEqual(
      v.statement.predicate.approvers.map((a) => a.name),
      ['alice', 'bob'],
    );

    const tampered = {
      ...envelope,
      payload: Buffer.from(
        JSON.stringify({
          ...v.statement,
          predicate: { ...v.statement.predicate, state: 'denied' },
        }),
      ).toString('base64'),
    };
    const bad = verifyAttestation(tampered, jwks);
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.equal(bad.code, 'invalid_signature');
  });

  test('attach-decision: same action attaches and the bundle lists it with its audit event; another action is 409', async () => {
    const d = await inject('POST', '/v1/decisions', 'requester', { action: deployAction() });
    assert.equal(d.statusCode, 200, d.body);
    const decisionId = d.json().decision.decisionId as string;
    const attached = await inject('POST', `/v1/approvals/${id}/attach-decision`, 'requester', {
      decisionId,
    });
    assert.equal(attached.statusCode, 200, attached.body);
    assert.deepEqual(attached.json().attachedDecisions, [decisionId]);
    const again = await inject('POST', `/v1/approvals/${id}/attach-decision`, 'requester', {
      decisionId,
    });
    assert.deepEqual(
      again.json().attachedDecisions,
      [decisionId],
      'attaching twice changes nothing',
    );

    const other = await inject('POST', '/v1/decisions', 'requester', {
      action: deployAction('shop:9.9.9'),
    });
    const otherId = other.json().decision.decisionId as string;
    const refused = await inject('POST', `/v1/approvals/${id}/attach-decision`, 'requester', {
      decisionId: otherId,
    });
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json().code, 'decision_mismatch');

    const r = await inject('GET', `/v1/evidence/${id}`, 'admin');
    const withDecision = r.json() as EvidenceBundle;
    assert.deepEqual(
      withDecision.attachedDecisions.map((x) => x.decisionId),
      [decisionId],
    );
    assert.ok(
      withDecision.events.some(
        (e) => e.event.type === 'decision.evaluated' && e.event.decisionId === decisionId,
      ),
    );
    const result = await verifyEvidence(withDecision, { jwks });
    assert.equal(result.ok, true, JSON.stringify(result));

    const unlisted = clone(withDecision);
    unlisted.attachedDecisions = [];
    const bad = await verifyEvidence(unlisted, { jwks });
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.ok(bad.problems.some((p) => p.code === 'decision_mismatch'));
  });

  test('bundles of break-glass, denied and cancelled requests verify, and forged reviews, requester or history do not', async () => {
    const bg = await inject('POST', '/v1/approvals/break-glass', 'ic', {
      action: deployAction('shop:evidence-bg'),
      reason: 'checkout is down',
      approverGroup: 'release-managers',
      expiresIn: '1h',
      externalRef: 'INC-7',
    });
    assert.equal(bg.statusCode, 201, bg.body);
    const bgId = bg.json().id as string;
    h.clock.advance(1000);
    const revoked = await inject('POST', `/v1/approvals/${bgId}/revoke`, 'admin', {
      reason: 'resolved',
    });
    assert.equal(revoked.statusCode, 200, revoked.body);

    const denied = await inject('POST', '/v1/approvals', 'requester', {
      action: deployAction('shop:evidence-deny'),
    });
    const deniedId = denied.json().id as string;
    h.clock.advance(1000);
    const deny = await inject('POST', `/v1/approvals/${deniedId}/deny`, 'bob', { reason: 'no' });
    assert.equal(deny.statusCode, 200, deny.body);

    const cancelled = await inject('POST', '/v1/approvals', 'requester', {
      action: deployAction('shop:evidence-cancel'),
    });
    const cancelledId = cancelled.json().id as string;
    const cancel = await inject('POST', `/v1/approvals/${cancelledId}/cancel`, 'requester', {});
    assert.equal(cancel.statusCode, 200, cancel.body);

    for (const [approvalId, state] of [
      [bgId, 'revoked'],
      [deniedId, 'denied'],
      [cancelledId, 'cancelled'],
    ]) {
      const r = await inject('GET', `/v1/evidence/${approvalId}`, 'admin');
      assert.equal(r.statusCode, 200, r.body);
      const honest = r.json() as EvidenceBundle;
      const result = await verifyEvidence(honest, { jwks });
      assert.equal(result.ok, true, JSON.stringify(result));
      assert.equal(result.ok && result.summary.state, state);

      const forgedHistory = clone(honest);
      const last = forgedHistory.approval.history.at(-1) as { reason?: string };
      last.reason = 'edited';
      const bad = await verifyEvidence(forgedHistory, { jwks });
      assert.equal(bad.ok, false, `${state}: an edited history reason`);
      if (!bad.ok) assert.ok(bad.problems.every((p) => p.code === 'state_mismatch'));
    }

    const r = await inject('GET', `/v1/evidence/${id}`, 'admin');
    const approved = r.json() as EvidenceBundle;
    const forgeries: ((a: EvidenceBundle['approval']) => void)[] = [
      (a) => ((a.reviews[0] as { reason: string }).reason = 'edited'),
      (a) => ((a.reviews[1] as { groups: string[] }).groups = ['release-managers', 'sre']),
      (a) => (a.requestedBy = { ...a.requestedBy, id: 'apikey:someone-else' }),
    ];
    for (const forge of forgeries) {
      const b = clone(approved);
      forge(b.approval);
      const v = await verifyEvidence(b, { jwks });
      assert.equal(v.ok, false, forge.toString());
      if (!v.ok) assert.deepEqual([...new Set(v.problems.map((p) => p.code))], ['state_mismatch']);
    }
  });

  test('evidence needs audit:read (403), an unknown approval is 404, unknown body fields are 400', async () => {
    assert.equal((await inject('GET', `/v1/evidence/${id}`, 'requester')).statusCode, 403);
    assert.equal((await inject('GET', `/v1/evidence/${id}/attestation`, 'alice')).statusCode, 403);
    assert.equal((await inject('GET', '/v1/evidence/apr_nope', 'admin')).statusCode, 404);
    const unauth = await h.app.inject({ method: 'GET', url: `/v1/evidence/${id}` });
    assert.equal(unauth.statusCode, 401);
    const extra = await inject('POST', `/v1/approvals/${id}/attach-decision`, 'requester', {
      decisionId: 'x',
      actor: 'me',
    });
    assert.equal(extra.statusCode, 400);
    const missing = await inject('POST', `/v1/approvals/${id}/attach-decision`, 'requester', {
      decisionId: 'dec_nope',
    });
    assert.equal(missing.statusCode, 404);
  });
});
