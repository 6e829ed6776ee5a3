import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { JWTPayload } from 'jose';
import { AuthError } from '../../src/errors/index.js';
import { FakeClock, systemClock } from '../../src/lib/clock.js';
import type { TokenVerifier } from '../../src/identity/authenticate.js';
import { createOidcVerifier } from '../../src/identity/oidc.js';
import { effectiveReviewerGroups, repositoryEligibility } from '../../src/identity/rbac.js';
import { reviewRefusal } from '../../src/domain/approval.js';
import type { ApprovalRequest } from '../../src/domain/approval.js';
import type { Principal } from '../../src/domain/principal.js';
import { principalRef } from '../../src/domain/principal.js';
import {
  deadJwksUrl,
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
import { OP_AUDIENCE, startTestProvider, type TestProvider } from '../helpers/oidc-provider.js';

const ISS = 'https://login.test.example';
const NOW_MS = Date.parse('2026-01-01T00:00:00.000Z');
const NOW = NOW_MS / 1000;
const LEEWAY_S = 60;

/** Claims of a valid token at NOW; an override of `undefined` removes the claim. */
function claims(overrides: Record<string, unknown> = {}): JWTPayload {
  const base: Record<string, unknown> = {
    iss: ISS,
    aud: 'countersign',
    sub: 'alice',
    iat: NOW - 10,
    exp: NOW + 600,
    email: 'alice@example.com',
    groups: ['github-team:payments-owners'],
    ...overrides,
  };
  for (const [k, v] of Object.entries(base)) if (v === undefined) delete base[k];
  return base as JWTPayload;
}

async function assertRefused(p: Promise<Principal>, message: string, token: string) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof AuthError, `expected AuthError, got ${String(err)}`);
    assert.equal(err.code, 'unauthenticated');
    assert.equal(err.message, message);
    // no token, and no piece of one, in what a 401 or a log line could show
    const shown = `${err.message} ${JSON.stringify(err.details ?? {})} ${String(err.cause ?? '')}`;
    for (const part of token.split('.')) {
      if (part.length > 8) assert.ok(!shown.includes(part), 'token material in the error');
    }
    return true;
  });
}

describe('OIDC verification against a real OpenID Provider on loopback', () => {
  let op: TestProvider;
  const opsBot = {
    clientId: 'ops-bot',
    clientSecret: 'ops-bot-secret-for-tests-only-0123456789',
    claims: {
      email: 'ops-bot@example.com',
      groups: ['github-team:payments-owners', 'auditors'],
    },
  };
  const plain = {
    clientId: 'plain-client',
    clientSecret: 'plain-client-secret-for-tests-only-0123',
    claims: { roles: 'github-team:release, contractors' },
  };
  before(async () => {
    op = await startTestProvider([opsBot, plain]);
  });
  after(async () => {
    await op.close();
  });

  const verifierFor = (overrides: Parameters<typeof issuerConfig>[0] = {}) =>
    createOidcVerifier(
      [
        issuerConfig({
          issuer: op.issuer,
          jwksUri: op.jwksUri,
          audience: [OP_AUDIENCE],
          ...overrides,
        }),
      ],
      TEST_RBAC,
      { clock: systemClock, timeoutMs: 2_000 },
    );

  test('a JWT access token from the client-credentials grant becomes a mapped user principal', async () => {
    const token = await op.accessToken(opsBot);
    const p = await verifierFor().verify(token);
    assert.deepEqual(p, {
      id: `oidc:${op.issuer}#ops-bot`,
      kind: 'user',
      name: 'ops-bot@example.com',
      groups: ['Payments Owners', 'auditors', 'github-team:payments-owners'],
      scopes: ['approvals:request', 'approvals:review', 'audit:read'],
      fingerprint: `oidc:${op.issuer}#ops-bot`,
    });
  });

  test('the roles claim is the fallback when the groups claim is absent', async () => {
    const p = await verifierFor().verify(await op.accessToken(plain));
    assert.equal(p.name, 'plain-client');
    assert.deepEqual(p.groups, [
      'Release Managers',
      'contractors',
      'github-team:release',
      'release-managers',
    ]);
    assert.deepEqual(p.scopes, ['approvals:request', 'approvals:review', 'gate:check']);
  });

  test('a token issued for another resource is refused for its audience', async () => {
    const token = await op.accessToken(opsBot, 'https://other.test.example');
    await assertRefused(verifierFor().verify(token), 'audience not accepted', token);
  });

  test('the same token is refused by a verifier that trusts a different issuer', async () => {
    const token = await op.accessToken(opsBot);
    const v = verifierFor({ issuer: 'https://login.test.example' });
    await assertRefused(v.verify(token), 'issuer not trusted', token);
  });

  test('the provider signs ES256; a verifier that allows only RS256 refuses it', async () => {
    const token = await op.accessToken(opsBot);
    await assertRefused(
      verifierFor({ algorithms: ['RS256'] }).verify(token),
      'algorithm not allowed',
      token,
    );
  });
});

describe('OIDC verification of minted tokens with a JWKS served on loopback', () => {
  let k1: SigningKey;
  let k2: SigningKey;
  let rsa: SigningKey;
  let ed: SigningKey;
  let impostor: SigningKey;
  let jwks: JwksServer;
  const clock = new FakeClock(NOW_MS);

  before(async () => {
    [k1, k2, rsa, ed, impostor] = await Promise.all([
      makeSigningKey('k1'),
      makeSigningKey('k2'),
      makeSigningKey('rsa-1', 'RS256'),
      makeSigningKey('ed-1', 'EdDSA'),
      makeSigningKey('k1'), // same kid as k1, different key
    ]);
    jwks = await startJwksServer([k1.publicJwk, rsa.publicJwk, ed.publicJwk]);
  });
  after(async () => {
    await jwks.close();
  });

  const verifier = (
    opts: { refreshIntervalMs?: number; jwksUri?: string; audience?: string[] } = {},
  ): TokenVerifier =>
    createOidcVerifier(
      [
        issuerConfig({
          jwksUri: opts.jwksUri ?? jwks.url,
          ...(opts.audience ? { audience: opts.audience } : {}),
        }),
      ],
      TEST_RBAC,
      { clock, refreshIntervalMs: opts.refreshIntervalMs ?? 60_000, timeoutMs: 2_000 },
    );

  test('ES256, RS256 and EdDSA tokens from the JWKS are accepted', async () => {
    const v = verifier();
    for (const key of [k1, rsa, ed]) {
      const p = await v.verify(await mintToken(key, claims()));
      assert.equal(p.id, `oidc:${ISS}#alice`);
      assert.equal(p.fingerprint, p.id);
      assert.equal(p.kind, 'user');
      assert.equal(p.name, 'alice@example.com');
    }
  });

  test('a token from an issuer that is not configured is refused', async () => {
    const token = await mintToken(k1, claims({ iss: 'https://evil.test.example' }));
    await assertRefused(verifier().verify(token), 'issuer not trusted', token);
  });

  test('a token without iss is refused as not trusted', async () => {
    const token = await mintToken(k1, claims({ iss: undefined }));
    await assertRefused(verifier().verify(token), 'issuer not trusted', token);
  });

  test('a token for another audience is refused; any one configured audience is enough', async () => {
    const wrong = await mintToken(k1, claims({ aud: 'someone-else' }));
    await assertRefused(verifier().verify(wrong), 'audience not accepted', wrong);
    const multi = await mintToken(k1, claims({ aud: ['someone-else', 'countersign-console'] }));
    const v = verifier({ audience: ['countersign', 'countersign-console'] });
    assert.equal((await v.verify(multi)).id, `oidc:${ISS}#alice`);
  });

  test('an expired token is refused; one expired within the leeway is accepted', async () => {
    const expired = await mintToken(k1, claims({ iat: NOW - 3600, exp: NOW - LEEWAY_S - 1 }));
    await assertRefused(verifier().verify(expired), 'token expired', expired);
    const withinLeeway = await mintToken(k1, claims({ iat: NOW - 3600, exp: NOW - LEEWAY_S + 5 }));
    assert.equal((await verifier().verify(withinLeeway)).name, 'alice@example.com');
  });

  test('a token whose nbf is beyond the leeway is not yet valid', async () => {
    const early = await mintToken(k1, claims({ nbf: NOW + LEEWAY_S + 5 }));
    await assertRefused(verifier().verify(early), 'token not yet valid', early);
    const close = await mintToken(k1, claims({ nbf: NOW + LEEWAY_S - 5 }));
    assert.equal((await verifier().verify(close)).name, 'alice@example.com');
  });

  test('a token issued in the future beyond the leeway is refused', async () => {
    const future = await mintToken(k1, claims({ iat: NOW + LEEWAY_S + 5 }));
    await assertRefused(verifier().verify(future), 'token issued in the future', future);
    const skewed = await mintToken(k1, claims({ iat: NOW + LEEWAY_S - 5 }));
    assert.equal((await verifier().verify(skewed)).name, 'alice@example.com');
  });

  test('sub, exp and iat are required', async () => {
    for (const missing of ['sub', 'exp', 'iat']) {
      const token = await mintToken(k1, claims({ [missing]: undefined }));
      await assertRefused(verifier().verify(token), 'required claim missing or invalid', token);
    }
    const numericSub = await mintToken(k1, claims({ sub: 42 }));
    await assertRefused(
      verifier().verify(numericSub),
      'required claim missing or invalid',
      numericSub,
    );
  });

  test('an unsigned token (alg none) is refused before any key is fetched', async () => {
    const before = jwks.fetches;
    const token = mintUnsignedToken(claims());
    await assertRefused(verifier().verify(token), 'algorithm not allowed', token);
    assert.equal(jwks.fetches, before);
  });

  test('HS256 signed with the public key as the secret is refused', async () => {
    const token = await mintHs256WithPublicKey(k1, claims());
    await assertRefused(verifier().verify(token), 'algorithm not allowed', token);
  });

  test("another key presented under this issuer's iss and kid fails the signature", async () => {
    const token = await mintToken(impostor, claims());
    await assertRefused(verifier().verify(token), 'signature verification failed', token);
  });

  test('a payload changed after signing fails the signature', async () => {
    const token = await mintToken(k1, claims());
    const [h, , s] = token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify(claims({ sub: 'mallory' }))).toString('base64url')}.${s}`;
    await assertRefused(verifier().verify(forged), 'signature verification failed', forged);
  });

  test('garbage is a malformed token', async () => {
    for (const token of ['not-a-jwt', 'a.b.c', 'eyJhbGciOiJFUzI1NiJ9.e30', '....']) {
      await assertRefused(verifier().verify(token), 'malformed token', token);
    }
  });

  test('an unknown kid within the refresh interval is refused without a second fetch', async () => {
    const v = verifier({ refreshIntervalMs: 60_000 });
    await v.verify(await mintToken(k1, claims()));
    const fetched = jwks.fetches;
    const token = await mintToken(k2, claims());
    await assertRefused(v.verify(token), 'signing key not found', token);
    assert.equal(jwks.fetches, fetched);
  });

  test('after a key rotation an unknown kid refetches the JWKS and the new key is accepted', async () => {
    const server = await startJwksServer([k1.publicJwk]);
    try {
      const v = verifier({ jwksUri: server.url, refreshIntervalMs: 0 });
      await v.verify(await mintToken(k1, claims()));
      assert.equal(server.fetches, 1);
      server.setKeys([k2.publicJwk]);
      const p = await v.verify(await mintToken(k2, claims({ sub: 'bob' })));
      assert.equal(p.id, `oidc:${ISS}#bob`);
      assert.equal(server.fetches, 2);
      // the retired key is gone from the refreshed set
      const old = await mintToken(k1, claims());
      await assertRefused(v.verify(old), 'signing key not found', old);
    } finally {
      await server.close();
    }
  });

  test('with the JWKS endpoint unreachable and nothing cached, tokens are refused', async () => {
    const v = verifier({ jwksUri: await deadJwksUrl() });
    const token = await mintToken(k1, claims());
    await assertRefused(v.verify(token), 'signing keys unavailable', token);
  });

  test('a JWKS endpoint answering 503 fails closed; keys fetched earlier stay usable', async () => {
    const server = await startJwksServer([k1.publicJwk]);
    try {
      server.failWith(503);
      const cold = verifier({ jwksUri: server.url });
      const token = await mintToken(k1, claims());
      await assertRefused(cold.verify(token), 'signing keys unavailable', token);

      server.failWith(null);
      const warm = verifier({ jwksUri: server.url });
      await warm.verify(token);
      server.failWith(503);
      assert.equal((await warm.verify(token)).id, `oidc:${ISS}#alice`);
    } finally {
      await server.close();
    }
  });

  test('a token without kid is verified against the matching keys of the set', async () => {
    const p = await verifier().verify(await mintToken(k1, claims(), { kid: null }));
    assert.equal(p.id, `oidc:${ISS}#alice`);
  });

  test('each issuer verifies only with its own keys', async () => {
    const other = await startJwksServer([k2.publicJwk]);
    try {
      const v = createOidcVerifier(
        [
          issuerConfig({ jwksUri: jwks.url }),
          issuerConfig({ issuer: 'https://idp.partner.example', jwksUri: other.url }),
        ],
        TEST_RBAC,
        { clock, timeoutMs: 2_000 },
      );
      const partner = await mintToken(k2, claims({ iss: 'https://idp.partner.example' }));
      assert.equal((await v.verify(partner)).id, 'oidc:https://idp.partner.example#alice');
      const crossed = await mintToken(k1, claims({ iss: 'https://idp.partner.example' }));
      await assertRefused(v.verify(crossed), 'signing key not found', crossed);
    } finally {
      await other.close();
    }
  });

  test('groups come as an array or a space/comma separated string, else from roles', async () => {
    const v = verifier();
    const asArray = await v.verify(await mintToken(k1, claims({ groups: ['auditors', 'sre'] })));
    assert.deepEqual(asArray.groups, ['auditors', 'sre']);
    const asString = await v.verify(
      await mintToken(k1, claims({ groups: 'auditors, sre  oncall' })),
    );
    assert.deepEqual(asString.groups, ['auditors', 'oncall', 'sre']);
    const fromRoles = await v.verify(
      await mintToken(k1, claims({ groups: undefined, roles: ['platform-admins'] })),
    );
    assert.deepEqual(fromRoles.groups, ['platform-admins']);
    const none = await v.verify(await mintToken(k1, claims({ groups: undefined })));
    assert.deepEqual(none.groups, []);
    assert.deepEqual(none.scopes, ['approvals:request', 'approvals:review']);
  });

  test('the display name falls back from email to preferred_username, name and sub', async () => {
    const v = verifier();
    const cases: [Record<string, unknown>, string][] = [
      [{ preferred_username: 'al' }, 'alice@example.com'],
      [{ email: undefined, preferred_username: 'al', name: 'Alice A.' }, 'al'],
      [{ email: undefined, name: 'Alice A.' }, 'Alice A.'],
      [{ email: undefined }, 'alice'],
    ];
    for (const [over, name] of cases) {
      assert.equal((await v.verify(await mintToken(k1, claims(over)))).name, name);
    }
  });

  test('rbac.scopes grants admin, audit:read and gate:check by group, nothing else', async () => {
    const v = verifier();
    const admin = await v.verify(await mintToken(k1, claims({ groups: ['platform-admins'] })));
    assert.deepEqual(admin.scopes, ['approvals:request', 'approvals:review', 'admin']);
    const release = await v.verify(await mintToken(k1, claims({ groups: 'github-team:release' })));
    assert.deepEqual(release.scopes, ['approvals:request', 'approvals:review', 'gate:check']);
    const auditor = await v.verify(await mintToken(k1, claims({ groups: ['auditors'] })));
    assert.deepEqual(auditor.scopes, ['approvals:request', 'approvals:review', 'audit:read']);
  });

  describe('RBAC eligibility of verified principals', () => {
    const request = (approverGroups: string[], repository?: string): ApprovalRequest =>
      ({
        state: 'pending',
        expiresAt: new Date(NOW_MS + 3_600_000).toISOString(),
        approverGroups,
        action: repository === undefined ? {} : { repository },
        requestedBy: { id: 'apikey:ci', kind: 'apikey', name: 'ci', fingerprint: 'apikey:ci' },
        reviews: [],
      }) as unknown as ApprovalRequest;

    const refusal = (req: ApprovalRequest, p: Principal, verdict: 'approve' | 'deny') =>
      reviewRefusal(
        req,
        principalRef(p),
        effectiveReviewerGroups(req, p.groups, verdict, TEST_RBAC),
        NOW_MS,
      );

    test('a mapped external group approves; an unmapped one gets no approver group', async () => {
      const v = verifier();
      const mapped = await v.verify(await mintToken(k1, claims({ groups: 'github-team:release' })));
      const unmapped = await v.verify(
        await mintToken(k1, claims({ sub: 'eve', groups: ['github-team:unknown'] })),
      );
      const req = request(['release-managers']);
      assert.equal(refusal(req, mapped, 'approve'), null);
      assert.deepEqual(repositoryEligibility(req, mapped.groups, 'approve', TEST_RBAC), [
        'release-managers',
      ]);
      assert.equal(refusal(req, unmapped, 'approve'), 'not_eligible');
      assert.deepEqual(repositoryEligibility(req, unmapped.groups, 'approve', TEST_RBAC), []);
    });

    test("a repository owner counts for IAM on its repository's requests only", async () => {
      const owner = await verifier().verify(await mintToken(k1, claims()));
      assert.ok(owner.groups.includes('Payments Owners'));
      assert.equal(refusal(request(['IAM'], 'payments/api'), owner, 'approve'), null);
      assert.equal(refusal(request(['IAM'], 'payments/api'), owner, 'deny'), null);
      assert.equal(refusal(request(['IAM'], 'billing/api'), owner, 'approve'), 'not_eligible');
      assert.equal(refusal(request(['IAM']), owner, 'approve'), 'not_eligible');
      assert.equal(
        refusal(request(['release-managers'], 'payments/api'), owner, 'approve'),
        'not_eligible',
      );
    });

    test('a repository permission that lists only deny lets owners deny, not approve', async () => {
      const owner = await verifier().verify(await mintToken(k1, claims()));
      const req = request(['IAM'], 'payments/ledger');
      assert.equal(refusal(req, owner, 'approve'), 'not_eligible');
      assert.equal(refusal(req, owner, 'deny'), null);
      assert.deepEqual(repositoryEligibility(req, owner.groups, 'deny', TEST_RBAC), ['IAM']);
    });
  });
});
