import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { parseConfigText } from '../../src/config/index.js';
import type { CountersignConfig } from '../../src/config/index.js';
import { InputError } from '../../src/errors/index.js';
import { LOG_REDACT } from '../../src/http/app.js';
import { LOG_SERIALIZERS, redactUrl } from '../../src/http/log-serializers.js';
import { startServer } from '../../src/main.js';
import { createHarness, deployAction, type Harness } from '../helpers/harness.js';

const WRONG_KEY = `cs_aaaaaaaaaaaa_${'x'.repeat(43)}`;

describe('rate limits: failed authentications per IP, mutations per principal', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({
      app: { rateLimit: { authFailuresPerMinute: 3, mutationsPerMinute: 2 } },
    });
  });
  after(async () => {
    await h.close();
  });

  const get = (headers: Record<string, string>, remoteAddress = '127.0.0.9') =>
    h.app.inject({ method: 'GET', url: '/v1/approvals', headers, remoteAddress });

  test('after 3 failed authentications every request from that IP is 429, valid key or not: no oracle', async () => {
    for (let i = 0; i < 3; i++) {
      assert.equal((await get({ authorization: `Bearer ${WRONG_KEY}` })).statusCode, 401);
    }
    const blocked = await get({ authorization: `Bearer ${WRONG_KEY}` });
    assert.equal(blocked.statusCode, 429);
    assert.equal(blocked.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(blocked.json().code, 'rate_limited');
    assert.ok(Number(blocked.headers['retry-after']) >= 1);
    // over budget, a valid key gets the same answer as a wrong one: the limiter tells nothing
    // about which keys are valid, and guessing from this address stops for the window
    const valid = await get(h.auth('admin'));
    assert.equal(valid.statusCode, 429);
    assert.equal(valid.json().code, 'rate_limited');
    assert.equal((await get({ authorization: `Bearer ${WRONG_KEY}` })).statusCode, 429);
    // a console session cookie is a credential too
    const cookie = await get({ cookie: 'countersign_session=forged' });
    assert.equal(cookie.statusCode, 429);
    // another address is unaffected, and successful calls never count
    for (let i = 0; i < 5; i++)
      assert.equal((await get(h.auth('admin'), '127.0.0.10')).statusCode, 200);
  });

  test('the third mutation in a minute by one principal is 429; another principal is unaffected', async () => {
    const post = (who: string, image: string) =>
      h.app.inject({
        method: 'POST',
        url: '/v1/approvals',
        headers: h.auth(who),
        payload: { action: deployAction(image) },
        remoteAddress: '127.0.0.20',
      });
    assert.equal((await post('requester', 'a:1')).statusCode, 201);
    assert.equal((await post('requester', 'a:2')).statusCode, 201);
    const third = await post('requester', 'a:3');
    assert.equal(third.statusCode, 429);
    assert.equal(third.json().code, 'rate_limited');
    assert.equal((await post('ic', 'a:4')).statusCode, 201);
    // reads are not mutations
    assert.equal((await get(h.auth('requester'), '127.0.0.20')).statusCode, 200);
  });
});

describe('trustProxy: X-Forwarded-For is believed only from the listed proxies', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({
      app: {
        rateLimit: { authFailuresPerMinute: 1, mutationsPerMinute: 100 },
        trustProxy: ['10.9.0.0/16'],
      },
    });
  });
  after(async () => h.close());

  const guess = (remoteAddress: string, forwardedFor: string) =>
    h.app.inject({
      method: 'GET',
      url: '/v1/approvals',
      headers: { authorization: `Bearer ${WRONG_KEY}`, 'x-forwarded-for': forwardedFor },
      remoteAddress,
    });

  test('a client that is not a listed proxy cannot pick its address with X-Forwarded-For', async () => {
    assert.equal((await guess('127.0.0.30', '198.51.100.1')).statusCode, 401);
    // a fresh forwarded address does not buy a fresh budget
    assert.equal((await guess('127.0.0.30', '198.51.100.2')).statusCode, 429);
  });

  test('behind a listed proxy the forwarded client address is the one limited', async () => {
    assert.equal((await guess('10.9.0.5', '198.51.100.10')).statusCode, 401);
    assert.equal((await guess('10.9.0.5', '198.51.100.10')).statusCode, 429);
    assert.equal((await guess('10.9.0.5', '198.51.100.11')).statusCode, 401);
  });
});

describe('security headers and CORS', () => {
  let plain: Harness;
  let withCors: Harness;
  before(async () => {
    plain = await createHarness();
    withCors = await createHarness({ app: { corsOrigins: ['https://console.example.com'] } });
  });
  after(async () => {
    await plain.close();
    await withCors.close();
  });

  test('helmet headers are on every answer, errors included', async () => {
    for (const url of ['/healthz', '/v1/approvals']) {
      const res = await plain.app.inject({ method: 'GET', url });
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/);
      // plain http on loopback (the quick start) must keep working in a browser
      assert.doesNotMatch(String(res.headers['content-security-policy']), /upgrade-insecure/);
      assert.match(String(res.headers['strict-transport-security']), /max-age=/);
      assert.equal(res.headers['referrer-policy'], 'no-referrer');
      assert.ok(res.headers['x-request-id']);
    }
  });

  test('CORS is off by default: no allow-origin for any origin', async () => {
    const res = await plain.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { origin: 'https://console.example.com' },
    });
    assert.equal(res.headers['access-control-allow-origin'], undefined);
    const preflight = await plain.app.inject({
      method: 'OPTIONS',
      url: '/v1/approvals',
      headers: { origin: 'https://console.example.com', 'access-control-request-method': 'POST' },
    });
    assert.equal(preflight.headers['access-control-allow-origin'], undefined);
  });

  test('with an allowlist, only the listed origin is allowed, exactly', async () => {
    const ask = (origin: string) =>
      withCors.app.inject({
        method: 'OPTIONS',
        url: '/v1/approvals',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
    const ok = await ask('https://console.example.com');
    assert.equal(ok.headers['access-control-allow-origin'], 'https://console.example.com');
    assert.match(String(ok.headers['access-control-allow-headers']), /authorization/);
    for (const other of ['https://evil.example', 'https://console.example.com.evil.example']) {
      assert.equal((await ask(other)).headers['access-control-allow-origin'], undefined);
    }
  });
});

describe('devMode is refused off loopback at startup', () => {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-devmode-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const configText = (listen: string) => `
server: { listen: "${listen}", devMode: true }
store: { url: "sqlite:./cs.db" }
policy: { file: ./policy.yaml }
`;

  test('the config loader refuses devMode with 0.0.0.0', () => {
    assert.throws(
      () => parseConfigText(configText('0.0.0.0:0'), join(dir, 'countersign.yaml')),
      (err: unknown) =>
        err instanceof InputError &&
        err.errors.some((e) => e.path === 'server.devMode' && /loopback/.test(e.message)),
    );
  });

  test('startServer refuses a config built in code with devMode on 0.0.0.0, and listens on nothing', async () => {
    writeFileSync(join(dir, 'policy.yaml'), 'version: 1\nenvironments: {}\n');
    const good = parseConfigText(configText('127.0.0.1:0'), join(dir, 'countersign.yaml'));
    const bad = {
      ...good,
      server: { ...good.server, host: '0.0.0.0', listen: '0.0.0.0:0' },
    } as CountersignConfig;
    await assert.rejects(
      startServer(bad, { logStream: new Writable({ write: (_c, _e, cb) => cb() }) }),
      (err: unknown) => err instanceof InputError && /devMode off loopback/.test(err.message),
    );
  });
});

describe('log redaction', () => {
  test('secrets in headers, bodies and sign-in URLs are redacted by the server logger options', () => {
    const lines: string[] = [];
    const logger = pino(
      {
        level: 'debug',
        redact: { paths: LOG_REDACT, censor: '[redacted]' },
        serializers: LOG_SERIALIZERS,
      },
      new Writable({
        write(chunk: Buffer, _e, cb) {
          lines.push(chunk.toString());
          cb();
        },
      }),
    );
    const secrets = {
      apiKey: 'cs_secretsecret_abcdefabcdefabcdefabcdefabcdefabcdefabcdef12',
      bearer: 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJzZWNyZXQifQ.c2lnbmF0dXJlc2VjcmV0',
      cookie: 'countersign_session=sessionsecretvalue',
      password: 'hunter2-password-value',
      webhook: 'https://hooks.slack.com/services/T000/B000/webhooksecretpart',
      code: 'authcodesecretvalue',
    };
    logger.info({
      req: { headers: { authorization: `Bearer ${secrets.bearer}`, cookie: secrets.cookie } },
    });
    logger.info({ headers: { authorization: secrets.apiKey, cookie: secrets.cookie } });
    logger.info({
      provider: { webhookUrl: secrets.webhook, password: secrets.password, token: secrets.bearer },
    });
    logger.info({
      body: { apiKey: secrets.apiKey, key: secrets.apiKey, secret: secrets.password },
    });
    logger.info({
      tokens: { id_token: secrets.bearer, access_token: secrets.bearer, refresh_token: 'r' },
    });
    logger.info({ token: secrets.bearer, credential: secrets.bearer, key: secrets.apiKey });
    const text = lines.join('');
    assert.equal(lines.length, 6);
    for (const [name, value] of Object.entries(secrets)) {
      if (name === 'code') continue;
      assert.ok(!text.includes(value), `${name} leaked into a log line`);
    }
    assert.match(text, /\[redacted\]/);

    assert.equal(
      redactUrl(`/console/callback?code=${secrets.code}&state=s1&iss=https%3A%2F%2Fidp`),
      '/console/callback?code=[redacted]&state=s1&iss=https%3A%2F%2Fidp',
    );
    assert.equal(
      redactUrl('/v1/approvals?state=pending&limit=5'),
      '/v1/approvals?state=pending&limit=5',
    );
    assert.equal(redactUrl('/v1/approvals'), '/v1/approvals');
  });
});
