import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  actionFor,
  b64,
  claimsFor,
  credentialHeader,
  NOW_MS,
  signCompact,
  SPEC,
  testKey,
  CONFIG_HASH,
} from '../testing.js';
import { MESSAGES } from './messages.js';
import { expectFailure, JWKS, key, other, SPEC_HASH, token, verify } from '../verify-test-kit.js';
import { computeSpecHash } from './spec-hash.js';
import type { ActionInput } from './types.js';
import { createVerifier } from './verifier.js';

describe('rows 5–9: binding to the action', () => {
  const cases: [string, Partial<ActionInput>, string, string, Record<string, unknown>][] = [
    [
      'kind',
      { kind: 'replay' },
      'action_mismatch',
      MESSAGES.actionKind,
      { field: 'kind', credential: 'deploy', action: 'replay' },
    ],
    [
      'mode',
      { mode: 'dry-run' },
      'action_mismatch',
      MESSAGES.actionMode,
      { field: 'mode', credential: 'execute', action: 'dry-run' },
    ],
    [
      'target',
      { target: 'service/ledger' },
      'action_mismatch',
      MESSAGES.actionTarget,
      { field: 'target', credential: 'service/payments-api', action: 'service/ledger' },
    ],
    [
      'absent target',
      { target: undefined },
      'action_mismatch',
      MESSAGES.actionTarget,
      { field: 'target', credential: 'service/payments-api', action: null },
    ],
    [
      'project',
      { project: 'ledger' },
      'scope_mismatch',
      MESSAGES.scope,
      { field: 'project', credential: 'payments', action: 'ledger' },
    ],
    [
      'spec',
      { spec: { ...SPEC, version: '2026.01.4' } },
      'spec_hash_mismatch',
      MESSAGES.specHash,
      {
        field: 'specHash',
        credential: SPEC_HASH,
        action: computeSpecHash({ ...SPEC, version: '2026.01.4' }),
      },
    ],
    [
      'config hash',
      { configHash: `sha256:${'0'.repeat(64)}` },
      'config_hash_mismatch',
      MESSAGES.configHash,
      { field: 'configHash', credential: CONFIG_HASH, action: `sha256:${'0'.repeat(64)}` },
    ],
    [
      'missing config hash',
      { configHash: undefined },
      'config_hash_mismatch',
      MESSAGES.configHash,
      { field: 'configHash', credential: CONFIG_HASH, action: null },
    ],
    [
      'environment',
      { environment: 'prod-us' },
      'environment_mismatch',
      MESSAGES.environment,
      { field: 'environment', credential: 'prod-eu', action: 'prod-us' },
    ],
  ];
  for (const [name, change, code, message, details] of cases) {
    it(`answers ${code} for a different ${name}`, async () => {
      await expectFailure(verify(token(), actionFor(change)), code, message, details);
    });
  }

  it('answers posture_mismatch when the expected posture differs', async () => {
    await expectFailure(
      verify(token(), actionFor(), { expectedPosture: 'staging' }),
      'posture_mismatch',
      MESSAGES.posture,
      { field: 'posture', credential: 'prod', expected: 'staging' },
    );
    assert.equal((await verify(token(), actionFor(), { expectedPosture: 'prod' })).ok, true);
  });

  it('answers config_hash_mismatch when the credential binds none but the action has one', async () => {
    const claims: Record<string, unknown> = { ...claimsFor(SPEC_HASH) };
    delete claims.config_hash;
    const t = signCompact(credentialHeader(key.kid), claims, key.privateKey);
    await expectFailure(verify(t), 'config_hash_mismatch', MESSAGES.configHash);
    assert.equal((await verify(t, actionFor({ configHash: undefined }))).ok, true);
  });

  it('checks in table order: kind before project before environment before time', async () => {
    const t = token({ exp: claimsFor(SPEC_HASH).iat + 60 });
    const all = actionFor({ kind: 'replay', project: 'ledger', environment: 'dev' });
    await expectFailure(verify(t, all), 'action_mismatch', MESSAGES.actionKind);
    const noKind = actionFor({ project: 'ledger', environment: 'dev' });
    await expectFailure(verify(t, noKind), 'scope_mismatch', MESSAGES.scope);
    await expectFailure(
      verify(t, actionFor({ environment: 'dev' })),
      'environment_mismatch',
      MESSAGES.environment,
    );
    await expectFailure(verify(t), 'expired', MESSAGES.expired);
  });
});

describe('row 10: not_yet_valid and expired (frozen clock)', () => {
  const { iat, exp } = claimsFor(SPEC_HASH);

  it('is expired exactly at exp', async () => {
    await expectFailure(
      verify(token(), actionFor(), { now: exp * 1000 }),
      'expired',
      MESSAGES.expired,
      {
        exp,
      },
    );
  });

  it('is valid one second before exp', async () => {
    assert.equal((await verify(token(), actionFor(), { now: (exp - 1) * 1000 })).ok, true);
  });

  it('never lets the skew extend exp', async () => {
    const r = verify(token(), actionFor(), { now: new Date((exp + 1) * 1000), clockSkew: 300 });
    await expectFailure(r, 'expired', MESSAGES.expired);
  });

  it('is not yet valid when nbf is beyond the skew', async () => {
    const t = token({ nbf: iat + 120 });
    const now = (iat + 120 - 31) * 1000;
    await expectFailure(verify(t, actionFor(), { now }), 'not_yet_valid', MESSAGES.notYetValid, {
      nbf: iat + 120,
    });
  });

  it('tolerates nbf within the skew', async () => {
    const t = token({ nbf: iat + 120 });
    assert.equal((await verify(t, actionFor(), { now: (iat + 120 - 30) * 1000 })).ok, true);
    await expectFailure(
      verify(t, actionFor(), { now: (iat + 120 - 30) * 1000, clockSkew: 0 }),
      'not_yet_valid',
      MESSAGES.notYetValid,
    );
  });
});

describe('row 11: insufficient_capabilities', () => {
  it('lists the missing capabilities, sorted', async () => {
    const action = actionFor({ capabilities: ['secrets:read', 'deploy:prod', 'iam:write'] });
    await expectFailure(
      verify(token(), action),
      'insufficient_capabilities',
      MESSAGES.capabilities,
      {
        missing: ['iam:write', 'secrets:read'],
      },
    );
  });

  it('uses requiredCapabilities over the action capabilities when given', async () => {
    const r = verify(token(), actionFor(), { requiredCapabilities: ['schema:write'] });
    await expectFailure(r, 'insufficient_capabilities', MESSAGES.capabilities, {
      missing: ['schema:write'],
    });
  });
});

describe('messages never carry the token or its signature', () => {
  it('holds for every failure above', async () => {
    const t = token();
    const signature = t.slice(t.lastIndexOf('.') + 1);
    const payload = t.split('.')[1] as string;
    const results = await Promise.all([
      verify(`${t.slice(0, -4)}AAAA`),
      verify(t, actionFor({ kind: 'replay' })),
      verify(t, actionFor({ spec: { x: 1 } })),
      verify(t, actionFor(), { jwks: { keys: [] } }),
      verify(t, actionFor(), { now: 0 }),
    ]);
    for (const r of results) {
      assert.equal(r.ok, false);
      const text = JSON.stringify(r);
      assert.ok(!text.includes(signature) && !text.includes(payload) && !text.includes(t));
    }
  });
});

describe('caller misuse is a TypeError', () => {
  it('rejects an action with neither spec nor specHash', async () => {
    await assert.rejects(verify(token(), actionFor({ spec: undefined })), {
      name: 'TypeError',
      message: 'action needs spec or specHash',
    });
  });

  it('rejects a specHash that is not the hash of the spec', async () => {
    await assert.rejects(verify(token(), actionFor({ specHash: `sha256:${'1'.repeat(64)}` })), {
      name: 'TypeError',
      message: 'action.specHash is not the hash of action.spec',
    });
  });

  it('rejects bad options when the verifier is built', () => {
    assert.throws(() => createVerifier({ jwks: JWKS, clockSkew: -1 }), {
      name: 'TypeError',
      message: 'clockSkew must be a non-negative number of seconds',
    });
    assert.throws(() => createVerifier({ jwks: JWKS, maxLifetime: Number.NaN }), TypeError);
  });

  it('rejects an invalid now', async () => {
    await assert.rejects(verify(token(), actionFor(), { now: new Date('nope') }), TypeError);
  });
});

describe('createVerifier', () => {
  it('imports only credential keys and reuses them across verifications', async () => {
    const checkpoint = testKey('audit', 'checkpoint');
    const verifier = createVerifier({ jwks: { keys: [key.jwk, other.jwk, checkpoint.jwk] } });
    assert.equal(verifier.keyCount, 2);
    const t = token();
    for (let i = 0; i < 3; i++) {
      assert.equal((await verifier.verify(t, actionFor(), { now: NOW_MS })).ok, true);
    }
    const bad = `${t.split('.')[0]}.${b64(claimsFor(SPEC_HASH, { env: 'x' }))}.${t.split('.')[2]}`;
    const r = await verifier.verify(bad, actionFor(), { now: NOW_MS });
    assert.equal(r.ok ? 'ok' : r.code, 'invalid_signature');
  });

  it('ignores unusable entries instead of failing the whole set', async () => {
    const verifier = createVerifier({
      jwks: {
        keys: [{ kty: 'RSA', kid: 'r' }, { ...key.jwk, x: 'short' }, null as never, key.jwk],
      },
    });
    assert.equal(verifier.keyCount, 1);
    assert.equal((await verifier.verify(token(), actionFor(), { now: NOW_MS })).ok, true);
  });

  it('takes per-call required capabilities', async () => {
    const verifier = createVerifier({ jwks: JWKS, now: NOW_MS });
    const r = await verifier.verify(token(), actionFor(), {
      requiredCapabilities: ['network:egress'],
    });
    assert.equal(r.ok, true);
  });
});

describe('row 5: the repository and the replay provenance are bound', () => {
  const bound = {
    action: {
      kind: 'deploy',
      mode: 'execute' as const,
      target: 'service/payments-api',
      repository: 'payments/api',
      source_env: 'staging-eu',
      pipeline_version: '2026.01.3',
    },
  };
  const faithful = actionFor({
    repository: 'payments/api',
    sourceEnvironment: 'staging-eu',
    pipelineVersion: '2026.01.3',
  });

  it('verifies the action it was approved for', async () => {
    const r = await verify(token(bound), faithful);
    assert.equal(r.ok, true, r.ok ? '' : r.code);
  });

  const cases: [string, Partial<ActionInput>, string, Record<string, unknown>][] = [
    [
      'another repository',
      { repository: 'billing/api' },
      MESSAGES.actionRepository,
      { field: 'repository', credential: 'payments/api', action: 'billing/api' },
    ],
    [
      'no repository',
      { repository: undefined },
      MESSAGES.actionRepository,
      { field: 'repository', credential: 'payments/api', action: null },
    ],
    [
      'another source environment',
      { sourceEnvironment: 'dev' },
      MESSAGES.actionSourceEnvironment,
      { field: 'sourceEnvironment', credential: 'staging-eu', action: 'dev' },
    ],
    [
      'another pipeline version',
      { pipelineVersion: '2026.01.4' },
      MESSAGES.actionPipelineVersion,
      { field: 'pipelineVersion', credential: '2026.01.3', action: '2026.01.4' },
    ],
  ];
  for (const [name, change, message, details] of cases) {
    it(`${name} is action_mismatch naming the field`, async () => {
      await expectFailure(
        verify(token(bound), { ...faithful, ...change }),
        'action_mismatch',
        message,
        details,
      );
    });
  }

  it('a credential without a repository does not cover an action from one', async () => {
    await expectFailure(
      verify(token(), actionFor({ repository: 'payments/api' })),
      'action_mismatch',
      MESSAGES.actionRepository,
      { field: 'repository', credential: null, action: 'payments/api' },
    );
  });
});

describe('row 12: the action declares nothing the reviewers did not see', () => {
  it('a declared risk tag the approval did not carry is decision_mismatch', async () => {
    await expectFailure(
      verify(token(), actionFor({ riskTags: ['prod', 'secrets', 'network'] })),
      'decision_mismatch',
      MESSAGES.riskTagsUnbound,
      { field: 'riskTags', unbound: ['network', 'secrets'] },
    );
  });

  it('a declared constraint the approval did not carry is decision_mismatch', async () => {
    await expectFailure(
      verify(token(), actionFor({ constraints: { max_runtime_sec: 900, max_cost_usd: 5 } })),
      'decision_mismatch',
      MESSAGES.constraintsUnbound,
      { field: 'constraints', unbound: ['max_cost_usd'] },
    );
  });

  it('declared tags and constraints within the approval verify, and the claims carry them', async () => {
    const r = await verify(
      token(),
      actionFor({ riskTags: ['prod'], constraints: { max_runtime_sec: 3600 } }),
    );
    assert.equal(r.ok, true, r.ok ? '' : r.code);
    // the runtime enforces the approved bound, not the one the action asks for
    assert.deepEqual(r.ok && r.claims.constraints, { max_runtime_sec: 900 });
    assert.deepEqual(r.ok && r.claims.risk_tags, ['prod']);
  });

  it('runs after the capability check (row 11 answers first)', async () => {
    await expectFailure(
      verify(token(), actionFor({ capabilities: ['root'], riskTags: ['network'] })),
      'insufficient_capabilities',
      MESSAGES.capabilities,
      { missing: ['root'] },
    );
  });
});
