import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { JWTPayload } from 'jose';
import { systemClock } from '../../src/lib/clock.js';
import { createOidcVerifier } from '../../src/identity/oidc.js';
import {
  issuerConfig,
  makeSigningKey,
  mintHs256WithPublicKey,
  mintToken,
  mintUnsignedToken,
  startJwksServer,
  TEST_RBAC,
  type JwksServer,
  type SigningKey,
} from '../helpers/oidc-keys.js';
import { createHarness, type Harness } from '../helpers/harness.js';

const ISS = 'https://login.test.example';

const POLICY = `
version: 1
environments:
  prod:
    posture: prod
    sideEffects: require_approval
    approvers: { groups: [release-managers], min: 1 }
    replay: allowed
    breakGlass: { groups: [incident-commanders], maxDuration: 4h, requireExternalRef: true }
  repo:
    posture: prod
    sideEffects: require_approval
    approvers: { groups: [IAM], min: 1 }
    replay: allowed
defaults:
  requestTtl: 1h
  maxRequestTtl: 24h
`;

interface View {
  id: string;
  state: string;
  canReview: boolean;
  cannotReviewReason: string | null;
  reviewVerdicts: string[];
  reviews: { groups: string[]; reviewer: { id: string } }[];
}

let seq = 0;
const action = (environment: string, repository?: string) => ({
  kind: 'deploy',
  environment,
  project: 'payments',
  spec: { image: `payments:${++seq}` },
  target: 'k8s/payments',
  ...(repository ? { repository } : {}),
});

describe('identity and RBAC over HTTP: OIDC people, API keys, who may do what', () => {
  let h: Harness;
  let key: SigningKey;
  let jwks: JwksServer;

  const token = (claims: Record<string, unknown> = {}, k: SigningKey = key) => {
    const now = Math.floor(Date.now() / 1000);
    const base: Record<string, unknown> = {
      iss: ISS,
      aud: 'countersign',
      sub: 'person',
      iat: now - 5,
      exp: now + 600,
      ...claims,
    };
    return mintToken(k, base as JWTPayload);
  };
  const bearer = async (claims: Record<string, unknown> = {}) => ({
    authorization: `Bearer ${await token(claims)}`,
  });

  before(async () => {
    key = await makeSigningKey('rbac-1');
    jwks = await startJwksServer([key.publicJwk]);
    const oidc = createOidcVerifier([issuerConfig({ jwksUri: jwks.url })], TEST_RBAC, {
      clock: systemClock,
      timeoutMs: 2_000,
    });
    h = await createHarness({ policy: POLICY, rbac: TEST_RBAC, oidc });
    await h.addKey('auditor-key', ['audit:read']);
  });
  after(async () => {
    await h.close();
    await jwks.close();
  });

  const create = async (a: object, headers: Record<string, string> = h.auth('requester')) => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers,
      payload: { action: a },
    });
    return { status: res.statusCode, body: res.json() as View };
  };
  const act = async (
    id: string,
    verb: string,
    headers: Record<string, string>,
    payload: object = { reason: 'checked' },
  ) => {
    const res = await h.app.inject({
      method: 'POST',
      url: `/v1/approvals/${id}/${verb}`,
      headers,
      payload,
    });
    return { status: res.statusCode, body: res.json() as View & { code?: string } };
  };
  const view = async (id: string, headers: Record<string, string>) =>
    (await h.app.inject({ method: 'GET', url: `/v1/approvals/${id}`, headers })).json() as View;

  test('a mapped external group approves with a bearer token; the review counts the mapped group', async () => {
    const { body } = await create(action('prod'));
    const releaser = await bearer({ sub: 'rita', groups: ['github-team:release'] });
    const seen = await view(body.id, releaser);
    assert.equal(seen.canReview, true);
    assert.deepEqual(seen.reviewVerdicts, ['approve', 'deny']);
    const r = await act(body.id, 'approve', releaser);
    assert.equal(r.status, 200);
    assert.equal(r.body.state, 'approved');
    assert.deepEqual(r.body.reviews[0]?.groups, ['release-managers']);
    assert.equal(r.body.reviews[0]?.reviewer.id, `oidc:${ISS}#rita`);
  });

  test('an unmapped external group gets 403 not_eligible, and canReview says so', async () => {
    const { body } = await create(action('prod'));
    const stranger = await bearer({ sub: 'sam', groups: ['github-team:unknown'] });
    const seen = await view(body.id, stranger);
    assert.equal(seen.canReview, false);
    assert.equal(seen.cannotReviewReason, 'not_eligible');
    assert.deepEqual(seen.reviewVerdicts, []);
    const r = await act(body.id, 'approve', stranger);
    assert.equal(r.status, 403);
    assert.equal(r.body.code, 'not_eligible');
    assert.equal((await view(body.id, stranger)).state, 'pending');
  });

  test("repository owners approve their repository's IAM requests and nobody else's", async () => {
    const owner = await bearer({ sub: 'olga', groups: ['github-team:payments-owners'] });
    const mine = await create(action('repo', 'payments/api'));
    const theirs = await create(action('repo', 'billing/api'));
    const none = await create(action('repo'));

    assert.equal((await view(mine.body.id, owner)).canReview, true);
    const ok = await act(mine.body.id, 'approve', owner);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.state, 'approved');
    assert.deepEqual(ok.body.reviews[0]?.groups, ['IAM']);

    for (const other of [theirs, none]) {
      assert.equal((await view(other.body.id, owner)).cannotReviewReason, 'not_eligible');
      const r = await act(other.body.id, 'approve', owner);
      assert.equal(r.status, 403);
      assert.equal(r.body.code, 'not_eligible');
    }
  });

  test('a deny-only repository permission lets owners deny but not approve', async () => {
    const owner = await bearer({ sub: 'otto', groups: ['github-team:payments-owners'] });
    const { body } = await create(action('repo', 'payments/ledger'));
    const seen = await view(body.id, owner);
    assert.equal(seen.canReview, true);
    assert.deepEqual(seen.reviewVerdicts, ['deny']);
    const approve = await act(body.id, 'approve', owner);
    assert.equal(approve.status, 403);
    assert.equal(approve.body.code, 'not_eligible');
    const deny = await act(body.id, 'deny', owner);
    assert.equal(deny.status, 200);
    assert.equal(deny.body.state, 'denied');
  });

  test('people may request approvals without any scope grant; the request is theirs', async () => {
    const person = await bearer({ sub: 'petra', groups: [] });
    const { status, body } = await create(action('prod'), person);
    assert.equal(status, 201);
    assert.equal(body.cannotReviewReason, 'self_approval');
    const cancel = await act(body.id, 'cancel', person, {});
    assert.equal(cancel.status, 200);
    assert.equal(cancel.body.state, 'cancelled');
  });

  test('expire is for admins: a reviewer gets 403 forbidden, an admin by rbac.scopes succeeds', async () => {
    const { body } = await create(action('prod'));
    const r = await act(body.id, 'expire', h.auth('alice'), {});
    assert.equal(r.status, 403);
    assert.equal(r.body.code, 'forbidden');
    const admin = await bearer({ sub: 'ada', groups: ['platform-admins'] });
    const ok = await act(body.id, 'expire', admin, {});
    assert.equal(ok.status, 200);
    assert.equal(ok.body.state, 'expired');
  });

  test('revoke is for an admin or an approver of the request', async () => {
    const { body } = await create(action('prod'));
    assert.equal((await act(body.id, 'approve', h.auth('alice'))).status, 200);
    const stranger = await act(body.id, 'revoke', h.auth('carol'));
    assert.equal(stranger.status, 403);
    assert.equal(stranger.body.code, 'forbidden');
    const approver = await act(body.id, 'revoke', h.auth('alice'));
    assert.equal(approver.status, 200);
    assert.equal(approver.body.state, 'revoked');
  });

  test('break-glass needs a break-glass group, whatever else the caller holds', async () => {
    const payload = {
      action: action('prod'),
      reason: 'outage',
      approverGroup: 'incident-commanders',
      expiresIn: '1h',
      externalRef: 'INC-1',
    };
    const admin = await bearer({ sub: 'adele', groups: ['platform-admins'] });
    const refused = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals/break-glass',
      headers: admin,
      payload,
    });
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().code, 'forbidden');
    const ic = await bearer({ sub: 'ivan', groups: ['incident-commanders'] });
    const ok = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals/break-glass',
      headers: ic,
      payload: { ...payload, action: action('prod') },
    });
    assert.equal(ok.statusCode, 201);
    assert.equal(ok.json().state, 'approved');
  });

  test('the audit log needs audit:read: from a key scope or an rbac.scopes group', async () => {
    const get = async (headers: Record<string, string>) =>
      h.app.inject({ method: 'GET', url: '/v1/audit?limit=1', headers });
    const reviewer = await get(h.auth('alice'));
    assert.equal(reviewer.statusCode, 403);
    assert.equal(reviewer.json().code, 'forbidden');
    const plainPerson = await get(await bearer({ sub: 'pat', groups: ['sre'] }));
    assert.equal(plainPerson.statusCode, 403);
    assert.equal((await get(h.auth('auditor-key'))).statusCode, 200);
    assert.equal((await get(await bearer({ sub: 'aud', groups: ['auditors'] }))).statusCode, 200);
  });

  test('admin routes (API keys) are 403 for anyone without admin', async () => {
    for (const headers of [
      h.auth('alice'),
      h.auth('requester'),
      await bearer({ sub: 'x', groups: ['auditors'] }),
    ]) {
      const list = await h.app.inject({ method: 'GET', url: '/v1/apikeys', headers });
      assert.equal(list.statusCode, 403);
      assert.equal(list.json().code, 'forbidden');
    }
    const admin = await bearer({ sub: 'root', groups: ['platform-admins'] });
    assert.equal(
      (await h.app.inject({ method: 'GET', url: '/v1/apikeys', headers: admin })).statusCode,
      200,
    );
  });

  test('a key without approvals:review cannot review even in the right group (403 forbidden)', async () => {
    await h.addKey('rm-requester', ['approvals:request'], ['release-managers']);
    const { body } = await create(action('prod'));
    const r = await act(body.id, 'approve', h.auth('rm-requester'));
    assert.equal(r.status, 403);
    assert.equal(r.body.code, 'forbidden');
    assert.equal((await view(body.id, h.auth('rm-requester'))).cannotReviewReason, 'forbidden');
  });

  describe('bad bearer tokens are 401 with WWW-Authenticate, never a token in the answer', () => {
    const cases: [string, () => Promise<string>, string][] = [
      ['expired', () => token({ iat: 1_000, exp: 2_000 }), 'token expired'],
      ['wrong issuer', () => token({ iss: 'https://evil.example' }), 'issuer not trusted'],
      ['wrong audience', () => token({ aud: 'someone-else' }), 'audience not accepted'],
      [
        'not yet valid',
        () => token({ nbf: Math.floor(Date.now() / 1000) + 3600 }),
        'token not yet valid',
      ],
      ['alg none', async () => mintUnsignedToken({ iss: ISS, sub: 'x' }), 'algorithm not allowed'],
      [
        'HS256 with the public key',
        () => mintHs256WithPublicKey(key, { iss: ISS, aud: 'countersign', sub: 'x' }),
        'algorithm not allowed',
      ],
      [
        'unknown kid',
        async () => token({}, await makeSigningKey('other')),
        'signing key not found',
      ],
    ];
    for (const [name, mint, detail] of cases) {
      test(name, async () => {
        const t = await mint();
        const res = await h.app.inject({
          method: 'POST',
          url: '/v1/approvals',
          headers: { authorization: `Bearer ${t}` },
          payload: { action: action('prod') },
        });
        assert.equal(res.statusCode, 401);
        assert.match(String(res.headers['www-authenticate']), /^Bearer /);
        assert.equal(res.json().code, 'unauthenticated');
        assert.equal(res.json().detail, detail);
        for (const part of t.split('.')) {
          if (part.length > 8) assert.ok(!res.body.includes(part), 'token material in the answer');
        }
      });
    }

    test('no credentials at all: 401 with WWW-Authenticate', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/v1/approvals' });
      assert.equal(res.statusCode, 401);
      assert.match(String(res.headers['www-authenticate']), /^Bearer realm=/);
    });
  });

  test('a body carrying actor_claims with admin groups is a 400 unknown field and grants nothing', async () => {
    const before = (await h.store.listApprovals({}, { limit: 200 })).items.length;
    const forged = {
      actor_claims: { sub: 'root', groups: ['platform-admins', 'release-managers'] },
      actor: 'admin',
      actorClaims: { groups: ['platform-admins'] },
      groups: ['platform-admins'],
    };
    const person = await bearer({ sub: 'mallory', groups: [] });
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: person,
      payload: { action: action('prod'), ...forged },
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 'validation_failed');
    const paths = (res.json().errors as { path: string; message: string }[]).map((e) => e.path);
    for (const f of ['/actor_claims', '/actor', '/actorClaims', '/groups']) {
      assert.ok(paths.includes(f), `${f} named as unknown`);
    }
    assert.equal((await h.store.listApprovals({}, { limit: 200 })).items.length, before);

    // on a review the same fields are refused, and the person stays unable to act as admin
    const { body } = await create(action('prod'));
    const review = await act(body.id, 'approve', person, { reason: 'x', ...forged });
    assert.equal(review.status, 400);
    // expire needs admin: the forged claims change nothing, and authorization is decided first
    const expire = await act(body.id, 'expire', person, { actor_claims: forged.actor_claims });
    assert.equal(expire.status, 403);
    const plainExpire = await act(body.id, 'expire', person, {});
    assert.equal(plainExpire.status, 403);
    assert.equal((await view(body.id, person)).state, 'pending');
  });
});
