import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHarness, deployAction, TEST_POLICY, type Harness } from '../helpers/harness.js';

describe('selecting an eligible approval: GET /v1/approvals?actionHash=…&usable=true', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
    await h.addKey('requester2', ['approvals:request', 'gate:check']);
    await h.addKey('auditor', ['audit:read']);
  });
  after(async () => {
    await h.close();
  });

  const post = (url: string, who: string, payload: object) =>
    h.app.inject({ method: 'POST', url, headers: h.auth(who), payload });
  const usable = async (actionHash: string, who = 'requester') => {
    const res = await h.app.inject({
      method: 'GET',
      url: `/v1/approvals?actionHash=${encodeURIComponent(actionHash)}&usable=true`,
      headers: h.auth(who),
    });
    assert.equal(res.statusCode, 200, res.body);
    return (res.json() as { items: { id: string }[] }).items.map((a) => a.id);
  };
  /** Opens a request as `who` and has alice and bob approve it. */
  const approved = async (action: object, who = 'requester') => {
    const created = await post('/v1/approvals', who, { action });
    assert.equal(created.statusCode, 201, created.body);
    const id = created.json().id as string;
    for (const r of ['alice', 'bob']) {
      const res = await post(`/v1/approvals/${id}/approve`, r, { reason: 'ok' });
      assert.equal(res.statusCode, 200, res.body);
    }
    return { id, actionHash: created.json().actionHash as string };
  };
  const token = async (id: string, who = 'requester') => {
    const cred = await h.app.inject({
      method: 'GET',
      url: `/v1/approvals/${id}/credential`,
      headers: h.auth(who),
    });
    assert.equal(cred.statusCode, 200, cred.body);
    return cred.json().token as string;
  };

  test('an approved, unused approval is listed; once its single-use credential is used it is not', async () => {
    const action = deployAction('shop:eligible-1');
    const { id, actionHash } = await approved(action);
    assert.deepEqual(await usable(actionHash), [id]);
    assert.deepEqual(await usable(actionHash, 'auditor'), [id], 'any reader may list');
    // a pending request for another action is no answer for this one
    await post('/v1/approvals', 'requester', { action: deployAction('shop:other') });
    const gate = await post('/v1/gate', 'requester', { action, credential: await token(id) });
    assert.equal(gate.statusCode, 200, gate.body);
    assert.deepEqual(await usable(actionHash), [], 'consumed');
  });

  test('pending, revoked and expired approvals are not usable', async () => {
    const pending = await post('/v1/approvals', 'requester', {
      action: deployAction('shop:eligible-pending'),
    });
    assert.deepEqual(await usable(pending.json().actionHash as string), []);

    const revoked = await approved(deployAction('shop:eligible-revoked'));
    assert.deepEqual(await usable(revoked.actionHash), [revoked.id]);
    const rv = await post(`/v1/approvals/${revoked.id}/revoke`, 'admin', { reason: 'no' });
    assert.equal(rv.statusCode, 200, rv.body);
    assert.deepEqual(await usable(revoked.actionHash), []);

    const old = await approved(deployAction('shop:eligible-expired'));
    assert.deepEqual(await usable(old.actionHash), [old.id]);
    h.clock.advance(2 * 3_600_000); // the deploy credential lives 1h
    assert.deepEqual(await usable(old.actionHash), []);
  });

  test('an approval the policy now decides differently is not usable', async () => {
    const { id, actionHash } = await approved(deployAction('shop:eligible-drift'));
    assert.deepEqual(await usable(actionHash), [id]);
    h.setPolicy(TEST_POLICY.replace('min: 2, mode: each', 'min: 3, mode: any'));
    try {
      assert.deepEqual(await usable(actionHash), []);
    } finally {
      h.setPolicy(TEST_POLICY);
    }
    assert.deepEqual(await usable(actionHash), [id]);
  });

  test('asking again for an action with a usable approval returns that approval (200), only to its requester', async () => {
    const action = deployAction('shop:eligible-again');
    const { id } = await approved(action);
    const again = await post('/v1/approvals', 'requester', { action });
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.json().id, id);
    assert.equal(again.json().state, 'approved');
    // once used, asking again opens a new request
    const gate = await post('/v1/gate', 'requester', { action, credential: await token(id) });
    assert.equal(gate.statusCode, 200, gate.body);
    const fresh = await post('/v1/approvals', 'requester', { action });
    assert.equal(fresh.statusCode, 201, fresh.body);
    assert.notEqual(fresh.json().id, id);
  });

  test('another requester is neither handed a usable approval nor blocked by it', async () => {
    const action = deployAction('shop:eligible-other');
    const { id } = await approved(action);
    const other = await post('/v1/approvals', 'requester2', { action });
    assert.equal(other.statusCode, 201, other.body);
    assert.notEqual(other.json().id, id);
    assert.equal(other.json().state, 'pending');
  });

  test('bad input: a malformed actionHash, usable without actionHash, a bad usable value are 400', async () => {
    for (const qs of [
      'actionHash=sha256:xyz&usable=true',
      'actionHash=md5:abc',
      'usable=true',
      `actionHash=sha256:${'a'.repeat(64)}&usable=maybe`,
    ]) {
      const res = await h.app.inject({
        method: 'GET',
        url: `/v1/approvals?${qs}`,
        headers: h.auth('requester'),
      });
      assert.equal(res.statusCode, 400, `${qs}: ${res.body}`);
      assert.equal(res.json().code, 'validation_failed');
    }
  });

  test('actionHash without usable filters by action hash, any state', async () => {
    const action = deployAction('shop:eligible-filter');
    const created = await post('/v1/approvals', 'requester', { action });
    const res = await h.app.inject({
      method: 'GET',
      url: `/v1/approvals?actionHash=${encodeURIComponent(created.json().actionHash)}`,
      headers: h.auth('requester'),
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(
      res.json().items.map((a: { id: string }) => a.id),
      [created.json().id],
    );
  });
});
