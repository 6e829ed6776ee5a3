import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHarness, deployAction, type Harness } from '../helpers/harness.js';

describe('idempotent request creation is per requester', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
    await h.addKey('requester-2', ['approvals:request']);
  });
  after(async () => {
    await h.close();
  });

  const create = (who: string, image: string) =>
    h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: h.auth(who),
      payload: { action: deployAction(image) },
    });

  test('the same requester asking again gets its own pending request (200)', async () => {
    const first = await create('requester', 'shop:idem-same');
    assert.equal(first.statusCode, 201);
    const again = await create('requester', 'shop:idem-same');
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().id, first.json().id);
  });

  test('another requester is 409 approval_already_pending with the id, and nothing is created', async () => {
    const first = await create('requester', 'shop:idem-other');
    assert.equal(first.statusCode, 201);
    const before = (await h.store.listApprovals({}, { limit: 1000 })).items.length;
    const other = await create('requester-2', 'shop:idem-other');
    assert.equal(other.statusCode, 409);
    assert.equal(other.json().code, 'approval_already_pending');
    assert.deepEqual(other.json().details, { approvalId: first.json().id });
    assert.ok(!other.body.includes('"requestedBy"'), 'the other request is not handed over');
    assert.equal((await h.store.listApprovals({}, { limit: 1000 })).items.length, before);
  });
});
