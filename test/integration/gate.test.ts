import assert from 'node:assert/strict';
import { sign as signBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { jcsHash } from '../../src/lib/hash.js';
import { createHarness, deployAction, TEST_POLICY, type Harness } from '../helpers/harness.js';

interface Problem {
  code: string;
  status: number;
  details?: Record<string, unknown>;
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('the gate over HTTP: policy, then the verifier, then online checks', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(async () => {
    await h.close();
  });

  const gate = (action: object, credential?: string, who = 'requester') =>
    h.app.inject({
      method: 'POST',
      url: '/v1/gate',
      headers: h.auth(who),
      payload: { action, ...(credential !== undefined ? { credential } : {}) },
    });

  /** Opens a request for `action`, has alice and bob approve it, returns id and credential. */
  const approved = async (action: object): Promise<{ id: string; token: string }> => {
    const created = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: h.auth('requester'),
      payload: { action },
    });
    assert.equal(created.statusCode, 201, created.body);
    const id = created.json().id as string;
    const needed = created.json().approverGroups as string[];
    for (const who of ['alice', 'bob']) {
      const groups = h.keys[who]?.principal.groups ?? [];
      if (!groups.some((g) => needed.includes(g))) continue;
      const r = await h.app.inject({
        method: 'POST',
        url: `/v1/approvals/${id}/approve`,
        headers: h.auth(who),
        payload: { reason: 'ok' },
      });
      assert.equal(r.statusCode, 200, r.body);
    }
    const cred = await h.app.inject({
      method: 'GET',
      url: `/v1/approvals/${id}/credential`,
      headers: h.auth('requester'),
    });
    assert.equal(cred.statusCode, 200, cred.body);
    return { id, token: cred.json().token as string };
  };

  const expectRejected = (res: Awaited<ReturnType<typeof gate>>, code: string, status = 403) => {
    assert.equal(res.statusCode, status, res.body);
    const body = res.json() as Problem;
    assert.equal(body.code, code, res.body);
    assert.match(res.headers['content-type'] as string, /problem\+json/);
    return body;
  };

  /** Re-signs edited claims with the server's own credential key (for shapes policy never issues). */
  const resign = (token: string, edit: (claims: Record<string, unknown>) => void): string => {
    const [h64, p64] = token.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(p64, 'base64url').toString());
    edit(claims);
    const input = `${h64}.${b64(claims)}`;
    const key = h.keyRing.activeKey('credential').privateKey;
    return `${input}.${signBytes(null, Buffer.from(input), key).toString('base64url')}`;
  };

  test('an action policy allows passes without a credential and is audited as gate.allowed', async () => {
    const res = await gate({ ...deployAction('dev:1'), environment: 'dev' });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().allowed, true);
    const events = await h.store.listAuditEvents({ type: 'gate.allowed' }, { limit: 100 });
    assert.ok(events.items.some((e) => e.event.decisionId === res.json().decision.decisionId));
  });

  test('approval_required when a governed action comes without a credential', async () => {
    expectRejected(await gate(deployAction('prod:nocred')), 'approval_required');
  });

  test('a valid credential is allowed once; a single-use credential then reads credential_consumed', async () => {
    const action = deployAction('prod:ok');
    const { id, token } = await approved(action);
    const first = await gate(action, token);
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.json().approvalId, id);
    expectRejected(await gate(action, token), 'credential_consumed');
  });

  test('two concurrent gate calls with one single-use credential: exactly one is allowed', async () => {
    const action = deployAction('prod:race');
    const { token } = await approved(action);
    const results = await Promise.all([
      gate(action, token),
      gate(action, token),
      gate(action, token),
    ]);
    const statuses = results.map((r) => r.statusCode).sort();
    assert.deepEqual(statuses, [200, 403, 403]);
    for (const r of results.filter((x) => x.statusCode === 403)) {
      assert.equal(r.json().code, 'credential_consumed');
    }
  });

  test('a reordered-but-equal spec is the same action (same spec hash) and passes', async () => {
    const action = deployAction('prod:reorder');
    const { token } = await approved(action);
    const reordered = {
      ...action,
      spec: { replicas: 3, image: 'prod:reorder' },
      reason: 'other words',
    };
    assert.equal(jcsHash(reordered.spec), jcsHash(action.spec));
    assert.equal((await gate(reordered, token)).statusCode, 200);
  });

  test('deny posture wins over any credential', async () => {
    const action = deployAction('prod:locked');
    const { token } = await approved(action);
    expectRejected(
      await gate({ ...action, environment: 'locked' }, token),
      'action_denied_by_posture',
    );
  });

  test('spec_hash_mismatch names both hashes', async () => {
    const action = deployAction('prod:spec');
    const { token } = await approved(action);
    const other = { ...action, spec: { image: 'prod:evil', replicas: 3 } };
    const body = expectRejected(await gate(other, token), 'spec_hash_mismatch');
    assert.equal(body.details?.expected ?? body.details?.credential, jcsHash(action.spec));
    assert.ok(JSON.stringify(body.details).includes(jcsHash(other.spec)));
  });

  test('action, scope, config and environment mismatches', async () => {
    const action = { ...deployAction('prod:binding'), configHash: `sha256:${'a'.repeat(64)}` };
    const { token } = await approved(action);
    expectRejected(await gate({ ...action, kind: 'restart' }, token), 'action_mismatch');
    expectRejected(await gate({ ...action, target: 'k8s/prod/other' }, token), 'action_mismatch');
    expectRejected(await gate({ ...action, project: 'billing' }, token), 'scope_mismatch');
    expectRejected(
      await gate({ ...action, configHash: `sha256:${'b'.repeat(64)}` }, token),
      'config_hash_mismatch',
    );
    expectRejected(
      await gate({ ...action, environment: 'staging' }, token),
      'environment_mismatch',
    );
  });

  test('posture_mismatch, unsupported_version, not_yet_valid and insufficient_capabilities', async () => {
    const action = deployAction('prod:claims');
    const { token } = await approved(action);
    expectRejected(
      await gate(
        action,
        resign(token, (c) => (c.posture = 'staging')),
      ),
      'posture_mismatch',
    );
    expectRejected(
      await gate(
        action,
        resign(token, (c) => (c.v = 3)),
      ),
      'unsupported_version',
    );
    const now = Math.floor(h.clock.now() / 1000);
    expectRejected(
      await gate(
        action,
        resign(token, (c) => ((c.nbf = now + 600), (c.exp = now + 1200))),
      ),
      'not_yet_valid',
    );
    const missing = expectRejected(
      await gate(
        action,
        resign(token, (c) => (c.cap = [])),
      ),
      'insufficient_capabilities',
    );
    assert.deepEqual(missing.details?.missing, ['deploy']);
  });

  test('credential_malformed, invalid_signature (edited payload) and alg none', async () => {
    const action = deployAction('prod:forged');
    const { token } = await approved(action);
    expectRejected(await gate(action, 'a.b.c'), 'credential_malformed');
    const [h64, p64, s64] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p64, 'base64url').toString());
    claims.cap = [...claims.cap, 'admin'];
    expectRejected(await gate(action, `${h64}.${b64(claims)}.${s64}`), 'invalid_signature');
    const none = `${b64({ alg: 'none', typ: 'countersign-approval+jwt' })}.${p64}.`;
    expectRejected(await gate(action, none), 'credential_malformed');
  });

  test('expired at exactly exp', async () => {
    const action = deployAction('prod:expiry');
    const { token } = await approved(action);
    const exp = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString())
      .exp as number;
    const saved = h.clock.now();
    h.clock.set(exp * 1000);
    try {
      expectRejected(await gate(action, token), 'expired');
    } finally {
      h.clock.set(saved);
    }
  });

  test('approval_revoked after the approval is revoked', async () => {
    const action = deployAction('prod:revoked');
    const { id, token } = await approved(action);
    const r = await h.app.inject({
      method: 'POST',
      url: `/v1/approvals/${id}/revoke`,
      headers: h.auth('admin'),
      payload: { reason: 'wrong build' },
    });
    assert.equal(r.statusCode, 200);
    expectRejected(await gate(action, token), 'approval_revoked');
  });

  test('approval_revoked when the revocation lands between the first read and the transaction; nothing is consumed', async () => {
    const action = deployAction('prod:revoke-race');
    const { id, token } = await approved(action);
    const stale = await h.store.getApproval(id);
    assert.equal(stale?.state, 'approved');
    const r = await h.app.inject({
      method: 'POST',
      url: `/v1/approvals/${id}/revoke`,
      headers: h.auth('admin'),
      payload: { reason: 'revoked while the gate was checking' },
    });
    assert.equal(r.statusCode, 200);
    // the read before the transaction still sees the approval as it was
    const read = h.store.getApproval.bind(h.store);
    h.store.getApproval = async (approvalId: string) =>
      approvalId === id ? stale : read(approvalId);
    try {
      expectRejected(await gate(action, token), 'approval_revoked');
    } finally {
      h.store.getApproval = read;
    }
    const jti = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).jti;
    assert.equal(await h.store.isCredentialConsumed(jti as string), false);
    const last = await h.store.listAuditEvents({ approvalId: id }, { limit: 100 });
    const gateEvents = last.items.map((e) => e.event).filter((e) => e.type.startsWith('gate.'));
    assert.deepEqual(
      gateEvents.map((e) => [e.type, e.reasonCode]),
      [['gate.rejected', 'approval_revoked']],
    );
  });

  test('self_approval when a (forged but validly signed) credential names the requester as approver', async () => {
    const action = deployAction('prod:self');
    const { token } = await approved(action);
    const forged = resign(token, (c) => {
      c.approvers = [{ sub: c.requested_by, groups: ['release-managers'] }];
      c.jti = 'crd_self';
    });
    expectRejected(await gate(action, forged), 'self_approval');
  });

  test('policy drift: an unrelated edit keeps credentials valid; a change in outcome fails closed', async () => {
    const action = deployAction('prod:drift');
    const a = await approved(action);
    const b = await approved({ ...action, spec: { image: 'prod:drift2', replicas: 3 } });
    h.setPolicy(TEST_POLICY.replace('requestTtl: 1h', 'requestTtl: 2h'));
    try {
      assert.equal((await gate(action, a.token)).statusCode, 200, 'unrelated edit');
      h.setPolicy(
        TEST_POLICY.replace(
          'approvers: { groups: [release-managers, sre], min: 2, mode: each }',
          'approvers: { groups: [release-managers, sre, security], min: 3, mode: each }',
        ),
      );
      expectRejected(
        await gate({ ...action, spec: { image: 'prod:drift2', replicas: 3 } }, b.token),
        'policy_snapshot_mismatch',
      );
    } finally {
      h.setPolicy(TEST_POLICY);
    }
  });

  test('a break-glass credential passes the gate (its single approver is the declarer)', async () => {
    const action = deployAction('prod:bg');
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals/break-glass',
      headers: h.auth('ic'),
      payload: {
        action,
        reason: 'down',
        approverGroup: 'release-managers',
        expiresIn: '30m',
        externalRef: 'INC-9',
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    const cred = await h.app.inject({
      method: 'GET',
      url: `/v1/approvals/${res.json().id}/credential`,
      headers: h.auth('ic'),
    });
    assert.equal(cred.statusCode, 200);
    const claims = JSON.parse(Buffer.from(cred.json().token.split('.')[1], 'base64url').toString());
    assert.equal(claims.break_glass, true);
    assert.ok(claims.exp - claims.iat <= 30 * 60, 'never outlives the break-glass window');
    const key = await h.addKey('bg-runner', ['gate:check']);
    assert.ok(key);
    assert.equal((await gate(action, cred.json().token, 'bg-runner')).statusCode, 200);
  });

  test('replay: dry_run_only, replay_disabled, pipeline_version_unresolved, source_environment_mismatch', async () => {
    const replay = (env: string, spec: object, extra: object = {}) => ({
      kind: 'replay',
      environment: env,
      project: 'shop',
      spec,
      ...extra,
    });
    expectRejected(await gate(replay('staging', { incident: 1 })), 'dry_run_only');
    const dry = await gate({ ...replay('staging', { incident: 1 }), mode: 'dry-run' });
    assert.equal(dry.statusCode, 200, 'dry-run replay needs no approval');
    expectRejected(await gate(replay('qa', { incident: 1 })), 'replay_disabled');
    expectRejected(
      await gate({ ...replay('qa', { incident: 1 }), mode: 'dry-run' }),
      'replay_disabled',
    );
    const unknown = replay('prod', { incident: 'unknown' }, { sourceEnvironment: 'prod' });
    expectRejected(await gate(unknown), 'pipeline_version_unresolved');

    // a deploy allowed at the gate does not make its spec hash a version: only registration does
    const deploy = { ...deployAction('prod:replayable') };
    const { token } = await approved(deploy);
    assert.equal((await gate(deploy, token)).statusCode, 200);
    expectRejected(
      await gate(replay('prod', deploy.spec, { sourceEnvironment: 'prod' })),
      'pipeline_version_unresolved',
    );
    const registered = await h.app.inject({
      method: 'POST',
      url: '/v1/projects/shop/versions',
      headers: h.auth('admin'),
      payload: { version: '1.0.0', specHash: jcsHash(deploy.spec) },
    });
    assert.equal(registered.statusCode, 201, registered.body);
    const known = replay('prod', deploy.spec, { sourceEnvironment: 'staging' });
    expectRejected(await gate(known), 'source_environment_mismatch');
    // same environment, known version: now it is down to approval coverage
    expectRejected(await gate({ ...known, sourceEnvironment: 'prod' }), 'approval_required');

    // or registered explicitly by an admin
    const reg = await h.app.inject({
      method: 'POST',
      url: '/v1/projects/shop/versions',
      headers: h.auth('admin'),
      payload: { version: '2.0.0', specHash: jcsHash({ incident: 'registered' }) },
    });
    assert.equal(reg.statusCode, 201, reg.body);
    expectRejected(
      await gate(replay('prod', { incident: 'registered' }, { sourceEnvironment: 'prod' })),
      'approval_required',
    );
  });

  test('every gate call writes exactly one audit event with the reason code', async () => {
    const before = await h.store.auditSize();
    const res = await gate(deployAction('prod:audited'));
    assert.equal(res.statusCode, 403);
    assert.equal(await h.store.auditSize(), before + 1);
    const last = await h.store.listAuditEvents({ type: 'gate.rejected' }, { limit: 1000 });
    const event = last.items.at(-1)?.event;
    assert.equal(event?.reasonCode, 'approval_required');
    assert.equal(event?.approvalRequired, true);
    assert.deepEqual(event?.requiredCapabilities, ['deploy']);
  });

  test('audit_unavailable: when the gate cannot write its event the call fails closed and consumes nothing', async () => {
    const action = deployAction('prod:auditdown');
    const { token } = await approved(action);
    h.store.database.exec(
      "CREATE TRIGGER gate_audit_down BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'full'); END;",
    );
    try {
      expectRejected(await gate(action, token), 'audit_unavailable', 503);
    } finally {
      h.store.database.exec('DROP TRIGGER gate_audit_down');
    }
    assert.equal((await gate(action, token)).statusCode, 200, 'the credential was not consumed');
  });

  test('JWKS lists credential and checkpoint keys by purpose; revoked keys vanish and stop verifying', async () => {
    const action = deployAction('prod:rotate');
    const old = await approved(action);
    const jwks = (await h.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as {
      keys: Record<string, string>[];
    };
    assert.deepEqual(jwks.keys.map((k) => k['countersign:purpose']).sort(), [
      'checkpoint',
      'credential',
    ]);
    assert.ok(
      jwks.keys.every((k) => k.d === undefined),
      'public keys only',
    );

    await h.keyRing.rotate('credential');
    const fresh = await approved({ ...action, spec: { image: 'prod:rotate2' } });
    // rotation overlap: the retired key still verifies, the new one too
    assert.equal((await gate(action, old.token)).statusCode, 200);
    assert.equal(
      (await gate({ ...action, spec: { image: 'prod:rotate2' } }, fresh.token)).statusCode,
      200,
    );

    const third = await approved({ ...action, spec: { image: 'prod:rotate3' } });
    const newKid = JSON.parse(
      Buffer.from(third.token.split('.')[0] as string, 'base64url').toString(),
    ).kid;
    await h.keyRing.revoke(newKid);
    expectRejected(
      await gate({ ...action, spec: { image: 'prod:rotate3' } }, third.token),
      'unknown_signing_key',
    );
    const after = (await h.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as {
      keys: { kid: string }[];
    };
    assert.ok(!after.keys.some((k) => k.kid === newKid));
  });

  test('keyset_unavailable when no credential key is left (fail closed)', async () => {
    const action = deployAction('prod:nokeys');
    await h.keyRing.rotate('credential'); // the previous test revoked the active one
    const { token } = await approved(action);
    for (const k of h.keyRing.list()) {
      if (k.purpose === 'credential' && k.status !== 'revoked') await h.keyRing.revoke(k.kid);
    }
    expectRejected(await gate(action, token), 'keyset_unavailable', 503);
  });
});
