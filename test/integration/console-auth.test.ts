import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { ConsoleSignInConfig } from '../../src/config/config-types.js';
import { createSessionCodec } from '../../src/identity/console-session.js';
import { createOidcVerifier } from '../../src/identity/oidc.js';
import { systemClock } from '../../src/lib/clock.js';
import { issuerConfig, TEST_RBAC } from '../helpers/oidc-keys.js';
import { startCodeProvider, type CodeProvider } from '../helpers/oidc-code-provider.js';
import { createHarness, deployAction, type Harness } from '../helpers/harness.js';

const CLIENT = {
  clientId: 'countersign-console',
  clientSecret: 'console-client-secret-for-tests-only-0123456789',
  redirectUri: 'http://127.0.0.1:18080/console/callback',
};

type Cookie = { name: string; value: string; httpOnly?: boolean; sameSite?: string; path?: string };

describe('console sign-in: authorization code + PKCE against a real OpenID Provider', () => {
  let op: CodeProvider;
  let h: Harness;
  const secret = new Uint8Array(randomBytes(32));

  before(async () => {
    op = await startCodeProvider(CLIENT, {
      alice: { email: 'alice@example.com', groups: ['github-team:release'] },
      mallory: { email: 'mallory@example.com', groups: [] },
    });
    const issuer = issuerConfig({
      issuer: op.issuer,
      jwksUri: op.jwksUri,
      audience: ['countersign', CLIENT.clientId],
      algorithms: ['RS256'],
    });
    const verifier = createOidcVerifier([issuer], TEST_RBAC, {
      clock: systemClock,
      timeoutMs: 2_000,
    });
    const config: ConsoleSignInConfig = {
      issuer: op.issuer,
      clientId: CLIENT.clientId,
      clientSecretEnv: 'UNUSED_IN_THIS_TEST',
      redirectUri: CLIENT.redirectUri,
      scopes: ['openid', 'email', 'groups'],
      sessionTtlMs: 3_600_000,
    };
    h = await createHarness({
      rbac: TEST_RBAC,
      oidc: verifier,
      app: {
        console: {
          config,
          clientSecret: CLIENT.clientSecret,
          verifier,
          sessions: createSessionCodec({
            secret,
            clock: systemClock,
            ttlMs: 3_600_000,
            rbac: TEST_RBAC,
          }),
        },
      },
    });
  });
  after(async () => {
    await h.close();
    await op.close();
  });

  const cookieHeader = (cookies: Record<string, string>) =>
    Object.entries(cookies)
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');

  /** Runs the whole browser flow for `login`; returns the cookies the console ends up with. */
  async function signIn(login: string) {
    const start = await h.app.inject({ method: 'GET', url: '/console/login' });
    assert.equal(start.statusCode, 302);
    const authUrl = new URL(String(start.headers.location));
    assert.equal(authUrl.origin, op.issuer);
    assert.equal(authUrl.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(authUrl.searchParams.get('code_challenge'));
    assert.equal(authUrl.searchParams.get('redirect_uri'), CLIENT.redirectUri);
    const loginCookie = (start.cookies as Cookie[]).find((c) => c.name === 'countersign_login');
    assert.ok(loginCookie?.httpOnly);
    assert.equal(loginCookie.path, '/console/callback');
    // the PKCE verifier never travels in the authorization URL
    assert.ok(!authUrl.href.includes(loginCookie.value));

    const back = await op.signIn(authUrl.href, login);
    assert.ok(back.searchParams.get('code'));
    const done = await h.app.inject({
      method: 'GET',
      url: `/console/callback${back.search}`,
      headers: { cookie: `countersign_login=${loginCookie.value}` },
    });
    return { done, back, loginCookie: loginCookie.value };
  }

  test('sign in, then call the API with the session cookie; mutations need the CSRF header', async () => {
    const { done } = await signIn('alice');
    assert.equal(done.statusCode, 303, done.body);
    assert.equal(done.headers.location, '/console/');
    const cookies = done.cookies as Cookie[];
    const session = cookies.find((c) => c.name === 'countersign_session');
    const csrf = cookies.find((c) => c.name === 'countersign_csrf');
    assert.ok(session && csrf);
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Lax');
    assert.ok(!csrf.httpOnly, 'the console script reads the CSRF token');
    const jar = cookieHeader({ countersign_session: session.value, countersign_csrf: csrf.value });

    const me = await h.app.inject({
      method: 'GET',
      url: '/console/session',
      headers: { cookie: jar },
    });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().id, `oidc:${op.issuer}#alice`);
    assert.equal(me.json().name, 'alice@example.com');
    assert.ok(me.json().groups.includes('release-managers'), 'groups mapped through RBAC');

    const list = await h.app.inject({
      method: 'GET',
      url: '/v1/approvals',
      headers: { cookie: jar },
    });
    assert.equal(list.statusCode, 200);

    const noCsrf = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: { cookie: jar },
      payload: { action: deployAction('console:1') },
    });
    assert.equal(noCsrf.statusCode, 403);
    assert.equal(noCsrf.json().code, 'forbidden');
    const wrongCsrf = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: { cookie: jar, 'x-countersign-csrf': 'guessed' },
      payload: { action: deployAction('console:1') },
    });
    assert.equal(wrongCsrf.statusCode, 403);
    assert.equal((await h.store.listApprovals({}, { limit: 10 })).items.length, 0);

    const made = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: { cookie: jar, 'x-countersign-csrf': csrf.value },
      payload: { action: deployAction('console:1') },
    });
    assert.equal(made.statusCode, 201);
    assert.equal(made.json().requestedBy.id, `oidc:${op.issuer}#alice`);

    // a bearer token beats the cookie: a bad one is 401 even with a good session
    const both = await h.app.inject({
      method: 'GET',
      url: '/v1/approvals',
      headers: { cookie: jar, authorization: 'Bearer not-a-token' },
    });
    assert.equal(both.statusCode, 401);

    const logoutNoCsrf = await h.app.inject({
      method: 'POST',
      url: '/console/logout',
      headers: { cookie: jar },
    });
    assert.equal(logoutNoCsrf.statusCode, 403);
    const logout = await h.app.inject({
      method: 'POST',
      url: '/console/logout',
      headers: { cookie: jar, 'x-countersign-csrf': csrf.value },
    });
    assert.equal(logout.statusCode, 204);
    const cleared = (logout.cookies as (Cookie & { maxAge?: number; expires?: Date })[]).find(
      (c) => c.name === 'countersign_session',
    );
    assert.equal(cleared?.value, '');
  });

  test('a forged or altered session cookie is 401', async () => {
    const { done } = await signIn('mallory');
    const session = (done.cookies as Cookie[]).find((c) => c.name === 'countersign_session');
    assert.ok(session);
    const [hd, payload, sig] = session.value.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<
      string,
      unknown
    >;
    const elevated = Buffer.from(
      JSON.stringify({ ...claims, groups: ['platform-admins'] }),
    ).toString('base64url');
    const other = createSessionCodec({
      secret: new Uint8Array(randomBytes(32)),
      clock: systemClock,
      ttlMs: 60_000,
      rbac: TEST_RBAC,
    });
    const foreign = await other.issue({
      id: `oidc:${op.issuer}#mallory`,
      kind: 'user',
      name: 'm',
      groups: ['platform-admins'],
      scopes: [],
      fingerprint: 'x',
    });
    for (const value of [`${hd}.${elevated}.${sig}`, foreign.token, 'garbage']) {
      const res = await h.app.inject({
        method: 'GET',
        url: '/v1/apikeys',
        headers: { cookie: `countersign_session=${value}` },
      });
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().detail, 'session invalid or expired');
    }
  });

  test('the callback refuses a missing login cookie, a replayed code, and a wrong state', async () => {
    const start = await h.app.inject({ method: 'GET', url: '/console/login' });
    const loginCookie = (start.cookies as Cookie[]).find((c) => c.name === 'countersign_login');
    assert.ok(loginCookie);
    const back = await op.signIn(String(start.headers.location), 'alice');

    const noCookie = await h.app.inject({ method: 'GET', url: `/console/callback${back.search}` });
    assert.equal(noCookie.statusCode, 401);
    assert.equal(noCookie.json().detail, 'sign-in was not started here');

    const wrongState = new URLSearchParams(back.search);
    wrongState.set('state', 'forged-state');
    const forged = await h.app.inject({
      method: 'GET',
      url: `/console/callback?${wrongState.toString()}`,
      headers: { cookie: `countersign_login=${loginCookie.value}` },
    });
    assert.equal(forged.statusCode, 401);
    assert.equal(forged.json().detail, 'sign-in failed');
    assert.ok(!forged.body.includes(back.searchParams.get('code') ?? '!'), 'no code in the answer');
    assert.equal(forged.cookies.length > 0, true);
    assert.ok(!(forged.cookies as Cookie[]).some((c) => c.name === 'countersign_session'));

    const ok = await h.app.inject({
      method: 'GET',
      url: `/console/callback${back.search}`,
      headers: { cookie: `countersign_login=${loginCookie.value}` },
    });
    assert.equal(ok.statusCode, 303);
    const replay = await h.app.inject({
      method: 'GET',
      url: `/console/callback${back.search}`,
      headers: { cookie: `countersign_login=${loginCookie.value}` },
    });
    assert.equal(replay.statusCode, 401, 'an authorization code works once');
  });

  test('the IdP reporting an error ends in 401, and /console/session without a cookie is 401', async () => {
    const start = await h.app.inject({ method: 'GET', url: '/console/login' });
    const loginCookie = (start.cookies as Cookie[]).find((c) => c.name === 'countersign_login');
    const res = await h.app.inject({
      method: 'GET',
      url: '/console/callback?error=access_denied&state=x',
      headers: { cookie: `countersign_login=${loginCookie?.value ?? ''}` },
    });
    assert.equal(res.statusCode, 401);
    const anon = await h.app.inject({ method: 'GET', url: '/console/session' });
    assert.equal(anon.statusCode, 401);
  });
});
