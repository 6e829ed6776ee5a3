import * as assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { CredentialError } from '../errors/index.js';
import { FakeClock } from '../lib/clock.js';
import { sequentialIds } from '../lib/ids.js';
import { issueCredential, type CredentialInput, type IssueDeps } from './issue.js';
import { openKeyRing, type KeyRing } from './keyring.js';
import { actionFor, CONFIG_HASH, NOW_MS, POLICY_HASH, SPEC } from './testing.js';
import { computeSpecHash } from './verify/spec-hash.js';
import { verifyCredential } from './verify/verifier.js';

let root: string;
let ring: KeyRing;
const clock = new FakeClock(NOW_MS);

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'countersign-issue-'));
  ring = await openKeyRing(join(root, 'keys'), { clock });
  await ring.ensureKeys();
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

function input(overrides: Partial<CredentialInput> = {}): CredentialInput {
  return {
    approvalId: 'apr_0007',
    project: 'payments',
    environment: 'prod-eu',
    posture: 'prod',
    action: { kind: 'deploy', mode: 'execute', target: 'service/payments-api' },
    specHash: computeSpecHash(SPEC),
    configHash: CONFIG_HASH,
    capabilities: ['network:egress', 'deploy:prod', 'deploy:prod'],
    policySnapshot: POLICY_HASH,
    requestedBy: 'oidc:https://idp.example#alice',
    approvers: [{ sub: 'oidc:https://idp.example#bob', groups: ['sre', 'db'] }],
    breakGlass: false,
    singleUse: true,
    ...overrides,
  };
}

function deps(overrides: Partial<IssueDeps> = {}): IssueDeps {
  return {
    keyRing: ring,
    clock,
    issuer: 'countersign:acme',
    ttlMs: 3_600_000,
    maxTtlMs: 86_400_000,
    ids: sequentialIds(),
    ...overrides,
  };
}

describe('issueCredential', () => {
  it('signs exactly the claims of docs/domain.md §4', async () => {
    const { claims } = await issueCredential(input(), deps());
    const iat = NOW_MS / 1000;
    assert.deepEqual(claims, {
      v: 1,
      iss: 'countersign:acme',
      sub: 'apr_0007',
      jti: 'crd_0001',
      iat,
      nbf: iat,
      exp: iat + 3600,
      project: 'payments',
      env: 'prod-eu',
      posture: 'prod',
      action: { kind: 'deploy', mode: 'execute', target: 'service/payments-api' },
      spec_hash: computeSpecHash(SPEC),
      config_hash: CONFIG_HASH,
      cap: ['deploy:prod', 'network:egress'],
      policy: POLICY_HASH,
      requested_by: 'oidc:https://idp.example#alice',
      approvers: [{ sub: 'oidc:https://idp.example#bob', groups: ['db', 'sre'] }],
      break_glass: false,
      single_use: true,
    });
  });

  it('puts alg, kid and typ in the header and signs with the credential key', async () => {
    const { token, kid } = await issueCredential(input(), deps());
    assert.deepEqual(decodeProtectedHeader(token), {
      alg: 'EdDSA',
      kid,
      typ: 'countersign-approval+jwt',
    });
    assert.equal(kid, ring.activeKey('credential').kid);
    assert.notEqual(kid, ring.activeKey('checkpoint').kid);
  });

  it('is verified by the offline verifier with the ring JWKS', async () => {
    const { token } = await issueCredential(input(), deps());
    const r = await verifyCredential(token, actionFor(), { jwks: ring.publicJwks(), now: NOW_MS });
    assert.equal(r.ok, true);
  });

  it('caps the lifetime at the maximum and keeps exp in whole seconds', async () => {
    const capped = await issueCredential(input(), deps({ ttlMs: 7_200_000, maxTtlMs: 1_800_000 }));
    assert.equal(capped.claims.exp - capped.claims.iat, 1800);
    const odd = await issueCredential(input(), deps({ ttlMs: 90_500 }));
    assert.equal(odd.claims.exp - odd.claims.iat, 90);
    assert.ok(Number.isInteger(odd.claims.exp));
  });

  it('omits target and config_hash when the action has none', async () => {
    const { claims } = await issueCredential(
      input({ action: { kind: 'deploy', mode: 'dry-run' }, configHash: null }),
      deps(),
    );
    assert.deepEqual(claims.action, { kind: 'deploy', mode: 'dry-run' });
    assert.ok(!('config_hash' in claims));
  });

  it('refuses input the verifier would call malformed', async () => {
    await assert.rejects(issueCredential(input({ specHash: 'abc' }), deps()), {
      name: 'TypeError',
      message: 'cannot issue credential: "spec_hash" claim missing or invalid',
    });
    await assert.rejects(issueCredential(input(), deps({ ttlMs: 500 })), TypeError);
  });

  it('fails closed with keyset_unavailable when no credential key is active', async () => {
    const empty = await openKeyRing(join(root, 'empty'), { clock });
    await assert.rejects(issueCredential(input(), deps({ keyRing: empty })), (err: unknown) => {
      return err instanceof CredentialError && err.code === 'keyset_unavailable';
    });
  });
});
