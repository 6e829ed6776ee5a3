/**
 * Any string presented as a credential reaches the verifier, so a malformed one is the contract's
 * 403 `credential_malformed`, not a schema 400. Only an absurd length is refused before it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHarness, deployAction, type Harness } from '../helpers/harness.js';

describe('a malformed credential at the gate is 403 credential_malformed', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(async () => h.close());

  const gate = (credential: unknown) =>
    h.app.inject({
      method: 'POST',
      url: '/v1/gate',
      headers: h.auth('requester'),
      payload: { action: deployAction('shop:malformed'), credential },
    });

  test('strings that are no compact JWS are refused by the verifier with its code', async () => {
    for (const credential of [
      'not-a-jwt',
      'a.b',
      'a.b.c.d',
      'has space.b.c',
      'é.b.c',
      '...',
      'eyJhbGciOiJFZERTQSJ9.eyJ9.sig',
    ]) {
      const res = await gate(credential);
      assert.equal(res.statusCode, 403, `${credential}: ${res.body}`);
      assert.equal(res.json<{ code: string }>().code, 'credential_malformed', credential);
    }
  });

  test('a credential that is not a string, or longer than 16 KiB, is still a 400', async () => {
    for (const credential of [42, { token: 'x' }, 'x'.repeat(16_385)]) {
      const res = await gate(credential);
      assert.equal(res.statusCode, 400);
      assert.equal(res.json<{ code: string }>().code, 'validation_failed');
    }
  });
});
