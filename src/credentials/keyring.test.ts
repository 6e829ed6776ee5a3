import * as assert from 'node:assert/strict';
import { verify as verifyBytes } from 'node:crypto';
import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { calculateJwkThumbprint } from 'jose';
import { CredentialError, ConflictError } from '../errors/index.js';
import { FakeClock } from '../lib/clock.js';
import { issueCredential } from './issue.js';
import { openKeyRing, type KeyRing } from './keyring.js';
import { actionFor, CONFIG_HASH, NOW_MS, POLICY_HASH, SPEC } from './testing.js';
import { computeSpecHash } from './verify/spec-hash.js';
import { verifyCredential } from './verify/verifier.js';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'countersign-keys-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

let counter = 0;
async function freshRing(clock = new FakeClock(NOW_MS)): Promise<{ ring: KeyRing; dir: string }> {
  const dir = join(root, `ring-${++counter}`, 'keys');
  return { ring: await openKeyRing(dir, { clock }), dir };
}

async function issue(ring: KeyRing, clock: FakeClock): Promise<string> {
  const { token } = await issueCredential(
    {
      approvalId: 'apr_0001',
      project: 'payments',
      environment: 'prod-eu',
      posture: 'prod',
      action: { kind: 'deploy', mode: 'execute', target: 'service/payments-api' },
      specHash: computeSpecHash(SPEC),
      configHash: CONFIG_HASH,
      capabilities: ['deploy:prod'],
      riskTags: ['prod'],
      constraints: {},
      rule: 'environments.prod-eu.actions.deploy',
      quorum: { min: 1, mode: 'any', groups: ['sre'] },
      policySnapshot: POLICY_HASH,
      requestedBy: 'oidc:https://idp.example#alice',
      approvers: [{ sub: 'oidc:https://idp.example#bob', groups: ['sre'] }],
      breakGlass: false,
      singleUse: true,
    },
    { keyRing: ring, clock, issuer: 'countersign:test', ttlMs: 3_600_000, maxTtlMs: 86_400_000 },
  );
  return token;
}

describe('key ring on disk', () => {
  it('creates the directory 0700 and one 0600 file per key', async () => {
    const { ring, dir } = await freshRing();
    const created = await ring.ensureKeys();
    assert.deepEqual(
      created.map((k) => [k.purpose, k.status]),
      [
        ['credential', 'active'],
        ['checkpoint', 'active'],
      ],
    );
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    const files = (await readdir(dir)).sort();
    assert.deepEqual(files, created.map((k) => `${k.kid}.json`).sort());
    for (const file of files) assert.equal((await stat(join(dir, file))).mode & 0o777, 0o600);
    assert.deepEqual(await ring.ensureKeys(), [], 'a second ensureKeys creates nothing');
  });

  it('names each key by its RFC 7638 thumbprint and stores the private JWK', async () => {
    const { ring, dir } = await freshRing();
    const [credential] = await ring.ensureKeys();
    assert.ok(credential);
    const content = JSON.parse(await readFile(join(dir, `${credential.kid}.json`), 'utf8'));
    assert.deepEqual(Object.keys(content).sort(), ['createdAt', 'jwk', 'kid', 'purpose', 'status']);
    assert.equal(content.createdAt, new Date(NOW_MS).toISOString());
    assert.equal(typeof content.jwk.d, 'string');
    const { kty, crv, x } = content.jwk;
    assert.equal(credential.kid, await calculateJwkThumbprint({ kty, crv, x }));
  });

  it('publishes public keys only, marked with purpose, alg and use', async () => {
    const { ring } = await freshRing();
    await ring.ensureKeys();
    const { keys } = ring.publicJwks();
    assert.equal(keys.length, 2);
    for (const k of keys) {
      assert.deepEqual(Object.keys(k).sort(), [
        'alg',
        'countersign:purpose',
        'countersign:status',
        'crv',
        'kid',
        'kty',
        'use',
        'x',
      ]);
      assert.equal(k.alg, 'EdDSA');
      assert.equal(k.use, 'sig');
    }
    assert.deepEqual(keys.map((k) => k['countersign:purpose']).sort(), [
      'checkpoint',
      'credential',
    ]);
  });

  it('signs raw bytes with the checkpoint key through sign()', async () => {
    const { ring } = await freshRing();
    await ring.ensureKeys();
    const bytes = new TextEncoder().encode('countersign.acme/audit\n1\nroot\n');
    const { kid, signature } = ring.sign('checkpoint', bytes);
    const checkpoint = ring.activeKey('checkpoint');
    assert.equal(kid, checkpoint.kid);
    assert.notEqual(kid, ring.activeKey('credential').kid);
    assert.equal(verifyBytes(null, bytes, checkpoint.publicKey, signature), true);
  });
});

describe('rotation and revocation', () => {
  it('rotate makes a new active key and retires the previous one; both still verify', async () => {
    const clock = new FakeClock(NOW_MS);
    const { ring } = await freshRing(clock);
    await ring.ensureKeys();
    const before = ring.activeKey('credential').kid;
    const oldToken = await issue(ring, clock);
    clock.advance(1000);
    const rotated = await ring.rotate('credential');
    assert.notEqual(rotated.kid, before);
    assert.equal(ring.activeKey('credential').kid, rotated.kid);
    const statuses = Object.fromEntries(ring.list().map((k) => [k.kid, k.status]));
    assert.equal(statuses[before], 'retired');
    assert.equal(
      ring.list().find((k) => k.kid === before)?.retiredAt,
      new Date(NOW_MS + 1000).toISOString(),
    );
    const newToken = await issue(ring, clock);
    const jwks = ring.publicJwks();
    for (const token of [oldToken, newToken]) {
      const r = await verifyCredential(token, actionFor(), { jwks, now: NOW_MS + 2000 });
      assert.equal(r.ok, true, 'rotation overlap: old and new credentials both verify');
    }
  });

  it('a revoked key leaves the JWKS and its credentials never verify', async () => {
    const clock = new FakeClock(NOW_MS);
    const { ring } = await freshRing(clock);
    await ring.ensureKeys();
    const token = await issue(ring, clock);
    const kid = ring.activeKey('credential').kid;
    await ring.rotate('credential');
    const revoked = await ring.revoke(kid);
    assert.equal(revoked.status, 'revoked');
    assert.equal(revoked.revokedAt, new Date(NOW_MS).toISOString());
    const jwks = ring.publicJwks();
    assert.ok(!jwks.keys.some((k) => k.kid === kid));
    const r = await verifyCredential(token, actionFor(), { jwks, now: NOW_MS });
    assert.equal(r.ok ? 'ok' : r.code, 'unknown_signing_key');
  });

  it('revoking the only active key fails closed with keyset_unavailable', async () => {
    const { ring } = await freshRing();
    await ring.ensureKeys();
    await ring.revoke(ring.activeKey('credential').kid);
    assert.throws(
      () => ring.activeKey('credential'),
      (err: unknown) => {
        assert.ok(err instanceof CredentialError);
        assert.equal(err.code, 'keyset_unavailable');
        assert.equal(err.message, 'no active credential signing key');
        return true;
      },
    );
  });

  it('revoking an unknown kid is not_found', async () => {
    const { ring } = await freshRing();
    await assert.rejects(ring.revoke('nope'), (err: unknown) => {
      return err instanceof ConflictError && err.code === 'not_found';
    });
  });
});

describe('reload from another process', () => {
  it('picks up rotate and revoke done through another KeyRing on the same directory', async () => {
    const clock = new FakeClock(NOW_MS);
    const { ring: server, dir } = await freshRing(clock);
    await server.ensureKeys();
    const cli = await openKeyRing(dir, { clock });
    assert.equal(await server.reloadIfChanged(), false, 'nothing changed yet');
    clock.advance(1000);
    const rotated = await cli.rotate('credential');
    const generation = server.generation;
    assert.equal(await server.reloadIfChanged(), true);
    assert.ok(server.generation > generation);
    assert.equal(server.activeKey('credential').kid, rotated.kid);
    await cli.revoke(rotated.kid);
    assert.equal(await server.reloadIfChanged(), true);
    assert.ok(!server.publicJwks().keys.some((k) => k.kid === rotated.kid));
    assert.throws(() => server.activeKey('credential'), CredentialError);
  });

  it('watch() reloads on its own', async () => {
    const { ring: server, dir } = await freshRing();
    await server.ensureKeys();
    const stop = server.watch(10);
    try {
      const rotated = await (await openKeyRing(dir)).rotate('checkpoint');
      for (let i = 0; i < 100 && server.activeKey('checkpoint').kid !== rotated.kid; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.equal(server.activeKey('checkpoint').kid, rotated.kid);
    } finally {
      stop();
    }
  });
});

describe('refusing bad key files', () => {
  it('refuses a key file readable by group or others, naming the file', async () => {
    const { ring, dir } = await freshRing();
    const [credential] = await ring.ensureKeys();
    assert.ok(credential);
    const file = join(dir, `${credential.kid}.json`);
    const secret = JSON.parse(await readFile(file, 'utf8')).jwk.d as string;
    await chmod(file, 0o644);
    await assert.rejects(openKeyRing(dir), (err: unknown) => {
      assert.ok(err instanceof CredentialError);
      assert.equal(
        err.message,
        `key file ${file} is accessible by group or others (mode 0644); it must be 0600`,
      );
      assert.ok(!err.message.includes(secret));
      return true;
    });
    await assert.rejects(ring.reloadIfChanged(), CredentialError);
    assert.equal(ring.activeKey('credential').kid, credential.kid, 'last good keys stay loaded');
  });

  it('refuses a malformed key file without quoting it', async () => {
    const { dir } = await freshRing();
    const file = join(dir, 'broken.json');
    await writeFile(file, '{"jwk": {"d": "SECRET-MATERIAL"', { mode: 0o600 });
    await assert.rejects(openKeyRing(dir), (err: unknown) => {
      assert.ok(err instanceof CredentialError);
      assert.equal(err.message, `key file ${file} is malformed: not valid JSON`);
      assert.equal(err.cause, undefined);
      return true;
    });
  });

  it('refuses a key file whose kid is not its thumbprint', async () => {
    const { ring, dir } = await freshRing();
    const [credential, checkpoint] = await ring.ensureKeys();
    assert.ok(credential && checkpoint);
    const content = JSON.parse(await readFile(join(dir, `${credential.kid}.json`), 'utf8'));
    await rm(join(dir, `${credential.kid}.json`));
    const forged = join(dir, `${checkpoint.kid}.json`);
    await writeFile(forged, JSON.stringify({ ...content, kid: checkpoint.kid }), { mode: 0o600 });
    await assert.rejects(openKeyRing(dir), {
      message: `key file ${forged} is malformed: "kid" is not the RFC 7638 thumbprint of the key`,
    });
  });

  it('refuses a key file not named after its kid', async () => {
    const { ring, dir } = await freshRing();
    const [credential] = await ring.ensureKeys();
    assert.ok(credential);
    const moved = join(dir, 'renamed.json');
    await rename(join(dir, `${credential.kid}.json`), moved);
    await assert.rejects(openKeyRing(dir), {
      message: `key file ${moved} is malformed: name is not "<kid>.json"`,
    });
  });

  it('refuses a key directory writable by others', async () => {
    const dir = join(root, 'open-dir');
    await mkdir(dir, { mode: 0o700 });
    await chmod(dir, 0o777);
    await assert.rejects(openKeyRing(dir), {
      message: `key directory ${dir} is writable by group or others; it must be 0700`,
    });
  });
});
