import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHarness, type Harness } from '../helpers/harness.js';

const SPEC = `sha256:${'a'.repeat(64)}`;

describe('registering pipeline versions over HTTP', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(async () => {
    await h.close();
  });

  const register = (version: string) =>
    h.app.inject({
      method: 'POST',
      url: '/v1/projects/shop/versions',
      headers: h.auth('admin'),
      payload: { version, specHash: SPEC },
    });
  const events = async () =>
    (
      await h.store.listAuditEvents({ type: 'pipeline.version_registered' }, { limit: 100 })
    ).items.map((e) => e.event);

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
});
