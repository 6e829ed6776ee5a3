import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../errors/index.js';
import { parseConfigText } from './load-config.js';

const OIDC = `
  oidc:
    - issuer: https://login.example.com
      audience: [countersign, console-client]
      jwksUri: https://login.example.com/jwks`;

function errorsOf(text: string): Record<string, string> {
  try {
    parseConfigText(text, '/tmp/countersign.yaml');
  } catch (err) {
    assert.ok(err instanceof InputError);
    return Object.fromEntries(err.errors.map((e) => [e.path, e.message]));
  }
  assert.fail('expected a validation error');
}

describe('identity.console and server.rateLimit', () => {
  it('defaults the issuer to the first OIDC issuer, scopes to openid profile email, session to 8h', () => {
    const c = parseConfigText(
      `identity:${OIDC}
  console:
    clientId: console-client
    clientSecretEnv: CONSOLE_SECRET
    redirectUri: https://countersign.example.com/console/callback
`,
      '/tmp/countersign.yaml',
    );
    assert.deepEqual(c.identity.console, {
      issuer: 'https://login.example.com',
      clientId: 'console-client',
      clientSecretEnv: 'CONSOLE_SECRET',
      redirectUri: 'https://countersign.example.com/console/callback',
      scopes: ['openid', 'profile', 'email'],
      sessionTtlMs: 8 * 3_600_000,
    });
    assert.deepEqual(c.server.rateLimit, { authFailuresPerMinute: 20, mutationsPerMinute: 6000 });
    assert.equal(parseConfigText('{}', '/tmp/countersign.yaml').identity.console, null);
  });

  it('refuses a console whose issuer, client or scopes could not verify, with every path', () => {
    assert.deepEqual(
      errorsOf(`identity:${OIDC}
  console:
    issuer: https://other.example.com
    redirectUri: http://countersign.example.com/console/callback
    scopes: [profile]
    sessionTtl: 30d
    extra: 1
server:
  rateLimit: { authFailures: 0, mutations: lots }
`),
      {
        'identity.console.extra': 'unknown field',
        'identity.console.issuer': 'must be one of identity.oidc[].issuer',
        'identity.console.clientId': 'is required',
        'identity.console.redirectUri': 'must be an https URL (http only for loopback hosts)',
        'identity.console.scopes': 'must include openid',
        'identity.console.sessionTtl': 'must be at most 7d',
        'server.rateLimit.authFailures': 'must be an integer from 1 to 100000',
        'server.rateLimit.mutations': 'must be an integer from 1 to 1000000',
      },
    );
  });

  it('needs identity.oidc, and a client id among the issuer audiences', () => {
    assert.deepEqual(
      errorsOf(`identity:
  console: { clientId: c, redirectUri: "http://127.0.0.1:8080/console/callback" }
`),
      { 'identity.console.issuer': 'needs an issuer in identity.oidc' },
    );
    assert.deepEqual(
      errorsOf(`identity:${OIDC}
  console: { clientId: someone-else, redirectUri: "http://127.0.0.1:8080/console/callback" }
`),
      {
        'identity.console.clientId':
          "must be one of the issuer's audience values (ID tokens carry the client id as aud)",
      },
    );
  });
});
