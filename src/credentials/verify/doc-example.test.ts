import * as assert from 'node:assert/strict';
import { createPrivateKey, sign } from 'node:crypto';
import { describe, it } from 'node:test';
import type { JSONWebKeySet } from 'jose';
import { createVerifier } from './verifier.js';

// The example of docs/credential-format.md §6, signed with the RFC 8032 TEST 1 key.
const TOKEN =
  'eyJhbGciOiJFZERTQSIsImtpZCI6ImtQcktfcW14VldhWVZBOXd3QkY2SXVvM3ZWeno3VHhIQ1R3WEJ5Z3JTNGsiLCJ0eXAiOiJjb3VudGVyc2lnbi1hcHByb3ZhbCtqd3QifQ.eyJ2IjoxLCJpc3MiOiJjb3VudGVyc2lnbjphY21lIiwic3ViIjoiYXByXzdjNG0ycTl4IiwianRpIjoiY3JkXzNrOHcxejVuIiwiaWF0IjoxNzY3MjI1NjAwLCJuYmYiOjE3NjcyMjU2MDAsImV4cCI6MTc2NzIyOTIwMCwicHJvamVjdCI6InBheW1lbnRzIiwiZW52IjoicHJvZC1ldSIsInBvc3R1cmUiOiJwcm9kIiwiYWN0aW9uIjp7ImtpbmQiOiJkZXBsb3kiLCJtb2RlIjoiZXhlY3V0ZSIsInRhcmdldCI6InNlcnZpY2UvcGF5bWVudHMtYXBpIn0sInNwZWNfaGFzaCI6InNoYTI1Njo1ZDkyMzcwYWI3ZjQ2ODY3ZTNmNzAzN2UyNzQ3NzdlOThkYzdjMzhhMmE5NDczYjBiOTE0ODUwZWEzNWM4MjA0IiwiY2FwIjpbImRlcGxveTpwcm9kIl0sInBvbGljeSI6InNoYTI1Njo5ZjlmOWY5ZjlmOWY5ZjlmOWY5ZjlmOWY5ZjlmOWY5ZjlmOWY5ZjlmOWY5ZjlmOWY5ZjlmOWY5ZjlmOWY5ZjlmIiwicmVxdWVzdGVkX2J5Ijoib2lkYzpodHRwczovL2lkcC5hY21lLmV4YW1wbGUjYWxpY2UiLCJhcHByb3ZlcnMiOlt7InN1YiI6Im9pZGM6aHR0cHM6Ly9pZHAuYWNtZS5leGFtcGxlI2JvYiIsImdyb3VwcyI6WyJzcmUiXX1dLCJicmVha19nbGFzcyI6ZmFsc2UsInNpbmdsZV91c2UiOnRydWV9.HG7VeGJXyei0GTS5Z0C1nlId3f_z7OvSmB222P5exyrWzPbG7lDoI-YKSrCvD0gIOTuu8Aybp1iI5rRsiPoiAw';
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
  spec: { pipeline: 'payments', version: '2026.01.3' },
  capabilities: ['deploy:prod'],
};

describe('docs/credential-format.md example', () => {
  it('verifies inside its lifetime', async () => {
    const verifier = createVerifier({ jwks: JWKS, maxLifetime: 3600 });
    const r = await verifier.verify(TOKEN, ACTION, { now: Date.parse('2026-01-01T00:10:00Z') });
    assert.equal(r.ok, true);
    assert.equal(r.ok && r.kid, KID);
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
