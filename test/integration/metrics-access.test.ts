/** `/metrics` is behind the `metrics:read` scope (or admin): it is no longer open to anyone. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHarness, type Harness } from '../helpers/harness.js';

describe('/metrics needs metrics:read', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
    await h.addKey('prometheus', ['metrics:read']);
  });
  after(async () => h.close());

  const scrape = (headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'GET', url: '/metrics', headers });

  test('without credentials it is 401 problem+json, with no metric in it', async () => {
    const res = await scrape();
    assert.equal(res.statusCode, 401);
    assert.equal(res.json<{ code: string }>().code, 'unauthenticated');
    assert.ok(!res.body.includes('countersign_'));
  });

  test('a principal without metrics:read gets 403 forbidden', async () => {
    for (const who of ['requester', 'alice']) {
      const res = await scrape(h.auth(who));
      assert.equal(res.statusCode, 403, who);
      assert.equal(res.json<{ code: string }>().code, 'forbidden');
    }
  });

  test('a metrics:read key and an admin scrape it', async () => {
    for (const who of ['prometheus', 'admin']) {
      const res = await scrape(h.auth(who));
      assert.equal(res.statusCode, 200, who);
      assert.match(res.body, /countersign_process_cpu_seconds_total/);
    }
  });

  test('metrics:read grants nothing else', async () => {
    const res = await h.app.inject({
      method: 'GET',
      url: '/v1/audit',
      headers: h.auth('prometheus'),
    });
    assert.equal(res.statusCode, 403);
  });
});
