/**
 * What was approved is what runs: each way around a binding found on an earlier version, as a
 * request → approval → gate round trip over HTTP against a real SQLite store.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { createHarness, type Harness } from '../helpers/harness.js';

const POLICY = `
version: 1
environments:
  prod:
    posture: prod
    sideEffects: require_approval
    approvers: { groups: [release-managers], min: 1 }
    replay: allowed
    crossEnvironmentReplay: true
    actions:
      replay:
        approvers: { groups: [sre], min: 1 }
rules:
  - id: agent-writes
    match: { kind: agent_change, riskTags: [write] }
    approvers: { groups: [sre], min: 1 }
    constraints: { max_lines_changed: 500, max_runtime_sec: 900 }
  - id: agent-other
    match: { kind: agent_change }
    approvers: { groups: [release-managers], min: 1 }
    constraints: { max_runtime_sec: 3600 }
routing:
  - id: payments-owners
    match: { repository: payments/api }
    approverGroup: sre
defaults:
  requestTtl: 1h
  maxRequestTtl: 24h
`;

describe('bound means bound: the gate runs only what was approved', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ policy: POLICY });
  });
  after(async () => {
    await h.close();
  });

  const post = (url: string, who: string, payload: object) =>
    h.app.inject({ method: 'POST', url, headers: h.auth(who), payload });

  const gate = (action: object, credential?: string) =>
    post('/v1/gate', 'requester', { action, ...(credential ? { credential } : {}) });

  /** Opens a request and has `reviewer` approve it; returns the request and its credential. */
  async function approve(action: object, reviewer: string) {
    const created = await post('/v1/approvals', 'requester', { action });
    assert.equal(created.statusCode, 201, created.body);
    const id = created.json().id as string;
    const r = await post(`/v1/approvals/${id}/approve`, reviewer, { reason: 'reviewed' });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().state, 'approved');
    const cred = await h.app.inject({
      method: 'GET',
      url: `/v1/approvals/${id}/credential`,
      headers: h.auth('requester'),
    });
    assert.equal(cred.statusCode, 200, cred.body);
    return {
      id,
      actionHash: created.json().actionHash as string,
      token: cred.json().token as string,
    };
  }

  test('risk tags and constraints: the approved ones are in the credential, and dropping a tag is decision_mismatch', async () => {
    const action = {
      kind: 'agent_change',
      environment: 'prod',
      project: 'shop',
      spec: { tool: 'edit', path: 'src/app.ts' },
      target: 'src/app.ts',
      riskTags: ['write'],
    };
    const { token, actionHash } = await approve(action, 'bob'); // bob is sre: agent-writes
    const claims = decodeJwt(token);
    assert.deepEqual(claims.risk_tags, ['prod', 'write']);
    assert.deepEqual(claims.constraints, { max_lines_changed: 500, max_runtime_sec: 900 });
    assert.equal(claims.rule, 'rules.agent-writes');
    assert.deepEqual(claims.quorum, { min: 1, mode: 'any', groups: ['sre'] });
    assert.equal(claims.action_hash, actionHash);

    // the same spec without its write tag matches agent-other: other approvers, looser bounds
    const untagged: Record<string, unknown> = { ...action };
    delete untagged.riskTags;
    const r = await gate(untagged, token);
    assert.equal(r.statusCode, 403, r.body);
    assert.equal(r.json().code, 'decision_mismatch');
    assert.deepEqual(r.json().details.differs, ['rule', 'quorum', 'riskTags', 'constraints']);

    // a refused presentation consumed nothing: the faithful action still passes, once
    const ok = await gate(action, token);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal((await gate(action, token)).json().code, 'credential_consumed');
  });

  test('an added risk tag is refused too (the reviewers never saw it)', async () => {
    const action = {
      kind: 'agent_change',
      environment: 'prod',
      project: 'shop',
      spec: { tool: 'edit', path: 'src/b.ts' },
      riskTags: ['write'],
    };
    const { token } = await approve(action, 'bob');
    const r = await gate({ ...action, riskTags: ['write', 'secrets'] }, token);
    assert.equal(r.statusCode, 403);
    assert.equal(r.json().code, 'decision_mismatch');
    assert.deepEqual(r.json().details.unbound, ['secrets']);
  });

  test('the repository: a credential approved for payments/api does not pass for billing/api', async () => {
    const action = {
      kind: 'deploy',
      environment: 'prod',
      project: 'api',
      spec: { image: 'api:2.0.0' },
      repository: 'payments/api',
    };
    const { token } = await approve(action, 'bob'); // routed to sre by payments-owners
    const r = await gate({ ...action, repository: 'billing/api' }, token);
    assert.equal(r.statusCode, 403, r.body);
    assert.equal(r.json().code, 'action_mismatch');
    assert.equal(r.json().details.field, 'repository');
    assert.equal((await gate(action, token)).statusCode, 200);
  });

  test('replay provenance: requests that differ only in source are two requests, each bound to its source', async () => {
    const register = await post('/v1/projects/shop/versions', 'admin', {
      version: '1.4.2',
      specHash: `sha256:${'ab'.repeat(32)}`,
    });
    assert.equal(register.statusCode, 201, register.body);
    const replay = (sourceEnvironment: string) => ({
      kind: 'replay',
      environment: 'prod',
      project: 'shop',
      specHash: `sha256:${'ab'.repeat(32)}`,
      sourceEnvironment,
      pipelineVersion: '1.4.2',
    });
    const fromStaging = await post('/v1/approvals', 'requester', { action: replay('staging') });
    const fromDev = await post('/v1/approvals', 'requester', { action: replay('dev') });
    assert.equal(fromStaging.statusCode, 201, fromStaging.body);
    assert.equal(fromDev.statusCode, 201, fromDev.body);
    assert.notEqual(fromStaging.json().id, fromDev.json().id);
    assert.notEqual(fromStaging.json().actionHash, fromDev.json().actionHash);

    const id = fromStaging.json().id as string;
    assert.equal(
      (await post(`/v1/approvals/${id}/approve`, 'bob', { reason: 'ok' })).statusCode,
      200,
    );
    const cred = await h.app.inject({
      method: 'GET',
      url: `/v1/approvals/${id}/credential`,
      headers: h.auth('requester'),
    });
    const token = cred.json().token as string;
    const other = await gate(replay('dev'), token);
    assert.equal(other.statusCode, 403, other.body);
    assert.equal(other.json().code, 'action_mismatch');
    assert.equal(other.json().details.field, 'sourceEnvironment');
    // another claimed version: the registry refuses it before the credential is read (the
    // credential binds it too: offline, that is action_mismatch on pipelineVersion)
    const version = await gate({ ...replay('staging'), pipelineVersion: '1.4.3' }, token);
    assert.equal(version.json().code, 'pipeline_version_mismatch');
    assert.equal((await gate(replay('staging'), token)).statusCode, 200);
  });

  test('the same policy re-decides on every call: a rule edit that keeps the snapshot is impossible, a drift is policy_snapshot_mismatch', async () => {
    const action = {
      kind: 'agent_change',
      environment: 'prod',
      project: 'shop',
      spec: { tool: 'edit', path: 'src/c.ts' },
      riskTags: ['write'],
    };
    const { token } = await approve(action, 'bob');
    // tighten the rule's constraints: the approved bounds are no longer the policy's
    h.setPolicy(POLICY.replace('max_lines_changed: 500', 'max_lines_changed: 50'));
    try {
      const r = await gate(action, token);
      assert.equal(r.statusCode, 403);
      assert.equal(r.json().code, 'policy_snapshot_mismatch');
      assert.deepEqual(r.json().details.differs, ['constraints']);
    } finally {
      h.setPolicy(POLICY);
    }
    assert.equal((await gate(action, token)).statusCode, 200);
  });
});
