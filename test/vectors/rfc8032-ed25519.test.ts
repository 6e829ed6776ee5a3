import * as assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { repoPath } from '../helpers/paths.js';
import { describe, it } from 'node:test';
import { calculateJwkThumbprint } from 'jose';

interface Vector {
  name: string;
  secretKey: string;
  publicKey: string;
  message: string;
  signature: string;
  jwk?: { kty: string; crv: string; d: string; x: string };
  jwkThumbprint?: string;
}

const { vectors } = JSON.parse(
  readFileSync(repoPath('test', 'vectors', 'rfc8032-ed25519.json'), 'utf8'),
) as { vectors: Vector[] };

// PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410 §7): a fixed 16-byte prefix.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
// SPKI wrapping of a raw Ed25519 public key (RFC 8410 §4).
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function privateKeyOf(secretHex: string) {
  const der = Buffer.concat([PKCS8_ED25519_PREFIX, Buffer.from(secretHex, 'hex')]);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}
function publicKeyOf(publicHex: string) {
  const der = Buffer.concat([SPKI_ED25519_PREFIX, Buffer.from(publicHex, 'hex')]);
  return createPublicKey({ key: der, format: 'der', type: 'spki' });
}

describe('RFC 8032 §7.1 Ed25519 vectors (node:crypto, as the key ring and verifier use it)', () => {
  assert.ok(vectors.length >= 4);
  for (const v of vectors) {
    const message = Buffer.from(v.message, 'hex');
    const signature = Buffer.from(v.signature, 'hex');

    it(`${v.name}: the secret key derives the public key`, () => {
      const derived = createPublicKey(privateKeyOf(v.secretKey)).export({ format: 'jwk' }).x;
      assert.equal(Buffer.from(derived as string, 'base64url').toString('hex'), v.publicKey);
    });

    it(`${v.name}: signing the message gives the expected signature`, () => {
      assert.equal(sign(null, message, privateKeyOf(v.secretKey)).toString('hex'), v.signature);
    });

    it(`${v.name}: the signature verifies, and a flipped bit does not`, () => {
      const key = publicKeyOf(v.publicKey);
      assert.equal(verify(null, message, key, signature), true);
      const flipped = Buffer.from(signature);
      flipped[0] = (flipped[0] as number) ^ 1;
      assert.equal(verify(null, message, key, flipped), false);
      const longer = Buffer.concat([message, Buffer.from([0])]);
      assert.equal(verify(null, longer, key, signature), false);
    });

    if (v.jwk !== undefined && v.jwkThumbprint !== undefined) {
      const { jwk, jwkThumbprint } = v;
      it(`${v.name}: as an RFC 8037 JWK it is the same key, with the RFC's thumbprint (our kid)`, async () => {
        assert.equal(Buffer.from(jwk.d, 'base64url').toString('hex'), v.secretKey);
        assert.equal(Buffer.from(jwk.x, 'base64url').toString('hex'), v.publicKey);
        const fromJwk = createPrivateKey({ key: jwk, format: 'jwk' });
        assert.equal(sign(null, message, fromJwk).toString('hex'), v.signature);
        const thumbprint = await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x });
        assert.equal(thumbprint, jwkThumbprint);
      });
    }
  }
});
