import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readSecretEnv } from './secrets.js';

describe('readSecretEnv', () => {
  it('returns the named variable, and undefined when unset or empty', () => {
    const env = { SLACK_URL: 'https://hooks.example/x', EMPTY: '' };
    assert.equal(readSecretEnv('SLACK_URL', env), 'https://hooks.example/x');
    assert.equal(readSecretEnv('EMPTY', env), undefined);
    assert.equal(readSecretEnv('MISSING', env), undefined);
  });

  it('never reads inherited properties', () => {
    assert.equal(readSecretEnv('toString', {}), undefined);
  });

  it('reads process.env by default', () => {
    const name = 'COUNTERSIGN_TEST_SECRET_ENV';
    process.env[name] = 'value';
    try {
      assert.equal(readSecretEnv(name), 'value');
    } finally {
      delete process.env[name];
    }
  });

  it('refuses a name that is not an environment variable name (caller misuse)', () => {
    assert.throws(() => readSecretEnv('not a name', {}), TypeError);
  });
});
