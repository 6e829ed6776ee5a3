import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { jcsHash } from '../../src/lib/hash.js';
import { createHarness, deployAction, TEST_POLICY, type Harness } from '../helpers/harness.js';

const SPEC = `sha256:${'a'.repeat(64)}`;

describe('registering pipeline versions over HTTP', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(async () => {
    await h.close();
  });

  const register = (version: string, who = 'admin', specHash = SPEC, project = 'shop') =>
    h.app.inject({
      method: 'POST',
      url: `/v1/projects/${project}/versions`,
      headers: h.auth(who),
      payload: { version, specHash },
    });
  const events = async () =>
    (
      await h.store.listAuditEvents({ type: 'pipeline.version_registered' }, { limit: 100 })
    ).items.map((e) => e.event);
  const gate = (action: object, who = 'requester') =>
    h.app.inject({ method: 'POST', url: '/v1/gate', headers: h.auth(who), payload: { action } });

  test('the identical registration again is idempotent: no second event, the stored record answered', async () => {
    const first = await register('1.0.0');
    assert.ok(first.statusCode < 300, first.body);
    const stored = first.json();
    assert.deepEqual(stored, await h.store.findPipelineVersion('shop', SPEC));

    h.clock.advance(60_000);
    const again = await register('1.0.0');
    assert.ok(again.statusCode < 300, again.body);
    assert.deepEqual(again.json(), stored, 'the answer is what is stored, not a new timestamp');
    assert.equal((await events()).length, 1);
  });

  test('another version for the same spec hash replaces it, audited with the previous version', async () => {
    h.clock.advance(60_000);
    const res = await register('1.0.1');
    assert.ok(res.statusCode < 300, res.body);
    const stored = await h.store.findPipelineVersion('shop', SPEC);
    assert.equal(stored?.version, '1.0.1');
    assert.deepEqual(res.json(), stored);
    const all = await events();
    assert.equal(all.length, 2);
    assert.deepEqual(all[1]?.details, { version: '1.0.1', previousVersion: '1.0.0' });
  });

  test('an allowed deploy at the gate registers nothing: a later execute replay of its spec stays unresolved', async () => {
    const before = (await events()).length;
    const dev = { ...deployAction('shop:dev-only'), environment: 'dev' };
    const allowed = await gate(dev);
    assert.equal(allowed.statusCode, 200, allowed.body);
    const specHash = jcsHash(dev.spec);
    assert.equal(await h.store.findPipelineVersion('shop', specHash), null);
    assert.equal((await events()).length, before, 'no version_registered event either');
    const replay = await gate({
      kind: 'replay',
      environment: 'prod',
      project: 'shop',
      specHash,
      sourceEnvironment: 'prod',
    });
    assert.equal(replay.statusCode, 403, replay.body);
    assert.equal(replay.json().code, 'pipeline_version_unresolved');
  });

  test('a versions:write key registers, audited under its own identity; other keys get 403', async () => {
    const builder = await h.addKey('builder', ['versions:write']);
    const spec = `sha256:${'b'.repeat(64)}`;
    const res = await register('3.1.0', 'builder', spec);
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().registeredBy, builder.principal.id);
    const last = (await events()).at(-1);
    assert.equal(last?.actor.id, builder.principal.id);
    assert.equal(last?.specHash, spec);

    const forbidden = await register('3.1.1', 'requester', `sha256:${'c'.repeat(64)}`);
    assert.equal(forbidden.statusCode, 403, forbidden.body);
    assert.equal(forbidden.json().code, 'forbidden');
    assert.equal(await h.store.findPipelineVersion('shop', `sha256:${'c'.repeat(64)}`), null);
  });

  test('an API key may be created with the versions:write scope; an unknown scope is 400', async () => {
    const ok = await h.app.inject({
      method: 'POST',
      url: '/v1/apikeys',
      headers: h.auth('admin'),
      payload: { name: 'ci-builder', scopes: ['versions:write'] },
    });
    assert.equal(ok.statusCode, 201, ok.body);
    assert.deepEqual(ok.json().apiKey.scopes, ['versions:write']);
    const bad = await h.app.inject({
      method: 'POST',
      url: '/v1/apikeys',
      headers: h.auth('admin'),
      payload: { name: 'x', scopes: ['versions:read'] },
    });
    assert.equal(bad.statusCode, 400, bad.body);
  });

  test('GET /v1/projects/{project}/versions lists a project’s versions, newest first, bounded with a cursor', async () => {
    for (let i = 0; i < 3; i++) {
      h.clock.advance(1_000);
      const r = await register(`9.0.${i}`, 'admin', `sha256:${String(i).repeat(64)}`, 'listed');
      assert.equal(r.statusCode, 201, r.body);
    }
    const reader = await h.addKey('auditor', ['audit:read']);
    assert.ok(reader);
    const page1 = await h.app.inject({
      method: 'GET',
      url: '/v1/projects/listed/versions?limit=2',
      headers: h.auth('auditor'),
    });
    assert.equal(page1.statusCode, 200, page1.body);
    const body1 = page1.json() as {
      items: { version: string; specHash: string; registeredBy: string; registeredAt: string }[];
      nextCursor: string | null;
    };
    assert.deepEqual(
      body1.items.map((v) => v.version),
      ['9.0.2', '9.0.1'],
    );
    assert.equal(body1.items[0]?.registeredBy, h.keys.admin?.principal.id);
    assert.ok(body1.nextCursor);
    const page2 = await h.app.inject({
      method: 'GET',
      url: `/v1/projects/listed/versions?limit=2&cursor=${encodeURIComponent(body1.nextCursor as string)}`,
      headers: h.auth('auditor'),
    });
    assert.deepEqual(
      (page2.json() as typeof body1).items.map((v) => v.version),
      ['9.0.0'],
    );
    assert.equal((page2.json() as typeof body1).nextCursor, null);

    const tooMany = await h.app.inject({
      method: 'GET',
      url: '/v1/projects/listed/versions?limit=500',
      headers: h.auth('auditor'),
    });
    assert.equal(tooMany.statusCode, 400);
    assert.equal(tooMany.json().code, 'validation_failed');
    const none = await h.app.inject({
      method: 'GET',
      url: '/v1/projects/empty/versions',
      headers: h.auth('auditor'),
    });
    assert.deepEqual(none.json(), { items: [], nextCursor: null });
    const anon = await h.app.inject({ method: 'GET', url: '/v1/projects/listed/versions' });
    assert.equal(anon.statusCode, 401);
  });

  test('a replay whose claimed pipelineVersion differs from the registry is refused', async () => {
    const spec = `sha256:${'d'.repeat(64)}`;
    assert.equal((await register('2.0.0', 'admin', spec)).statusCode, 201);
    const replay = {
      kind: 'replay',
      environment: 'prod',
      project: 'shop',
      specHash: spec,
      sourceEnvironment: 'prod',
    };
    const lying = await gate({ ...replay, pipelineVersion: '1.9.0' });
    assert.equal(lying.statusCode, 403, lying.body);
    assert.equal(lying.json().code, 'pipeline_version_mismatch');
    assert.deepEqual(
      { claimed: lying.json().details.claimed, registered: lying.json().details.registered },
      { claimed: '1.9.0', registered: '2.0.0' },
    );
    const honest = await gate({ ...replay, pipelineVersion: '2.0.0' });
    assert.equal(honest.json().code, 'approval_required', honest.body);
    const unnamed = await gate(replay);
    assert.equal(unnamed.json().code, 'approval_required', unnamed.body);
  });
});

/** TEST_POLICY with a `canon` environment that requires registered versions for execute deploys. */
const CANON_POLICY = TEST_POLICY.replace(
  'environments:\n',
  `environments:
  canon:
    posture: prod
    sideEffects: require_approval
    approvers: { groups: [release-managers], min: 1 }
    requireRegisteredVersion: [deploy]
`,
);

describe('requireRegisteredVersion: only registered builds run', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ policy: CANON_POLICY });
  });
  after(async () => {
    await h.close();
  });
  const canon = (image: string, extra: object = {}) => ({
    ...deployAction(image),
    environment: 'canon',
    ...extra,
  });
  const post = (url: string, who: string, payload: object) =>
    h.app.inject({ method: 'POST', url, headers: h.auth(who), payload });

  test('an unregistered spec hash is refused at the gate and when asking for approval', async () => {
    const action = canon('shop:unregistered');
    const gate = await post('/v1/gate', 'requester', { action });
    assert.equal(gate.statusCode, 403, gate.body);
    assert.equal(gate.json().code, 'spec_hash_not_registered');
    assert.equal(gate.json().details.specHash, jcsHash(action.spec));
    const ask = await post('/v1/approvals', 'requester', { action });
    assert.equal(ask.statusCode, 403, ask.body);
    assert.equal(ask.json().code, 'spec_hash_not_registered');
    assert.equal((await h.store.listApprovals({}, { limit: 10 })).items.length, 0);
    // a dry run changes nothing: not refused for the registry
    const dry = await post('/v1/gate', 'requester', { action: { ...action, mode: 'dry-run' } });
    assert.notEqual(dry.json().code, 'spec_hash_not_registered', dry.body);
    // kinds not listed are not concerned
    const restart = await post('/v1/gate', 'requester', {
      action: { ...action, kind: 'restart' },
    });
    assert.equal(restart.json().code, 'approval_required', restart.body);
  });

  test('a registered spec hash is allowed through; reviewers see the registered version', async () => {
    const action = canon('shop:2.4.0');
    const specHash = jcsHash(action.spec);
    const reg = await post('/v1/projects/shop/versions', 'admin', { version: '2.4.0', specHash });
    assert.equal(reg.statusCode, 201, reg.body);
    const gate0 = await post('/v1/gate', 'requester', { action });
    assert.equal(gate0.json().code, 'approval_required', gate0.body);
    const ask = await post('/v1/approvals', 'requester', { action });
    assert.equal(ask.statusCode, 201, ask.body);
    const id = ask.json().id as string;
    const view = await h.app.inject({
      method: 'GET',
      url: `/v1/approvals/${id}`,
      headers: h.auth('alice'),
    });
    assert.deepEqual(view.json().registeredVersion, {
      version: '2.4.0',
      registeredAt: reg.json().registeredAt,
      registeredBy: h.keys.admin?.principal.id,
    });
    assert.equal(
      (await post(`/v1/approvals/${id}/approve`, 'alice', { reason: 'canonical build' }))
        .statusCode,
      200,
    );
    const cred = await h.app.inject({
      method: 'GET',
      url: `/v1/approvals/${id}/credential`,
      headers: h.auth('requester'),
    });
    const pass = await post('/v1/gate', 'requester', { action, credential: cred.json().token });
    assert.equal(pass.statusCode, 200, pass.body);
  });

  test('the claimed pipelineVersion of a deploy must match the registry there', async () => {
    const action = canon('shop:2.4.0', { pipelineVersion: '2.3.9' });
    const gate = await post('/v1/gate', 'requester', { action });
    assert.equal(gate.statusCode, 403, gate.body);
    assert.equal(gate.json().code, 'pipeline_version_mismatch');
  });

  test('an unregistered spec hash shows registeredVersion null to reviewers elsewhere', async () => {
    const ask = await post('/v1/approvals', 'requester', { action: deployAction('shop:plain') });
    assert.equal(ask.statusCode, 201, ask.body);
    const view = await h.app.inject({
      method: 'GET',
      url: `/v1/approvals/${ask.json().id}`,
      headers: h.auth('alice'),
    });
    assert.equal(view.json().registeredVersion, null);
  });
});
