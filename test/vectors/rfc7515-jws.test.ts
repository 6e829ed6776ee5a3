import * as assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { repoPath } from '../helpers/paths.js';
import { describe, it } from 'node:test';
import { MESSAGES } from '../../src/credentials/verify/messages.js';
import { createVerifier } from '../../src/credentials/verify/index.js';

interface Data {
  refused: { name: string; alg: string; token: string }[];
  ed25519: {
    name: string;
    publicJwk: { kty: string; crv: string; x: string };
    privateD: string;
    protectedHeader: string;
    payload: string;
    token: string;
  };
}

const data = JSON.parse(
  readFileSync(repoPath('test', 'vectors', 'rfc7515-jws.json'), 'utf8'),
) as Data;
const ed = data.ed25519;
const action = {
  kind: 'deploy',
  environment: 'prod-eu',
  project: 'payments',
  specHash: `sha256:${'0'.repeat(64)}`,
};
// The RFC 8037 key, published for credentials under its RFC 7638 thumbprint.
const jwks = {
  keys: [
    {
      ...ed.publicJwk,
      kid: 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k',
      'countersign:purpose': 'credential',
    },
  ],
};

describe('RFC 7515 example tokens are refused before any key is touched', () => {
  for (const v of data.refused) {
    it(`${v.name}: credential_malformed, alg not allowed`, async () => {
      const header = JSON.parse(
        Buffer.from(v.token.split('.')[0] as string, 'base64url').toString(),
      );
      assert.equal(header.alg, v.alg);
      const r = await createVerifier({ jwks }).verify(v.token, action, { now: 0 });
      assert.deepEqual(r, {
        ok: false,
        code: 'credential_malformed',
        message: MESSAGES.algNotAllowed,
      });
    });
  }
});

describe('RFC 8037 A.4 Ed25519 JWS', () => {
  const [headerSegment, payloadSegment, signatureSegment] = ed.token.split('.') as [
    string,
    string,
    string,
  ];

  it('encodes header and payload as the RFC does', () => {
    assert.equal(Buffer.from(headerSegment, 'base64url').toString('utf8'), ed.protectedHeader);
    assert.equal(Buffer.from(payloadSegment, 'base64url').toString('utf8'), ed.payload);
  });

  it('signing the JWS Signing Input with the RFC key gives the RFC signature', () => {
    const key = createPrivateKey({ key: { ...ed.publicJwk, d: ed.privateD }, format: 'jwk' });
    const input = Buffer.from(`${headerSegment}.${payloadSegment}`, 'ascii');
    assert.equal(sign(null, input, key).toString('base64url'), signatureSegment);
    const publicKey = createPublicKey({ key: ed.publicJwk, format: 'jwk' });
    assert.equal(verify(null, input, publicKey, Buffer.from(signatureSegment, 'base64url')), true);
  });

  it('is still not a credential: without typ and kid it is credential_malformed', async () => {
    const r = await createVerifier({ jwks }).verify(ed.token, action, { now: 0 });
    assert.deepEqual(r, {
      ok: false,
      code: 'credential_malformed',
      message: MESSAGES.typNotAllowed,
    });
  });
});
