/**
 * Evidence bundles hand a live credential's token only to those who may fetch the credential
 * (the requester and admins). Other readers get its claims and digest; the bundle still verifies
 * offline, with the signature check reported as withheld (skipped), every other check run.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { JSONWebKeySet } from 'jose';
import { verifyEvidence, type EvidenceBundle } from '../../src/evidence/evidence.js';
import { createHarness, type Harness } from '../helpers/harness.js';

const POLICY = `
version: 1
environments:
  prod:
    posture: prod
    sideEffects: require_approval
    approvers: { groups: [sre], min: 1 }
    replay: allowed
    actions:
      restart:
        approvers: { groups: [sre], min: 1 }
        singleUse: true
        credentialTtl: 1h
defaults:
  requestTtl: 1h
  maxRequestTtl: 24h
`;

const restart = {
  kind: 'restart',
  environment: 'prod',
  project: 'shop',
  spec: { service: 'checkout' },
  target: 'k8s/prod/checkout',
  reason: 'stuck workers',
};

describe('evidence bundles withhold a live credential from readers who may not fetch it', () => {
  let h: Harness;
  let id: string;
  let token: string;
  let jwks: JSONWebKeySet;

  const inject = (method: 'GET' | 'POST', url: string, who: string, payload?: object) =>
    h.app.inject({ method, url, headers: h.auth(who), ...(payload ? { payload } : {}) });
  const bundleFor = async (who: string) => {
    const r = await inject('GET', `/v1/evidence/${id}`, who);
    assert.equal(r.statusCode, 200, r.body);
    return r.json<EvidenceBundle>();
  };

  before(async () => {
    h = await createHarness({ policy: POLICY });
    await h.addKey('auditor', ['audit:read', 'gate:check']);
    // a requester who may also read evidence: the bundle gives them their own token
    await h.addKey('owner', ['approvals:request', 'gate:check', 'audit:read']);
    const created = await inject('POST', '/v1/approvals', 'owner', { action: restart });
    assert.equal(created.statusCode, 201, created.body);
    id = created.json<{ id: string }>().id;
    const ok = await inject('POST', `/v1/approvals/${id}/approve`, 'bob', { reason: 'ok' });
    assert.equal(ok.statusCode, 200, ok.body);
    const cred = await inject('GET', `/v1/approvals/${id}/credential`, 'owner');
    token = cred.json<{ token: string }>().token;
    jwks = (await h.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
  });
  after(async () => h.close());

  test('an audit:read reader gets claims and a digest, not the token', async () => {
    const b = await bundleFor('auditor');
    const c = b.credential;
    assert.ok(c);
    assert.equal('token' in c, false, 'the live token must not be in the bundle');
    assert.equal(JSON.stringify(b).includes(token), false);
    assert.equal(c.tokenDigest, `sha256:${createHash('sha256').update(token).digest('hex')}`);
    assert.equal(c.claims?.sub, id);
    assert.equal(c.claims?.jti, c.jti);
    assert.match(c.withheld ?? '', /requester or an admin/);
  });

  test('the withheld bundle verifies offline; the signature check is skipped, not failed', async () => {
    const b = await bundleFor('auditor');
    const result = await verifyEvidence(b, { jwks, origin: 'countersign.test/audit' });
    assert.equal(result.ok, true, JSON.stringify(result));
    const checks = Object.fromEntries(result.checks.map((c) => [c.name, c]));
    for (const name of [
      'structure',
      'checkpoint',
      'inclusion',
      'membership',
      'approval',
      'state',
    ]) {
      assert.equal(checks[name]?.status, 'pass', name);
    }
    assert.equal(checks.credential?.status, 'skip');
    assert.match(checks.credential?.detail ?? '', /withheld/);
    if (result.ok) assert.equal(result.summary.credential?.withheld, true);
  });

  test('withheld claims that disagree with the log still fail', async () => {
    const b = await bundleFor('auditor');
    const forged = JSON.parse(JSON.stringify(b)) as EvidenceBundle;
    (forged.credential as unknown as { claims: { sub: string } }).claims.sub = 'apr_someone_else';
    const result = await verifyEvidence(forged, { jwks });
    assert.equal(result.ok, false);
    if (!result.ok) assert.ok(result.problems.some((p) => p.code === 'credential_mismatch'));
  });

  test('the requester and admins get the token, and it verifies in full', async () => {
    for (const who of ['owner', 'admin']) {
      const b = await bundleFor(who);
      assert.equal(b.credential?.token, token, who);
      const result = await verifyEvidence(b, { jwks });
      assert.equal(result.ok, true, JSON.stringify(result));
      assert.equal(result.checks.find((c) => c.name === 'credential')?.status, 'pass');
    }
  });

  test('once the requester consumed it, the token is no longer live and every reader gets it', async () => {
    const gate = await inject('POST', '/v1/gate', 'owner', { action: restart, credential: token });
    assert.equal(gate.statusCode, 200, gate.body);
    const b = await bundleFor('auditor');
    assert.equal(b.credential?.token, token);
    const again = await inject('POST', '/v1/gate', 'auditor', {
      action: restart,
      credential: token,
    });
    assert.equal(again.statusCode, 403);
    assert.equal(again.json<{ code: string }>().code, 'credential_consumed');
  });
});
