/**
 * A witness's own Ed25519 cosigning key on disk: one line
 *
 *   PRIVATE+KEY+<name>+<hex key ID>+<base64(0x04 ‖ 32-byte seed)>
 *
 * in the style of golang.org/x/mod/sumdb/note private keys, with the cosignature/v1 signature
 * type. The file is written 0600 and never leaves the witness host.
 */
import { Buffer } from 'node:buffer';
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  type KeyObject,
} from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import {
  COSIGNATURE_V1_TYPE,
  cosignerKeyId,
  formatCosignerKey,
  type NoteSigner,
} from '../audit/index.js';
import { decodeBase64 } from '../audit/signed-note.js';

// PKCS#8 DER prefix of an Ed25519 private key; the 32-byte seed follows
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface WitnessKey {
  name: string;
  signer: NoteSigner;
  /** The verifier key to give to logs and verifiers: `<name>+<id>+<base64(0x04 ‖ key)>`. */
  verifierKey: string;
}

function rawPublicKey(privateKey: KeyObject): Uint8Array {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(jwk.x as string, 'base64url'));
}

function fromPrivateKey(name: string, privateKey: KeyObject): WitnessKey {
  const publicKey = rawPublicKey(privateKey);
  return {
    name,
    signer: { name, publicKey, sign: (m: Uint8Array) => new Uint8Array(sign(null, m, privateKey)) },
    verifierKey: formatCosignerKey(name, publicKey),
  };
}

/** Creates a key for witness `name` and writes it to `file` (0600; refuses to overwrite). */
export function generateWitnessKey(name: string, file: string): WitnessKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  const seed = der.subarray(PKCS8_PREFIX.length);
  const key = fromPrivateKey(name, privateKey);
  const id = Buffer.from(cosignerKeyId(name, key.signer.publicKey)).toString('hex');
  const material = Buffer.concat([Buffer.from([COSIGNATURE_V1_TYPE]), seed]).toString('base64');
  writeFileSync(file, `PRIVATE+KEY+${name}+${id}+${material}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}

/** Reads a key file written by {@link generateWitnessKey}; TypeError when it is not one. */
export function loadWitnessKey(file: string): WitnessKey {
  const text = readFileSync(file, 'utf8').trim();
  const m = /^PRIVATE\+KEY\+([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(text);
  const material = m ? decodeBase64(m[3] as string) : undefined;
  if (!m || material?.length !== 33 || material[0] !== COSIGNATURE_V1_TYPE) {
    throw new TypeError(`${file} is not a witness key (PRIVATE+KEY+<name>+<id>+<key>)`);
  }
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, material.subarray(1)]),
    format: 'der',
    type: 'pkcs8',
  });
  const key = fromPrivateKey(m[1] as string, privateKey);
  if (Buffer.from(cosignerKeyId(key.name, key.signer.publicKey)).toString('hex') !== m[2]) {
    throw new TypeError(`${file}: the key ID does not match the key`);
  }
  return key;
}
