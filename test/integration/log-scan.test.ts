/**
 * Runs representative traffic through a real server (startServer, the production logger options,
 * debug level) whose pino output goes to memory, then scans every line for secrets: API keys,
 * OIDC tokens, the console's authorization code, session and CSRF cookies, the client secret,
 * the webhook URL and secret named in config.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { JWTPayload } from 'jose';
import { parseConfigText } from '../../src/config/index.js';
import { SYSTEM_PRINCIPAL } from '../../src/domain/principal.js';
import { parseApiKey } from '../../src/identity/api-keys.js';
import { SESSION_SECRET_FILE } from '../../src/identity/console-session.js';
import { startServer, type Server } from '../../src/main.js';
import { deployAction, TEST_POLICY } from '../helpers/harness.js';
import {
  makeSigningKey,
  mintToken,
  startJwksServer,
  type JwksServer,
  type SigningKey,
} from '../helpers/oidc-keys.js';
import { startCodeProvider, type CodeProvider } from '../helpers/oidc-code-provider.js';

const ISS = 'https://login.test.example';
const CLIENT_SECRET = 'console-client-secret-log-scan-0123456789abcdef';
const WEBHOOK_URL = 'https://hooks.example.com/services/T0001/B0001/webhookpathsecret0123';
const WEBHOOK_SECRET = 'whsec_bG9nc2NhbnNlY3JldGxvZ3NjYW5zZWNyZXQ=';
const ENV = {
  CS_TEST_CONSOLE_SECRET: CLIENT_SECRET,
  CS_TEST_WEBHOOK_URL: WEBHOOK_URL,
  CS_TEST_WEBHOOK_SECRET: WEBHOOK_SECRET,
};

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('log scan: no secret reaches a log line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-logscan-'));
  const lines: string[] = [];
  /** Every secret the traffic used, by name. */
  const secrets = new Map<string, string>();
  let server: Server;
  let op: CodeProvider;
  let jwks: JwksServer;
  let key: SigningKey;
  const savedEnv: Record<string, string | undefined> = {};

  before(async () => {
    for (const [k, v] of Object.entries(ENV)) {
      savedEnv[k] = process.env[k];
      process.env[k] = v;
    }
    key = await makeSigningKey('scan-1');
    jwks = await startJwksServer([key.publicJwk]);
    const port = await freePort();
    const redirectUri = `http://127.0.0.1:${port}/console/callback`;
    op = await startCodeProvider(
      { clientId: 'countersign-console', clientSecret: CLIENT_SECRET, redirectUri },
      { alice: { email: 'alice@example.com', groups: ['github-team:release'] } },
    );
    writeFileSync(join(dir, 'policy.yaml'), TEST_POLICY);
    const config = parseConfigText(
      `
server: { listen: "127.0.0.1:${port}" }
store: { url: "sqlite:./cs.db" }
signing: { keysDir: ./keys, issuer: "countersign:scan" }
policy: { file: ./policy.yaml }
identity:
  oidc:
    - issuer: ${ISS}
      audience: countersign
      jwksUri: ${jwks.url}
      algorithms: [ES256]
    - issuer: ${op.issuer}
      audience: [countersign-console]
      jwksUri: ${op.jwksUri}
      algorithms: [RS256]
  rbac:
    groupMappings:
      "github-team:release": [release-managers]
      "github-team:sre": [sre]
  console:
    issuer: ${op.issuer}
    clientId: countersign-console
    clientSecretEnv: CS_TEST_CONSOLE_SECRET
    redirectUri: ${redirectUri}
    scopes: [openid, email, groups]
notifications:
  providers:
    webhook: { urlEnv: CS_TEST_WEBHOOK_URL, secretEnv: CS_TEST_WEBHOOK_SECRET }
`,
      join(dir, 'countersign.yaml'),
    );
    server = await startServer(config, {
      logLevel: 'debug',
      logStream: new Writable({
        write(chunk: Buffer, _e, cb) {
          lines.push(...chunk.toString().split('\n').filter(Boolean));
          cb();
        },
      }),
    });
    secrets.set('console client secret', CLIENT_SECRET);
    secrets.set('webhook URL', WEBHOOK_URL);
    secrets.set('webhook URL path', '/services/T0001/B0001/webhookpathsecret0123');
    secrets.set('webhook secret', WEBHOOK_SECRET);
  });
  after(async () => {
    await server?.close();
    await op?.close();
    await jwks?.close();
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown>; res: Response }> => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        ...headers,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // a redirect or an empty answer
    }
    return { status: res.status, json, res };
  };
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

  async function apiKey(
    name: string,
    scopes: Parameters<Server['runtime']['services']['apiKeys']['create']>[1]['scopes'],
    groups: string[] = [],
  ) {
    const { key: k } = await server.runtime.services.apiKeys.create(
      SYSTEM_PRINCIPAL,
      { name, scopes, groups },
      { bootstrap: true },
    );
    secrets.set(`API key ${name}`, k);
    // the secret is base64url and may itself contain '_': split with the product's own parser
    const parsed = parseApiKey(k);
    assert.ok(parsed, `${name} is a well-formed API key`);
    secrets.set(`API key ${name} secret`, parsed.secret);
    return k;
  }
  async function oidcToken(sub: string, groups: string[], over: Record<string, unknown> = {}) {
    const now = Math.floor(Date.now() / 1000);
    const t = await mintToken(key, {
      iss: ISS,
      aud: 'countersign',
      sub,
      iat: now - 5,
      exp: now + 600,
      groups,
      ...over,
    } as JWTPayload);
    secrets.set(`token ${sub} ${secrets.size}`, t);
    const [, payload, sig] = t.split('.');
    secrets.set(`token ${sub} payload ${secrets.size}`, payload ?? t);
    secrets.set(`token ${sub} signature ${secrets.size}`, sig ?? t);
    return t;
  }

  test('approval traffic with keys, OIDC tokens, failures, rotation and console sign-in', async () => {
    const requester = await apiKey('ci', ['approvals:request', 'gate:check']);
    const admin = await apiKey('admin', ['admin']);
    const rita = await oidcToken('rita', ['github-team:release']);
    const sam = await oidcToken('sam', ['github-team:sre']);

    const created = await call('POST', '/v1/approvals', bearer(requester), {
      action: deployAction(),
    });
    assert.equal(created.status, 201);
    const id = created.json.id as string;
    assert.equal(
      (await call('POST', `/v1/approvals/${id}/approve`, bearer(rita), { reason: 'ok' })).status,
      200,
    );
    const approved = await call('POST', `/v1/approvals/${id}/approve`, bearer(sam), {
      reason: 'ok',
    });
    assert.equal(approved.json.state, 'approved');
    const cred = await call('GET', `/v1/approvals/${id}/credential`, bearer(requester));
    assert.equal(cred.status, 200);
    const credential = cred.json.token as string;
    secrets.set('approval credential', credential);
    secrets.set('approval credential signature', credential.split('.')[2] ?? credential);
    const gate = await call('POST', '/v1/gate', bearer(requester), {
      action: deployAction(),
      credential,
    });
    assert.equal(gate.status, 200);

    // failures: a wrong secret for a real key id, garbage, an expired and a foreign token
    const wrong = `${requester.slice(0, 16)}${'Z'.repeat(43)}`;
    secrets.set('wrong API key', wrong);
    assert.equal((await call('GET', '/v1/approvals', bearer(wrong))).status, 401);
    assert.equal(
      (await call('GET', '/v1/approvals', { authorization: 'Basic dXNlcjpodW50ZXIy' })).status,
      401,
    );
    secrets.set('basic credentials', 'dXNlcjpodW50ZXIy');
    const expired = await oidcToken('eve', ['github-team:release'], { iat: 1000, exp: 2000 });
    assert.equal((await call('GET', '/v1/approvals', bearer(expired))).status, 401);
    const other = await makeSigningKey('scan-1');
    const forged = await mintToken(other, {
      iss: ISS,
      aud: 'countersign',
      sub: 'x',
      iat: 1,
      exp: 9e9,
    });
    secrets.set('forged token', forged);
    assert.equal((await call('GET', '/v1/approvals', bearer(forged))).status, 401);
    // a token in a query string is not how to authenticate, and is not logged either
    assert.equal((await call('GET', `/v1/approvals?token=${rita}`, {})).status, 401);

    const rotated = await call(
      'POST',
      `/v1/apikeys/${parseApiKey(requester)!.id}/rotate`,
      bearer(admin),
      {},
    );
    assert.equal(rotated.status, 201);
    secrets.set('rotated key', rotated.json.key as string);

    // console sign-in: the callback URL carries the code; the cookies carry the session
    const login = await call('GET', '/console/login', {});
    assert.equal(login.status, 302);
    const loginCookie = login.res.headers
      .getSetCookie()
      .find((c) => c.startsWith('countersign_login='));
    assert.ok(loginCookie);
    const loginValue = loginCookie.split(';')[0]!.split('=')[1]!;
    secrets.set('login state cookie', loginValue);
    const back = await op.signIn(login.res.headers.get('location') as string, 'alice');
    secrets.set('authorization code', back.searchParams.get('code') as string);
    const cb = await call('GET', `/console/callback${back.search}`, {
      cookie: `countersign_login=${loginValue}`,
    });
    assert.equal(cb.status, 303);
    const jar = cb.res.headers.getSetCookie().map((c) => c.split(';')[0]!);
    for (const c of jar) {
      const [name, value] = c.split('=');
      if (value) secrets.set(`cookie ${name}`, value); // a cleared cookie has no value
    }
    const csrf = jar.find((c) => c.startsWith('countersign_csrf='))!.split('=')[1]!;
    const viaCookie = await call(
      'POST',
      '/v1/approvals',
      { cookie: jar.join('; '), 'x-countersign-csrf': csrf },
      { action: deployAction('shop:console') },
    );
    assert.equal(viaCookie.status, 201);
    secrets.set(
      'session secret',
      readFileSync(join(dir, 'keys', SESSION_SECRET_FILE), 'utf8').trim(),
    );
  });

  test('the logs saw the traffic, and none of it carries a secret', () => {
    assert.ok(lines.length > 20, `expected request logs, got ${lines.length} lines`);
    const text = lines.join('\n');
    assert.match(
      text,
      /"url":"\/console\/callback\?code=\[redacted\]/,
      'the callback was logged, redacted',
    );
    assert.match(text, /"statusCode":401/, 'failed authentications were logged');
    assert.ok(secrets.size > 20);
    for (const [name, value] of secrets) {
      assert.ok(value.length >= 8, `${name} is long enough to scan for`);
      const at = text.indexOf(value);
      assert.equal(at, -1, `${name} appears in the logs`);
    }
    for (const line of lines) {
      assert.doesNotMatch(line, /Bearer [A-Za-z0-9]/, 'an Authorization header value');
      assert.doesNotMatch(line, /cs_[a-z0-9]{12}_[A-Za-z0-9_-]{43}/, 'an API key');
    }
  });
});
