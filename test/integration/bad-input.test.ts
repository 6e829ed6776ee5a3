import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createHarness, deployAction, type Harness } from '../helpers/harness.js';

/** A fingerprint of every table's contents, to prove that nothing changed. */
function dbFingerprint(h: Harness): string {
  const db = h.store.database;
  const tables = (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
      name: string;
    }[]
  ).map((t) => t.name);
  const hash = createHash('sha256');
  for (const t of tables) {
    if (t === 'api_keys') continue; // last_used_at is touched by authentication
    hash.update(t);
    hash.update(JSON.stringify(db.prepare(`SELECT * FROM ${t}`).all()));
  }
  return hash.digest('hex');
}

describe('bad input gets a clear problem+json and changes nothing', () => {
  let h: Harness;
  let pendingId: string;
  before(async () => {
    h = await createHarness();
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: h.auth('requester'),
      payload: { action: deployAction('shop:bad-input') },
    });
    pendingId = res.json().id;
  });
  after(async () => {
    await h.close();
  });

  const cases: {
    name: string;
    method: 'POST' | 'GET';
    url: () => string;
    body?: string;
    contentType?: string;
    status: number;
    code: string;
    path?: string;
  }[] = [
    {
      name: 'malformed JSON',
      method: 'POST',
      url: () => '/v1/approvals',
      body: '{"action": {"kind": "deploy",',
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'an unknown top-level field',
      method: 'POST',
      url: () => '/v1/approvals',
      body: JSON.stringify({ action: deployAction('x'), actor: 'admin' }),
      status: 400,
      code: 'validation_failed',
      path: '/actor',
    },
    {
      name: 'an unknown field inside the action (actorClaims is never identity)',
      method: 'POST',
      url: () => '/v1/approvals',
      body: JSON.stringify({
        action: { ...deployAction('x'), actorClaims: { groups: ['admin'] } },
      }),
      status: 400,
      code: 'validation_failed',
      path: '/action/actorClaims',
    },
    {
      name: 'a wrong type',
      method: 'POST',
      url: () => '/v1/approvals',
      body: JSON.stringify({ action: { ...deployAction('x'), capabilities: 'deploy' } }),
      status: 400,
      code: 'validation_failed',
      path: '/action/capabilities',
    },
    {
      name: 'a wrong type in a review',
      method: 'POST',
      url: () => `/v1/approvals/${pendingId}/approve`,
      body: JSON.stringify({ reason: 42 }),
      status: 400,
      code: 'validation_failed',
      path: '/reason',
    },
    {
      name: 'an oversized body',
      method: 'POST',
      url: () => '/v1/approvals',
      body: JSON.stringify({
        action: { ...deployAction('x'), spec: { blob: 'x'.repeat(100_000) } },
      }),
      status: 413,
      code: 'payload_too_large',
    },
    {
      name: 'an unknown approval id',
      method: 'POST',
      url: () => '/v1/approvals/apr_doesnotexist/approve',
      body: JSON.stringify({ reason: 'ok' }),
      status: 404,
      code: 'not_found',
    },
    {
      name: 'an unknown environment',
      method: 'POST',
      url: () => '/v1/approvals',
      body: JSON.stringify({ action: { ...deployAction('x'), environment: 'mars' } }),
      status: 400,
      code: 'unknown_environment',
    },
    {
      name: 'a spec hash that is not sha256',
      method: 'POST',
      url: () => '/v1/approvals',
      body: JSON.stringify({
        action: { kind: 'deploy', environment: 'prod', project: 'shop', specHash: 'md5:abc' },
      }),
      status: 400,
      code: 'validation_failed',
      path: '/action/specHash',
    },
    {
      name: 'a callbackUrl while callbacks are disabled',
      method: 'POST',
      url: () => '/v1/approvals',
      body: JSON.stringify({
        action: deployAction('cb'),
        callbackUrl: 'http://169.254.169.254/latest',
      }),
      status: 400,
      code: 'validation_failed',
      path: '/callbackUrl',
    },
    {
      name: 'an approverGroup outside routing',
      method: 'POST',
      url: () => '/v1/approvals',
      body: JSON.stringify({ action: deployAction('ag'), approverGroup: 'finance' }),
      status: 400,
      code: 'approver_group_not_allowed',
    },
    {
      name: 'a bad query parameter',
      method: 'GET',
      url: () => '/v1/approvals?state=bogus',
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'a non-JSON content type',
      method: 'POST',
      url: () => '/v1/approvals',
      body: 'action=deploy',
      contentType: 'text/plain',
      status: 415,
      code: 'validation_failed',
    },
  ];

  for (const c of cases) {
    test(`${c.name} → ${c.status} ${c.code}, store unchanged`, async () => {
      const before = dbFingerprint(h);
      const res = await h.app.inject({
        method: c.method,
        url: c.url(),
        headers: {
          ...h.auth(c.method === 'POST' && c.url().includes('/approve') ? 'alice' : 'requester'),
          ...(c.body !== undefined ? { 'content-type': c.contentType ?? 'application/json' } : {}),
        },
        ...(c.body !== undefined ? { payload: c.body } : {}),
      });
      assert.equal(res.statusCode, c.status, res.body);
      assert.match(res.headers['content-type'] as string, /^application\/problem\+json/);
      const body = res.json();
      assert.equal(body.code, c.code);
      assert.equal(body.status, c.status);
      assert.ok(!/at .*\.(js|ts):\d+/.test(res.body), 'no stack trace');
      if (c.path) {
        assert.ok(
          body.errors.some((e: { path: string }) => e.path === c.path),
          `errors name ${c.path}: ${JSON.stringify(body.errors)}`,
        );
      }
      assert.equal(dbFingerprint(h), before);
    });
  }

  test('a lone surrogate anywhere in a body is 400 naming the field, never a 500 or 503', async () => {
    const before = dbFingerprint(h);
    const bad = '"bad \\ud800"';
    const create = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: { ...h.auth('requester'), 'content-type': 'application/json' },
      payload: `{"action":{"kind":"deploy","environment":"prod","project":"shop","spec":{"a":1},"target":${bad}}}`,
    });
    assert.equal(create.statusCode, 400, create.body);
    assert.equal(create.json().code, 'validation_failed');
    assert.deepEqual(create.json().errors, [
      { path: '/action/target', message: 'is not well-formed Unicode' },
    ]);
    const review = await h.app.inject({
      method: 'POST',
      url: `/v1/approvals/${pendingId}/approve`,
      headers: { ...h.auth('alice'), 'content-type': 'application/json' },
      payload: `{"reason":${bad}}`,
    });
    assert.equal(review.statusCode, 400, review.body);
    assert.equal(dbFingerprint(h), before);
  });

  test('a malformed or over-long URL is a problem+json with a request id', async () => {
    for (const url of ['/v1/approvals/%ZZ', `/v1/approvals/${'a'.repeat(200)}`]) {
      const res = await h.app.inject({ method: 'GET', url, headers: h.auth('alice') });
      assert.equal(res.statusCode, 400, url);
      assert.match(res.headers['content-type'] as string, /^application\/problem\+json/);
      assert.equal(res.json().code, 'validation_failed');
      assert.ok(res.headers['x-request-id']);
      assert.ok(!res.body.includes('%ZZ'), 'the raw URL is not echoed');
    }
  });

  test('control characters in a name are refused (log lines and text columns stay clean)', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/apikeys',
      headers: h.auth('admin'),
      payload: { name: 'a\u0000\n[fake log]', scopes: ['gate:check'] },
    });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().errors[0].path, '/name');
  });

  test('a value neither alternative of a union accepts is one error saying both (a ttl)', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: h.auth('requester'),
      payload: { action: deployAction('shop:ttl'), ttl: '5x' },
    });
    assert.equal(res.statusCode, 400, res.body);
    assert.deepEqual(res.json().errors, [
      { path: '/ttl', message: 'must match pattern "^[0-9]{1,9}(ms|s|m|h|d)$", or be integer' },
    ]);
  });

  test('routes whose fields are all optional accept no body at all', async () => {
    const created = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: h.auth('requester'),
      payload: { action: deployAction('shop:no-body') },
    });
    const res = await h.app.inject({
      method: 'POST',
      url: `/v1/approvals/${created.json().id}/cancel`,
      headers: h.auth('requester'),
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().state, 'cancelled');
  });

  test('a caller without the scope gets 403 before its body is even parsed', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/apikeys',
      headers: { ...h.auth('requester'), 'content-type': 'application/json' },
      payload: '{"name": "k", "scopes": ["bogus"]',
    });
    assert.equal(res.statusCode, 403, res.body);
    assert.equal(res.json().code, 'forbidden');
  });

  test('the request id is echoed, and the database file is a real SQLite file', async () => {
    const res = await h.app.inject({
      method: 'GET',
      url: '/v1/approvals/nope',
      headers: { ...h.auth('requester'), 'x-request-id': 'trace-123' },
    });
    assert.equal(res.headers['x-request-id'], 'trace-123');
    assert.equal(res.json().instance, 'trace-123');
    assert.equal(readFileSync(h.dbPath).subarray(0, 15).toString(), 'SQLite format 3');
  });
});
