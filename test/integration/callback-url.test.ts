import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHarness, deployAction, type Harness } from '../helpers/harness.js';

const CALLBACK = 'https://ci.example.com/hooks/deploy/tok3n-0123456789abcdef?sig=abc';

describe('callbackUrl visibility over HTTP', () => {
  let h: Harness;
  let id: string;
  before(async () => {
    h = await createHarness({ callbackAllowlist: ['https://ci.example.com/hooks/'] });
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: h.auth('requester'),
      payload: { action: deployAction('shop:callback-view'), callbackUrl: CALLBACK },
    });
    assert.equal(res.statusCode, 201, res.body);
    id = res.json().id as string;
  });
  after(async () => {
    await h.close();
  });

  const read = async (who: string) => {
    const one = await h.app.inject({
      method: 'GET',
      url: `/v1/approvals/${id}`,
      headers: h.auth(who),
    });
    assert.equal(one.statusCode, 200, one.body);
    const list = await h.app.inject({ method: 'GET', url: '/v1/approvals', headers: h.auth(who) });
    assert.equal(list.statusCode, 200, list.body);
    const listed = (list.json() as { items: { id: string; callbackUrl: string | null }[] }).items;
    return {
      one: one.json().callbackUrl as string | null,
      listed: listed.find((a) => a.id === id)?.callbackUrl,
    };
  };

  test('the requester and an admin see the full URL', async () => {
    assert.deepEqual(await read('requester'), { one: CALLBACK, listed: CALLBACK });
    assert.deepEqual(await read('admin'), { one: CALLBACK, listed: CALLBACK });
  });

  test('a reviewer and another requester see scheme and host only', async () => {
    const other = await h.addKey('other-requester', ['approvals:request']);
    assert.ok(other);
    for (const who of ['alice', 'other-requester']) {
      const seen = await read(who);
      assert.deepEqual(seen, {
        one: 'https://ci.example.com/…',
        listed: 'https://ci.example.com/…',
      });
    }
  });

  test('the answer to a review by someone else is redacted too', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: `/v1/approvals/${id}/approve`,
      headers: h.auth('alice'),
      payload: { reason: 'ok' },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().callbackUrl, 'https://ci.example.com/…');
  });
});

describe('callbackUrl allowlist at creation over HTTP', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ callbackAllowlist: ['https://ci.example.com/hooks/'] });
  });
  after(async () => {
    await h.close();
  });

  const create = (callbackUrl: string, image: string) =>
    h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: h.auth('requester'),
      payload: { action: deployAction(image), callbackUrl },
    });

  test('a URL that only string-matches the prefix is 400 validation_failed at /callbackUrl', async () => {
    const urls = [
      'https://ci.example.com/hooks/../admin',
      'https://ci.example.com/hooks/%2e%2e/admin',
      'https://user:pw@ci.example.com/hooks/x',
    ];
    for (const [i, url] of urls.entries()) {
      const res = await create(url, `shop:cb-bad-${i}`);
      assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
      assert.equal(res.json().code, 'validation_failed');
      assert.equal(res.json().errors[0].path, '/callbackUrl');
    }
  });

  test('a URL under the prefix is accepted', async () => {
    const res = await create('https://CI.example.com:443/hooks/run/1', 'shop:cb-good');
    assert.equal(res.statusCode, 201, res.body);
  });
});
