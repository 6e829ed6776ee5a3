import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { JWK } from 'jose';
import type { JwsAlgorithm, OidcIssuerConfig, RbacConfig } from '../config/config-types.js';
import { AuthError } from '../errors/index.js';
import { FakeClock } from '../lib/clock.js';
import {
  issuerConfig,
  makeSigningKey,
  mintToken,
  type SigningKey,
} from '../../test/helpers/oidc-keys.js';
import { createOidcVerifier, OIDC_FAILURE_MESSAGES } from './oidc.js';

const NOW_MS = Date.parse('2026-01-01T00:00:00.000Z');
const NOW = NOW_MS / 1000;
const clock = new FakeClock(NOW_MS);
const rbac: RbacConfig = { scopes: {}, groupMappings: {}, repositoryPermissions: [] };
const claims = { iss: 'https://login.test.example', aud: 'countersign', sub: 'alice' };
const timed = { ...claims, iat: NOW, exp: NOW + 300 };

function build(cfg: OidcIssuerConfig | OidcIssuerConfig[]) {
  return createOidcVerifier(Array.isArray(cfg) ? cfg : [cfg], rbac, { clock });
}

describe('createOidcVerifier refuses unsafe configuration at build', () => {
  const uri = 'https://login.test.example/jwks';
  const cases: [string, Partial<OidcIssuerConfig>, RegExp][] = [
    ['HS256', { algorithms: ['HS256' as JwsAlgorithm] }, /algorithm "HS256" is not allowed/],
    ['none', { algorithms: ['ES256', 'none' as JwsAlgorithm] }, /algorithm "none" is not allowed/],
    ['no algorithms', { algorithms: [] }, /algorithms must list at least one/],
    ['no audience', { audience: [] }, /audience must list at least one/],
    ['empty audience', { audience: [''] }, /audience must list at least one/],
    ['no key source', { jwksUri: null }, /exactly one of jwksUri and jwksFile/],
    ['two key sources', { jwksFile: '/tmp/x.json' }, /exactly one of jwksUri and jwksFile/],
    ['plain http', { jwksUri: 'http://login.test.example/jwks' }, /must be https/],
    ['credentials in URL', { jwksUri: 'https://u:p@login.test.example/jwks' }, /must be https/],
    ['not a URL', { jwksUri: 'jwks.json' }, /jwksUri is not a URL/],
    ['negative leeway', { leewayMs: -1 }, /leewayMs must be a non-negative/],
    ['empty groups claim', { groupsClaim: '' }, /groupsClaim must be a non-empty/],
    ['empty issuer', { issuer: '' }, /issuer must be a non-empty string/],
  ];
  for (const [name, overrides, message] of cases) {
    test(`${name} is a TypeError`, () => {
      assert.throws(
        () => build(issuerConfig({ jwksUri: uri, ...overrides })),
        (err: unknown) => {
          assert.ok(err instanceof TypeError);
          assert.match(err.message, message);
          return true;
        },
      );
    });
  }

  test('the same issuer twice is a TypeError', () => {
    const cfg = issuerConfig({ jwksUri: uri });
    assert.throws(() => build([cfg, cfg]), /is listed twice/);
  });

  test('http is accepted on loopback only', () => {
    assert.doesNotThrow(() => build(issuerConfig({ jwksUri: 'http://127.0.0.1:9/jwks' })));
    assert.doesNotThrow(() => build(issuerConfig({ jwksUri: 'http://[::1]:9/jwks' })));
    assert.throws(() => build(issuerConfig({ jwksUri: 'http://10.0.0.1/jwks' })), TypeError);
  });
});

describe('a local JWKS file', () => {
  let dir: string;
  let k1: SigningKey;
  let k2: SigningKey;
  let impostor: SigningKey;
  let k4: SigningKey;
  const write = (name: string, body: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
    return file;
  };
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-oidc-'));
    [k1, k2, impostor, k4] = await Promise.all([
      makeSigningKey('k1'),
      makeSigningKey('k2'),
      makeSigningKey('k3'),
      makeSigningKey('k4'),
    ]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a kid it holds keeps verifying with the keys read at build, whatever the file says now', async () => {
    const file = write('jwks.json', { keys: [k1.publicJwk] });
    const v = build(issuerConfig({ jwksFile: file }));
    write('jwks.json', { keys: [k2.publicJwk] });
    assert.equal((await v.verify(await mintToken(k1, timed))).id, `oidc:${claims.iss}#alice`);
  });

  test('a kid not in the file re-reads it, so a key rotated into the file verifies', async () => {
    const file = write('rotating.json', { keys: [k1.publicJwk] });
    const v = createOidcVerifier([issuerConfig({ jwksFile: file })], rbac, {
      clock,
      refreshIntervalMs: 0,
    });
    const rotated = await mintToken(k4, timed);
    await assert.rejects(v.verify(rotated), AuthError);
    write('rotating.json', { keys: [k1.publicJwk, k4.publicJwk] });
    assert.equal((await v.verify(rotated)).name, 'alice');
    assert.equal((await v.verify(await mintToken(k1, timed))).name, 'alice');
  });

  test('the re-read is rate-bounded: at most once per refresh interval', async () => {
    const file = write('bounded.json', { keys: [k1.publicJwk] });
    const v = createOidcVerifier([issuerConfig({ jwksFile: file })], rbac, {
      clock,
      refreshIntervalMs: 60_000,
    });
    write('bounded.json', { keys: [k1.publicJwk, k4.publicJwk] });
    // read at build just now: an unknown kid does not make it read the file again yet
    await assert.rejects(v.verify(await mintToken(k4, timed)), AuthError);
  });

  test('without kid, each key of the right type is tried', async () => {
    const noKid = (k: SigningKey): JWK => ({ ...k.publicJwk, kid: undefined });
    const file = write('two.json', { keys: [noKid(k1), noKid(k2)] });
    const v = build(issuerConfig({ jwksFile: file }));
    const good = await mintToken(k2, timed, { kid: null });
    assert.equal((await v.verify(good)).name, 'alice');
    const bad = await mintToken(impostor, timed, { kid: null });
    await assert.rejects(
      v.verify(bad),
      (err: unknown) => err instanceof AuthError && err.message === OIDC_FAILURE_MESSAGES.signature,
    );
  });

  test('a private or symmetric key, an empty set or bad JSON is a TypeError at build', () => {
    const cases: [unknown, RegExp][] = [
      [{ keys: [{ ...k1.publicJwk, d: 'secret-part' }] }, /only public keys/],
      [{ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }, /only public asymmetric keys/],
      [{ keys: [] }, /at least one key/],
      ['{not json', /could not be read as JSON/],
      [{ keys: [{ kty: 'EC' }] }, /not a valid public JWK/],
    ];
    for (const [body, message] of cases) {
      const file = write('bad.json', body);
      assert.throws(() => build(issuerConfig({ jwksFile: file })), message);
    }
    assert.throws(
      () => build(issuerConfig({ jwksFile: join(dir, 'missing.json') })),
      /could not be read as JSON/,
    );
  });
});

describe('the JWKS fetch', () => {
  test('goes through the injected fetch and is cached', async () => {
    const key = await makeSigningKey('k1');
    const urls: string[] = [];
    const v = createOidcVerifier(
      [issuerConfig({ jwksUri: 'https://login.test.example/jwks' })],
      rbac,
      {
        clock,
        fetch: async (url) => {
          urls.push(url);
          return new Response(JSON.stringify({ keys: [key.publicJwk] }), { status: 200 });
        },
      },
    );
    await v.verify(await mintToken(key, timed));
    await v.verify(await mintToken(key, { ...timed, sub: 'bob' }));
    assert.deepEqual(urls, ['https://login.test.example/jwks']);
  });

  test('a redirect is not followed: keys come only from the configured URL', async () => {
    const key = await makeSigningKey('k1');
    const v = createOidcVerifier(
      [issuerConfig({ jwksUri: 'https://login.test.example/jwks' })],
      rbac,
      {
        clock,
        fetch: async () =>
          new Response(null, { status: 302, headers: { location: 'https://evil.example/' } }),
      },
    );
    await assert.rejects(
      v.verify(await mintToken(key, timed)),
      (err: unknown) =>
        err instanceof AuthError &&
        err.code === 'unauthenticated' &&
        err.message === 'signing keys unavailable',
    );
  });
});

test('the refusal messages are a closed set', () => {
  assert.deepEqual(Object.values(OIDC_FAILURE_MESSAGES).sort(), [
    'algorithm not allowed',
    'audience not accepted',
    'issuer not trusted',
    'malformed token',
    'required claim missing or invalid',
    'signature verification failed',
    'signing key not found',
    'signing keys unavailable',
    'token expired',
    'token issued in the future',
    'token not yet valid',
  ]);
});
