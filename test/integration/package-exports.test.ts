import assert from 'node:assert/strict';
import { test } from 'node:test';

// the published entry points resolve by package name (self-reference through "exports")
test('countersign/verify, countersign/client and countersign/evidence resolve and export their API', async () => {
  const verify = await import('countersign/verify');
  assert.equal(typeof verify.verifyCredential, 'function');
  assert.equal(typeof verify.createVerifier, 'function');
  const client = await import('countersign/client');
  assert.equal(typeof client.CountersignClient, 'function');
  assert.equal(typeof client.ApiError, 'function');
  const evidence = await import('countersign/evidence');
  assert.equal(typeof evidence.verifyEvidence, 'function');
  assert.equal(typeof evidence.verifyInclusion, 'function');
});
