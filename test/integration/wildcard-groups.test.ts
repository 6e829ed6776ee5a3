/**
 * Group claims are literal names: a group named `*` in an OIDC token or on an API key is no
 * wildcard. Only the devMode principal (no credentials, devMode on) counts for every group.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { JWTPayload } from 'jose';
import { systemClock } from '../../src/lib/clock.js';
import { createOidcVerifier } from '../../src/identity/oidc.js';
import { generateApiKey } from '../../src/identity/api-keys.js';
import { SYSTEM_PRINCIPAL } from '../../src/domain/principal.js';
import { InputError } from '../../src/errors/index.js';
import {
  issuerConfig,
  makeSigningKey,
  mintToken,
  startJwksServer,
  TEST_RBAC,
  type JwksServer,
  type SigningKey,
} from '../helpers/oidc-keys.js';
import { createHarness, deployAction, type Harness } from '../helpers/harness.js';

const ISS = 'https://login.test.example';

interface View {
  id: string;
  state: string;
  canReview: boolean;
  cannotReviewReason: string | null;
  reviews: { groups: string[] }[];
  code?: string;
}

let seq = 0;

describe('a group named * is a literal name, never the devMode wildcard', () => {
  let h: Harness;
  let key: SigningKey;
  let jwks: JwksServer;

  const bearer = async (sub: string, groups: unknown) => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: ISS, aud: 'countersign', sub, iat: now - 5, exp: now + 600, groups };
    return { authorization: `Bearer ${await mintToken(key, claims as JWTPayload)}` };
  };
  const open = async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: h.auth('requester'),
      payload: { action: deployAction(`shop:${++seq}`) },
    });
    assert.equal(res.statusCode, 201, res.body);
    return res.json<View>();
  };
  const approve = async (id: string, headers: Record<string, string>) => {
    const res = await h.app.inject({
      method: 'POST',
      url: `/v1/approvals/${id}/approve`,
      headers,
      payload: { reason: 'looks fine' },
    });
    return { status: res.statusCode, body: res.json<View>() };
  };
  const view = async (id: string, headers: Record<string, string>) =>
    (await h.app.inject({ method: 'GET', url: `/v1/approvals/${id}`, headers })).json<View>();

  before(async () => {
    key = await makeSigningKey('wildcard-1');
    jwks = await startJwksServer([key.publicJwk]);
    const oidc = createOidcVerifier([issuerConfig({ jwksUri: jwks.url })], TEST_RBAC, {
      clock: systemClock,
      timeoutMs: 2_000,
    });
    h = await createHarness({ rbac: TEST_RBAC, oidc });
  });
  after(async () => {
    await h.close();
    await jwks.close();
  });

  test('a token whose groups claim is ["*"] is not eligible for anything', async () => {
    const req = await open();
    for (const groups of [['*'], '*', ['*', 'contractors'], 'contractors, *']) {
      const star = await bearer(`star-${++seq}`, groups);
      const seen = await view(req.id, star);
      assert.equal(seen.canReview, false, JSON.stringify(groups));
      assert.equal(seen.cannotReviewReason, 'not_eligible');
      const r = await approve(req.id, star);
      assert.equal(r.status, 403, JSON.stringify(groups));
      assert.equal(r.body.code, 'not_eligible');
    }
    assert.equal((await view(req.id, h.auth('admin'))).reviews.length, 0);
  });

  test('one review by a "*" holder never covers every group of a mode: each quorum', async () => {
    // prod deploy: release-managers AND sre, min 2
    const req = await open();
    const r = await approve(req.id, await bearer('rm-star', ['release-managers', '*']));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.reviews[0]?.groups, ['release-managers']);
    const second = await approve(req.id, await bearer('rm-two', ['release-managers', '*']));
    assert.equal(second.status, 200);
    assert.equal(second.body.state, 'pending', 'sre has not approved');
  });

  test('an API key cannot be given the group "*", through the API or the service', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/apikeys',
      headers: h.auth('admin'),
      payload: { name: 'star', scopes: ['approvals:review'], groups: ['*'] },
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json<{ code: string }>().code, 'validation_failed');
    await assert.rejects(
      h.services.apiKeys.create(
        SYSTEM_PRINCIPAL,
        { name: 'star', scopes: ['approvals:review'], groups: ['*'] },
        { bootstrap: true },
      ),
      (err: unknown) =>
        err instanceof InputError &&
        err.code === 'validation_failed' &&
        JSON.stringify(err.errors).includes('/groups/0'),
    );
  });

  test('a stored key that already carries "*" is not eligible either', async () => {
    const generated = generateApiKey();
    await h.store.transaction((tx) =>
      tx.insertApiKey({
        id: generated.id,
        name: 'legacy-star',
        secretHash: generated.secretHash,
        scopes: ['approvals:review'],
        groups: ['*'],
        createdAt: '2026-01-01T00:00:00.000Z',
        createdBy: 'system',
        lastUsedAt: null,
        revokedAt: null,
      }),
    );
    const req = await open();
    const r = await approve(req.id, { authorization: `Bearer ${generated.key}` });
    assert.equal(r.status, 403);
    assert.equal(r.body.code, 'not_eligible');
  });
});

describe('the devMode principal still counts for every group', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ devMode: true });
  });
  after(async () => h.close());

  test('two devMode users approve a mode: each deploy', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: { 'x-countersign-dev-user': 'dana' },
      payload: { action: deployAction('shop:dev-1') },
    });
    const id = res.json<View>().id;
    for (const user of ['erin', 'fay']) {
      const r = await h.app.inject({
        method: 'POST',
        url: `/v1/approvals/${id}/approve`,
        headers: { 'x-countersign-dev-user': user },
        payload: { reason: 'demo' },
      });
      assert.equal(r.statusCode, 200, r.body);
    }
    const seen = await h.app.inject({ method: 'GET', url: `/v1/approvals/${id}` });
    assert.equal(seen.json<View>().state, 'approved');
    assert.deepEqual(seen.json<View>().reviews[0]?.groups, ['release-managers', 'sre']);
  });
});
