import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ApiKeyRecord } from '../store/port.js';
import { apiKeyMatches, generateApiKey, parseApiKey } from './api-keys.js';

function recordOf(secretHash: string, revokedAt: string | null = null): ApiKeyRecord {
  return {
    id: 'k1',
    name: 'ci',
    secretHash,
    scopes: ['gate:check'],
    groups: [],
    createdAt: '2026-01-01T00:00:00.000Z',
    createdBy: 'admin',
    lastUsedAt: null,
    revokedAt,
  };
}

describe('apiKeyMatches', () => {
  const generated = generateApiKey();
  const secret = parseApiKey(generated.key)?.secret ?? '';

  test('the secret of a generated key matches its stored hash', () => {
    assert.notEqual(secret, '');
    assert.equal(apiKeyMatches(recordOf(generated.secretHash), secret), true);
  });

  test('any other secret does not, whatever its length', () => {
    const other = generateApiKey();
    for (const wrong of [
      parseApiKey(other.key)?.secret ?? 'x',
      secret.slice(0, -1),
      `${secret}A`,
      '',
      generated.secretHash,
    ]) {
      assert.equal(apiKeyMatches(recordOf(generated.secretHash), wrong), false, wrong);
    }
  });

  test('a revoked key never matches', () => {
    assert.equal(
      apiKeyMatches(recordOf(generated.secretHash, '2026-01-02T00:00:00.000Z'), secret),
      false,
    );
  });

  test('a stored hash of any other form matches nothing', () => {
    for (const stored of [
      generated.secretHash.toUpperCase(),
      generated.secretHash.slice(0, 62),
      `${generated.secretHash}00`,
      '',
    ]) {
      assert.equal(apiKeyMatches(recordOf(stored), secret), false, stored);
    }
  });
});
