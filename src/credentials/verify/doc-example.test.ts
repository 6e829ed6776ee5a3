import * as assert from 'node:assert/strict';
import { createPrivateKey, sign } from 'node:crypto';
import { describe, it } from 'node:test';
import type { JSONWebKeySet } from 'jose';
import { actionHashOfClaims } from './action-hash.js';
import { createVerifier } from './verifier.js';

// The example of docs/credential-format.md §7, signed with the RFC 8032 TEST 1 key.
const TOKEN =
  'eyJhbGciOiJFZERTQSIsImtpZCI6ImtQcktfcW14VldhWVZBOXd3QkY2SXVvM3ZWeno3VHhIQ1R3WEJ5Z3JTNGsiLCJ0eXAiOiJjb3VudGVyc2lnbi1hcHByb3ZhbCtqd3QifQ.eyJ2IjoyLCJpc3MiOiJjb3VudGVyc2lnbjphY21lIiwic3ViIjoiYXByXzdjNG0ycTl4IiwianRpIjoiY3JkXzNrOHcxejVuIiwiaWF0IjoxNzY3MjI1NjAwLCJuYmYiOjE3NjcyMjU2MDAsImV4cCI6MTc2NzIyOTIwMCwicHJvamVjdCI6InBheW1lbnRzIiwiZW52IjoicHJvZC1ldSIsInBvc3R1cmUiOiJwcm9kIiwiYWN0aW9uIjp7ImtpbmQiOiJkZXBsb3kiLCJtb2RlIjoiZXhlY3V0ZSIsInRhcmdldCI6InNlcnZpY2UvcGF5bWVudHMtYXBpIiwicmVwb3NpdG9yeSI6ImFjbWUvcGF5bWVudHMtYXBpIn0sInNwZWNfaGFzaCI6InNoYTI1Njo1ZDkyMzcwYWI3ZjQ2ODY3ZTNmNzAzN2UyNzQ3NzdlOThkYzdjMzhhMmE5NDczYjBiOTE0ODUwZWEzNWM4MjA0IiwiY2FwIjpbImRlcGxveTpwcm9kIl0sInJpc2tfdGFncyI6WyJwcm9kIiwid3JpdGUiXSwiY29uc3RyYWludHMiOnsibWF4X2xpbmVzX2NoYW5nZWQiOjUwMCwibWF4X3J1bnRpbWVfc2VjIjo5MDB9LCJydWxlIjoiZW52aXJvbm1lbnRzLnByb2QtZXUuYWN0aW9ucy5kZXBsb3kiLCJxdW9ydW0iOnsibWluIjoxLCJtb2RlIjoiYW55IiwiZ3JvdXBzIjpbInNyZSJdfSwiYWN0aW9uX2hhc2giOiJzaGEyNTY6ZmUxOTY4OTEyOWE1OTMwYWU4ZWQ1ZTE0YjA4ZTM4ODJjYWYwYWI2OGRkODhmODJkY2Q1YzQ1NmU4NWRiYTE3YiIsInBvbGljeSI6InNoYTI1Njo5ZjlmOWY5ZjlmOWY5ZjlmOWY5ZjlmOWY5ZjlmOWY5ZjlmOWY5ZjlmOWY5ZjlmOWY5ZjlmOWY5ZjlmOWY5ZjlmIiwicmVxdWVzdGVkX2J5Ijoib2lkYzpodHRwczovL2lkcC5hY21lLmV4YW1wbGUjYWxpY2UiLCJhcHByb3ZlcnMiOlt7InN1YiI6Im9pZGM6aHR0cHM6Ly9pZHAuYWNtZS5leGFtcGxlI2JvYiIsImdyb3VwcyI6WyJzcmUiXX1dLCJicmVha19nbGFzcyI6ZmFsc2UsInNpbmdsZV91c2UiOnRydWV9.2ubcEjacdVC1-JeunXkxoGVfLusSY3AkkT8t9eTiczJPa1n_pLGHYjl672kEDC3pspf3JtmWJoxA8BUZfLX3Dw';
const X = '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo';
const D = 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A';
const KID = 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k';
const JWKS = {
  keys: [
    {
      kty: 'OKP',
      crv: 'Ed25519',
      x: X,
      kid: KID,
      alg: 'EdDSA',
      use: 'sig',
      'countersign:purpose': 'credential',
      'countersign:status': 'active',
    },
  ],
} as unknown as JSONWebKeySet;
const ACTION = {
  kind: 'deploy',
  environment: 'prod-eu',
  project: 'payments',
  target: 'service/payments-api',
  repository: 'acme/payments-api',
  spec: { pipeline: 'payments', version: '2026.01.3' },
  capabilities: ['deploy:prod'],
  riskTags: ['write'],
};

describe('docs/credential-format.md example', () => {
  it('verifies inside its lifetime', async () => {
    const verifier = createVerifier({ jwks: JWKS, maxLifetime: 3600 });
    const r = await verifier.verify(TOKEN, ACTION, { now: Date.parse('2026-01-01T00:10:00Z') });
    assert.equal(r.ok, true);
    assert.equal(r.ok && r.kid, KID);
    assert.deepEqual(r.ok && r.claims.constraints, {
      max_lines_changed: 500,
      max_runtime_sec: 900,
    });
    assert.equal(r.ok && actionHashOfClaims(r.claims), r.ok && r.claims.action_hash);
    const late = await verifier.verify(TOKEN, ACTION, { now: Date.parse('2026-01-01T01:00:00Z') });
    assert.equal(late.ok ? 'ok' : late.code, 'expired');
  });

  it('reproduces byte for byte from the published key (Ed25519 is deterministic)', () => {
    const key = createPrivateKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: X, d: D },
      format: 'jwk',
    });
    const cut = TOKEN.lastIndexOf('.');
    const signature = sign(null, Buffer.from(TOKEN.slice(0, cut), 'ascii'), key);
    assert.equal(signature.toString('base64url'), TOKEN.slice(cut + 1));
  });
});
