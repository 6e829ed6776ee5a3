import * as assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, sign as signBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { actionFor, b64, claimsFor, credentialHeader, signCompact, testKey } from '../testing.js';
import { decodeSignature } from './jws.js';
import { claimInvalidMessage, MESSAGES } from './messages.js';
import { expectFailure, key, other, SPEC_HASH, token, verify } from '../verify-test-kit.js';
import type { CredentialClaims } from './types.js';

describe('verifyCredential: a good credential', () => {
  it('verifies and returns the claims and the signing kid', async () => {
    const r = await verify(token());
    assert.equal(r.ok, true);
    if (!r.ok) return;
    assert.equal(r.kid, key.kid);
    assert.deepEqual(r.claims, claimsFor(SPEC_HASH));
  });

  it('accepts a spec whose keys are reordered (same JCS hash)', async () => {
    const reordered = { steps: ['build', 'ship'], version: '2026.01.3', pipeline: 'payments' };
    assert.equal(await verify(token(), actionFor({ spec: reordered })).then((r) => r.ok), true);
  });

  it('accepts specHash in place of spec', async () => {
    const action = actionFor({ spec: undefined, specHash: SPEC_HASH });
    assert.equal((await verify(token(), action)).ok, true);
  });

  it('accepts a credential granting a superset of the required capabilities', async () => {
    const r = await verify(token({ cap: ['a', 'deploy:prod', 'network:egress', 'z'] }));
    assert.equal(r.ok, true);
  });

  it('defaults the action mode to execute', async () => {
    assert.equal((await verify(token(), actionFor({ mode: undefined }))).ok, true);
  });
});

describe('row 1: credential_malformed', () => {
  for (const [name, bad] of [
    ['an empty string', ''],
    ['two segments', 'eyJhIjoxfQ.eyJhIjoxfQ'],
    ['four segments', 'eyJhIjoxfQ.eyJhIjoxfQ.c2ln.c2ln'],
    ['a header that is not base64url', 'ey*J.eyJhIjoxfQ.c2ln'],
    ['a payload of impossible base64url length', `${b64(credentialHeader(key.kid))}.abcde.c2ln`],
    ['a number', 42 as unknown as string],
  ] as const) {
    it(`refuses ${name}`, async () => {
      await expectFailure(verify(bad), 'credential_malformed', MESSAGES.notCompact);
    });
  }

  it('refuses a payload segment that is not canonical base64url, even when validly signed', async () => {
    const header = b64(credentialHeader(key.kid));
    const payload = b64(claimsFor(SPEC_HASH));
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // a segment whose length leaves unused bits in its last character: set one of them
    const trimmed = payload.length % 4 === 0 ? b64({ ...claimsFor(SPEC_HASH), x: 1 }) : payload;
    assert.notEqual(trimmed.length % 4, 0);
    const last = trimmed.at(-1) as string;
    const twin = trimmed.slice(0, -1) + (alphabet[alphabet.indexOf(last) ^ 1] as string);
    assert.deepEqual(Buffer.from(twin, 'base64url'), Buffer.from(trimmed, 'base64url'));
    const signed = (segment: string) => {
      const input = `${header}.${segment}`;
      return `${input}.${signBytes(null, Buffer.from(input, 'latin1'), key.privateKey).toString('base64url')}`;
    };
    for (const [name, segment] of [
      ['non-zero unused bits', twin],
      ['padding', `${payload}==`],
      ['the standard alphabet', payload.replaceAll('-', '+').replaceAll('_', '/') + '+'],
      ['white space', `${payload.slice(0, 8)} ${payload.slice(8)}`],
      ['nothing', ''],
    ] as const) {
      await expectFailure(
        verify(signed(segment)),
        'credential_malformed',
        MESSAGES.notCompact,
      ).catch((err: unknown) => {
        throw new Error(`${name}: ${String(err)}`);
      });
    }
  });

  it('refuses a header that is not a JSON object', async () => {
    const t = `${b64('[1,2]')}.${b64(claimsFor(SPEC_HASH))}.${'A'.repeat(86)}`;
    await expectFailure(verify(t), 'credential_malformed', MESSAGES.headerInvalid);
  });

  it('refuses alg "none" (an unsecured JWS) before touching a key', async () => {
    const t = `${b64({ alg: 'none', kid: key.kid, typ: 'countersign-approval+jwt' })}.${b64(claimsFor(SPEC_HASH))}.`;
    await expectFailure(verify(t), 'credential_malformed', MESSAGES.algNotAllowed);
  });

  it('refuses HS256 signed with the public key bytes as the HMAC secret', async () => {
    const header = { alg: 'HS256', kid: key.kid, typ: 'countersign-approval+jwt' };
    const input = `${b64(header)}.${b64(claimsFor(SPEC_HASH))}`;
    const secret = Buffer.from(key.jwk.x as string, 'base64url');
    const mac = createHmac('sha256', secret).update(input).digest('base64url');
    await expectFailure(verify(`${input}.${mac}`), 'credential_malformed', MESSAGES.algNotAllowed);
  });

  it('refuses an RS256 token', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const header = { alg: 'RS256', kid: key.kid, typ: 'countersign-approval+jwt' };
    const input = `${b64(header)}.${b64(claimsFor(SPEC_HASH))}`;
    const sig = signBytes('sha256', Buffer.from(input), rsa.privateKey).toString('base64url');
    await expectFailure(verify(`${input}.${sig}`), 'credential_malformed', MESSAGES.algNotAllowed);
  });

  it('refuses the wrong typ, and a missing one', async () => {
    const jwt = { alg: 'EdDSA', kid: key.kid, typ: 'JWT' };
    await expectFailure(verify(token({}, jwt)), 'credential_malformed', MESSAGES.typNotAllowed);
    const none = { alg: 'EdDSA', kid: key.kid };
    await expectFailure(verify(token({}, none)), 'credential_malformed', MESSAGES.typNotAllowed);
  });

  it('refuses a critical header extension', async () => {
    const header = { ...credentialHeader(key.kid), crit: ['exp'], exp: 1 };
    await expectFailure(
      verify(token({}, header)),
      'credential_malformed',
      MESSAGES.critUnsupported,
    );
  });

  it('refuses a missing or empty kid', async () => {
    const header = { alg: 'EdDSA', typ: 'countersign-approval+jwt' };
    await expectFailure(verify(token({}, header)), 'credential_malformed', MESSAGES.kidInvalid);
    const empty = { ...header, kid: '' };
    await expectFailure(verify(token({}, empty)), 'credential_malformed', MESSAGES.kidInvalid);
  });

  it('refuses a signature that is not 64 bytes of canonical base64url', async () => {
    const t = token();
    const short = t.slice(0, t.lastIndexOf('.') + 1) + 'A'.repeat(85);
    await expectFailure(verify(short), 'credential_malformed', MESSAGES.signatureEncoding);
    // The last of 86 characters carries 4 unused bits: a non-canonical twin is refused.
    const last = t.at(-1) as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = alphabet[alphabet.indexOf(last) ^ 1] as string;
    const nonCanonical = t.slice(0, -1) + twin;
    await expectFailure(verify(nonCanonical), 'credential_malformed', MESSAGES.signatureEncoding);
    // every last character: accepted exactly when it is the canonical encoding of its bytes
    const body = t.slice(t.lastIndexOf('.') + 1, -1);
    for (const c of alphabet) {
      const segment = body + c;
      const canonical = Buffer.from(segment, 'base64url').toString('base64url') === segment;
      assert.equal(decodeSignature(segment) !== undefined, canonical, `last character ${c}`);
    }
  });

  it('refuses signed claims that are not a JSON object', async () => {
    const t = signCompact(credentialHeader(key.kid), 'not json', key.privateKey);
    await expectFailure(verify(t), 'credential_malformed', MESSAGES.claimsInvalid);
  });

  for (const claim of [
    'iss',
    'sub',
    'jti',
    'exp',
    'project',
    'env',
    'spec_hash',
    'cap',
    'approvers',
  ]) {
    it(`refuses a credential without "${claim}"`, async () => {
      const claims: Record<string, unknown> = { ...claimsFor(SPEC_HASH) };
      delete claims[claim];
      const t = signCompact(credentialHeader(key.kid), claims, key.privateKey);
      await expectFailure(verify(t), 'credential_malformed', claimInvalidMessage(claim), { claim });
    });
  }

  for (const [claim, value] of [
    ['v', '1'],
    ['iat', '1767225600'],
    ['nbf', 1.5],
    ['posture', 'production'],
    ['action', { kind: 'deploy', mode: 'run' }],
    ['config_hash', 'md5:abc'],
    ['cap', 'deploy:prod'],
    ['approvers', [{ sub: 'bob' }]],
    ['break_glass', 'false'],
    ['single_use', 1],
  ] as const) {
    it(`refuses an ill-typed "${claim}"`, async () => {
      const t = token({ [claim]: value } as Partial<CredentialClaims>);
      await expectFailure(verify(t), 'credential_malformed', claimInvalidMessage(claim), { claim });
    });
  }

  it('refuses exp <= iat', async () => {
    const t = token({ exp: claimsFor(SPEC_HASH).iat });
    await expectFailure(verify(t), 'credential_malformed', MESSAGES.expNotAfterIat);
  });

  it('refuses nbf before iat or at exp', async () => {
    const { iat, exp } = claimsFor(SPEC_HASH);
    await expectFailure(
      verify(token({ nbf: iat - 1 })),
      'credential_malformed',
      MESSAGES.nbfOutOfRange,
    );
    await expectFailure(
      verify(token({ nbf: exp })),
      'credential_malformed',
      MESSAGES.nbfOutOfRange,
    );
  });

  it('refuses a lifetime above the maximum (row 10), and accepts one at it', async () => {
    const { iat } = claimsFor(SPEC_HASH);
    const long = token({ exp: iat + 86_401 });
    await expectFailure(verify(long), 'credential_malformed', MESSAGES.lifetimeTooLong, {
      lifetime: 86_401,
      maxLifetime: 86_400,
    });
    assert.equal(
      (await verify(token({ exp: iat + 900 }), actionFor(), { maxLifetime: 900 })).ok,
      true,
    );
    await expectFailure(
      verify(token({ exp: iat + 901 }), actionFor(), { maxLifetime: 900 }),
      'credential_malformed',
      MESSAGES.lifetimeTooLong,
    );
  });
});

describe('keyset_unavailable', () => {
  it('answers for an empty key set', async () => {
    await expectFailure(
      verify(token(), actionFor(), { jwks: { keys: [] } }),
      'keyset_unavailable',
      MESSAGES.keysetUnavailable,
    );
  });

  it('answers for a missing key set', async () => {
    await expectFailure(
      verify(token(), actionFor(), { jwks: undefined }),
      'keyset_unavailable',
      MESSAGES.keysetUnavailable,
    );
  });

  it('comes after the header checks: a bad alg is still malformed', async () => {
    const t = `${b64({ alg: 'none', kid: key.kid, typ: 'countersign-approval+jwt' })}.${b64({})}.`;
    await expectFailure(
      verify(t, actionFor(), { jwks: { keys: [] } }),
      'credential_malformed',
      MESSAGES.algNotAllowed,
    );
  });
});

describe('row 2: unknown_signing_key', () => {
  it('answers when the kid is not in the set', async () => {
    const t = signCompact(credentialHeader('key-unknown'), claimsFor(SPEC_HASH), key.privateKey);
    await expectFailure(verify(t), 'unknown_signing_key', MESSAGES.unknownKey, {
      kid: 'key-unknown',
    });
  });

  it('answers for a key marked revoked', async () => {
    const revoked = { ...key.jwk, 'countersign:status': 'revoked' };
    await expectFailure(
      verify(token(), actionFor(), { jwks: { keys: [revoked, other.jwk] } }),
      'unknown_signing_key',
      MESSAGES.unknownKey,
    );
  });

  it('answers for a checkpoint key: it never verifies credentials', async () => {
    const checkpoint = testKey('audit-key', 'checkpoint');
    const t = signCompact(
      credentialHeader(checkpoint.kid),
      claimsFor(SPEC_HASH),
      checkpoint.privateKey,
    );
    await expectFailure(
      verify(t, actionFor(), { jwks: { keys: [key.jwk, checkpoint.jwk] } }),
      'unknown_signing_key',
      MESSAGES.unknownKey,
    );
  });

  it('answers for a key without a purpose marker', async () => {
    const unmarked = { kty: 'OKP', crv: 'Ed25519', x: key.jwk.x, kid: key.kid };
    await expectFailure(
      verify(token(), actionFor(), { jwks: { keys: [unmarked] } }),
      'unknown_signing_key',
      MESSAGES.unknownKey,
    );
  });

  it('answers when one kid names two different keys (ambiguous, fail closed)', async () => {
    const clash = { ...other.jwk, kid: key.kid };
    await expectFailure(
      verify(token(), actionFor(), { jwks: { keys: [key.jwk, clash] } }),
      'unknown_signing_key',
      MESSAGES.unknownKey,
    );
  });
});

describe('row 3: invalid_signature', () => {
  it('answers for a payload edited after signing', async () => {
    const [h, , s] = token().split('.') as [string, string, string];
    const edited = b64(claimsFor(SPEC_HASH, { env: 'prod-us' }));
    await expectFailure(
      verify(`${h}.${edited}.${s}`),
      'invalid_signature',
      MESSAGES.invalidSignature,
    );
  });

  it('answers for a token signed by a key outside the set under a known kid', async () => {
    const t = signCompact(credentialHeader(key.kid), claimsFor(SPEC_HASH), other.privateKey);
    await expectFailure(verify(t), 'invalid_signature', MESSAGES.invalidSignature);
  });

  it('comes before any claim check: a forged expired credential is invalid_signature', async () => {
    const claims = claimsFor(SPEC_HASH, { exp: 1 });
    const t = signCompact(credentialHeader(key.kid), claims, other.privateKey);
    await expectFailure(verify(t), 'invalid_signature', MESSAGES.invalidSignature);
  });
});

describe('row 4: unsupported_version', () => {
  it('answers for v 3, whatever else the claims hold', async () => {
    const t = signCompact(credentialHeader(key.kid), { v: 3, other: true }, key.privateKey);
    await expectFailure(verify(t), 'unsupported_version', MESSAGES.unsupportedVersion, {
      version: 3,
      supported: [2],
    });
  });

  it('refuses a version 1 credential, which bound less than an approval decided', async () => {
    const t = signCompact(
      credentialHeader(key.kid),
      { ...claimsFor(SPEC_HASH), v: 1 },
      key.privateKey,
    );
    await expectFailure(verify(t), 'unsupported_version', MESSAGES.unsupportedVersion, {
      version: 1,
      supported: [2],
    });
  });
});
